#!/bin/sh
# `make demo`: the main job on a fresh hub in ./demo-hub with the bundled sample data.
set -e
build=${1:-build}
G="$build/granary --hub demo-hub"
show() { printf '\n$ granary %s\n' "$*"; $G "$@"; }
rm -rf demo-hub
printf '$ granary init demo-hub\n'
$build/granary init demo-hub
show ingest web tests/data/c4-sample.01.json.gz -m "C4 sample (10 pages)"
show ingest web tests/data/ccnet-cc_en_head-0091.jsonl -m "add CCNet head sample"
show ls
show log web
show records web --limit 5
id=$($G records web --limit 1 | cut -c1-16)
printf '\n$ granary cat web %s | head -c 400\n' "$id"
$G cat web "$id" | head -c 400; echo
show diff web@v1 web@v2
show export web -o demo-hub/web.jsonl.zst
show ingest web-crawl tests/data/wget-sample-0000.warc.gz tests/data/warcio-iana-chunked.warc -m "WARC: wget and warcio samples"
show records web-crawl --limit 5
show ingest shards tests/data/webdataset-testgz.tar -m "a WebDataset shard"
show ingest web tests/data/pii-eval/mixed.jsonl --scan -m "synthetic texts with personal data (tests/data/pii-eval)"
show scan web
show query web "SELECT domain, count(*) AS records, sum(len) AS bytes FROM records GROUP BY domain ORDER BY records DESC LIMIT 5"
show query web "SELECT count(*) AS gopher_quality FROM records WHERE words BETWEEN 50 AND 100000 AND mean_word_len BETWEEN 3 AND 10 AND symbol_ratio <= 0.1 AND alpha_word_frac >= 0.8"
show filter web --where "pii_credit_card = 0 AND pii_us_ssn = 0 AND pii_iban = 0" --into web-clean -m "no payment or identity numbers"
show dedup web-clean --near
show query web "SELECT count(*) AS records, sum(pii_email > 0) AS with_email, sum(pii_phone > 0) AS with_phone, sum(pii_iban > 0) AS with_iban FROM records"
show query web-clean "SELECT count(*) AS records, round(avg(words)) AS mean_words, sum(pii_email) AS emails, sum(pii_phone) AS phones FROM records"
printf '\n$ granary query web "DELETE FROM records"      # the sandbox: only reads of the records view\n'
$G query web "DELETE FROM records" || true
show export web-clean -o demo-hub/web-clean.jsonl --redact
printf '\n$ grep -o "<[A-Z_]*>" demo-hub/web-clean.jsonl | sort | uniq -c\n'
grep -o "<[A-Z_]*>" demo-hub/web-clean.jsonl | sort | uniq -c
printf '\n$ granary consent add --text "%s" --basis gdpr-art17 --apply\n' "$(head -n 1 tests/data/pii-eval/mixed.jsonl | grep -o '[A-Za-z0-9._-]*@[A-Za-z0-9.-]*' | head -n 1)"
$G consent add --text "$(head -n 1 tests/data/pii-eval/mixed.jsonl | grep -o '[A-Za-z0-9._-]*@[A-Za-z0-9.-]*' | head -n 1)" --basis gdpr-art17 --apply
show log web
show removal list
show log --audit
show license set --source c4-sample.01.json ODC-By-1.0
show license check web --use commercial || true
show export web-clean -o demo-hub/web-clean.jsonl
printf '\n$ head -n 8 demo-hub/web-clean.jsonl.NOTICE\n'
head -n 8 demo-hub/web-clean.jsonl.NOTICE
printf '\n$ echo "Write to jane.doe@example.org or call +1 415 555 0132" | granary pii - --json\n'
echo "Write to jane.doe@example.org or call +1 415 555 0132" | $G pii - --json
show contains web --url "$($G --json records web --limit 1 | grep -o '"url":"[^"]*"' | head -n 1 | cut -d'"' -f4)"
show removal show 1
# document web-clean, tag it as a release, audit it
show doc validate web-clean || true
printf '\n$ granary doc set web-clean FIELD VALUE   # the 12 required fields (card.name, card.license, sources, ...)\n'
for kv in "card.name=Web (clean)" "card.description=C4 and CCNet samples without payment or identity numbers" \
	"card.curators=Granary demo" "card.removal_contact=privacy@example.org" "card.license=ODC-By-1.0" \
	"card.languages=en" "collection.method=Common Crawl derived samples (C4, CCNet)" "collection.timeframe=2019/2020" \
	"uses.intended=Demonstrating Granary" "uses.out_of_scope=Training production models" \
	"personal_information=Payment and identity numbers filtered; e-mail addresses redacted on export"; do
	$G doc set web-clean "${kv%%=*}" "${kv#*=}" >/dev/null
done
$G doc set web-clean sources '[{"name":"c4-sample.01.json","retrieved":"2019-04-30"}]' >/dev/null  # C4 is cut from Common Crawl's April 2019 crawl (CC-MAIN-2019-18)
show doc validate web-clean
show tag web-clean r1 -m "first release"
printf '\n$ granary doc export web-clean@r1 --format card | head -n 20\n'
$G doc export web-clean@r1 --format card | head -n 20
printf '\n$ granary audit web-clean@r1 --use research | head -n 48\n'
$G audit web-clean@r1 --use research | head -n 48 || true
show audit web-clean@r1 --use research --format html -o demo-hub/audit.html || true
show verify --full
printf '\n$ git -C demo-hub/history.git log --oneline web\n'
git -C demo-hub/history.git log --oneline web

# The same hub served by the daemon: the CLI goes through its socket.
printf '\n$ granary serve &          # granaryd on demo-hub/granary.sock\n'
$G serve 2>demo-hub/granaryd.log &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null' EXIT
for _ in $(seq 100); do [ -S demo-hub/granary.sock ] && break; sleep 0.05; done
show status
show ingest news tests/data/c4-sample.01.jsonl -m "through the daemon"
show jobs
printf '\n$ curl --unix-socket demo-hub/granary.sock http://granary/v1/datasets/news/versions/1\n'
curl -s --unix-socket demo-hub/granary.sock http://granary/v1/datasets/news/versions/1 | cut -c1-300
echo ...
show audit-log
kill -TERM $daemon
wait $daemon
trap - EXIT
printf '\n(granaryd stopped; its socket is gone: %s)\n' "$(ls demo-hub/granary.sock 2>&1 | sed 's/.*: //')"
