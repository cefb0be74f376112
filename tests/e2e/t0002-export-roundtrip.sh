# t0002-export-roundtrip: texts survive ingest -> store -> export unchanged.
# Tricky texts (\u escapes, surrogate pairs, raw UTF-8, control escapes, an
# empty text, a 600 KB text cut by content-defined chunking, duplicates) are
# ingested; export to .jsonl and .jsonl.zst must give back exactly the texts of
# the distinct input records, as decoded by an independent JSON decoder
# (build/tools/jsonltext, cJSON). Extra fields come back; input fields named
# like export's own (id, source) come back as input_id / input_source.
. "$TESTDIR/e2e/lib.sh"
JT=$TOOLS/jsonltext
EXPECT_IN_WIDTH=300 # long lines (the big text): show the start of each

# same_lists WHAT FILE1 FILE2: the sorted lines of both files are identical
same_lists() {
	sort "$2" >"$2.sorted"
	sort "$3" >"$3.sorted"
	if cmp -s "$2.sorted" "$3.sorted"; then
		ok "$1 ($(wc -l <"$2.sorted") lines)"
	else
		bad "$1: sorted lists differ ($2 vs $3)"
		diff "$2.sorted" "$3.sorted" | sed -n '1,20s/^/     | /p'
	fi
}

[ -x "$JT" ] || {
	echo "missing $JT (make builds it from tests/bench/jsonltext.c)"
	exit 1
}

# a long text of varied words: content-defined chunking cuts it (> 256 KiB)
bigtext() { # SEED WORDS [INSERT_AT]
	awk -v seed="$1" -v n="$2" -v at="${3:-0}" 'BEGIN {
		srand(seed)
		nw = split("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega granary silo harvest wheat barley rye oats millet sorghum maize rice field furrow plough sickle thresh winnow chaff grain mill flour bread oven crust crumb", w, " ")
		printf "{\"text\":\"BIG"
		for (j = 0; j < n; j++) {
			if (at && j == at)
				printf " [an edit in the middle of the big text, \\u00e9\\n]"
			printf " %s%s", w[int(rand() * nw) + 1], (rand() < 0.04) ? ".\\n" : ""
		}
		printf "\",\"url\":\"https://big.example/doc\"}\n"
	}'
}

echo "== input"
cat >in1.jsonl <<'EOF'
{"text":"caf\u00e9 \ud83d\ude00 smile, \u00C9t\u00E9, \u4e2d\u6587, \u2028 and \u2029"}
{"text":"Grüße aus 東京 😀 — naïve façade ½ 𝄞"}
{"text":"line1\nline2\ttab \"quoted\" back\\slash sol\/idus \b bell\f feed\r return \\n literal"}
{"text":""}
{"text":"dup text"}
{"text":"dup text"}
{"text":"dup text","url":"https://a.example/x"}
{"text":"same text, other url","url":"https://b.example/1"}
{"text":"same text, other url","url":"https://b.example/2"}
{"id":"their-id","source":"their-source","text":"collide","meta":{"a":[1,2,{"b":null}],"c":"d\u00e9"},"n":1.5e3,"flag":true,"nil":null}
{"text":"keys","clé":"välue","note":"a\"b\\c","emoji😀":[],"deep":{"x":{"y":{"z":[[[]]]}}}}
{"url":"https://c.example/","text":"text after url","timestamp":"2019-04-21T18:54:04Z"}
   {"text":"leading and trailing blanks"}   
EOF
bigtext 5 110000 >>in1.jsonl
echo '{"text":"dup text"}' >>in1.jsonl
bigtext 5 110000 >>in1.jsonl # the big line again: an exact duplicate
ls -l in1.jsonl
# distinct records of the input: the distinct lines (after trimming blanks)
sed 's/^[ ]*//; s/[ ]*$//' in1.jsonl | awk '!seen[$0]++' >in1.uniq
expect_eq "distinct input records" "$(wc -l <in1.uniq)" 13
"$JT" in1.uniq >in1.hashes || bad "cJSON cannot read the test input"
expect_eq "input lines cJSON decodes" "$(grep -c '^[0-9a-f]\{64\}$' in1.hashes)" 13

echo "== ingest v1"
expect_rc 0 "$G" init
expect_rc 0 "$G" ingest t in1.jsonl -m tricky
cat out
expect_in out "records 16 (13 new), duplicates 5, skipped 0" "16 records read, 13 distinct, 11 distinct texts: 5 duplicates stored once"
expect_in out "version holds 13 records" "v1 holds 13 records"
expect_rc 0 "$G" records t
cut -c1-16 out | sort >ids.v1
expect_rc 0 "$G" verify --full
expect_in out "verify ok" "verify --full after ingesting the tricky texts"

echo "== an empty text followed by another text: verify must not call the hub damaged"
printf '%s\n' '{"text":""}' '{"text":"b"}' >empty-then-b.jsonl
expect_rc 0 "$G" --hub small init
expect_rc 0 "$G" --hub small ingest e empty-then-b.jsonl
expect_rc 0 "$G" --hub small verify
expect_rc 0 "$G" --hub small verify --full
for id in $("$G" --hub small records e | cut -c1-16); do
	"$G" --hub small cat e "$id" >/dev/null 2>&1 && ok "cat e $id works" || bad "cat e $id fails"
done

echo "== export v1 to .jsonl and .jsonl.zst"
expect_rc 0 "$G" export t -o out.jsonl
expect_in out "13 records" "export reports 13 records"
expect_rc 0 "$G" export t@v1 -o out.jsonl.zst
[ "$(find . -maxdepth 1 -name "*.tmp-*" | wc -l)" -eq 0 ] && ok "no temporary export file left" || bad "export left a temp file"
zstd -tq out.jsonl.zst && ok "out.jsonl.zst is a valid zstd file" || bad "zstd -t out.jsonl.zst failed"
zstd -dcq out.jsonl.zst >out.zst.jsonl
cmp -s out.zst.jsonl out.jsonl && ok ".zst export decompresses to the .jsonl export" ||
	bad ".zst export differs from the .jsonl export"
expect_eq "exported lines" "$(wc -l <out.jsonl)" 13
"$JT" out.jsonl >out.hashes || bad "cJSON cannot parse the export"
"$JT" out.jsonl.zst >outz.hashes || bad "cJSON cannot parse the .zst export"
same_lists "exported texts (.jsonl) = distinct input texts" in1.hashes out.hashes
same_lists "exported texts (.jsonl.zst) = distinct input texts" in1.hashes outz.hashes
grep -o '^{"id":"[0-9a-f]*"' out.jsonl | cut -c8-23 | sort >ids.export
same_lists "exported ids = records' ids" ids.v1 ids.export
# the empty text and the two 'dup text' records with different metadata
expect_in out.jsonl '"text":""' "the empty text is exported"
expect_eq "'dup text' records (one without url, one with)" "$(grep -c '"text":"dup text"' out.jsonl)" 2

echo "== extra and colliding fields"
line=$(grep '"text":"collide"' out.jsonl)
printf '%s\n' "$line" >collide.line
expect_in collide.line '"input_id":"their-id"' "input 'id' comes back as input_id"
expect_in collide.line '"input_source":"their-source"' "input 'source' comes back as input_source"
expect_in collide.line '"source":"in1.jsonl"' "export's own source field"
expect_in collide.line '"meta":{"a":[1,2,{"b":null}],"c":"d\u00e9"}' "nested object comes back verbatim"
expect_in collide.line '"n":1.5e3' "number comes back verbatim"
expect_in collide.line '"flag":true' "boolean comes back"
expect_in collide.line '"nil":null' "null comes back"
expect_eq "export's own id is a record id" "$(printf '%s' "$line" | cut -c8-23 | grep -c '^[0-9a-f]\{16\}$')" 1
expect_eq "one id key of export's own" "$(printf '%s' "$line" | grep -o '"id":' | wc -l)" 1
grep '"text":"keys"' out.jsonl >keys.line
expect_in keys.line '"clé":"välue"' "UTF-8 key and value"
expect_in keys.line '"note":"a\"b\\c"' "escapes in an extra field stay verbatim"
expect_in keys.line '"emoji😀":[]' "empty array with an emoji key"
expect_in keys.line '"deep":{"x":{"y":{"z":[[[]]]}}}' "deep nesting"
grep '"text":"text after url"' out.jsonl >url.line
expect_in url.line '"url":"https://c.example/"' "url comes back"
expect_in url.line '"timestamp":"2019-04-21T18:54:04Z"' "timestamp comes back"
"$JT" -f input_id out.jsonl | grep -v '^-$' >iid.hashes
expect_eq "cJSON sees exactly one input_id" "$(wc -l <iid.hashes)" 1

echo "== cat of the big record"
bigid=$(grep '"text":"BIG' out.jsonl | cut -c8-23)
expect_rc 0 "$G" cat t "$bigid"
cp out big.cat
biglen=$("$G" --json records t | tr "{" "\n" | grep "\"id\":\"$bigid\"" | sed "s/.*\"length\":\([0-9]*\).*/\1/")
expect_eq "cat length = the length records --json reports" "$(wc -c <big.cat | tr -d " ")" "$biglen"
bighash=$(sha256sum <big.cat | cut -c1-64)
grep -qx "$bighash" in1.hashes && ok "cat of the big record gives the input text" ||
	bad "cat of the big record: hash $bighash is not an input text's"
[ "$(wc -c <big.cat)" -gt 600000 ] && ok "the big text is over 600 kB" || bad "the big text is only $(wc -c <big.cat) bytes"

echo "== a second big text that differs in the middle: chunks deduplicate"
bigtext 5 110000 55000 >in2.jsonl
expect_rc 0 "$G" --json ingest t in2.jsonl -m edited
stored1=$("$G" --json show t@v1 | grep -o '"bytes_stored":[0-9]*' | cut -d: -f2)
stored2=$(grep -o '"bytes_stored":[0-9]*' out | head -n 1 | cut -d: -f2)
echo "     pack bytes written: v1 $stored1, v2 $stored2"
if [ -n "$stored1" ] && [ -n "$stored2" ] && [ "$stored2" -gt 0 ] && [ $((stored2 * 2)) -lt "$stored1" ]; then
	ok "the edited big text stored less than half of v1's bytes ($stored2 < $stored1 / 2)"
else
	bad "the edited big text stored $stored2 bytes, v1 stored $stored1: chunks did not deduplicate"
fi
cat in1.uniq in2.jsonl >all.uniq
"$JT" all.uniq >all.hashes
expect_rc 0 "$G" export t@v2 -o v2.jsonl.zst
"$JT" v2.jsonl.zst >v2.hashes || bad "cJSON cannot parse the v2 export"
same_lists "exported texts of v2 = distinct texts of both inputs" all.hashes v2.hashes
expect_rc 0 "$G" verify --full
expect_in out "verify ok" "verify --full"

echo "== ingesting the export again stores no new content"
expect_rc 0 "$G" --json ingest again out.jsonl
expect_in out '"new_contents":0' "re-ingest of the export: no new contents"
expect_in out '"records":13,' "re-ingest of the export: 13 records"
expect_rc 0 "$G" export again -o again.jsonl
"$JT" again.jsonl >again.hashes
same_lists "texts after export -> ingest -> export" in1.hashes again.hashes
expect_in again.jsonl '"input_source":"in1.jsonl"' "the first export's source becomes input_source"

finish
