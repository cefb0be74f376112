# t0001-basic: init, ingest of the two real sample files, and every read verb
# (ls log show records cat diff, human and --json), the history repository,
# hub selection (--hub, GRANARY_HUB, ./.granary), re-ingest dedup, --replace,
# and that the store is not larger than its input.
# Run by tests/run_e2e.sh: cwd is a fresh temp dir, $GRANARY and $TESTDIR are set.
. "$TESTDIR/e2e/lib.sh"

for f in "$C4" "$CCNET"; do
	[ -f "$f" ] || {
		echo "missing test data $f"
		exit 1
	}
done

echo "== init"
expect_rc 0 "$G" init
expect_in out "Initialized empty Granary hub in .granary" "init names the default hub ./.granary"
[ -f .granary/catalog.db ] && [ -d .granary/store/packs ] && [ -d .granary/history.git ] &&
	ok "hub layout: catalog.db, store/packs, history.git" || bad "hub layout incomplete"
expect_rc 6 "$G" init

echo "== ingest v1"
expect_rc 0 "$G" ingest web "$C4" "$CCNET" -m "first import"
expect_eq "first line of ingest output" "$(head -n 1 out)" "web@v1"
expect_in out "records 20 (20 new)" "ingest summary counts 20 new records"
expect_in out "skipped 0" "ingest summary: nothing skipped"
expect_in out "version holds 20 records" "v1 holds 20 records"

# the texts of the input, hashed by an independent decoder (cJSON)
"$TOOLS/jsonltext" "$C4" >in.hashes && "$TOOLS/jsonltext" "$CCNET" >>in.hashes ||
	bad "jsonltext could not read the sample data"
expect_eq "input texts" "$(wc -l <in.hashes)" 20

echo "== ls"
expect_rc 0 "$G" ls
expect_eq "ls lines" "$(wc -l <out)" 1
expect_eq "ls: dataset, head, count" "$(awk '{print $1, $2, $3, $4}' out)" "web v1 20 records"
expect_rc 0 "$G" --json ls
expect_in out '"dataset":"web"' "ls --json names the dataset"
expect_in out '"version":"web@v1"' "ls --json: head version"
expect_in out '"records":20,' "ls --json: record count"
expect_rc 0 "$G" ls --json
expect_in out '"records":20,' "--json after the verb works too"

echo "== log"
expect_rc 0 "$G" log web
expect_eq "log first line starts with" "$(head -n 1 out | awk '{print $1}')" "web@v1"
expect_in out "first import" "log shows the message"
expect_in out "20 records" "log shows the count"
expect_rc 0 "$G" --json log web
expect_in out '"message":"first import"' "log --json: message"
expect_in out '"operation":"ingest"' "log --json: operation"
expect_rc 3 "$G" log nosuch

echo "== show"
expect_rc 0 "$G" show web
expect_in out "version    web@v1" "show: version"
expect_in out "records    20 (" "show: records"
expect_in out "message    first import" "show: message"
commit1=$(awk '$1 == "commit" {print $2}' out)
expect_rc 0 "$G" show web@v1
expect_in out "version    web@v1" "show web@v1"
expect_rc 0 "$G" show web@1
expect_in out "version    web@v1" "show web@1 (number without v)"
expect_rc 0 "$G" --json show web
expect_in out '"version":"web@v1"' "show --json: version"
expect_in out '"records":20,' "show --json: records"
expect_in out '"input_records":20' "show --json: stats"
expect_in out '"files":["c4-sample.01.json.gz","ccnet-cc_en_head-0091.jsonl"]' "show --json: input files"
expect_rc 3 "$G" show web@v2
expect_rc 3 "$G" show nosuch
# after '@': a version number, else a release tag (none here); neither: bad input
expect_rc 3 "$G" show web@vx
expect_in err "no version or tag" "an unknown tag is not found"
expect_rc 6 "$G" show "web@x..y"

echo "== records"
expect_rc 0 "$G" records web
cp out records.v1
expect_eq "records lines" "$(wc -l <records.v1)" 20
expect_eq "well-formed record ids" "$(cut -c1-16 records.v1 | grep -c '^[0-9a-f]\{16\}$')" 20
expect_eq "distinct record ids" "$(cut -c1-16 records.v1 | sort -u | wc -l)" 20
expect_in records.v1 "https://www.kentlive.news/news/sevenoaks-mum-who-died-after-2582402" "records lists a c4 url"
expect_rc 0 "$G" records web --limit 5
expect_eq "records --limit 5" "$(wc -l <out)" 5
expect_eq "--limit keeps the order" "$(cut -c1-16 out)" "$(head -n 5 records.v1 | cut -c1-16)"
expect_rc 0 "$G" --json records web --limit 3
expect_eq "records --json --limit 3: ids" "$(grep -o '"id":"[0-9a-f]*"' out | wc -l)" 3
expect_in out '"source":"c4-sample.01.json"' "records --json: source"
expect_in out '"domain":"www.kentlive.news"' "records --json: domain"
expect_rc 0 "$G" --json records web
expect_eq "records --json: all ids" "$(grep -o '"id":"[0-9a-f]*"' out | wc -l)" 20
expect_eq "records --json: ccnet source" "$(grep -o '"source":"ccnet-cc_en_head-0091.jsonl"' out | wc -l)" 10
expect_rc 2 "$G" records web --limit x

echo "== cat"
n=0
for id in $(cut -c1-16 records.v1); do
	if "$G" cat web "$id" >text 2>err; then
		h=$(sha256sum <text | cut -c1-64)
		if grep -qx "$h" in.hashes; then
			n=$((n + 1))
		else
			bad "cat web $id: text hash $h is not the hash of any input text"
		fi
	else
		bad "cat web $id failed: $(cat err)"
	fi
done
expect_eq "records whose cat text equals an input text" "$n" 20
first=$(head -n 1 records.v1 | cut -c1-16)
expect_rc 0 "$G" --json cat web "$first"
expect_in out "{\"id\":\"$first\",\"text\":\"" "cat --json: one JSON object with id and text"
expect_rc 0 "$G" cat web "$(echo "$first" | cut -c1-8)"
expect_rc 3 "$G" cat web 0000000000000000

echo "== history.git"
git -C .granary/history.git log --format=%s web >gitlog 2>err || bad "git log web failed: $(cat err)"
expect_eq "git log subjects" "$(cat gitlog)" "web@v1: ingest"
expect_eq "branch web is show's commit" "$(git -C .granary/history.git rev-parse web)" "$commit1"
git -C .granary/history.git show web:MANIFEST.json >manifest 2>err || bad "git show web:MANIFEST.json: $(cat err)"
expect_in manifest '"version": "web@v1"' "MANIFEST.json names the version"
expect_in manifest '"counts": {"records": 20,' "MANIFEST.json record count"
expect_in manifest '"members": {"count": 20,' "MANIFEST.json member count"
expect_in manifest '"message": "first import"' "MANIFEST.json message"
git -C .granary/history.git log -1 --format=%B web >gitmsg
expect_in gitmsg "first import" "commit message body holds -m"
git -C .granary/history.git fsck --strict >/dev/null 2>err && ok "git fsck of history.git" ||
	bad "git fsck: $(cat err)"

echo "== re-ingest: v2 adds nothing to the store"
packs_before=$(find .granary/store/packs -type f | sort)
du_before=$(du -sb .granary/store/packs | cut -f1)
expect_rc 0 "$G" ingest web "$C4" "$CCNET" -m "again"
expect_eq "re-ingest first line" "$(head -n 1 out)" "web@v2"
expect_in out "records 20 (0 new)" "re-ingest: 0 new records"
expect_in out "version holds 20 records" "v2 holds 20 records"
expect_eq "pack files after re-ingest" "$(find .granary/store/packs -type f | sort)" "$packs_before"
expect_eq "du -sb store/packs after re-ingest" "$(du -sb .granary/store/packs | cut -f1)" "$du_before"
expect_rc 0 "$G" diff web@v1 web@v2
expect_eq "diff v1 v2" "$(cat out)" "0 added, 0 removed"
expect_rc 0 "$G" --json diff web@v1 web@v2
expect_eq "diff --json v1 v2" "$(cat out)" '{"changes":[],"added":0,"removed":0}'
expect_rc 0 "$G" show web@v2
expect_in out "parent     web@v1" "v2's parent is v1"
expect_eq "v1 and v2 have the same member digest" \
	"$("$G" show web@v1 | awk '$1 == "members" {print $2}')" \
	"$("$G" show web@v2 | awk '$1 == "members" {print $2}')"

echo "== --replace with one file"
expect_rc 0 "$G" ingest web --replace "$CCNET"
expect_eq "replace first line" "$(head -n 1 out)" "web@v3"
expect_in out "version holds 10 records" "v3 holds 10 records"
expect_rc 0 "$G" records web@v3
expect_eq "records web@v3" "$(wc -l <out)" 10
expect_rc 0 "$G" diff web@v2 web@v3
cp out diff23
expect_eq "diff v2 v3 summary" "$(tail -n 1 diff23)" "0 added, 10 removed"
expect_eq "diff v2 v3: '-' lines" "$(grep -c '^- ' diff23)" 10
expect_eq "diff v2 v3: '+' lines" "$(grep -c '^+ ' diff23)" 0
# the removed records are exactly the c4 ones
"$G" --json records web@v1 | tr '{' '\n' | grep '"source":"c4-sample.01.json"' |
	sed 's/^"id":"\([0-9a-f]*\)".*/\1/' | sort >c4.ids
grep '^- ' diff23 | awk '{print $2}' | sort >removed.ids
expect_eq "removed ids are the c4 records" "$(cat removed.ids)" "$(cat c4.ids)"
expect_eq "c4 ids" "$(wc -l <c4.ids)" 10
expect_rc 0 "$G" --json diff web@v2 web@v3
expect_in out '"added":0,"removed":10}' "diff --json counts"
expect_rc 0 "$G" diff web@v3 web@v1
expect_eq "diff v3 v1 summary" "$(tail -n 1 out)" "10 added, 0 removed"
expect_rc 0 "$G" log web
expect_eq "log: newest first" "$(grep -o '^web@v[0-9]*' out | tr '\n' ' ')" "web@v3 web@v2 web@v1 "
expect_rc 0 "$G" ls
expect_eq "ls after v3" "$(awk '{print $1, $2, $3}' out)" "web v3 10"
c4id=$(head -n 1 c4.ids)
expect_rc 3 "$G" cat web "$c4id"
expect_rc 0 "$G" cat web@v1 "$c4id"
ok "old versions stay readable"
expect_eq "git log subjects after 3 versions" \
	"$(git -C .granary/history.git log --format=%s web | tr '\n' '|')" \
	"web@v3: ingest|web@v2: ingest|web@v1: ingest|"
git -C .granary/history.git show web:MANIFEST.json >manifest3
expect_in manifest3 '"counts": {"records": 10,' "MANIFEST.json of v3"
expect_in manifest3 '"parents": ["web@v2"]' "MANIFEST.json of v3 names its parent"
expect_rc 0 "$G" verify --full
expect_in out "verify ok" "verify --full after the basic session"

echo "== hub selection: --hub, GRANARY_HUB, ./.granary"
expect_rc 0 "$G" --hub other init
expect_in out "Initialized empty Granary hub in other" "init --hub other"
expect_rc 0 "$G" --hub other ingest news "$CCNET" -m "other hub"
expect_eq "--hub ingest" "$(head -n 1 out)" "news@v1"
expect_rc 0 "$G" --hub=other ls
expect_eq "--hub=other ls" "$(awk '{print $1, $2, $3}' out)" "news v1 10"
expect_rc 0 "$G" ls
expect_not_in out "news" "default hub does not see the other hub's dataset"
expect_rc 0 env GRANARY_HUB=other "$G" ls
expect_eq "GRANARY_HUB=other ls" "$(awk '{print $1, $2, $3}' out)" "news v1 10"
expect_rc 0 env GRANARY_HUB=other "$G" --hub .granary ls
expect_eq "--hub wins over GRANARY_HUB" "$(awk '{print $1}' out)" "web"
expect_rc 0 env GRANARY_HUB="$PWD/other" "$G" log news
expect_in out "other hub" "GRANARY_HUB (absolute) log"
git -C other/history.git log --format=%s news >gitlog2 2>&1
expect_eq "other hub's history" "$(cat gitlog2)" "news@v1: ingest"
expect_rc 3 "$G" --hub nohub ls
expect_in err "not a Granary hub" "a missing hub is named"
expect_rc 0 env GRANARY_HUB=fresh "$G" init
[ -f fresh/catalog.db ] && ok "init honours GRANARY_HUB" || bad "GRANARY_HUB=fresh init made no fresh/catalog.db"

echo "== the store is not larger than its input (several frames, 8+ MB)"
awk -v seed=11 -v n=1200 'BEGIN {
	srand(seed)
	nw = split("the of and to in is was for on that with as by at from this be are or an it not which have has but all were when we there can more one their been also if other new will its into than two some time who may first such only about these most any would over after out up so used many them then between well three river market garden winter letter engine school", w, " ")
	for (i = 0; i < n; i++) {
		len = int(rand() * 2400) + 100
		printf "{\"text\":\"%d", i
		for (j = 0; j < len; j++)
			printf " %s%s", w[int(rand() * nw) + 1], (rand() < 0.06) ? "." : ""
		printf "\",\"url\":\"https://site%d.example/page/%d\"}\n", i % 53, i
	}
}' >corpus.jsonl
in_bytes=$(wc -c <corpus.jsonl)
echo "corpus.jsonl: $in_bytes bytes"
expect_rc 0 timeout 120 "$G" --hub sized init
expect_rc 0 timeout 120 "$G" --hub sized ingest corpus corpus.jsonl
cat out
expect_in out "version holds 1200 records" "1200 records ingested"
store_bytes=$(du -sb sized/store/packs | cut -f1)
echo "store/packs: $store_bytes bytes for $in_bytes bytes of JSONL"
if [ "$store_bytes" -le "$in_bytes" ]; then
	ok "store ($store_bytes B) is not larger than its input ($in_bytes B)"
else
	bad "store/packs holds $store_bytes bytes for a $in_bytes-byte input: compressed storage is larger than the input"
fi
expect_rc 0 "$G" --hub sized --json verify
expect_in out '"ok":true' "verify of the sized hub"
grep -o '"chunks":[0-9]*' out | sed 's/^/     /'
expect_eq "chunks stored for 1200 small records" "$(grep -o '"chunks":[0-9]*' out)" '"chunks":1200'

finish
