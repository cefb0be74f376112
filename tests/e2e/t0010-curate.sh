# t0010-curate: issue 5's curation verbs on a corpus the test generates with
# planted personal data, exact and near duplicates: scan (cached by content
# hash), query (the records view, content functions, the sandbox), filter,
# dedup (exact, near, against another dataset; the duplicates view), export
# --redact, and the same operations as daemon jobs over the HTTP API.
# Every expected number comes from the generated input (awk, grep, wc) or
# from what the generator planted, never from granary's own output.
. "$TESTDIR/e2e/lib.sh"
D=$(dirname "$G")/granaryd
EXPECT_IN_WIDTH=200
export GRANARY_NO_DAEMON=1

# the daemon's socket: a short path whatever the test directory
SD=$(mktemp -d /tmp/granary-sock.XXXXXX)
S=$SD/g.sock
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null
	rm -rf "$SD"
}
trap cleanup EXIT

# rows FILE: the "rows" of a query's JSON, one line a row, cells split by a
# space, strings unquoted (the test's values hold no quotes, commas or brackets)
rows() { sed -n 's/.*"rows":\[\(.*\)\],"count".*/\1/p' "$1" | sed 's/^\[//; s/\]$//; s/\],\[/\n/g' | sed 's/"//g; s/,/ /g'; }
# qval DS SQL: the one value a query answers (its output in ./out, ./err)
qval() {
	"$G" --json query "$1" "$2" >out 2>err || { echo "query failed: $(cat err)"; return; }
	rows out
}
# pii_of TYPE FILE: "records spans" of TYPE in a scan's JSON
pii_of() { grep -o "\"$1\":{\"records\":[0-9]*,\"spans\":[0-9]*}" "$2" | sed 's/.*"records":\([0-9]*\),"spans":\([0-9]*\)}/\1 \2/'; }
# fields FILE NAME...: the named string fields of each JSON line, tab-separated
# (the texts are ASCII without escapes, so a field is "name":"[^"]*")
fields() {
	f=$1
	shift
	awk -v names="$*" 'BEGIN { n = split(names, nm, " ") }
	{
		out = ""
		for (k = 1; k <= n; k++) {
			v = ""
			if (match($0, "\"" nm[k] "\":\"[^\"]*\""))
				v = substr($0, RSTART + length(nm[k]) + 4, RLENGTH - length(nm[k]) - 5)
			out = out (k > 1 ? "\t" : "") v
		}
		print out
	}' "$f"
}

echo "== 1. a generated corpus with planted personal data and duplicates"
# main.jsonl: 300 records; records 0-239 random texts ("doc<i>" and 40-270
# words), some with personal data; 240-253 exact copies of earlier texts
# (one text copied twice); 254-263 near copies (the last word, or the last
# two, changed); 264-266 half copies (Jaccard about 1/3: not duplicates);
# 267-299 random texts. eval.jsonl: 6 texts of main.jsonl under other URLs
# and 24 new texts. planted.tsv: every planted string with its type.
cat >gen.awk <<'EOF'
function rword() { return w[int(rand() * nw) + 1] }
function words(k,   s, j) {
	s = ""
	for (j = 0; j < k; j++)
		s = s " " rword() ((rand() < 0.05) ? "." : "")
	return s
}
# a Visa number with its Luhn check digit, in 4 groups of 4
function card(   k, s, sum, v) {
	for (;;) {
		s = "4"
		for (k = 2; k <= 15; k++) s = s int(rand() * 10)
		sum = 0
		for (k = 1; k <= 15; k++) {
			v = substr(s, k, 1) + 0
			if (k % 2 == 1) { v *= 2; if (v > 9) v -= 9 }
			sum += v
		}
		s = s ((10 - sum % 10) % 10)
		if (s !~ /000000|111111|222222|333333|444444|555555|666666|777777|888888|999999/) break
	}
	return substr(s, 1, 4) " " substr(s, 5, 4) " " substr(s, 9, 4) " " substr(s, 13, 4)
}
# a GB IBAN (bank WEST, 14 digits) with its ISO 7064 mod-97 check digits
function iban(   bban, num, k, m, c) {
	bban = "WEST"
	for (k = 0; k < 14; k++) bban = bban int(rand() * 10)
	num = ""
	for (k = 1; k <= length(bban) + 4; k++) {
		c = substr(bban "GB00", k, 1)
		num = num ((c ~ /[A-Z]/) ? index("ABCDEFGHIJKLMNOPQRSTUVWXYZ", c) + 9 : c)
	}
	m = 0
	for (k = 1; k <= length(num); k++) m = (m * 10 + substr(num, k, 1)) % 97
	return sprintf("GB%02d%s", 98 - m, bban)
}
function plant(type, s) { print type "\t" s >PLANTED; return s }
function rec(i, host, lang, t, file) {
	printf "{\"text\":\"%s\",\"url\":\"https://%s/p/%d\",\"lang\":\"%s\",\"n\":%d}\n", t, host, i, lang, i >file
}
BEGIN {
	srand(seed)
	nw = split("amber basin cedar delta ember fable grove harbor island jasper kettle lantern meadow nectar orchard pebble quarry raven saddle thistle umber valley willow yarrow zephyr anchor bramble cobalt dune elm fjord glacier heron ivy juniper kelp lagoon maple nimbus otter prairie quill reef sorrel tundra upland vapor walnut acorn birch canyon dahlia estuary fern gorge hazel inlet jade knoll lichen marsh nettle oasis pine ridge sage timber brook cliff creek dell field ford glen heath hill lake loch moor pond shore spring stone vale wood", w, " ")
	nh = split("alpha.org beta.com gamma.net news.delta.io epsilon.co.uk", hosts, " ")
	nl = split("en de fr", langs, " ")
	tld[0] = "org"; tld[1] = "com"; tld[2] = "net"; tld[3] = "de"
	N = 240
	for (i = 0; i < N; i++) {
		t = "doc" i words(int(rand() * 200) + 40)
		pii = 0
		if (i % 10 == 3) {
			t = t " write to " plant("EMAIL", "user" i "@mail" i % 7 "." tld[i % 4]) " today"
			if (i % 30 == 3) t = t " or " plant("EMAIL", "desk" i "@office.example.org")
			pii = 1
		}
		if (i % 25 == 7) { t = t " pay into " plant("IBAN", iban()) " please"; pii = 1 }
		if (i % 20 == 11) { t = t " host " plant("IP_ADDRESS", "93.184.216." (i % 250 + 1)) " answered"; pii = 1 }
		if (i % 40 == 17) { t = t " SSN " plant("US_SSN", (100 + i) "-" (10 + i % 80) "-" (1000 + i)) " on file"; pii = 1 }
		if (i % 50 == 21) { t = t " card " plant("CREDIT_CARD", card()) " charged"; pii = 1 }
		text[i] = t words(int(rand() * 30) + 5)
		haspii[i] = pii
	}
	# sources of the copies: long texts without personal data, each used once
	ns = 0
	for (i = 1; i < N; i += 2)
		if (!haspii[i] && split(text[i], tmp, " ") >= 120) src[++ns] = i
	if (ns < 32) { print "gen.awk: only " ns " sources" >"/dev/stderr"; exit 1 }
	i = N
	for (k = 1; k <= 13; k++) {
		text[i] = text[src[k]]
		print i "\t" src[k] >DUPS
		i++
	}
	text[i] = text[src[1]]; print i "\t" src[1] >DUPS; i++
	for (k = 14; k <= 23; k++) {
		t = text[src[k]]
		sub(/ [^ ]+$/, " zebra", t)
		if (k % 2) sub(/ [^ ]+ zebra$/, " quokka zebra", t)
		text[i] = t
		print i "\t" src[k] >NEAR
		i++
	}
	for (k = 24; k <= 26; k++) {
		nwd = split(text[src[k]], tmp, " ")
		t = "half" i
		for (j = 2; j <= nwd / 2; j++) t = t " " tmp[j]
		text[i] = t words(nwd / 2)
		print i "\t" src[k] >HALF
		i++
	}
	for (; i < 300; i++) text[i] = "doc" i words(int(rand() * 200) + 40)
	for (i = 0; i < 300; i++)
		rec(i, hosts[int(rand() * nh) + 1], langs[int(rand() * nl) + 1], text[i], "/dev/stdout")
	for (k = 27; k <= 32; k++) {
		rec(1000 + k, "eval.example.net", "en", text[src[k]], EVAL)
		print src[k] >AGAINST
	}
	for (k = 0; k < 24; k++) {
		t = "evaldoc" k words(int(rand() * 100) + 40)
		if (k % 6 == 0) t = t " mail " plant("EMAIL", "eval" k "@review.example.com") " now"
		if (k % 8 == 5) t = t " host " plant("IP_ADDRESS", "151.101.1." (k + 60)) " answered"
		rec(2000 + k, "eval.example.net", "en", t, EVAL)
	}
}
EOF
awk -v seed=10 -v PLANTED=planted.tsv -v EVAL=eval.jsonl -v DUPS=dups.tsv -v NEAR=near.tsv -v HALF=half.tsv \
	-v AGAINST=against.txt -f gen.awk >main.jsonl || {
	bad "the corpus generator failed"
	finish
}
# main.tsv / eval.tsv: n, url, host, lang, text of each input line
to_tsv() { awk -F'"' '{ n = $15; gsub(/[^0-9]/, "", n); h = $8; sub(/^https:\/\//, "", h); sub(/\/.*/, "", h)
	print n "\t" $8 "\t" h "\t" $12 "\t" $4 }' "$1"; }
to_tsv main.jsonl >main.tsv
to_tsv eval.jsonl >eval.tsv
expect_eq "main.jsonl: records" "$(wc -l <main.tsv)" 300
expect_eq "eval.jsonl: records" "$(wc -l <eval.tsv)" 30
expect_eq "the texts are plain ASCII words (no escapes, quotes or control bytes)" \
	"$(cut -f5 main.tsv eval.tsv | LC_ALL=C grep -c '[^A-Za-z0-9 .@-]')" 0
# The planted strings must be found by the scanner, and nothing else: this
# documents the formats the test relies on (src/scan/pii.h, rules.c).
cut -f5 main.tsv eval.tsv >alltexts.txt
"$G" --json pii alltexts.txt >pii.json
grep -o '"type":"[A-Z_]*","start":[0-9]*,"end":[0-9]*,"text":"[^"]*"' pii.json |
	sed 's/"type":"\([A-Z_]*\)".*"text":"\([^"]*\)"/\1\t\2/' | sort >found.tsv
sort planted.tsv >planted.sorted
if cmp -s found.tsv planted.sorted; then
	ok "granary pii finds exactly the $(wc -l <planted.tsv) planted strings ($(cut -f1 planted.tsv | sort | uniq -c | tr -s ' ' | tr '\n' ','))"
else
	bad "granary pii does not find exactly the planted strings (the test's assumption about the scanner)"
	diff found.tsv planted.sorted | sed -n '1,10s/^/     | /p'
fi
expect_eq "every planted IP address is global" \
	"$(grep -o '"type":"IP_ADDRESS"[^}]*"global":true' pii.json | wc -l)" "$(grep -c '^IP_ADDRESS' planted.tsv)"

# Expected counts, computed from the input:
# per_type TSV TYPE: "records spans" of the planted strings of TYPE in the texts of TSV
per_type() {
	awk -F'\t' -v type="$2" 'NR == FNR { if ($1 == type) p[$2] = 1; next }
	{ hit = 0; for (s in p) { t = $5; while ((k = index(t, s))) { spans++; hit = 1; t = substr(t, k + length(s)) } }
	  recs += hit }
	END { print recs + 0, spans + 0 }' planted.tsv "$1"
}
# with_pii TSV: records of TSV holding any planted string
with_pii() { awk -F'\t' 'NR == FNR { p[$2] = 1; next } { for (s in p) if (index($5, s)) { n++; break } } END { print n + 0 }' planted.tsv "$1"; }
distinct_main=$(cut -f5 main.tsv | sort -u | wc -l)
ndups=$(wc -l <dups.tsv)
nnear=$(wc -l <near.tsv)
nagainst=$(wc -l <against.txt)
echo "     main: 300 records, $distinct_main distinct texts; $ndups exact copies, $nnear near copies, $(wc -l <half.tsv) half copies"

echo "== 2. scan: at ingest, cached by content hash; a dataset ingested without --scan"
expect_rc 0 "$G" init
expect_rc 0 "$G" ingest main main.jsonl --scan
expect_rc 0 "$G" --json scan main
cp out scan1.json
expect_eq "scan after ingest --scan: records" "$(json_num records scan1.json)" 300
expect_eq "scan after ingest --scan: texts (distinct)" "$(json_num texts scan1.json)" "$distinct_main"
expect_eq "scan after ingest --scan: scanned now" "$(json_num scanned scan1.json)" 0
expect_eq "scan after ingest --scan: cached" "$(json_num cached scan1.json)" "$distinct_main"
for t in EMAIL IBAN IP_ADDRESS US_SSN CREDIT_CARD PHONE SECRET; do
	expect_eq "main: $t records and spans" "$(pii_of $t scan1.json)" "$(per_type main.tsv $t)"
done
expect_eq "main: records_with_pii" "$(json_num records_with_pii scan1.json)" "$(with_pii main.tsv)"
expect_eq "main: no record unscanned" "$(qval main 'select count(*) from records where not scanned')" 0
# the same counts from the file, without a hub (granary pii --jsonl)
expect_rc 0 "$G" --json pii --jsonl main.jsonl
cp out piifile.json
expect_eq "pii --jsonl: records" "$(json_num records piifile.json)" 300
for t in EMAIL IBAN IP_ADDRESS US_SSN CREDIT_CARD PHONE SECRET; do
	expect_eq "pii --jsonl: $t records and spans" "$(pii_of $t piifile.json)" "$(per_type main.tsv $t)"
done
# compressed as ingest reads it: gzip and zstd give the plain file's counts;
# a file that is not what its magic says is an error, not zero counts
gzip -c main.jsonl >main.jsonl.gz
zstd -q -c main.jsonl >main.jsonl.zst
for z in main.jsonl.gz main.jsonl.zst; do
	expect_rc 0 "$G" --json pii --jsonl "$z"
	expect_eq "pii --jsonl $z: records" "$(json_num records out)" 300
	for t in EMAIL IBAN US_SSN; do
		expect_eq "pii --jsonl $z: $t records and spans" "$(pii_of $t out)" "$(per_type main.tsv $t)"
	done
done
# standard input, compressed or not
for z in main.jsonl main.jsonl.gz; do
	expect_rc 0 sh -c '"$1" --json pii --jsonl - <"$2"' sh "$G" "$z"
	expect_eq "pii --jsonl - <$z: records, EMAIL" "$(json_num records out) $(pii_of EMAIL out)" \
		"300 $(per_type main.tsv EMAIL)"
done
expect_rc 0 sh -c '"$1" --json pii --jsonl - </dev/null' sh "$G"
expect_eq "pii --jsonl - with nothing on standard input" "$(json_num records out)" 0
head -c 4000 main.jsonl.gz >cut.jsonl.gz
expect_rc 6 "$G" pii --jsonl cut.jsonl.gz
expect_in err "cut.jsonl.gz" "a cut gzip file is named"
printf '{"text":"a@example.org"}\nnot json\n{"body":"x"}\n' >mixed.jsonl
expect_rc 0 "$G" --json pii --jsonl mixed.jsonl
expect_eq "pii --jsonl: lines that are not objects with a text are skipped" \
	"$(json_num records out) $(json_num skipped out)" "1 2"

expect_rc 0 "$G" ingest evalset eval.jsonl
# a filter that reads scan results on texts never scanned: refused, nothing
# made (exit 6, bad input: docs/exit-codes.md)
"$G" --json log evalset >log.before
expect_rc 6 "$G" filter evalset --where "pii_email = 0"
expect_in err "run 'granary scan evalset@v1' first" "the unscanned filter says to run granary scan"
expect_rc 6 "$G" filter evalset --where "words > 10" --into evalwords
expect_rc 3 "$G" show evalwords
"$G" --json log evalset >log.after
cmp -s log.before log.after && ok "no version was made by the refused filters" || bad "the refused filter changed evalset's log"
# evalset's texts: 6 are in main (scanned), the rest are new
eval_new=$(awk -F'\t' 'NR == FNR { m[$5] = 1; next } !($5 in m) && !s[$5]++ { n++ } END { print n + 0 }' main.tsv eval.tsv)
eval_old=$(awk -F'\t' 'NR == FNR { m[$5] = 1; next } ($5 in m) && !s[$5]++ { n++ } END { print n + 0 }' main.tsv eval.tsv)
expect_rc 0 "$G" --json scan evalset
cp out scan2.json
expect_eq "scan evalset: scanned the texts main does not hold" "$(json_num scanned scan2.json)" "$eval_new"
expect_eq "scan evalset: main's texts were cached" "$(json_num cached scan2.json)" "$eval_old"
for t in EMAIL IP_ADDRESS IBAN; do
	expect_eq "evalset: $t records and spans" "$(pii_of $t scan2.json)" "$(per_type eval.tsv $t)"
done
expect_rc 0 "$G" --json scan evalset
expect_eq "a second scan scans nothing" "$(json_num scanned out) $(json_num cached out)" "0 30"
"$G" --json query "select count(*) from records" >out 2>err
expect_eq "query without a dataset: every record of the hub" "$(rows out)" 330

echo "== 3. query: the records view and the content functions against awk and grep"
"$G" --json query main "select domain, count(*) from records group by domain order by domain" >out 2>err
expect_eq "records per domain" "$(rows out)" "$(cut -f3 main.tsv | LC_ALL=C sort | uniq -c | awk '{ print $2, $1 }')"
expect_eq "sum(len) = bytes of the texts" "$(qval main 'select sum(len) from records')" \
	"$(cut -f5 main.tsv | awk '{ n += length($0) } END { print n }')"
for n in 3 100 257; do
	url=$(awk -F'\t' -v n=$n '$1 == n { print $2 }' main.tsv)
	expect_eq "words of record $n = wc -w" "$(qval main "select words from records where url = '$url'")" \
		"$(awk -F'\t' -v n=$n '$1 == n { print $5 }' main.tsv | wc -w)"
done
url=$(awk -F'\t' '$1 == 41 { print $2 }' main.tsv)
"$G" --json query main "select text() as t from records where url = '$url'" >out 2>err
expect_eq "text() = the input text" "$(rows out)" "$(awk -F'\t' '$1 == 41 { print $5 }' main.tsv)"
expect_eq "contains('zebra') = grep -cF" "$(qval main "select count(*) from records where contains('zebra')")" \
	"$(cut -f5 main.tsv | grep -cF zebra)"
expect_eq "regexp(harbor between word boundaries) = grep -cw" "$(qval main "select count(*) from records where regexp('\\bharbor\\b')")" \
	"$(cut -f5 main.tsv | grep -cw harbor)"
expect_eq "regexp('[0-9]{3}-[0-9]{2}-[0-9]{4}') = grep -cE" \
	"$(qval main "select count(*) from records where regexp('[0-9]{3}-[0-9]{2}-[0-9]{4}')")" \
	"$(cut -f5 main.tsv | grep -cE '[0-9]{3}-[0-9]{2}-[0-9]{4}')"
expect_eq "the REGEXP operator on a column" "$(qval main "select count(*) from records where url regexp '^https://beta\\.com/'")" \
	"$(cut -f3 main.tsv | grep -cx beta.com)"
"$G" --json query main "select meta->>'\$.lang', count(*) from records group by 1 order by 1" >out 2>err
expect_eq "meta->>'\$.lang' counts" "$(rows out)" "$(cut -f4 main.tsv | sort | uniq -c | awk '{ print $2, $1 }')"
expect_eq "sum of meta->>'\$.n'" "$(qval main "select sum(meta->>'\$.n') from records")" "$(cut -f1 main.tsv | awk '{ s += $1 } END { print s }')"
expect_eq "lang column (from meta) = awk" "$(qval main "select count(*) from records where lang = 'de'")" "$(cut -f4 main.tsv | grep -cx de)"
expect_eq "sum(pii('EMAIL')) = planted e-mail addresses" "$(qval main "select sum(pii('EMAIL')) from records")" \
	"$(per_type main.tsv EMAIL | cut -d' ' -f2)"
expect_eq "records with pii_us_ssn > 0 = planted" "$(qval main 'select count(*) from records where pii_us_ssn > 0')" \
	"$(per_type main.tsv US_SSN | cut -d' ' -f1)"
expect_eq "records with pii_iban > 0 = planted" "$(qval main 'select count(*) from records where pii_iban > 0')" \
	"$(per_type main.tsv IBAN | cut -d' ' -f1)"

echo "== 4. the sandbox: refused statements change nothing"
"$G" --json ls >ls.before
"$G" --json log main >logmain.before
# the catalog and its write-ahead log, byte for byte
catalog_sum() { cat .granary/catalog.db .granary/catalog.db-wal 2>/dev/null | sha256sum | cut -c1-64; }
sum_before=$(catalog_sum)
# refused by the sandbox (exit 8, permission denied). count(*) of a table
# the view reads asks the authorizer for no column: it must be refused too.
while IFS= read -r sql; do
	expect_rc 8 "$G" query main "$sql" </dev/null
	grep -q '^granary: query refused: ' err || { bad "no 'query refused' message for: $sql"; show_out; }
done <<EOF
insert into records(id) values('x')
delete from main.records
update main.records set url = 'x'
insert into main.datasets(name) values('x')
attach database '$PWD/attached.db' as x
pragma table_info(records)
pragma main.journal_mode = delete
select * from sqlite_master
select * from main.records
select * from chunks
select count(*) from records where id in (select lower(hex(substr(addr, 1, 8))) from main.records)
select count(*) from main.records
select count(*) from main.scans
select load_extension('/lib/x86_64-linux-gnu/libc.so.6')
create table t(x)
drop view records
with recursive c(x) as (select 1 union all select x + 1 from c limit 5) select * from c
begin
vacuum into '$PWD/stolen.db'
select 1; delete from main.records
selec 1
delete from records
EOF
# refused as SQL errors (exit 6, bad input)
while IFS= read -r sql; do
	expect_rc 6 "$G" query main "$sql" </dev/null
done <<EOF
select count(*) from records; select 2
select * from nosuchtable
select count(*) from records where regexp('[')
select count(*) from records where (url = 'x'
EOF
expect_eq "the refused ATTACH and VACUUM INTO made no file" "$(ls attached.db stolen.db 2>/dev/null | wc -l)" 0
"$G" --json ls >ls.after
"$G" --json log main >logmain.after
cmp -s ls.before ls.after && ok "granary ls is unchanged" || bad "granary ls changed"
cmp -s logmain.before logmain.after && ok "granary log main is unchanged" || bad "granary log main changed"
expect_eq "the catalog and its WAL are unchanged" "$(catalog_sum)" "$sum_before"
expect_eq "main still has its records" "$(qval main 'select count(*) from records')" 300

echo "== 5. filter"
expect_rc 0 "$G" --json filter main@v1 --where "domain = 'beta.com' and meta->>'\$.lang' = 'de'" --into beta_de
expect_in out '"version":"beta_de@v1"' "--into makes beta_de@v1"
want=$(awk -F'\t' '$3 == "beta.com" && $4 == "de"' main.tsv | wc -l)
expect_eq "metadata filter: kept" "$(json_num kept out)" "$want"
"$G" export beta_de -o beta_de.jsonl >/dev/null
expect_eq "metadata filter: the records awk selects" "$(fields beta_de.jsonl url | sort)" \
	"$(awk -F'\t' '$3 == "beta.com" && $4 == "de" { print $2 }' main.tsv | sort)"
expect_rc 0 "$G" --json show beta_de
expect_in out '"parents":["main@v1"]' "show: beta_de@v1's parent is main@v1"
expect_rc 0 "$G" --json log beta_de
expect_in out '"parents":["main@v1"]' "log --json beta_de: the parent is main@v1"
expect_rc 0 "$G" log beta_de
expect_in out "filter main@v1 where domain = 'beta.com'" "log beta_de names its input"
expect_rc 0 "$G" --json filter main@v1 --where "regexp(' harbor[.]') and not contains('zebra')" --into harbor
expect_eq "content filter: kept = grep" "$(json_num kept out)" "$(cut -f5 main.tsv | grep -F ' harbor.' | grep -cvF zebra)"
expect_rc 0 "$G" --json filter main@v1 --where "pii_email = 0" -m "no e-mail addresses"
expect_in out '"version":"main@v2"' "a filter without --into makes the next version of main"
expect_eq "pii_email = 0: kept = 300 - planted" "$(json_num kept out)" $((300 - $(per_type main.tsv EMAIL | cut -d' ' -f1)))
expect_rc 0 "$G" log main
expect_in out "no e-mail addresses" "the message is the version's"
expect_rc 0 "$G" --json filter main@v1 --where "words >= 150 and lang = 'fr'" --into long_fr
expect_eq "quality and metadata: kept = awk" "$(json_num kept out)" \
	"$(awk -F'\t' '$4 == "fr" { if (split($5, w, " ") >= 150) n++ } END { print n + 0 }' main.tsv)"
expect_rc 8 "$G" filter main@v1 --where "id in (select lower(hex(substr(addr, 1, 8))) from main.records)" --into nope
expect_rc 6 "$G" filter main@v1 --where "nosuchcol = 1" --into nope
expect_rc 3 "$G" show nope
ok "refused filters made no dataset"
# The expression goes inside "WHERE (...)": a ')' in it must not let a UNION
# add ids that are not records of the input version.
expect_rc 6 "$G" filter main@v1 --where "0) union all select 999999, 5 from records where (1" --into injected
expect_rc 3 "$G" show injected

echo "== 6. dedup"
# url_of N: the URL of main.jsonl's record n=N
awk -F'\t' '{ print $1 "\t" $2 }' main.tsv >n2url.tsv
url_of_pairs() { awk -F'\t' 'NR == FNR { u[$1] = $2; next } { print u[$1], u[$2] }' n2url.tsv "$1"; }
"$G" export main@v1 -o main.export.jsonl >/dev/null
fields main.export.jsonl id url >id2url.tsv
# dups_seen DS: "url-of-dropped url-of-kept kind" of the duplicates view
dups_seen() {
	"$G" --json query "$1" "select url, duplicate_of, kind from duplicates" >dq.json 2>err
	rows dq.json | awk 'NR == FNR { split($0, f, "\t"); u[f[1]] = f[2]; next } { print $1, u[$2], $3 }' id2url.tsv - | sort
}
expect_rc 0 "$G" --json dedup main@v1 --into exact
expect_eq "exact: dropped = planted copies" "$(json_num exact_dropped out)" "$ndups"
expect_eq "exact: kept = distinct texts" "$(json_num kept out)" "$distinct_main"
expect_eq "exact: the duplicates view names each copy and the earliest record with its text" \
	"$(dups_seen exact@v1)" "$(url_of_pairs dups.tsv | sed 's/$/ exact/' | sort)"
expect_rc 0 "$G" --json dedup main@v1 --near --into near
expect_eq "near: exact dropped" "$(json_num exact_dropped out)" "$ndups"
expect_eq "near: near dropped = planted near copies" "$(json_num near_dropped out)" "$nnear"
expect_eq "near: kept" "$(json_num kept out)" $((distinct_main - nnear))
expect_eq "near: the duplicates view" "$(dups_seen near@v1)" \
	"$( (url_of_pairs dups.tsv | sed 's/$/ exact/'; url_of_pairs near.tsv | sed 's/$/ near/') | sort)"
"$G" export near -o near.export.jsonl >/dev/null
fields near.export.jsonl url | sort >near.urls
expect_eq "near: the half copies are kept" "$(cut -f1 half.tsv | awk -F'\t' 'NR == FNR { u[$1] = $2; next } { print u[$1] }' n2url.tsv - | grep -cxF -f - near.urls)" "$(wc -l <half.tsv)"
expect_eq "near: the random texts (records 267-299) are kept" \
	"$(awk -F'\t' '$1 >= 267 { print $2 }' main.tsv | grep -cxF -f - near.urls)" "$(awk -F'\t' '$1 >= 267' main.tsv | wc -l)"
expect_rc 0 "$G" --json show near
for s in '"method":"minhash-lsh"' '"shingle_words":5' '"bands":14' '"rows":8' '"threshold":0.72' "\"dropped\":$nnear"; do
	expect_in out "$s" "near@v1's stats record $s"
done
expect_rc 0 "$G" --json dedup main@v1 --near --threshold 0.8 --into near80
expect_in out '"threshold":0.8' "--threshold 0.8 is recorded"
expect_eq "near at 0.8: the same copies dropped" "$(json_num near_dropped out)" "$nnear"
expect_rc 0 "$G" --json dedup main@v1 --against evalset@v1 --into clean
expect_eq "against: dropped = texts evalset holds" "$(json_num against_dropped out)" "$nagainst"
expect_eq "against: kept" "$(json_num kept out)" $((distinct_main - nagainst))
expect_rc 0 "$G" --json show clean
expect_in out '"against":"evalset@v1"' "the stats name the version deduplicated against"
"$G" --json query clean "select url from duplicates where kind = 'against' order by url" >out 2>err
expect_eq "against: the duplicates view lists main's records whose text is in evalset" "$(rows out)" \
	"$(awk -F'\t' 'NR == FNR { e[$5] = 1; next } ($5 in e) { print $2 }' eval.tsv main.tsv | LC_ALL=C sort)"
expect_rc 2 "$G" dedup main@v1 --near --threshold 1.5

echo "== 7. export --redact"
# expected: the input texts with each planted string replaced by <TYPE> (longest first)
redact_expect() {
	awk -F'\t' 'NR == FNR { s[++n] = $2; t[n] = $1; next }
	FNR == 1 { for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++) if (length(s[b]) > length(s[a])) {
		x = s[a]; s[a] = s[b]; s[b] = x; x = t[a]; t[a] = t[b]; t[b] = x } }
	{ txt = $5
	  for (a = 1; a <= n; a++) { out = ""; while ((k = index(txt, s[a]))) { out = out substr(txt, 1, k - 1) "<" t[a] ">"; txt = substr(txt, k + length(s[a])) } txt = out txt }
	  print $2 "\t" txt }' planted.tsv "$1"
}
awk -F'\t' '{ print $2 "\t" $5 }' main.tsv | sort >plain.expect
redact_expect main.tsv | sort >redacted.expect
fields main.export.jsonl url text | sort >plain.got
cmp -s plain.got plain.expect && ok "export: every text = its input" || bad "export: texts differ from the input"
expect_rc 0 "$G" export main@v1 -o red.jsonl --redact
fields red.jsonl url text | sort >redacted.got
if cmp -s redacted.got redacted.expect; then
	ok "export --redact: every text = its input with the planted strings replaced"
else
	bad "export --redact: texts differ from the expected redaction"
	diff redacted.got redacted.expect | cut -c1-200 | sed -n '1,6s/^/     | /p'
fi
cut -f2 planted.tsv >planted.strings
expect_eq "export --redact: no planted string remains" "$(grep -cF -f planted.strings red.jsonl)" 0
for t in EMAIL IBAN IP_ADDRESS US_SSN CREDIT_CARD; do
	expect_eq "export --redact: <$t> markers = planted" "$(grep -o "<$t>" red.jsonl | wc -l)" "$(per_type main.tsv $t | cut -d' ' -f2)"
done
nopii=$(($(wc -l <main.tsv) - $(with_pii main.tsv)))
sort main.export.jsonl >plain.sorted
expect_eq "records without personal data: their lines in the redacted export = the plain export's" \
	"$(sort red.jsonl | comm -12 - plain.sorted | wc -l)" "$nopii"
expect_rc 0 "$G" export main@v1 -o red2.jsonl --redact=EMAIL,IBAN
expect_eq "--redact=EMAIL,IBAN: e-mail and IBAN markers" \
	"$(grep -o '<EMAIL>' red2.jsonl | wc -l) $(grep -o '<IBAN>' red2.jsonl | wc -l)" \
	"$(per_type main.tsv EMAIL | cut -d' ' -f2) $(per_type main.tsv IBAN | cut -d' ' -f2)"
grep -E '^(US_SSN|IP_ADDRESS|CREDIT_CARD)' planted.tsv | cut -f2 >kept.strings
expect_eq "--redact=EMAIL,IBAN: SSNs, IPs and cards are kept" "$(grep -c -F -f kept.strings red2.jsonl)" \
	"$(cut -f5 main.tsv | grep -c -F -f kept.strings)"
expect_rc 2 "$G" export main@v1 -o bad.jsonl --redact=NAMES
expect_rc 0 "$G" export main@v1 -o red3.jsonl --redact EMAIL,IBAN
expect_eq "--redact EMAIL,IBAN (a separate word) is --redact=EMAIL,IBAN" "$(cmp -s red2.jsonl red3.jsonl && echo same)" same
expect_rc 0 "$G" export --redact main@v1 -o red4.jsonl
expect_eq "a bare --redact before the dataset name redacts every type" "$(cmp -s red.jsonl red4.jsonl && echo same)" same

echo "== 8. the same through granaryd: jobs over HTTP"
# a third dataset, not scanned, for the scan job
awk '{ sub(/"text":"doc/, "\"text\":\"late "); sub(/"url":"https:\/\//, "\"url\":\"https://late."); print }' main.jsonl |
	head -n 40 >late.jsonl
expect_rc 0 "$G" ingest late late.jsonl
"$D" --hub .granary --socket "$S" 2>daemon.log &
daemon_pid=$!
up=0
for _ in $(seq 100); do
	curl -s --unix-socket "$S" http://g/v1/status >/dev/null 2>&1 && up=1 && break
	sleep 0.05
done
expect_eq "granaryd serves the hub" "$up" 1
api() {
	m=$1
	p=$2
	shift 2
	code=$(curl -s -o out -w '%{http_code}' --unix-socket "$S" -X "$m" "$@" "http://granary$p")
}
expect_api() {
	want=$1
	shift
	api "$@"
	if [ "$code" = "$want" ]; then ok "HTTP $code: $1 $2"; else
		bad "HTTP $code, expected $want: $1 $2"
		sed -n '1,5s/^/     | /p' out
	fi
}
jstr() { grep -o "\"$1\":\"[^\"]*\"" "$2" | head -n 1 | cut -d'"' -f4; }
wait_job() {
	for _ in $(seq 600); do
		curl -s --unix-socket "$S" "http://g/v1/jobs/$1" >job.json
		case $(jstr state job.json) in queued | running) sleep 0.05 ;; *) return 0 ;; esac
	done
	bad "job $1 did not finish"
}
# job WANT-STATE VERB PATH BODY: submits a version job, waits, checks its state
job() {
	expect_api 202 POST "$2" -H 'Content-Type: application/json' -d "$3"
	wait_job "$(json_num id out)"
	expect_eq "job $1: state" "$(jstr state job.json)" "done"
}
job scan /v1/datasets/late/versions/1/scan '{}'
expect_eq "scan job: scanned the 40 new texts" "$(json_num scanned job.json) $(json_num cached job.json)" \
	"$(cut -d'"' -f4 late.jsonl | sort -u | wc -l) 0"
job scan /v1/datasets/late/versions/1/scan ''
expect_eq "a second scan job scans nothing" "$(json_num scanned job.json)" 0
job filter /v1/datasets/main/versions/1/filter '{"where":"pii_email > 0","into":"d_email"}'
expect_in job.json '"version":"d_email@v1"' "filter job: made d_email@v1"
expect_eq "filter job: kept = planted e-mail records" "$(json_num kept job.json)" "$(per_type main.tsv EMAIL | cut -d' ' -f1)"
job dedup /v1/datasets/main/versions/1/dedup '{"near":true,"into":"d_near"}'
expect_eq "dedup job: exact and near dropped" "$(json_num exact_dropped job.json) $(json_num near_dropped job.json)" "$ndups $nnear"
expect_api 202 POST /v1/datasets/evalset/versions/1/filter -H 'Content-Type: application/json' -d '{"where":"nosuchcol = 1"}'
wait_job "$(json_num id out)"
expect_eq "a filter job with a bad expression fails" "$(jstr state job.json)" failed
expect_api 400 POST /v1/datasets/main/versions/1/filter -H 'Content-Type: application/json' -d '[1,2]'
expect_api 200 POST /v1/query -H 'Content-Type: application/json' \
	-d '{"sql":"select count(*) from records where contains('"'"'zebra'"'"')","version":"main@v1"}'
expect_eq "POST /v1/query: contains('zebra') = grep" "$(rows out)" "$(cut -f5 main.tsv | grep -cF zebra)"
expect_api 200 POST /v1/query -H 'Content-Type: application/json' -d '{"sql":"select url from records","version":"main@v1","limit":7}'
expect_eq "POST /v1/query: limit" "$(json_num count out)" 7
expect_in out '"truncated":true' "a cut answer says truncated"
expect_api 200 POST /v1/query -H 'Content-Type: application/json' \
	-d '{"sql":"select url, duplicate_of, kind from duplicates","version":"d_near@v1"}'
cp out dq.json
expect_eq "POST /v1/query: the dedup job's duplicates view" \
	"$(rows dq.json | awk 'NR == FNR { split($0, f, "\t"); u[f[1]] = f[2]; next } { print $1, u[$2], $3 }' id2url.tsv - | sort)" \
	"$( (url_of_pairs dups.tsv | sed 's/$/ exact/'; url_of_pairs near.tsv | sed 's/$/ near/') | sort)"
"$G" --json ls >ls.before
expect_api 403 POST /v1/query -H 'Content-Type: application/json' -d '{"sql":"delete from main.records","version":"main@v1"}'
expect_in out '"code":"forbidden"' "a refused query: forbidden"
expect_api 403 POST /v1/query -H 'Content-Type: application/json' -d '{"sql":"select * from sqlite_master"}'
expect_api 400 POST /v1/query -H 'Content-Type: application/json' -d '{"sql":"select 1 +"}'
expect_api 400 POST /v1/query -H 'Content-Type: application/json' -d '{"query":"select 1"}'
"$G" --json ls >ls.after
cmp -s ls.before ls.after && ok "the refused queries changed nothing" || bad "granary ls changed after refused queries"
expect_api 200 GET "/v1/datasets/main/versions/1/export?redact=all"
cp out dred.jsonl
expect_eq "export?redact=all: no planted string" "$(grep -cF -f planted.strings dred.jsonl)" 0
fields dred.jsonl url text | sort >dred.got
cmp -s dred.got redacted.expect && ok "export?redact=all = the expected redaction" || bad "export?redact=all differs from the expected redaction"
expect_api 200 GET "/v1/datasets/main/versions/1/export?redact=EMAIL"
expect_eq "export?redact=EMAIL: markers" "$(grep -o '<[A-Z_]*>' out | sort | uniq -c | awk '{ print $2, $1 }')" \
	"<EMAIL> $(per_type main.tsv EMAIL | cut -d' ' -f2)"
expect_api 400 GET "/v1/datasets/main/versions/1/export?redact=NAMES"
# the CLI through the daemon answers as on the hub
GRANARY_NO_DAEMON= GRANARY_SOCKET=$S "$G" status >out 2>&1
expect_in out "granaryd" "the CLI below goes through the daemon"
GRANARY_NO_DAEMON= GRANARY_SOCKET=$S "$G" --json query main@v1 "select domain, count(*) from records group by 1" >via.out 2>&1
"$G" --json query main@v1 "select domain, count(*) from records group by 1" >direct.out 2>&1
expect_eq "granary query through the daemon = on the hub" "$(rows via.out)" "$(rows direct.out)"
GRANARY_NO_DAEMON= GRANARY_SOCKET=$S "$G" query main@v1 "select * from sqlite_master" >out 2>err
expect_eq "a refused query through the daemon exits 8" "$?" 8
kill -TERM "$daemon_pid"
wait "$daemon_pid"
expect_eq "granaryd exits 0 on SIGTERM" "$?" 0
daemon_pid=
expect_rc 0 "$G" verify
finish
