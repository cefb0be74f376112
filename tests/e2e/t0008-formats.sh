# t0008-formats: inputs other than JSON Lines: a WebDataset shard, tar and zip
# archives (plain and compressed), plain text files, a directory tree; format
# detection by content and --format; hostile archives (path traversal names,
# a member that decompresses past the limit) are reported and skipped; HTML
# members are read like web captures.
. "$TESTDIR/e2e/lib.sh"
WDS=$DATA/webdataset-testgz.tar
EXPECT_IN_WIDTH=200
expect_rc 0 "$G" init

echo "== a WebDataset shard"
expect_rc 0 "$G" ingest wds "$WDS"
# independent count: one sample per key (member name up to its first dot)
samples=$(tar tf "$WDS" | sed 's/\..*//' | sort -u | wc -l)
expect_eq "records = samples in the shard" "$("$G" records wds | wc -l)" "$samples"
key=$(tar tf "$WDS" | sed -n 5p)
tar xOf "$WDS" "$key" | gunzip >member.txt
"$G" export wds -o wds.jsonl >/dev/null
id=$(grep -F "\"path\":\"$key\"" wds.jsonl | grep -o '"id":"[0-9a-f]*"' | cut -d'"' -f4)
expect_rc 0 "$G" cat wds "$id"
cmp -s out member.txt && ok "a sample's text = its member, gunzipped ($key)" || bad "sample text differs from $key"

echo "== a directory: text files, Markdown, JSON Lines; a binary file is reported"
mkdir -p tree/sub/.hidden
printf 'plain text file\n' >tree/a.txt
printf '# A title\n\nSome *markdown*.\n' >tree/sub/b.md
printf 'hidden-file-token-q7\n' >tree/sub/.hidden/c.txt
printf '\377\376\000binary' >tree/sub/blob.txt
cp "$CCNET" tree/sub/cc.jsonl
expect_rc 0 "$G" ingest dir tree
expect_eq "dir: 2 texts + 10 JSON lines" "$("$G" records dir | wc -l)" 12
expect_in err "tree: skipped: sub/blob.txt: not valid UTF-8 text" "the binary file is reported with its path"
"$G" export dir -o dir.jsonl >/dev/null
expect_in dir.jsonl '"path":"sub/b.md"' "a file's path in the tree is kept"
expect_not_in dir.jsonl 'hidden-file-token-q7' "names starting with a dot are skipped"

echo "== tar, tar.gz, tar.zst, zip: the same records"
(cd tree && tar cf ../t.tar a.txt sub/b.md sub/cc.jsonl)
gzip -c t.tar >t.tar.gz
zstd -q -c t.tar >t.tar.zst
(cd tree && zip -q ../t.zip a.txt sub/b.md sub/cc.jsonl)
for f in t.tar t.tar.gz t.tar.zst t.zip; do
	expect_rc 0 "$G" ingest "arch-${f#t.}" "$f" --source same
	"$G" records "arch-${f#t.}" | cut -c1-16 | sort >"$f.ids"
	expect_eq "$f: records" "$(wc -l <"$f.ids")" 12
done
for f in t.tar.gz t.tar.zst t.zip; do
	cmp -s t.tar.ids "$f.ids" && ok "$f gives the records of t.tar" || bad "$f gives other records than t.tar"
done

echo "== HTML pages in an archive: read like web captures"
mkdir -p pages
cp "$DATA/whirlwind-page.html" pages/0001.html
printf '{"source_url":"https://an.wikipedia.org/wiki/Escopete","title":"A sidecar title"}' >pages/0001.json
printf '<html><head><meta name="tdm-reservation" content="1"></head><body><p>reserved-page-token-k4</p></body></html>' >pages/0002.HTML
printf 'a note, <b>as it is</b>\n' >pages/0003.txt
printf '<html><body><p>the page of sample four, markup-token-z8</p></body></html>' >pages/0004.html
printf 'the text of sample four, as extracted by someone else\n' >pages/0004.txt
printf '<html><head><title>wget -E</title></head><body><p>a page saved as page.php.html</p></body></html>' >pages/0005.php.html
(cd pages && tar cf ../pages.tar 0001.html 0001.json 0002.HTML 0003.txt 0004.html 0004.txt 0005.php.html)
expect_rc 0 "$G" --json ingest pagetar pages.tar
expect_in out '"captures":3,"optout_dropped":1' "three pages, the TDM-reserved one (upper-case .HTML) dropped"
expect_eq "records: two pages and two texts" "$(json_num input_records out)" 4
"$G" export pagetar -o pagetar.jsonl >/dev/null
expect_in pagetar.jsonl '"path":"0001.html","key":"0001","source_url":"https://an.wikipedia.org/wiki/Escopete","sidecar_title":"A sidecar title"' "the page keeps its sample's JSON fields (a title as sidecar_title)"
expect_in pagetar.jsonl '"title":"Escopete - Biquipedia, a enciclopedia libre","lang":"an"' "and what the page says: title, language"
expect_eq "no key twice: one title per record" "$(grep -c '"title":.*"title":' pagetar.jsonl)" 0
expect_not_in pagetar.jsonl '<div' "no markup left in the page's text"
expect_not_in pagetar.jsonl 'reserved-page-token-k4' "the reserved page is not in the hub"
expect_in pagetar.jsonl 'as it is</b>' "a text member stays as it is"
expect_in pagetar.jsonl 'the text of sample four' "a sample with a text and a page: its text is the record"
expect_eq "... and its page is not a record of its own" "$(grep -c '"text":"the page of sample four' pagetar.jsonl)" 0
expect_in pagetar.jsonl '"html":"<html><body><p>the page of sample four' "(a small page stays a field of the text's record, as before)"
expect_in pagetar.jsonl '"text":"a page saved as page.php.html"' "a member named page.php.html is read as a page"

echo "== plain text, compressed, and --format"
printf 'just some text\n' >note
gzip -c note >note.gz
expect_rc 0 "$G" ingest txt note.gz
expect_rc 0 "$G" cat txt "$("$G" records txt | cut -c1-16)"
expect_eq "a gzipped text file is one record" "$(cat out)" "just some text"
expect_rc 0 "$G" ingest forced "$CCNET" --format text
expect_eq "--format text: the JSONL file is one record" "$("$G" records forced | wc -l)" 1
expect_rc 2 "$G" ingest forced "$CCNET" --format pdf

echo "== hostile archives"
mkdir ev && printf 'evil\n' >ev/f.txt && printf 'good\n' >ev/g.txt
(cd ev && tar cPf ../evil.tar --transform 's,^f,../../f,' f.txt g.txt) 2>/dev/null
expect_rc 0 "$G" ingest evil evil.tar
expect_in err 'member ../../f.txt: refused: a ".." part in its path' "a path traversal name is refused and reported"
expect_eq "the good member is kept" "$("$G" records evil | wc -l)" 1
expect_rc 6 "$G" ingest evil2 evil.tar --strict
expect_rc 3 "$G" show evil2
head -c 70000000 /dev/zero | gzip -c >ev/big.txt.gz
(cd ev && tar cf ../bomb.tar big.txt.gz g.txt)
echo "     bomb.tar: $(wc -c <bomb.tar) bytes, one member decompressing to 70 MB"
expect_rc 0 "$G" ingest bomb bomb.tar
expect_in err "member big.txt.gz: decompresses to more than 64 MiB" "a member past the limit is reported"
expect_eq "the rest of the archive is ingested" "$("$G" records bomb | wc -l)" 1
expect_rc 0 "$G" verify
finish
