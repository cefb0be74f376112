# t0014-docs: a version's documentation — required fields, completeness,
# inheritance by new versions, history.git commits, a release refused while
# required fields are missing (listing them) and allowed once they are there,
# DATASET@TAG, the export gate, and the renderings: the Hugging Face card read
# the way huggingface_hub reads it (tests/docs/check_card.py, PyYAML) and
# Croissant 1.0 with every required property (tests/docs/check_croissant.py).
. "$TESTDIR/e2e/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
expect_rc 0 "$G" init
expect_rc 0 "$G" ingest web "$DATA/c4-sample.01.jsonl"

expect_rc 9 "$G" doc validate web
expect_in out "missing   card.license" "validate lists the missing required fields"
expect_rc 6 "$G" tag web v1.0
for f in card.name card.description card.curators card.removal_contact card.license card.languages sources \
	collection.method collection.timeframe uses.intended uses.out_of_scope personal_information; do
	grep -qF "$f" err && ok "tag refused: names $f" || bad "tag refused without naming $f"
done
expect_rc 3 "$G" show web@v1.0

set_doc() { expect_rc 0 "$G" doc set web "$1" "$2"; }
set_doc card.name "C4 sample"
set_doc card.pretty_name "C4 sample: ten pages"
set_doc card.description "Ten web pages from C4 (en), to try Granary on."
set_doc card.curators "Granary team"
set_doc card.removal_contact "privacy@example.org"
set_doc card.license "odc-by-1.0"
set_doc card.languages "en, de-ch"
expect_rc 6 "$G" doc set web card.license "MIT AND"
expect_rc 6 "$G" doc set web card.languages "english_US"
expect_rc 0 "$G" --json doc show web
expect_in out '"license":"ODC-By-1.0"' "the licence is stored normalised"
expect_in out '"languages":["en","de-CH"]' "language tags are stored in their conventional case"
set_doc sources '[{"name":"c4-sample.01.jsonl","uri":"https://huggingface.co/datasets/allenai/c4","retrieved":"2019-04-25"}]'
set_doc collection.method "Common Crawl pages, cleaned by the C4 filters"
set_doc collection.timeframe "2019-04/2019-04"
set_doc uses.intended "Trying the tool"
set_doc uses.out_of_scope "Training anything"
set_doc personal_information "Web pages may name people; scanned with granary scan."
expect_rc 0 "$G" doc validate web
expect_in out "12 of 12 filled (ready for a release)" "every required field is filled"
expect_eq "every doc set is a history.git commit" "$(git -C .granary/history.git log --oneline web | grep -c 'docs: web@v1')" 13
expect_eq "history.git has the card" "$(git -C .granary/history.git show web:docs/README.md | head -n 1)" "---"
expect_rc 0 "$G" tag web v1.0 -m "first release"
expect_rc 0 "$G" show web@v1.0
expect_in out "web@v1" "DATASET@TAG names the tagged version"
expect_eq "history.git has the tag" "$(git -C .granary/history.git tag)" "v1.0"
expect_rc 6 "$G" tag web v1.0

echo "== a new version inherits the documents"
expect_rc 0 "$G" ingest web "$DATA/ccnet-cc_en_head-0091.jsonl"
expect_rc 0 "$G" --json doc show web@v2
expect_in out '"inherited_from":"web@v1"' "web@v2 inherits web@v1's documents"
expect_in out '"records":20' "the facts are the new version's"

echo "== renderings"
expect_rc 0 "$G" doc export web --format card -o README.md
expect_in README.md "size_categories:" "the card has size_categories"
printf '{"license": "odc-by", "language": ["en", "de"], "size_categories": ["n<1K"], "pretty_name": "C4 sample: ten pages"}\n' >expect.json
expect_rc 0 "$PY" "$TESTDIR/docs/check_card.py" README.md --expect expect.json
expect_rc 0 "$G" doc export web --format croissant -o croissant.json
expect_rc 0 "$PY" "$TESTDIR/docs/check_croissant.py" croissant.json
expect_in croissant.json '"rai:dataCollection"' "Croissant has the RAI collection property"
expect_rc 0 "$G" doc export web --format datasheet -o datasheet.md
expect_in datasheet.md "## 1. Motivation" "the datasheet has its seven sections"
expect_in datasheet.md "## 7. Maintenance" "...to the last"
expect_in datasheet.md "Version: web@v2" "the datasheet names the version"
expect_rc 0 "$G" doc export web --format statement -o statement.json
expect_in statement.json '"curation_rationale"' "the data statement has its sections"

echo "== the export gate"
expect_rc 0 "$G" ingest raw "$DATA/c4-sample.01.jsonl"
expect_rc 0 "$G" doc policy --enforce export
expect_rc 6 "$G" export raw -o raw.jsonl
expect_in err "cannot export: required documentation missing" "an undocumented version may not be exported"
expect_rc 0 "$G" export web -o web.jsonl
expect_rc 0 "$G" log --audit
expect_in out "release.tag" "the governance log has the release"
expect_in out "doc.set" "...and the documentation changes"
echo "== through the daemon: doc set, tag, the documents"
SOCK=$(mktemp -d /tmp/granary-t0014.XXXXXX)/g.sock
"$(dirname "$G")/granaryd" --hub .granary --socket "$SOCK" >daemon.log 2>&1 &
DPID=$!
trap 'kill -TERM $DPID 2>/dev/null; rm -rf "$(dirname "$SOCK")"' EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
export GRANARY_SOCKET=$SOCK
expect_rc 0 "$G" doc set web card.homepage "https://example.org/c4-sample"
expect_rc 0 "$G" --json doc show web
expect_in out '"homepage":"https://example.org/c4-sample"' "doc set through the daemon"
expect_rc 6 "$G" tag raw r1
expect_in err "required documentation missing" "a release refused through the daemon too"
expect_rc 0 "$G" tag web v2.0
expect_rc 0 "$G" show web@v2.0
expect_rc 0 "$G" license set --source ccnet-cc_en_head-0091.jsonl CC0-1.0
code=$(curl -s --unix-socket "$SOCK" -o out -w '%{http_code}' http://g/v1/datasets/web/versions/latest/docs/card)
expect_eq "GET .../docs/card: 200" "$code" 200
expect_in out "pretty_name:" "the daemon renders the card"
# doc edit through the daemon: the YAML text comes from it, the edited text goes back to it
cat >ed.sh <<'X'
#!/bin/sh
sed -i 's|^card.citation:.*|card.citation: "Granary test, 2026"|' "$1"
X
chmod +x ed.sh
export EDITOR="$PWD/ed.sh"
expect_rc 0 "$G" doc edit web
unset EDITOR
expect_rc 0 "$G" --json doc show web
expect_in out '"citation":"Granary test, 2026"' "doc edit through the daemon"
expect_rc 0 "$G" doc policy --require card.citation
expect_rc 0 "$G" --json doc policy
expect_in out '"card.citation"' "the policy through the daemon requires card.citation"
expect_rc 0 "$G" --json doc validate web
expect_in out '"valid":true' "web still valid (it has a citation)"
unset GRANARY_SOCKET
kill -TERM $DPID
wait $DPID
finish
