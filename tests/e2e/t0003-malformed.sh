# t0003-malformed: bad input lines are reported with their line numbers and
# skipped; --strict refuses the whole ingest and leaves the hub unchanged;
# exit codes for missing files, bad dataset names, unknown verbs and missing
# records; compressed inputs (.gz .zst .xz .bz2) give the same records.
. "$TESTDIR/e2e/lib.sh"

# hub_state: what must not change when an ingest fails
hub_state() {
	"$G" ls
	"$G" --json ls
	find .granary/store -type f | sort
	git -C .granary/history.git for-each-ref --format='%(refname) %(objectname)'
}

echo "== a file with good and bad lines"
# line: content
#  1 good            2 truncated JSON     3 blank (fine)     4 not an object (array)
#  5 missing text    6 text is a number   7 invalid UTF-8    8 trailing garbage
#  9 good           10 spaces only (fine) 11 a bare string   12 text is null
# 13 good (last line, no final newline)
{
	printf '%s\n' '{"text":"good one","url":"https://g.example/1"}'
	printf '%s\n' '{"text":"truncated'
	printf '\n'
	printf '%s\n' '[1,2,3]'
	printf '%s\n' '{"url":"https://no-text.example/"}'
	printf '%s\n' '{"text":42}'
	printf '{"text":"bad \377 byte"}\n'
	printf '%s\n' '{"text":"garbage after"} xyz'
	printf '%s\n' '{"text":"good two"}'
	printf '   \n'
	printf '%s\n' '"just a string"'
	printf '%s\n' '{"text":null}'
	printf '%s' '{"text":"good three"}'
} >mixed.jsonl
expect_rc 0 "$G" init
expect_rc 0 "$G" ingest m mixed.jsonl
cat out err
expect_eq "first line" "$(head -n 1 out)" "m@v1"
expect_in out "records 3 (3 new)" "3 good records"
expect_in out "skipped 8" "summary counts 8 skipped lines"
expect_in out "version holds 3 records" "the version holds the 3 good records"
grep ': skipped: ' err | cut -d: -f1,2 >skipped.lines
expect_eq "skipped lines reported on stderr" "$(tr '\n' ' ' <skipped.lines)" \
	"mixed.jsonl:2 mixed.jsonl:4 mixed.jsonl:5 mixed.jsonl:6 mixed.jsonl:7 mixed.jsonl:8 mixed.jsonl:11 mixed.jsonl:12 "
for n in 2 4 5 6 7 8 11 12; do
	grep -q "^mixed.jsonl:$n: skipped: ." err && ok "line $n: $(grep "^mixed.jsonl:$n: skipped: " err | cut -d: -f4-)" ||
		bad "line $n is not reported as 'mixed.jsonl:$n: skipped: WHY'"
done
expect_eq "nothing on stdout about skipped lines" "$(grep -c 'skipped:' out)" 0
expect_rc 0 "$G" --json show m
expect_in out '"skipped":8' "show --json stats count the skipped lines"
expect_rc 0 "$G" records m
expect_eq "records" "$(wc -l <out)" 3
expect_rc 0 "$G" export m -o m.jsonl
expect_eq "exported texts" "$(grep -o '"text":"[^"]*"' m.jsonl | sort | tr '\n' ' ')" \
	'"text":"good one" "text":"good three" "text":"good two" '

echo "== a bad line deep in a larger file: the line number is still right"
awk 'BEGIN { for (i = 1; i <= 80000; i++) printf "{\"text\":\"record %d with some words to make the block bigger than a few bytes\"}\n", i }' >long.jsonl
# replace line 65001 with a broken line (80000 lines, 6 MB: more than one 4 MiB parse block)
awk 'NR == 65001 { print "{\"text\": oops}"; next } { print }' long.jsonl >long-bad.jsonl
expect_rc 0 "$G" ingest long long-bad.jsonl
expect_in out "records 79999 (79999 new)" "79999 good records"
expect_in out "skipped 1" "one skipped"
expect_eq "reported line" "$(grep ': skipped: ' err | cut -d: -f1,2)" "long-bad.jsonl:65001"

echo "== --strict: non-zero exit (6), hub unchanged"
hub_state >state.before
expect_rc 6 "$G" ingest m mixed.jsonl --strict
expect_in err "mixed.jsonl:2" "--strict names the first bad line"
hub_state >state.after
cmp -s state.before state.after && ok "hub unchanged after --strict failure (ls, store files, refs)" || {
	bad "hub changed by a failed --strict ingest"
	diff state.before state.after | sed 's/^/     | /'
}
expect_rc 6 "$G" ingest strictnew mixed.jsonl --strict
expect_rc 0 "$G" ls
expect_eq "no dataset made by a failed --strict ingest" "$(grep -c strictnew out)" 0
# --strict with many new good records before the bad one: packs are written, then must go
awk 'BEGIN { srand(3); for (i = 1; i <= 3000; i++) { printf "{\"text\":\"strict %d", i; for (j = 0; j < 300; j++) printf " w%d", int(rand() * 100000); print "\"}" } }' >many.jsonl
echo '{"text":' >>many.jsonl
hub_state >state.before
expect_rc 6 "$G" ingest m many.jsonl --strict
hub_state >state.after
cmp -s state.before state.after && ok "hub unchanged after a large failed --strict ingest" || {
	bad "hub changed by a large failed --strict ingest"
	diff state.before state.after | sed 's/^/     | /'
}
expect_eq "store/tmp is empty" "$(find .granary/store/tmp -type f | wc -l)" 0
expect_rc 0 "$G" verify
expect_in out "verify ok" "verify after the failed --strict ingests"
expect_rc 0 "$G" ingest m mixed.jsonl
expect_eq "a clean file after --strict failures" "$(head -n 1 out)" "m@v2"
expect_rc 0 "$G" ingest ok-strict "$CCNET" --strict
expect_eq "--strict with a good file works" "$(head -n 1 out)" "ok-strict@v1"

echo "== exit codes"
hub_state >state.before
expect_rc 3 "$G" ingest m no-such-file.jsonl
expect_in err "no-such-file.jsonl" "the missing file is named"
expect_rc 3 "$G" ingest m "$CCNET" no-such-file.jsonl
hub_state >state.after
cmp -s state.before state.after && ok "no version after a missing input file" || {
	bad "a missing input file changed the hub"
	diff state.before state.after | sed 's/^/     | /'
}
for name in 'a b' '../x' '.hidden' 'x/y' 'x..y' 'x.lock' 'a@b' "$(printf 'x%065d' 0)"; do
	expect_rc 6 "$G" ingest "$name" "$CCNET"
done
expect_rc 6 "$G" ingest -- -dash "$CCNET"
expect_rc 0 "$G" ingest "$(printf 'x%063d' 0)" "$CCNET"
expect_rc 2 "$G" frobnicate
expect_in err "unknown command" "unknown verb is named"
expect_rc 2 "$G"
expect_rc 2 "$G" --bogus ls
expect_rc 2 "$G" ingest m
expect_rc 2 "$G" cat m
expect_rc 2 "$G" diff m@v1
expect_rc 2 "$G" export m
expect_rc 3 "$G" cat m 0000000000000000
expect_rc 3 "$G" cat m@v1 ffffffffffffffff
expect_rc 3 "$G" cat nosuch 0000000000000000
expect_rc 3 "$G" cat m@v9 0000000000000000
expect_rc 6 "$G" cat m not-hex
expect_rc 3 "$G" records nosuch
expect_rc 3 "$G" export nosuch -o x.jsonl
[ ! -e x.jsonl ] && ok "no export file for a missing dataset" || bad "export of a missing dataset wrote x.jsonl"
expect_rc 3 "$G" diff m@v1 m@v7

echo "== compressed inputs give the same records"
cp "$CCNET" cc.jsonl
gzip -k cc.jsonl && zstd -q -k cc.jsonl && xz -k cc.jsonl && bzip2 -k cc.jsonl ||
	bad "could not compress the test file"
# the same bytes, compressed or not: the same contents in any case
for f in cc.jsonl cc.jsonl.gz cc.jsonl.zst cc.jsonl.xz cc.jsonl.bz2; do
	ds=c-$(echo "$f" | tr . -)
	expect_rc 0 "$G" --json ingest "$ds" "$f" --source cc
	expect_in out '"records":10,' "$f: 10 records"
	"$G" records "$ds" | cut -c1-16 | sort >"$ds.ids"
done
for f in gz zst xz bz2; do
	cmp -s c-cc-jsonl.ids "c-cc-jsonl-$f.ids" && ok ".$f gives the same record ids (--source cc)" ||
		bad ".$f gives other record ids than the plain file (--source cc)"
done
# without --source: the source is the file name; compression is not part of a
# document's provenance, so the records should still be the same
for f in cc.jsonl cc.jsonl.gz cc.jsonl.zst cc.jsonl.xz cc.jsonl.bz2; do
	ds=d-$(echo "$f" | tr . -)
	expect_rc 0 "$G" ingest "$ds" "$f"
	"$G" records "$ds" | cut -c1-16 | sort >"$ds.ids"
	"$G" --json records "$ds" --limit 1 | grep -o '"source":"[^"]*"' | sed "s/^/     $f: /"
done
for f in gz zst xz bz2; do
	cmp -s d-cc-jsonl.ids "d-cc-jsonl-$f.ids" && ok ".$f gives the same record ids (default source)" ||
		bad ".$f gives other record ids than the plain file when no --source is given (the compression suffix changes record identity)"
done
# a corrupt compressed file is refused, not half-ingested silently
head -c 2000 cc.jsonl.gz >trunc.jsonl.gz
hub_state >state.before
"$G" ingest t trunc.jsonl.gz >out 2>err
rc=$?
echo "     truncated .gz: exit $rc: $(head -n 1 err)"
if [ "$rc" -ne 0 ]; then
	ok "a truncated .gz fails (exit $rc)"
	hub_state >state.after
	cmp -s state.before state.after && ok "hub unchanged after a truncated .gz" || bad "hub changed by a failed .gz ingest"
else
	grep -q "skipped [1-9]" out && ok "a truncated .gz: the partial line is reported as skipped" ||
		bad "a truncated .gz ingested without any error or skipped line"
fi
expect_rc 0 "$G" verify --full
expect_in out "verify ok" "verify --full at the end"

echo "== a FIFO is refused at once, not waited on"
mkfifo in.fifo
expect_rc 6 timeout 10 "$G" ingest web in.fifo
expect_in err "not a regular file" "a FIFO is named as not a regular file"

finish
