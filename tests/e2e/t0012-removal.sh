# t0012-removal: a removal request honoured to the last byte. Records holding
# a unique marker are ingested (and copied into other datasets and versions,
# tagged as a documented release, and exported); removing them by URL, then by an e-mail address in the text,
# must leave no trace of the marker anywhere under the hub — raw, inside any
# zstd frame of any pack (decompressed here with the zstd tool), in
# catalog.db and its WAL, or in any object of history.git (read with git) —
# while older versions list the records as removed and a re-ingest of the
# original file stores nothing of them and says so.
. "$TESTDIR/e2e/lib.sh"
MARK=QX7-removal-marker-5b9d
EMARK=jane.marker.roe@example.org

# no_trace WHAT STRING: STRING is nowhere under .granary, by independent tools
no_trace() {
	found=""
	for f in $(find .granary -type f); do
		grep -qF -- "$2" "$f" && found="$found $f"
		case $f in
		*.pack) zstd -dcq "$f" 2>/dev/null | grep -qF -- "$2" && found="$found $f(zstd)" ;;
		esac
	done
	git -C .granary/history.git cat-file --batch-all-objects --batch 2>/dev/null | grep -qF -- "$2" &&
		found="$found history.git-objects"
	if [ -z "$found" ]; then ok "$1: '$2' is nowhere under the hub"; else bad "$1: '$2' found in:$found"; fi
}

corpus 7 400 >base.jsonl
# three records with the marker: two at their own URLs, one elsewhere with the e-mail address
printf '{"text":"A page that says %s and more words here to make it a real text.","url":"https://victim.example/a"}\n' "$MARK" >marked.jsonl
printf '{"text":"Another page: %s again, with other words so the text differs.","url":"https://victim.example/b"}\n' "$MARK" >>marked.jsonl
printf '{"text":"Contact Jane at %s for details; she asked to be removed.","url":"https://other.example/c"}\n' "$EMARK" >>marked.jsonl
cat base.jsonl marked.jsonl >all.jsonl

expect_rc 0 "$G" init
expect_rc 0 "$G" ingest web all.jsonl --scan
expect_rc 0 "$G" filter web --where "len > 0" --into copy
expect_rc 0 "$G" dedup web --into web-dedup
# the release: its required documentation, then the tag
document web Web CC-BY-4.0 '[{"name":"all.jsonl","retrieved":"2026-11-28"}]'
expect_rc 0 "$G" tag web r1 -m "the release before the removal"
expect_rc 0 "$G" export web -o before.jsonl
expect_eq "the marker is in the hub before (zstd -dc of the packs)" \
	"$(for f in $(find .granary -name '*.pack'); do zstd -dcq "$f"; done | grep -o -- "$MARK" | wc -l)" 2
before_records=$("$G" records web | wc -l)

echo "== remove by URL prefix (both marked pages)"
expect_rc 0 "$G" --json consent add --url-prefix https://victim.example/ --requester "the site owner" --basis opt-out --apply
cp out rm1.json
expect_in rm1.json '"matches":2' "two records matched"
expect_in rm1.json '"versions_affected":3' "three versions held them (web@v1, copy@v1, web-dedup@v1)"
expect_in rm1.json '"versions_made":3' "each of the three datasets got a version without them"
expect_in rm1.json '"traces":0' "the built-in check found no trace"
expect_in rm1.json '"selector":null' "the applied request keeps no selector in clear"
no_trace "after removal by URL" "$MARK"
expect_rc 0 "$G" verify --full
# every dataset got a version without them
for ds in web copy web-dedup; do
	expect_eq "$ds: the head lost the two records" "$("$G" --json show $ds | json_num records /dev/stdin)" \
		"$(($("$G" --json show $ds@v1 | json_num records /dev/stdin) - 2))"
done
# older versions list them as removed; reading one says why
expect_eq "web@v1 lists two removed records" "$("$G" records web@v1 | grep -c 'removed .* by request 1')" 2
rid=$("$G" records web@v1 | grep 'removed' | head -n 1 | cut -c1-16)
expect_rc 3 "$G" cat web@v1 "$rid"
expect_in err "was removed on" "reading a removed record says it was removed"
expect_rc 0 "$G" export web@v1 -o old.jsonl
expect_eq "exporting the old version leaves them out" "$(wc -l <old.jsonl)" $((before_records - 2))
expect_eq "the release web@r1 lists them as removed" "$("$G" records web@r1 | grep -c 'removed .* by request 1')" 2
expect_rc 0 "$G" export web@r1 -o release.jsonl
expect_eq "exporting the release leaves them out" "$(grep -c -- "$MARK" release.jsonl)" 0
expect_eq "the export made before still has them (outside the hub)" "$(grep -c -- "$MARK" before.jsonl)" 2

echo "== re-ingesting the original file stores nothing of them"
expect_rc 0 "$G" --json ingest web all.jsonl
expect_in out '"suppressed":2' "the re-ingest says it suppressed 2 records"
no_trace "after the re-ingest" "$MARK"
expect_rc 0 "$G" ingest other marked.jsonl
expect_in out "suppressed 2 records" "a new dataset from the same file: suppressed too"

echo "== remove by an e-mail address in the text"
expect_rc 0 "$G" --json consent add --text "JANE.Marker.Roe@Example.org" --basis gdpr-art17 --apply
cp out rm2.json
expect_in rm2.json '"matches":2' "the record holding the address, in web and in other"
no_trace "after removal by text" "$EMARK"
no_trace "after removal by text (case)" "jane.marker.roe"
printf '{"text":"New crawl: write to %s now.","url":"https://new.example/x"}\n' "$EMARK" >new.jsonl
expect_rc 0 "$G" --json ingest fresh new.jsonl
expect_in out '"suppressed":1' "a later text with the address is kept out"

echo "== requests, the governance log"
expect_rc 0 "$G" --json removal list
expect_in out '"status":"applied"' "requests are listed as applied"
expect_not_in out "$EMARK" "the list does not show the removed address"
expect_rc 0 "$G" log --audit
expect_in out "removal.apply" "the governance log has the removals"
expect_eq "governance log entries: 12 doc.set, the tag, 2 requests, 2 removals" "$(wc -l <out)" 17
expect_eq "... of which the removals" "$(grep -c " removal\.apply " out)" 2
expect_rc 0 "$G" verify

echo "== through the daemon: POST /v1/removals with apply runs a job"
SOCK=$(mktemp -d /tmp/granary-t0012.XXXXXX)/g.sock
"$(dirname "$G")/granaryd" --hub .granary --socket "$SOCK" >daemon.log 2>&1 &
DPID=$!
trap 'kill -TERM $DPID 2>/dev/null; rm -rf "$(dirname "$SOCK")"' EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
api() { curl -s --unix-socket "$SOCK" -o out -w '%{http_code}' "$@"; }
code=$(api -X POST -H 'Content-Type: application/json' -d '{"selector_kind":"domain","selector":"s3.example","apply":true}' http://g/v1/removals)
expect_eq "POST /v1/removals with apply: 202" "$code" 202
job=$(json_num id out)
for _ in $(seq 200); do api "http://g/v1/jobs/$job" >/dev/null; grep -q '"state":"done"' out && break; sleep 0.1; done
expect_in out '"state":"done"' "the removal job finished"
expect_eq "GET /v1/removals/3" "$(api http://g/v1/removals/3)" 200
expect_in out '"status":"applied"' "request 3 is applied"
expect_eq "GET /v1/governance-log" "$(api http://g/v1/governance-log)" 200
expect_in out '"action":"removal.apply","request":3' "the daemon's removal is in the governance log"
GRANARY_SOCKET=$SOCK "$G" --json show web >show.json
expect_eq "web lost the s3.example records" "$(GRANARY_SOCKET=$SOCK "$G" query web "select count(*) from records where domain = 's3.example'" | tail -n 1 | tr -d ' ')" 0
kill -TERM $DPID
wait $DPID
trap - EXIT
rm -rf "$(dirname "$SOCK")"

echo "== a removal cut short after its commit is finished by the next writer"
CMARK=QX9-crash-marker-71e3
printf '{"text":"A crawled page with %s in it and enough other words to count as a text.","url":"https://crash.example/p"}\n' "$CMARK" >crash.jsonl
expect_rc 0 "$G" ingest crashset crash.jsonl
expect_rc 70 env GRANARY_FAULT=removal-after-commit "$G" consent add --url https://crash.example/p --apply
expect_eq "the crash left an old pack holding the marker" \
	"$(for f in $(find .granary -name '*.pack'); do zstd -dcq "$f"; done | grep -c -- "$CMARK")" 1
expect_rc 0 "$G" --json removal show 4
expect_in out '"status":"applied"' "the request is applied (the commit happened)"
expect_not_in out '"resumed"' "its work after the commit is not done yet"
expect_in out '"unfinished":true' "removal show says it is unfinished"
expect_rc 0 "$G" removal list
expect_in err "cut short after their commit" "removal list says so loudly"
expect_rc 9 "$G" --json audit crashset --use research
expect_in out '"check":"every applied removal purged and verified","status":"fail"' "an audit fails on the cut-short removal"
expect_in out '"removals_unfinished":1' "the audit counts it"
expect_rc 0 "$G" gc
no_trace "after the next writer finished the cut-short removal" "$CMARK"
expect_rc 0 "$G" --json removal show 4
expect_in out '"resumed"' "the request says it was finished later"
expect_in out '"orphan_packs_deleted":1' "one old pack was deleted"
expect_in out '"unfinished":false' "and is no longer unfinished"
expect_rc 0 "$G" log --audit
expect_in out "removal.resume" "the governance log has the resumption"
expect_rc 9 "$G" --json audit crashset --use research
expect_in out '"check":"every applied removal purged and verified","status":"pass"' "afterwards that audit check passes"
expect_rc 0 "$G" verify --full
finish
