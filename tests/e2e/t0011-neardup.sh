# t0011-neardup: near-duplicate detection through the hub, against a truth
# nobody here computed by MinHash. build/tools/mkneardup writes 3,000
# documents plus edited copies at known EXACT 5-word-shingle Jaccard
# similarities (0.3-0.98) and lists every related pair with its Jaccard;
# after `dedup --near`, two records are in one cluster when both map to the
# same kept record (the duplicates view names, for each dropped record, the
# record its cluster kept). Targets (issue 5): >= 0.9 of the pairs above 0.8
# found, <= 0.05 of the pairs below 0.5 merged.
. "$TESTDIR/e2e/lib.sh"
expect_rc 0 "$TOOLS/mkneardup" corpus.jsonl truth.tsv --docs 3000 --seed 11
expect_eq "truth has pairs on both sides of the thresholds" \
	"$(awk -F'\t' 'NR > 1 && $3 > 0.8 { a++ } NR > 1 && $3 < 0.5 { b++ } END { print (a >= 300 && b >= 300) }' truth.tsv)" 1
expect_rc 0 "$G" init
expect_rc 0 "$G" ingest docs corpus.jsonl
expect_eq "records = lines of the corpus" "$("$G" records docs | wc -l)" "$(wc -l <corpus.jsonl)"
expect_rc 0 "$G" --json dedup docs --near --into docs-dedup
cp out dedup.json
expect_in dedup.json '"bands":14,"rows":8,"threshold":0.72' "the version records 14 bands x 8 rows, threshold 0.72"
# public id -> the corpus's own id, and dropped -> kept
"$G" --json query docs "select id, meta ->> '\$.id' from records" >ids.json
grep -o '\["[0-9a-f]*","d[0-9]*"\]' ids.json | tr -d '[]"' | tr ',' '\t' >ids.tsv
expect_eq "every record mapped to its corpus id" "$(wc -l <ids.tsv)" "$(wc -l <corpus.jsonl)"
"$G" --json query docs-dedup "select id, duplicate_of, kind from duplicates" >dups.json
grep -o '\["[0-9a-f]*","[0-9a-f]*","near"\]' dups.json | tr -d '[]"' | tr ',' '\t' >dups.tsv
expect_eq "dropped records = the version's near_dropped" "$(wc -l <dups.tsv)" "$(json_num dropped dedup.json)"
expect_eq "kept + dropped = all records" "$(($(wc -l <dups.tsv) + $(json_num kept dedup.json)))" "$(wc -l <corpus.jsonl)"
# a kept record is never also listed as dropped, and each dropped one names a kept one
awk -F'\t' 'NR == FNR { dropped[$1] = 1; next } ($2 in dropped) { bad++ } END { exit bad > 0 }' dups.tsv dups.tsv &&
	ok "every duplicate_of is a kept record" || bad "a duplicate_of names a dropped record"
awk -F'\t' '
	FILENAME == "ids.tsv" { doc[$1] = $2; rep[$2] = $2; next }
	FILENAME == "dups.tsv" { rep[doc[$1]] = doc[$2]; next }
	FNR > 1 {
		same = rep[$1] == rep[$2]
		if ($3 > 0.8) { hi++; found += same }
		if ($3 < 0.5) { lo++; merged += same }
	}
	END { printf "%d %d %d %d\n", hi, found, lo, merged }' ids.tsv dups.tsv truth.tsv >rates
read -r hi found lo merged <rates
echo "     pairs above 0.8: $hi, found $found; pairs below 0.5: $lo, merged $merged"
awk -v f="$found" -v h="$hi" 'BEGIN { exit !(f >= 0.9 * h) }' &&
	ok "recall above Jaccard 0.8: $found/$hi >= 0.9" || bad "recall above Jaccard 0.8: $found/$hi < 0.9"
awk -v m="$merged" -v l="$lo" 'BEGIN { exit !(m <= 0.05 * l) }' &&
	ok "merged below Jaccard 0.5: $merged/$lo <= 0.05" || bad "merged below Jaccard 0.5: $merged/$lo > 0.05"
# a second dedup reuses the stored signatures
expect_rc 0 "$G" --json dedup docs --near --into docs-dedup2
expect_eq "signatures are computed once" "$(json_num signatures_computed out)" 0
expect_eq "and the same records are dropped" "$(json_num near_dropped out)" "$(wc -l <dups.tsv)"
# signatures stored under an earlier MinHash version are not compared with
# today's: the next dedup computes them again (and drops the same records)
nsig=$("$TOOLS/sqlexec" .granary/catalog.db "SELECT count(*) FROM minhash")
expect_rc 0 "$TOOLS/sqlexec" .granary/catalog.db "UPDATE minhash SET scheme = 1"
expect_rc 0 "$G" --json dedup docs --near --into docs-dedup3
expect_eq "version-1 signatures are computed again" "$(json_num signatures_computed out)" "$nsig"
expect_eq "with the same records dropped" "$(json_num near_dropped out)" "$(wc -l <dups.tsv)"
expect_eq "and stored under the current version" \
	"$("$TOOLS/sqlexec" .granary/catalog.db "SELECT count(*) FROM minhash WHERE scheme = 2")" "$nsig"
# "is this document in that version?": exact, and near through the stored signatures
head -n 1 corpus.jsonl | sed 's/.*"text": "//; s/"}$//' >doc.txt
awk '{ for (i = 1; i <= NF; i++) if (i == 7) $i = "CHANGED"; print }' doc.txt >edit.txt
printf 'words that are in no document of this corpus at all\n' >none.txt
expect_rc 0 "$G" --json contains docs --text-file doc.txt
expect_in out '"contained":true' "contains: the first document's text is in docs"
expect_rc 0 "$G" --json contains docs --text-file edit.txt
expect_in out '"near":[{' "contains: an edited copy is found as a near duplicate"
expect_in out '"exact":[]' "contains: and not as an exact one"
expect_rc 0 "$G" --json contains docs --text-file none.txt
expect_in out '"contained":false' "contains: an unrelated text is not in docs"
finish
