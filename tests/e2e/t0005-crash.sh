# t0005-crash: kill -9 of an ingest at varying moments never damages the hub.
# After each kill: verify passes (orphan packs allowed, and reported), the head
# is the old version or a complete new one (its record count agrees with
# `records`), old records still read back, and history.git agrees with the
# catalog (after gc when the kill fell between the catalog commit and the
# history commit). At the end gc removes the orphans, a full ingest succeeds
# and verify --full passes.
. "$TESTDIR/e2e/lib.sh"

# history_matches: `log web` and `git log web` list the same versions
history_matches() {
	"$G" log web | grep -o '^web@v[0-9]*' >log.versions
	git -C .granary/history.git log --format=%s web 2>/dev/null | sed 's/: ingest$//' >git.versions
	if cmp -s log.versions git.versions; then
		ok "history.git matches the catalog ($(wc -l <log.versions) versions) $1"
	else
		bad "history.git does not match the catalog $1"
		paste log.versions git.versions | sed 's/^/     catalog | git: /'
	fi
}

echo "== v1"
corpus 1 1200 n >small.jsonl
expect_rc 0 "$G" init
expect_rc 0 timeout 120 "$G" ingest web "$C4" "$CCNET" small.jsonl -m v1
v1_records=1220
expect_eq "v1" "$(head -n 1 out)" "web@v1"
store=$(du -sb .granary/store/packs | cut -f1)
input=$(($(wc -c <small.jsonl) + $(wc -c <"$CCNET") + $(wc -c <"$C4")))
if [ "$store" -gt "$input" ]; then
	bad "store/packs holds $store bytes for $input bytes of input (see t0001): a $((80 * store / input)) MB-ish ingest would take minutes; not running the crash loop"
	exit 1
fi
"$TOOLS/jsonltext" "$C4" >v1.hashes && "$TOOLS/jsonltext" "$CCNET" >>v1.hashes && "$TOOLS/jsonltext" small.jsonl >>v1.hashes
"$G" records web@v1 | cut -c1-16 >v1.ids
expect_eq "v1 records" "$(wc -l <v1.ids)" "$v1_records"
probe1=$(sed -n 1p v1.ids)
probe2=$(sed -n '$p' v1.ids)

echo "== the big input"
corpus 2 7000 n >big.jsonl
big_records=7000
echo "     big.jsonl: $(wc -c <big.jsonl) bytes, $big_records records"
expect_rc 0 timeout 120 "$G" --hub timing init
t0=$(date +%s%N)
expect_rc 0 timeout 120 "$G" --hub timing ingest web big.jsonl
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
echo "     a full ingest of big.jsonl takes $ms ms here"
# kill at these fractions of that time: early, in the middle, and around the commit
delays=$(for f in 0.03 0.15 0.35 0.6 0.8 0.92 0.97 1.0 1.05; do awk -v f="$f" -v ms="$ms" 'BEGIN { printf "%.3f ", f * ms / 1000 }'; done)
echo "     delays: $delays"
rm -rf timing

echo "== kill -9 at varying moments"
head_num=1
head_records=$v1_records
for delay in $delays; do
	echo "-- kill after ${delay}s"
	"$G" ingest web big.jsonl -m crash >crash.out 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	if [ "$rc" -eq 137 ]; then how="killed"; else how="had already finished"; fi
	echo "     ingest $how (exit $rc); store/tmp: $(find .granary/store/tmp -type f | wc -l) file(s), packs on disk: $(find .granary/store/packs -name '*.pack' | wc -l)"

	"$G" --json verify >verify.json 2>verify.err
	vrc=$?
	"$G" verify >verify.txt 2>&1
	if [ "$vrc" -eq 0 ] && grep -q '"ok":true' verify.json; then
		ok "verify passes after the kill at ${delay}s: $(grep 'verify ok' verify.txt)"
	elif [ "$vrc" -eq 4 ] && [ "$(grep '^problem:' verify.txt | grep -vc 'waits for its history commit')" -eq 0 ]; then
		echo "     NOTE: the kill fell between the catalog commit and the history commit:"
		sed 's/^/     | /' verify.txt
		ok "verify's only complaint is a history commit that gc writes"
	else
		bad "verify after the kill at ${delay}s: exit $vrc"
		sed 's/^/     | /' verify.txt verify.err
	fi
	orphans=$(json_num orphan_packs verify.json)
	known=$(json_num packs verify.json)
	ondisk=$(find .granary/store/packs -name '*.pack' | wc -l)
	expect_eq "packs on disk = packs in the catalog + orphans reported ($known + $orphans)" "$ondisk" "$((known + orphans))"
	if [ "${orphans:-0}" -gt 0 ]; then
		grep -q "orphan pack(s) from interrupted work" verify.txt && ok "verify reports the $orphans orphan pack(s)" ||
			bad "verify counts $orphans orphan pack(s) in --json but does not say so"
	fi

	"$G" --json show web >show.json 2>show.err || bad "show web failed: $(cat show.err)"
	num=$(json_num number show.json)
	count=$(json_num records show.json)
	listed=$("$G" records web | wc -l)
	if [ "$num" = "$head_num" ]; then
		ok "the head is still web@v$num"
	elif [ "$num" = "$((head_num + 1))" ]; then
		ok "the head is a new, complete version web@v$num (the ingest committed before the kill)"
		expect_eq "records in the new version" "$count" "$((v1_records + big_records))"
		head_num=$num
		head_records=$count
	else
		bad "the head is web@v$num; expected web@v$head_num or web@v$((head_num + 1))"
	fi
	expect_eq "show's record count = lines of 'records web'" "$listed" "$count"
	expect_eq "record count of the head" "$count" "$head_records"
	for id in $probe1 $probe2; do
		if "$G" cat web@v1 "$id" >probe.txt 2>probe.err &&
			grep -qx "$(sha256sum <probe.txt | cut -c1-64)" v1.hashes; then
			ok "cat web@v1 $id still gives its text"
		else
			bad "cat web@v1 $id after the kill: $(cat probe.err)"
		fi
	done
	if grep -q 'waits for its history commit' verify.txt; then
		expect_rc 0 "$G" gc
		cat out
		expect_rc 0 "$G" verify
		history_matches "after gc"
	else
		history_matches ""
	fi
done

echo "== gc removes what the kills left"
"$G" --json verify >verify.json 2>/dev/null
orphans=$(json_num orphan_packs verify.json)
tmpfiles=$(find .granary/store/tmp -type f | wc -l)
echo "     before gc: $orphans orphan pack(s), $tmpfiles file(s) in store/tmp"
expect_rc 0 "$G" --json gc
cat out
expect_eq "gc removed the orphan packs verify reported" "$(json_num orphan_packs out)" "$orphans"
expect_eq "gc removed the temp files" "$(json_num tmp_files out)" "$tmpfiles"
expect_rc 0 "$G" --json verify
expect_eq "orphan packs after gc" "$(json_num orphan_packs out)" 0
expect_eq "files in store/tmp after gc" "$(find .granary/store/tmp -type f | wc -l)" 0
expect_rc 0 "$G" verify
if grep -q "orphan" out; then bad "verify still mentions orphans after gc: $(cat out)"; else ok "verify reports no orphans after gc"; fi
history_matches "after the final gc"

echo "== a version whose history commit did not happen (as after a kill right after the catalog commit)"
# A directory where git's ref lock file goes makes the history commit fail
# after the catalog commit: the same state as a kill between the two, but
# deterministic. (A stale lock *file* is cleared; see below.)
lock=.granary/history.git/refs/heads/web.lock
prev=$("$G" --json show web | grep -o '"number":[0-9]*' | cut -d: -f2)
mkdir "$lock"
"$G" ingest web "$CCNET" -m "history pending" >out 2>err
rc=$?
echo "     ingest with the ref locked: exit $rc: $(cat err)"
grep -q "committed" err && ok "ingest says the version was committed" || bad "ingest does not say the version was committed"
"$G" --json show web >show.json
pending=$(json_num number show.json)
expect_eq "the version stands" "$pending" "$((prev + 1))"
grep -q '"commit":null' show.json && ok "web@v$pending has no history commit yet" || bad "web@v$pending: expected no history commit"
"$G" verify >out 2>err
rc=$?
sed 's/^/     | /' out
grep -q "web@v$pending" out && ok "verify names the version without a history commit" ||
	bad "verify does not mention web@v$pending's missing history commit"
expect_eq "verify exit status with a pending history commit (a crash leftover that gc repairs, like an orphan pack)" "$rc" 0
rmdir "$lock"
expect_rc 0 "$G" --json gc
expect_eq "gc wrote the missing history commit" "$(json_num history_commits_written out)" 1
expect_rc 0 "$G" verify
history_matches "after gc wrote the pending commit"
# the next writer also writes a pending commit before its own
mkdir "$lock"
"$G" ingest web "$C4" -m "history pending again" >/dev/null 2>&1
rmdir "$lock"
expect_rc 0 "$G" ingest web "$CCNET" -m "next writer"
expect_rc 0 "$G" verify
history_matches "after the next writer"
# a ref lock file left by a writer killed inside git's ref update is stale:
# it must not block every later commit
: >"$lock"
expect_rc 0 "$G" ingest web "$C4" -m "after a stale ref lock"
expect_not_in err "moved" "no 'branch moved' error from a stale ref lock"
[ -e "$lock" ] && bad "the stale ref lock is still there" || ok "the stale ref lock was cleared"
history_matches "after a stale ref lock"
head_num=$("$G" --json show web | grep -o '"number":[0-9]*' | cut -d: -f2)

echo "== a final ingest"
expect_rc 0 timeout 120 "$G" ingest web big.jsonl -m final
cat out
expect_eq "final version" "$(head -n 1 out)" "web@v$((head_num + 1))"
grep -q "version holds $((v1_records + big_records)) records" out && ok "the final version holds v1 + big.jsonl" ||
	bad "the final version does not hold $((v1_records + big_records)) records"
expect_eq "records of the final version" "$("$G" records web | wc -l)" "$((v1_records + big_records))"
expect_rc 0 timeout 120 "$G" verify --full
cat out
grep -q "verify ok" out && ok "verify --full after the crashes and the final ingest" || bad "verify --full failed"
history_matches "at the end"
"$TOOLS/jsonltext" big.jsonl >>v1.hashes
expect_rc 0 timeout 120 "$G" export web -o final.jsonl.zst
"$TOOLS/jsonltext" final.jsonl.zst | sort >final.hashes
sort v1.hashes >all.hashes
cmp -s all.hashes final.hashes && ok "the final export holds exactly the texts of v1 and big.jsonl" ||
	bad "the final export's texts differ from the inputs' ($(wc -l <final.hashes) vs $(wc -l <all.hashes))"

echo "== a crash after the git commit but before its id reached the catalog"
# the catalog forgets the newest version's commit id, as a kill -9 between
# the two would leave it: the next sync must adopt the tip, not commit again
n_before=$(git -C .granary/history.git rev-list --count web)
expect_rc 0 "$TOOLS/sqlexec" .granary/catalog.db "UPDATE versions SET git_commit = NULL WHERE id = (SELECT max(id) FROM versions)"
expect_rc 0 "$G" verify
expect_in out "waits for its history commit" "verify notes the version without a commit id"
expect_rc 0 "$G" --json gc
expect_eq "commits on the branch after gc" "$(git -C .granary/history.git rev-list --count web)" "$n_before"
history_matches "after the sync adopted the existing commit"
expect_rc 0 "$G" verify
expect_not_in out "waits for" "nothing waits for a history commit any more"

finish
