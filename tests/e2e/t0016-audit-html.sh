# t0016-audit-html: `granary audit --format html` — one self-contained page
# (inline CSS and SVG, no script, nothing it would load) with the verdict, the
# lineage graph and the charts for licences, personal data, lengths and
# domains; report strings escaped (a source name and a version message full of
# markup). Then headless Chromium renders it: the screenshot must be a drawn
# page (tests/audit/png_check.py, a pure-Python PNG reader: non-white pixels,
# colours, and the fail banner's own colour), and the DOM it parsed must hold
# each chart (tests/audit/html_check.py).
. "$TESTDIR/e2e/lib.sh"
export GRANARY_NO_DAEMON=1
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
HERE=$TESTDIR/audit
CHARTS="chart-lineage chart-licences chart-pii chart-lengths chart-domains"
EVIL='<script>alert(1)</script> & "quotes" '\''too'\'''
SRC='we<i>rd&"src.jsonl'

expect_rc 0 "$G" init
{
	for i in 1 2 3 4; do printf '{"text":"open licensed text number %d with enough words here","url":"https://open.example/%d","license":"CC-BY-4.0"}\n' $i $i; done
	for i in 1 2; do printf '{"text":"non commercial text %d, write to person%d@example.org","url":"https://nc.example/%d","license":"CC-BY-NC-4.0"}\n' $i $i $i; done
	printf '{"text":"a page someone asked to remove, number one","url":"https://gone.example/1","license":"CC-BY-4.0"}\n'
	printf '{"text":"a page the filter drops","url":"https://drop.example/1","license":"CC-BY-4.0"}\n'
} >a.jsonl
for i in 1 2 3; do printf '{"text":"mit source text %d, host 93.184.216.%d answered","url":"https://mit.example/%d"}\n' $i $i $i; done >"$SRC"
corpus 16 12 >long.jsonl # 12 records of 0.6-17 kB on a dozen domains: the length buckets
expect_rc 0 "$G" ingest d a.jsonl --scan
expect_rc 0 "$G" ingest d "$SRC" --scan -m "$EVIL"
expect_rc 0 "$G" ingest d long.jsonl --scan
expect_rc 0 "$G" license set --source "$SRC" MIT
expect_rc 0 "$G" license set --source long.jsonl CC0-1.0
expect_rc 0 "$G" consent add --url https://gone.example/1 --apply
expect_rc 0 "$G" filter d --where "domain <> 'drop.example'"

echo "== the page"
expect_rc 9 "$G" audit d --use commercial --format html -o report.html
if [ ! -s report.html ]; then
	bad "no report.html"
	finish
fi
ok "report.html written"
expect_eq "it starts with the HTML5 doctype" "$(head -c 15 report.html)" "<!DOCTYPE html>"
expect_in report.html '<meta charset="utf-8">' "it declares UTF-8"
expect_eq "all CSS in one <style>" "$(grep -o '<style' report.html | wc -l)" 1
grep -qi '<script' report.html && bad "a <script> in the page" || ok "no <script> in the page"
grep -Eiq '(src|href)[[:space:]]*=[[:space:]]*["'\'']?[[:space:]]*(https?:)?//' report.html &&
	bad "an http(s) src or href in the page" || ok "no http(s) src or href in the page"
expect_not_in report.html '<script>alert' "the version message's markup is escaped"
expect_in report.html '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;' "... and shown as text"
expect_in report.html 'we&lt;i&gt;rd&amp;&quot;src.jsonl' "the source name's markup is escaped"
for id in $CHARTS; do expect_in report.html "<svg id=\"$id\"" "chart $id in the page"; done
for v in d@v1 d@v2 d@v3 d@v4 d@v5; do expect_in report.html ">$v</text>" "lineage graph: a box for $v"; done
expect_in report.html '<th>Retrieved</th>' "the sources table has their retrieval dates"
expect_in report.html '<h3>Near duplicates</h3>' "the quality section says whether near duplicates were measured"
expect_in report.html 'Removals cut short after their commit' "the consent section counts unfinished removals"
expect_eq "lineage graph: four arrows" "$(grep -o '<path class="edge"' report.html | wc -l)" 4
expect_in report.html '>CC-BY-NC-4.0</text><rect class="bar bad"' "licence chart: the NC bar is red (not cleared)"
# every bar of the four bar charts says what the JSON report says
"$G" --json audit d --use commercial >audit.json
{
	grep -o '"license":"[^"]*","records":[0-9]*' audit.json | sed 's/^"license":"\(.*\)","records":/licences \1=/'
	grep -o '"records_by_type":{[^}]*}' audit.json | sed 's/^"records_by_type":{//; s/}$//' | tr ',' '\n' |
		sed 's/^"\(.*\)":/pii \1=/; s/^pii unscanned=/pii not scanned=/'
	grep -o '"bucket":"[^"]*","records":[0-9]*' audit.json | sed 's/^"bucket":"\(.*\)","records":/lengths \1=/'
	grep -o '"domain":"[^"]*","records":[0-9]*' audit.json | sed 's/^"domain":"\(.*\)","records":/domains \1=/'
} >bars.txt
for c in licences pii lengths domains; do
	grep -q "^$c " bars.txt && ok "the JSON report has data for chart-$c" || bad "no data for chart-$c in audit.json"
done
# the chart's line for LABEL shows VALUE (each bar is one line: <g><title>..</title><text>LABEL</text><rect../><text>VALUE</text></g>)
while IFS= read -r line; do
	chart=${line%% *} kv=${line#* }
	label=$(printf %s "${kv%=*}" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')
	sed -n "/<svg id=\"chart-$chart\"/,/<\/svg>/p" report.html | grep -F ">$label</text><rect" |
		grep -qF "class=\"val\">${kv##*=}</text>" && ok "chart-$chart: $kv" || bad "chart-$chart: no bar $kv"
done <bars.txt
"$PY" "$HERE/html_check.py" report.html --text "Verdict: fail" --text "$EVIL" >out 2>&1 &&
	ok "html_check: self-contained, well nested, the verdict" || {
	bad "html_check report.html"
	sed 's/^/     | /' out
}

echo "== headless Chromium"
CHROME=
for c in chromium chromium-browser; do
	if command -v "$c" >/dev/null 2>&1; then
		CHROME=$(command -v "$c")
		break
	fi
done
if [ -z "$CHROME" ]; then
	bad "chromium not found (make deps installs Debian's chromium package)"
	finish
fi
# as root in a container: no sandbox, no /dev/shm, no GPU; a profile, HOME and
# caches in the test directory; and no network of its own
chrome() {
	HOME=$PWD XDG_CONFIG_HOME=$PWD/.config XDG_CACHE_HOME=$PWD/.cache timeout 60 "$CHROME" --headless \
		--no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --no-default-browser-check \
		--disable-extensions --disable-background-networking --disable-component-update --disable-sync \
		--hide-scrollbars --user-data-dir="$PWD/chrome-profile" "$@"
}
chrome --screenshot="$PWD/shot.png" --window-size=1200,2000 "file://$PWD/report.html" >chrome.log 2>&1
expect_eq "chromium --screenshot exits 0" "$?" 0
[ -s shot.png ] && ok "shot.png written" || bad "no shot.png (chrome.log: $(tail -n 3 chrome.log))"
# b91c1c: the fail banner (CSS --bad); dbeafe: an ingest's box in the lineage graph
"$PY" "$HERE/png_check.py" shot.png --min-nonwhite 0.01 --min-colours 4 --expect-colour b91c1c:5000 \
	--expect-colour dbeafe:2000 >out 2>&1 && ok "the screenshot is a rendered page: $(head -n 1 out)" || {
	bad "the screenshot is not the rendered page"
	sed 's/^/     | /' out
}
chrome --dump-dom "file://$PWD/report.html" >dom.html 2>chrome-dom.log
expect_eq "chromium --dump-dom exits 0" "$?" 0
for id in $CHARTS; do expect_in dom.html "id=\"$id\"" "the DOM has $id"; done
expect_in dom.html "Verdict: fail" "the DOM has the verdict"
set --
for id in $CHARTS; do set -- "$@" --svg-chart "$id"; done
"$PY" "$HERE/html_check.py" dom.html "$@" --text "Verdict: fail" --text "$EVIL" >out 2>&1 &&
	ok "the parsed DOM: each chart an <svg> with its bars or boxes, no script, the message as text" || {
	bad "html_check dom.html"
	sed 's/^/     | /' out
}
finish
