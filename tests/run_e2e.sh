#!/bin/sh
# Runs every tests/e2e/tNNNN-*.sh against BUILD/granary; each gets its own temp dir.
build=${1:-build}
GRANARY=$(cd "$build" && pwd)/granary
export GRANARY
pass=0 failn=0
for t in tests/e2e/t[0-9]*.sh; do
    [ -f "$t" ] || continue
    tmp=$(mktemp -d /tmp/granary-e2e.XXXXXX)
    if (cd "$tmp" && TESTDIR="$OLDPWD/tests" sh "$OLDPWD/$t") >"$tmp.log" 2>&1; then
        pass=$((pass + 1)); echo "ok   $t"
        rm -rf "$tmp" "$tmp.log"
    else
        failn=$((failn + 1)); echo "FAIL $t (log: $tmp.log)"; tail -n 40 "$tmp.log"
    fi
done
echo "e2e: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
