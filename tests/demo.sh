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
show verify --full
printf '\n$ git -C demo-hub/history.git log --oneline web\n'
git -C demo-hub/history.git log --oneline web
