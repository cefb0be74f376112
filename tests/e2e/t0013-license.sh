# t0013-license: each record's effective licence (its own, else its source's,
# none = no use cleared), license check per intended use with its exit code,
# conflicts, the NOTICE written beside an export, and through the daemon.
. "$TESTDIR/e2e/lib.sh"
expect_rc 0 "$G" init
{
	for i in 1 2 3; do printf '{"text":"cc by text %d","url":"https://by.example/%d","license":"CC-BY-4.0"}\n' $i $i; done
	for i in 1 2; do printf '{"text":"nc text %d","url":"https://nc.example/%d","license":"CC-BY-NC-4.0"}\n' $i $i; done
	printf '{"text":"sa text","url":"https://sa.example/1","license":"CC-BY-SA-4.0"}\n'
	printf '{"text":"no licence at all","url":"https://none.example/1"}\n'
} >mixed.jsonl
for i in 1 2 3 4; do printf '{"text":"from the mit source %d","url":"https://mit.example/%d"}\n' $i $i; done >src.jsonl
expect_rc 0 "$G" ingest d mixed.jsonl
expect_rc 0 "$G" ingest d src.jsonl
expect_rc 0 "$G" license set --source src.jsonl "mit"
expect_in out "source src.jsonl: MIT" "the source's licence is normalised (mit -> MIT)"
expect_rc 6 "$G" license set --source src.jsonl "MIT AND"
expect_rc 3 "$G" license set --source nosuch.jsonl MIT

expect_rc 9 "$G" --json license check d --use commercial
cp out com.json
expect_in com.json '"allowed":false' "commercial use of d is not allowed"
expect_eq "records not cleared for commercial use (2 NC + 1 without licence)" "$(json_num records_not_allowed com.json)" 3
expect_eq "records without a licence" "$(json_num records_without_license com.json)" 1
expect_in com.json '"license":"MIT","records":4' "the MIT source's 4 records take its licence"
expect_in com.json '"a":"CC-BY-NC-4.0","b":"CC-BY-SA-4.0"' "share-alike with non-commercial is a conflict"
expect_rc 9 "$G" license check d --use research
expect_in out "(no licence known)" "the unlicensed record blocks research use too"

expect_rc 0 "$G" filter d --where "license IN ('CC-BY-4.0', 'MIT')" --into clean
expect_rc 0 "$G" license check clean --use commercial
expect_in out "clean@v1 for commercial use: allowed" "the filtered version is cleared"
expect_rc 0 "$G" filter d --where "license IS NOT NULL AND license <> 'CC-BY-SA-4.0'" --into research
expect_rc 0 "$G" license check research --use research
expect_rc 9 "$G" license check research --use commercial

expect_rc 0 "$G" export clean -o clean.jsonl
expect_in clean.jsonl.NOTICE "Licence: CC-BY-4.0 (attribution required)" "NOTICE names the CC BY licence and its duty"
expect_in clean.jsonl.NOTICE "mixed.jsonl: 3 records from by.example" "NOTICE credits the source and domain"
expect_in clean.jsonl.NOTICE "src.jsonl: 4 records from mit.example" "NOTICE lists the MIT source"
expect_not_in clean.jsonl.NOTICE "nc.example" "NOTICE lists only what was exported"
# two sources under one licence: both are credited, and what follows them too
for i in 1 2; do printf '{"text":"more cc by text %d","url":"https://by2.example/%d","license":"CC-BY-4.0"}\n' $i $i; done >more.jsonl
expect_rc 0 "$G" ingest two mixed.jsonl
expect_rc 0 "$G" ingest two more.jsonl
expect_rc 0 "$G" export two -o two.jsonl
expect_in two.jsonl.NOTICE "mixed.jsonl: 3 records from by.example" "NOTICE: the first CC BY source"
expect_in two.jsonl.NOTICE "more.jsonl: 2 records from by2.example" "NOTICE: the second source under the same licence"
expect_in two.jsonl.NOTICE "Licence: CC-BY-NC-4.0" "NOTICE: the licences after it"
expect_in two.jsonl.NOTICE "Licence: no licence known" "NOTICE: and the records without one, last"

SOCK=$(mktemp -d /tmp/granary-t0013.XXXXXX)/g.sock
"$(dirname "$G")/granaryd" --hub .granary --socket "$SOCK" >daemon.log 2>&1 &
DPID=$!
trap 'kill -TERM $DPID 2>/dev/null; rm -rf "$(dirname "$SOCK")"' EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
code=$(curl -s --unix-socket "$SOCK" -o out -w '%{http_code}' 'http://g/v1/datasets/d/versions/2/license?use=commercial')
expect_eq "GET .../license: 200" "$code" 200
cmp -s out com.json && ok "the daemon's report is the CLI's" || bad "the daemon's licence report differs from the CLI's"
code=$(curl -s --unix-socket "$SOCK" -o out -w '%{http_code}' 'http://g/v1/datasets/d/versions/2/license?use=nonsense')
expect_eq "a bad use: 400" "$code" 400
code=$(curl -s --unix-socket "$SOCK" -o notice.txt -w '%{http_code}' 'http://g/v1/datasets/clean/versions/1/notice')
expect_eq "GET .../notice: 200" "$code" 200
expect_in notice.txt "src.jsonl: 4 records from mit.example" "the daemon serves the NOTICE"
GRANARY_SOCKET=$SOCK "$G" license check d --use commercial >/dev/null 2>&1
expect_eq "through the daemon the CLI still exits 9" "$?" 9
kill -TERM $DPID
wait $DPID
finish
