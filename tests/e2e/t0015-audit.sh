# t0015-audit: the audit report against numbers planted in a hub — sources of
# different licences, personal data, pages that opted out (a local site crawled
# by wget: a noai page, a TDM-reserved one), an applied removal, a pending
# removal request whose records are still there — section by section, the
# verdict and its exit code, the schema, Markdown, and through the daemon.
. "$TESTDIR/e2e/lib.sh"
# jv KEY FILE: the number after the first "KEY": in FILE
jv() { grep -o "\"$1\":[0-9.]*" "$2" | head -n 1 | cut -d: -f2; }
expect_rc 0 "$G" init
{
	for i in 1 2 3 4; do printf '{"text":"open licensed text number %d with enough words here","url":"https://open.example/%d","license":"CC-BY-4.0"}\n' $i $i; done
	for i in 1 2; do printf '{"text":"non commercial text %d, write to person%d@example.org","url":"https://nc.example/%d","license":"CC-BY-NC-4.0"}\n' $i $i $i; done
	printf '{"text":"a page someone asked to remove, number one","url":"https://gone.example/1","license":"CC-BY-4.0"}\n'
	printf '{"text":"a page with a pending request on it","url":"https://pending.example/1","license":"CC-BY-4.0"}\n'
} >a.jsonl
for i in 1 2 3; do printf '{"text":"mit source text %d","url":"https://mit.example/%d"}\n' $i $i; done >m.jsonl
expect_rc 0 "$G" ingest d a.jsonl --scan
expect_rc 0 "$G" ingest d m.jsonl --scan
expect_rc 0 "$G" license set --source m.jsonl MIT
# opt-out: three pages crawled by wget from a local server; kept (and flagged) with --no-respect-optout
mkdir -p site
printf '<html><head><title>Open</title></head><body><p>An open page that links to the others.</p><a href="noai.html">n</a> <a href="reserved.html">r</a></body></html>' >site/index.html
printf '<html lang="en"><head><meta name="robots" content="noai"></head><body><p>The owner of this page said no AI training, please.</p></body></html>' >site/noai.html
printf '<html><body><p>This page reserves its text and data mining rights in a header.</p></body></html>' >site/reserved.html
printf 'tdm-reservation: 1\r\n' >site/reserved.html.headers
"$TOOLS/httpd" site port &
httpd=$!
for _ in $(seq 50); do [ -s port ] && break; sleep 0.05; done
(cd site && wget -q --mirror --warc-file=../site http://127.0.0.1:"$(cat ../port)"/ 2>/dev/null)
kill "$httpd"
expect_rc 0 "$G" --json ingest d site.warc.gz --scan --no-respect-optout
expect_in out '"optout_flagged":2' "the crawl: two pages flagged (noai, TDM reservation)"
expect_rc 0 "$G" consent add --url https://gone.example/1 --apply
expect_rc 0 "$G" consent add --url https://pending.example/1 --received 2026-01-01 --deadline 2026-01-31

# an unknown use is refused before anything is read
expect_rc 6 "$G" audit d --use everything
expect_in err "--use is commercial, research or academic" "audit: an unknown use is named"
expect_rc 6 "$G" license check d --use everything
expect_in err "--use is commercial, research or academic" "license check: an unknown use is named"
expect_rc 9 "$G" --json audit d --use commercial
cp out a.json
expect_in a.json '"format":"granary-audit/1"' "the report names its format"
expect_in a.json '"version":"d@v4"' "it audits the head (after the removal)"
# provenance: the removal's version, then the two ingests
expect_in a.json '"operation":"remove"' "provenance: the removal version"
expect_eq "provenance: the three ingests in the lineage" "$(grep -o '"operation":"ingest"' a.json | wc -l)" 3
expect_in a.json '"name":"m.jsonl","records":3,"license":"MIT","uri":"file://' "provenance: the MIT source with its records and where it was read"
expect_eq "provenance: every source has its retrieval date" "$(grep -o '"retrieved":"20[0-9-]*T' a.json | wc -l)" 3
# licences: 2 NC records and the 3 crawled pages (no licence known) are not cleared for commercial use
expect_eq "licences: records not allowed" "$(jv records_not_allowed a.json)" 5
expect_eq "licences: records without a licence" "$(jv records_without_license a.json)" 3
expect_in a.json '"license":"CC-BY-NC-4.0","records":2' "licences: the NC records"
expect_in a.json 'Licence: CC-BY-4.0 (attribution required)' "licences: the NOTICE attributions, CC-BY credited"
expect_in a.json 'Licence: no licence known' "licences: the NOTICE names the records without a licence"
# the audit reads the records by licence and source once for its facts, its
# licence check and its NOTICE: each must say what its own command says
expect_rc 9 "$G" --json license check d --use commercial
cp out lc.json
expect_rc 0 "$G" export d -o ex.jsonl
python3 - a.json lc.json ex.jsonl.NOTICE <<'PY' >cmp.out
import json, sys
a = json.load(open(sys.argv[1]))["licenses"]
lc = json.load(open(sys.argv[2]))
notice = open(sys.argv[3]).read()
same = [k for k in ("licenses", "records_not_allowed", "records_without_license", "conflicts", "allowed") if a[k] == lc[k]]
print("licence check:", len(same), "of 5 keys the same")
# the first line names the day it was written
print("notice:", "same" if a["notice"].split("\n", 1)[1] == notice.split("\n", 1)[1] else "differs")
PY
expect_in cmp.out 'licence check: 5 of 5 keys the same' "the audit's licences are those of license check"
expect_in cmp.out 'notice: same' "the audit's NOTICE is the one an export writes"
# consent
expect_eq "consent: records matching an applied removal" "$(jv records_matching_removals a.json)" 0
expect_eq "consent: records a pending request covers" "$(jv records_matching_pending_requests a.json)" 1
expect_eq "consent: overdue requests" "$(jv requests_overdue a.json)" 1
expect_eq "consent: removals applied since d@v4 was made" "$(jv removals_applied_since a.json)" 0
expect_eq "consent: pages that reserved TDM rights" "$(jv tdm_reservation a.json)" 1
expect_eq "consent: pages that said noai" "$(jv noai a.json)" 1
expect_in a.json '"check":"no opt-out signals","status":"fail"' "consent: the opt-out pages fail the check"
expect_not_in a.json "pending.example/1" "the report does not repeat a request's selector"
# personal data
expect_in a.json '"EMAIL":2' "personal data: two records with an e-mail address"
expect_in a.json '"scanned_completely":true' "personal data: every record scanned"
# quality
expect_in a.json '"quality":{"records":13,' "quality: 13 records (14 less the one removed)"
expect_in a.json '"exact_duplicates":0' "quality: no exact duplicates"
expect_in a.json '"attribute_bands":{"words":{"bounds":"50..100000","below":13,"within":0,"above":0}' "quality: every record has fewer words than Gopher's 50"
expect_in a.json '"near_duplicates":{"threshold":0.72,"measured":false' "quality: near duplicates not measured without signatures"
expect_in a.json '"last_change":null' "documentation: none written yet"
expect_in a.json '"check":"every applied removal purged and verified","status":"pass"' "consent: the applied removal was purged and its check found nothing"
# documentation: none yet
expect_in a.json '"check":"required documentation present","status":"fail"' "documentation: required fields missing fails"
# the verdict names each failing check
for c in "licence allows the use" "no record a pending removal request covers" "no removal request overdue" \
	"no opt-out signals" "required documentation present"; do
	grep -qF "\"failing\":[" a.json && grep -o '"failing":\[[^]]*\]' a.json | grep -qF "$c" &&
		ok "verdict names: $c" || bad "verdict does not name: $c"
done

echo "== fix what failed: the audit passes (with warnings at most)"
expect_rc 0 "$G" remove 2
expect_rc 0 "$G" filter d --where "license <> 'CC-BY-NC-4.0'" --into clean
document clean Clean 'CC-BY-4.0 AND MIT' '[{"name":"a.jsonl","retrieved":"2026-11-28"},{"name":"m.jsonl","retrieved":"2026-11-28"}]'
"$G" --json audit clean --use commercial >b.json
rc=$?
expect_eq "the clean version passes (exit 0)" "$rc" 0
expect_in b.json '"result":"pass"' "verdict: pass"
expect_in b.json '"last_change":{"updated":"20' "documentation: when the documents last changed"
expect_in b.json '"version":"clean@v1"}' "documentation: ... and on which version"
expect_in b.json '"retrieved":"2026-11-28"' "provenance: a retrieval date the documentation gives is used"
expect_rc 0 "$G" audit clean --use commercial -o report.md
expect_in report.md "**Verdict: pass**" "the Markdown report has the verdict"
expect_in report.md "## Provenance" "the Markdown report has its sections"
expect_in report.md "| licence allows the use | pass |" "the Markdown report lists the checks"

echo "== near duplicates, from the signatures dedup --near stored"
w="the quick brown fox jumps over the lazy dog while the farmer counts his sheep in the valley below the hill"
{
	printf '{"text":"%s and then sleeps","url":"https://nd.example/1","license":"MIT"}\n' "$w"
	printf '{"text":"%s and then sleeps!","url":"https://nd.example/2","license":"MIT"}\n' "$w"
	printf '{"text":"an entirely different text about compilers, linkers and the loaders of shared objects","url":"https://nd.example/3","license":"MIT"}\n'
} >nd.jsonl
expect_rc 0 "$G" ingest nd nd.jsonl
expect_rc 0 "$G" dedup nd --near --into nd-clean
"$G" --json audit nd --use research >nd.json
expect_in nd.json '"near_duplicates":{"threshold":0.72,"measured":true,"texts":3,"texts_with_signature":3,"near_duplicate_texts":1' \
	"quality: one of the three texts is a near duplicate"

echo "== a release's audit is kept in history.git"
expect_rc 0 "$G" tag clean r1
expect_rc 0 "$G" --json audit clean@r1 --use commercial
expect_in out '"snapshot":{"branch":"audits"' "auditing a release commits the report"
cp out c.json

echo "== the reports follow schema/audit.schema.json"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
SCHEMA="$TESTDIR/../schema/audit.schema.json"
expect_rc 0 "$PY" "$TESTDIR/docs/check_schema.py" --schema "$SCHEMA" a.json b.json c.json nd.json
# the check can fail: a verdict the schema does not allow, a section missing
sed 's/"result":"pass"/"result":"maybe"/' b.json >bad1.json
expect_rc 1 "$PY" "$TESTDIR/docs/check_schema.py" --schema "$SCHEMA" bad1.json
expect_in err "maybe" "a verdict outside pass/pass-with-warnings/fail is refused"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["consent"]; json.dump(d, open(sys.argv[2], "w"))' b.json bad2.json
expect_rc 1 "$PY" "$TESTDIR/docs/check_schema.py" --schema "$SCHEMA" bad2.json
expect_in err "consent" "a report without its consent section is refused"
expect_eq "history.git keeps it under audits/clean/r1" \
	"$(git -C .granary/history.git ls-tree -r --name-only audits | grep -c '^clean/r1/audit-commercial-')" 1
expect_eq "the kept report has the verdict" \
	"$(git -C .granary/history.git show "audits:$(git -C .granary/history.git ls-tree -r --name-only audits | head -n 1)" | grep -o '"result":"pass"')" '"result":"pass"'
expect_rc 0 "$G" --json audit clean --use commercial
expect_not_in out '"snapshot"' "auditing a version that is not named as a release keeps nothing"

echo "== through the daemon"
SOCK=$(mktemp -d /tmp/granary-t0015.XXXXXX)/g.sock
"$(dirname "$G")/granaryd" --hub .granary --socket "$SOCK" >daemon.log 2>&1 &
DPID=$!
trap 'kill -TERM $DPID 2>/dev/null; rm -rf "$(dirname "$SOCK")"' EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
code=$(curl -s --unix-socket "$SOCK" -o out -w '%{http_code}' 'http://g/v1/datasets/d/versions/4/audit?use=commercial')
expect_eq "GET .../audit: 200" "$code" 200
expect_in out '"result":"fail"' "the daemon's audit of d@v4 fails too"
code=$(curl -s --unix-socket "$SOCK" -o out -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	-d '{"use":"commercial"}' 'http://g/v1/datasets/clean/versions/1/audit')
expect_eq "POST .../audit: a job (202)" "$code" 202
job=$(json_num id out)
for _ in $(seq 200); do
	curl -s --unix-socket "$SOCK" -o out "http://g/v1/jobs/$job"
	grep -q '"state":"done"' out && break
	sleep 0.1
done
expect_in out '"state":"done"' "the audit job finished"
expect_in out '"format":"granary-audit/1"' "its result is the report"
expect_in out '"result":"pass"' "... with the clean version's verdict"
code=$(curl -s --unix-socket "$SOCK" -o out -w '%{http_code}' -X POST -d '{}' 'http://g/v1/datasets/clean/versions/1/audit')
expect_eq "POST .../audit without a use: 400" "$code" 400
GRANARY_SOCKET=$SOCK "$G" audit clean --use commercial >/dev/null 2>&1
expect_eq "the CLI through the daemon exits 0 for the clean version" "$?" 0
kill -TERM $DPID
wait $DPID
finish
