# lib.sh: helpers shared by the end-to-end tests tests/e2e/tNNNN-*.sh.
# Each test sources it first: . "$TESTDIR/e2e/lib.sh"
# (its name does not match the runner's glob t[0-9]*.sh, so it is not run as a test).
# Sets G (the granary binary), TOOLS, DATA, C4, CCNET and failures; the checks
# below print "ok   ..." or "FAIL ..." and count the failures; finish ends a test.
set -u
G=${GRANARY:?}
TOOLS=$(dirname "$G")/tools
DATA=${TESTDIR:?}/data
C4=$DATA/c4-sample.01.json.gz
CCNET=$DATA/ccnet-cc_en_head-0091.jsonl
failures=0
# EXPECT_IN_WIDTH: when set (a test sets it after sourcing), expect_in cuts the
# lines of FILE it shows on a failure to this many characters
EXPECT_IN_WIDTH=

ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	failures=$((failures + 1))
}
# show_out: the first lines of ./out and ./err, after a failed check
show_out() {
	sed -n '1,15s/^/     out| /p' out
	sed -n '1,15s/^/     err| /p' err
}
# expect_rc WANT CMD...: runs CMD (stdout in ./out, stderr in ./err)
expect_rc() {
	want=$1
	shift
	"$@" >out 2>err
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "exit $rc: $*"
	else
		bad "exit $rc, expected $want: $*"
		show_out
	fi
}
# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1 = $(printf %s "$3" | tr '\n' ' ' | cut -c1-100)"
	else
		bad "$1: got '$2', expected '$3'"
	fi
}
# expect_in FILE FIXED-STRING WHAT
expect_in() {
	if grep -qF -- "$2" "$1"; then
		ok "$3"
	else
		bad "$3: '$2' not in $1"
		if [ -n "$EXPECT_IN_WIDTH" ]; then
			sed -n '1,10s/^/     | /p' "$1" | cut -c1-"$EXPECT_IN_WIDTH"
		else
			sed -n '1,10s/^/     | /p' "$1"
		fi
	fi
}
# expect_not_in FILE FIXED-STRING WHAT
expect_not_in() {
	if grep -qF -- "$2" "$1"; then
		bad "$3: '$2' found in $1"
		grep -F -- "$2" "$1" | sed -n '1,5s/^/     | /p'
	else
		ok "$3"
	fi
}
# json_num KEY FILE: the first number after "KEY": in FILE
json_num() { grep -o "\"$1\":[0-9]*" "$2" | head -n 1 | cut -d: -f2; }
# corpus SEED RECORDS [n]: JSONL of varied text, about 8.7 kB per record;
# with a third argument "n" each record also gets a field "n" (its index)
corpus() {
	awk -v seed="$1" -v n="$2" -v withn="${3:-}" 'BEGIN {
		srand(seed)
		nw = split("the of and to in is was for on that with as by at from this be are or an it not which have has but all were when we there can more one their been also if other new will its into than two some time who may first such only about these most any would over after out up so used many them then between well three river market garden winter letter engine school harbour silver forest mountain", w, " ")
		for (i = 0; i < n; i++) {
			len = int(rand() * 2400) + 100
			printf "{\"text\":\"%d-%d", seed, i
			for (j = 0; j < len; j++)
				printf " %s%s", w[int(rand() * nw) + 1], (rand() < 0.06) ? "." : ""
			printf "\",\"url\":\"https://s%d.example/%d/%d\"", i % 71, seed, i
			if (withn == "n")
				printf ",\"n\":%d", i
			printf "}\n"
		}
	}'
}
# document DATASET NAME LICENCE SOURCES_JSON: fills the 12 fields the default
# documentation policy requires, so the version may be tagged as a release
document() {
	for kv in "card.name=$2" "card.description=Written by a Granary test" "card.curators=Granary" \
		"card.removal_contact=privacy@example.org" "card.license=$3" "card.languages=en" \
		"collection.method=Written by the test" "collection.timeframe=2026-11" "uses.intended=Testing" \
		"uses.out_of_scope=Anything else" "personal_information=Planted by the test"; do
		"$G" doc set "$1" "${kv%%=*}" "${kv#*=}" >/dev/null || bad "doc set $1 ${kv%%=*}"
	done
	"$G" doc set "$1" sources "$4" >/dev/null || bad "doc set $1 sources"
}
# finish [NAME]: the summary line and the exit status of a test; NAME defaults
# to the script's tNNNN
finish() {
	name=${1:-$(basename "$0" .sh)}
	name=${name%%-*}
	if [ "$failures" -ne 0 ]; then
		echo "$name: $failures check(s) failed"
		exit 1
	fi
	echo "$name: all checks passed"
}
