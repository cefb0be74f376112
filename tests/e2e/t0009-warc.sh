# t0009-warc: web captures. Every WARC/WET/WAT sample written by other tools
# (tests/data/SOURCES.md) ingests, with record counts equal to an independent
# count made here with awk; clipped and truncated files keep their good
# records and report the bad one; the text extracted from whirlwind's WARC
# response shares >= 90% of its words with Common Crawl's own WET text; a
# site served locally with tdm-reservation (header and <meta>), robots noai
# and a CC licence, crawled by wget into a WARC, is dropped / flagged as the
# options say, and the signals are queryable in the catalog; the same site as
# the plain files wget --mirror saved: each page extracted like a capture.
. "$TESTDIR/e2e/lib.sh"
EXPECT_IN_WIDTH=200
expect_rc 0 "$G" init

# text_captures FILE: 2xx responses whose HTTP Content-Type is text/html or
# text/plain, plus resource (not a tool's metadata:// or dns:), conversion
# and revisit records — read line by line from the decompressed file
text_captures() {
	gzip -dcf "$1" 2>/dev/null | awk '
	/^WARC\/[0-9]/ { inwarc = 1; type = ""; uri = ""; next }
	inwarc && /^WARC-Type:/ { type = $2; sub(/\r/, "", type) }
	inwarc && /^WARC-Target-URI:/ { uri = $2 }
	inwarc && /^\r?$/ {
		inwarc = 0
		if (type == "response") { inhttp = 1; first = 1; status = ""; ctype = "" }
		else if (type == "conversion" || type == "revisit") n++
		else if (type == "resource" && uri !~ /^<?(metadata|dns):/) n++
		next
	}
	inhttp && first { status = $2; first = 0; next }
	inhttp && tolower($0) ~ /^content-type:/ { ctype = tolower($2) }
	inhttp && /^\r?$/ { inhttp = 0; if (status ~ /^2/ && ctype ~ /^text\/(html|plain)/) n++ }
	END { print n + 0 }'
}

echo "== every sample file"
for f in "$DATA"/*.warc*; do
	name=$(basename "$f")
	ds=$(echo "$name" | tr -c 'A-Za-z0-9\n' '-')
	counted=$(text_captures "$f")
	expect_rc 0 "$G" --json ingest "$ds" "$f"
	got=$(json_num input_records out)
	skipped=$(json_num skipped out)
	case $name in
	clipped.warc.gz | warcio-trunc.warc)
		# the one capture is cut short: reported, not kept
		expect_eq "$name: records" "$got" 0
		expect_eq "$name: the cut capture counted by awk" "$counted" 1
		expect_in err "record at byte" "$name: the bad record is reported with its offset"
		;;
	*)
		expect_eq "$name: records = text captures counted by awk ($counted)" "$got" "$counted"
		expect_eq "$name: nothing skipped" "$skipped" 0
		;;
	esac
done
expect_rc 6 "$G" ingest strict "$DATA/warcio-trunc.warc" --strict
expect_rc 3 "$G" show strict

echo "== what a capture keeps"
"$G" export wget-sample-0000-warc-gz -o wget.jsonl >/dev/null
expect_not_in wget.jsonl '"url":"<' "wget's <...> around WARC-Target-URI is removed"
expect_in wget.jsonl '"warc_record_id":"<urn:uuid:' "the WARC-Record-ID is kept"
expect_in wget.jsonl '"http_status":200' "the HTTP status is kept"
"$G" export cc-main-2020-34-excerpt-warc-gz -o cc.jsonl >/dev/null
expect_in cc.jsonl '"warc_metadata":{"fetchTimeMs":' "Common Crawl's metadata record is attached to its capture"
expect_in cc.jsonl '"warc_ip_address":' "the IP address is kept"
expect_in cc.jsonl '"warcinfo_is_part_of":"CC-MAIN-2020-34"' "the warcinfo record's collection is given to its captures"
expect_in cc.jsonl '"request_user_agent":"CCBot/2.0' "the request record's User-Agent is given to the capture of its URI"
expect_in wget.jsonl '"warcinfo_software":"Wget/1.21.4' "wget's warcinfo software is kept"
"$G" export warcio-iana-chunked-warc -o iana.jsonl >/dev/null
expect_in iana.jsonl 'Internet Assigned Numbers Authority' "a chunked response decodes to its page's text"
expect_rc 0 "$G" --hub rev init
expect_rc 0 "$G" --hub rev --json ingest revisit "$DATA/warcio-example.warc.gz"
expect_in out '"revisits":1' "the revisit record points to the payload it repeats"
expect_eq "two records, one new content: the revisit stores nothing" "$(json_num input_records out) $(json_num new_contents out)" "2 1"
"$G" export whirlwind-warc-wet-gz -o wet.jsonl >/dev/null
expect_in wet.jsonl '"warc_refers_to":"<urn:uuid:' "a WET conversion keeps WARC-Refers-To"
expect_in wet.jsonl '"warc_identified_content_language":' "and the identified language"

echo "== whirlwind: extracted text against Common Crawl's WET text"
"$G" export whirlwind-warc-gz -o warc.jsonl >/dev/null
warc_id=$(grep -o '"id":"[0-9a-f]*"' warc.jsonl | head -n 1 | cut -d'"' -f4)
wet_id=$(grep -o '"id":"[0-9a-f]*"' wet.jsonl | head -n 1 | cut -d'"' -f4)
"$G" cat whirlwind-warc-gz "$warc_id" | tr -cs '[:alnum:]' '\n' | tr 'A-Z' 'a-z' | sort -u >warc.words
"$G" cat whirlwind-warc-wet-gz "$wet_id" | tr -cs '[:alnum:]' '\n' | tr 'A-Z' 'a-z' | sort -u >wet.words
both=$(comm -12 warc.words wet.words | wc -l)
wet=$(wc -l <wet.words)
pct=$((100 * both / wet))
echo "     WET words: $wet distinct, of which $both ($pct%) are in Granary's text ($(wc -l <warc.words) distinct)"
[ "$pct" -ge 90 ] && ok "word overlap with the WET text: $pct% >= 90%" || bad "word overlap with the WET text: $pct% < 90%"
expect_rc 0 "$G" ingest lean "$DATA/whirlwind.warc.gz" --drop-boilerplate
"$G" cat lean "$("$G" records lean | cut -c1-16)" | wc -w >lean.n
"$G" cat whirlwind-warc-gz "$warc_id" | wc -w >full.n
[ "$(cat lean.n)" -lt "$(cat full.n)" ] && ok "--drop-boilerplate drops page furniture ($(cat full.n) -> $(cat lean.n) words)" ||
	bad "--drop-boilerplate: $(cat lean.n) words, not fewer than $(cat full.n)"

echo "== opt-out signals: a local site crawled by wget"
mkdir -p site
printf '<html><head><title>Open</title></head><body><p>Anyone may mine this page.</p><a href="reserved.html">r</a> <a href="meta.html">m</a> <a href="cc.html">c</a></body></html>' >site/index.html
printf '<html><body><p>This page reserves its TDM rights in a header.</p></body></html>' >site/reserved.html
printf 'tdm-reservation: 1\r\ntdm-policy: https://example.org/policy.json\r\n' >site/reserved.html.headers
printf '<html><head><meta name="tdm-reservation" content="1"></head><body><p>Reserved by a meta tag.</p></body></html>' >site/meta.html
printf '<html lang="en"><head><meta name="robots" content="noai, noimageai"><link rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/"></head><body><p>Licensed page, no AI please.</p></body></html>' >site/cc.html
"$TOOLS/httpd" site port &
httpd=$!
for _ in $(seq 50); do [ -s port ] && break; sleep 0.05; done
(cd site && wget -q --mirror --warc-file=../site http://127.0.0.1:"$(cat ../port)"/ 2>/dev/null)
kill "$httpd"
expect_eq "wget wrote a WARC" "$(test -s site.warc.gz && echo yes)" yes
expect_rc 0 "$G" --json ingest site site.warc.gz
expect_in out '"optout_dropped":2' "two pages reserved TDM rights (header, meta): dropped by default"
expect_eq "records kept" "$(json_num input_records out)" 2
"$G" export site -o site.jsonl >/dev/null
expect_not_in site.jsonl "reserves its TDM rights" "the header-reserved page is not in the hub"
expect_rc 0 "$G" --json ingest site-all site.warc.gz --no-respect-optout
expect_eq "--no-respect-optout keeps them" "$(json_num input_records out)" 4
expect_in out '"optout_flagged":3' "and flags them (two TDM reservations, one noai)"
"$TOOLS/sqlexec" .granary/catalog.db "SELECT w.tdm_reservation, coalesce(w.tdm_policy,''), w.noai, w.noimageai, coalesce(w.license,''), coalesce(w.lang,''), r.url FROM record_web w JOIN records r ON r.id = w.record WHERE r.url LIKE 'http://127.0.0.1:%' ORDER BY r.url" >signals.txt
sed 's/^/     | /' signals.txt
expect_in signals.txt "$(printf '0\t\t1\t1\tCC-BY-SA-4.0\ten\t')" "noai, noimageai, the CC licence as SPDX and the language are recorded"
expect_in signals.txt "$(printf '1\thttps://example.org/policy.json\t0\t0\t\t\t')" "the header's TDM reservation and policy are recorded"
expect_in signals.txt "$(printf '1\t\t0\t0\t\t\t')" "the meta tag's TDM reservation is recorded"

echo "== the same site as the files wget --mirror saved (no WARC): pages extracted like captures"
mirror=site/127.0.0.1:$(cat port)
expect_eq "wget saved the four pages" "$(ls "$mirror" | sort | tr '\n' ' ')" "cc.html index.html meta.html reserved.html "
printf 'A note beside the pages, <b>kept as it is</b>.\n' >"$mirror/notes.txt"
expect_rc 0 "$G" --json ingest pages "$mirror"
expect_in out '"captures":4,"optout_dropped":1' "the page with a TDM <meta> is dropped (the header-reserved one cannot say so as a file)"
expect_eq "records: three pages and the note" "$(json_num input_records out)" 4
"$G" export pages -o pages.jsonl >/dev/null
expect_not_in pages.jsonl "Reserved by a meta tag" "the reserved page is not in the hub"
expect_not_in pages.jsonl '<p>' "no markup left in the pages' texts"
expect_in pages.jsonl '"text":"Anyone may mine this page.' "a page's text is what it shows"
expect_in pages.jsonl '"path":"index.html","content_type":"text/html","title":"Open"' "its path, type and title are kept"
expect_in pages.jsonl 'kept as it is</b>' "a text file beside them stays as it is"
"$TOOLS/sqlexec" .granary/catalog.db "SELECT w.noai, w.noimageai, coalesce(w.license,''), coalesce(w.lang,''), json_extract(r.meta, '$.path') FROM record_web w JOIN records r ON r.id = w.record WHERE json_extract(r.meta, '$.path') = 'cc.html'" >pagesig.txt
expect_eq "the mirrored page's noai, noimageai, licence and language are recorded" "$(cat pagesig.txt)" "$(printf '1\t1\tCC-BY-SA-4.0\ten\tcc.html')"
cp "$mirror/index.html" one.html
mkdir -p sub && cp one.html sub/one.html
expect_rc 0 "$G" --json ingest onepage one.html
expect_eq "a page named on the command line is a record" "$(json_num new_records out)" 1
expect_rc 0 "$G" --json ingest onepage "$PWD/sub/one.html"
expect_eq "... the same record however its path is typed" "$(json_num new_records out)" 0
expect_rc 9 "$G" --json license check pages --use commercial
expect_in out '"license":"CC-BY-SA-4.0","records":1' "the page's licence link is its record's licence"
expect_in out '"records_without_license":3' "the other pages and the note have none"
expect_rc 0 "$G" verify
finish
