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
