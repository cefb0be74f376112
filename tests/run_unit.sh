#!/bin/sh
# Runs every cmocka unit test binary in BUILD/tests; fails if any fails.
build=${1:-build}
pass=0 failn=0
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    if "$t" >"$t.log" 2>&1; then
        pass=$((pass + 1))
    else
        failn=$((failn + 1))
        echo "FAIL $t"; tail -n 30 "$t.log"
    fi
    grep -E '^\[  (PASSED|FAILED)' "$t.log" | sed "s|^|$(basename "$t"): |"
done
echo "unit: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
