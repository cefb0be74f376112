#!/bin/sh
# Replays every fuzz target's corpus (tests/fuzz/corpus/NAME) through its checks.
build=${1:-build}
pass=0 failn=0
for r in "$build"/fuzz/fuzz_*-replay; do
    [ -x "$r" ] || continue
    name=$(basename "$r" -replay); name=${name#fuzz_}
    n=$(ls tests/fuzz/corpus/"$name" | wc -l)
    if find tests/fuzz/corpus/"$name" -type f -print0 | xargs -0 "$r" >/dev/null 2>"$r.log"; then
        pass=$((pass + 1)); echo "fuzz replay $name: $n inputs ok"
    else
        failn=$((failn + 1)); echo "FAIL fuzz replay $name"; tail -n 20 "$r.log"
    fi
done
echo "fuzz-replay: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
