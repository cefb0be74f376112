# t0007-daemon: granaryd on a temporary hub, driven through every endpoint with
# curl; the CLI gives the same output through the daemon as on the hub itself;
# roles (a second uid reads but may not write, and the refusal is audited);
# jobs (progress, events, cancel); limits and malformed requests; SIGTERM;
# kill -9 and restart.
. "$TESTDIR/e2e/lib.sh"
D=$(dirname "$G")/granaryd
RAW=$TOOLS/rawhttp
nobody_uid=$(id -u nobody)

# the socket lives in a directory a second uid can reach
SD=$(mktemp -d /tmp/granary-sock.XXXXXX)
chmod 755 "$SD"
S=$SD/g.sock
export GRANARY_SOCKET=$S
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill -9 "$daemon_pid" 2>/dev/null
	rm -rf "$SD"
}
trap cleanup EXIT

# start_daemon: granaryd on ./.granary with the test's limits; waits for the socket
start_daemon() {
	"$D" --hub .granary --socket "$S" --socket-mode 0666 --header-timeout 2 --max-connections 8 \
		--max-body 65536 --max-upload 4000000 2>>daemon.log &
	daemon_pid=$!
	for _ in $(seq 100); do
		curl -s --unix-socket "$S" http://g/v1/status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	bad "granaryd did not come up"
	cat daemon.log
	return 1
}
# api METHOD PATH [curl args...]: the answer in ./out, the status in $code
api() {
	m=$1
	p=$2
	shift 2
	code=$(curl -s -o out -w '%{http_code}' --unix-socket "$S" -X "$m" "$@" "http://granary$p")
}
# expect_api WANT METHOD PATH [curl args...]
expect_api() {
	want=$1
	shift
	api "$@"
	if [ "$code" = "$want" ]; then ok "HTTP $code: $1 $2"; else
		bad "HTTP $code, expected $want: $1 $2"
		sed -n '1,5s/^/     | /p' out
	fi
}
jstr() { grep -o "\"$1\":\"[^\"]*\"" "$2" | head -n 1 | cut -d'"' -f4; }
# wait_job ID: polls until the job is over; its JSON in ./job.json
wait_job() {
	for _ in $(seq 600); do
		curl -s --unix-socket "$S" "http://g/v1/jobs/$1" >job.json
		st=$(jstr state job.json)
		case $st in queued | running) sleep 0.05 ;; *) return 0 ;; esac
	done
	bad "job $1 did not finish"
}

# wait_running ID: polls (up to 4 s) until the job runs
wait_running() {
	for _ in $(seq 400); do
		curl -s --unix-socket "$S" "http://g/v1/jobs/$1" >job.json
		[ "$(jstr state job.json)" = running ] && return 0
		sleep 0.01
	done
}

echo "== a hub and a daemon"
corpus 7 300 >small.jsonl
expect_rc 0 "$G" init
expect_rc 0 "$G" --no-daemon ingest web "$CCNET" -m first
start_daemon || exit 1
expect_eq "socket mode" "$(stat -c %a "$S")" 666
expect_rc 5 "$D" --hub .granary --socket "$S"
expect_in err "another granaryd serves" "a second daemon on the same hub is refused"

echo "== every endpoint"
expect_api 200 GET /v1/status
expect_in out '"roles":"admin' "the hub's owner is admin"
expect_api 200 GET /v1/datasets
expect_in out '"dataset":"web"' "datasets lists web"
expect_api 200 GET /v1/datasets/web
expect_in out '"version":"web@v1"' "a dataset answers with its head"
expect_api 200 GET /v1/datasets/web/versions
expect_api 200 GET /v1/datasets/web/versions/1
expect_in out '"records":10,' "version: record count"
expect_api 200 GET "/v1/datasets/web/versions/latest/records?limit=4"
expect_eq "records page of 4" "$(grep -o '"id":"[0-9a-f]*"' out | wc -l)" 4
next=$(jstr next out)
grep -o '"id":"[0-9a-f]*"' out | cut -d'"' -f4 >page1
expect_api 200 GET "/v1/datasets/web/versions/v1/records?limit=100&after=$next"
grep -o '"id":"[0-9a-f]*"' out | cut -d'"' -f4 >page2
expect_in out '"next":null' "the last page has no next cursor"
"$G" --no-daemon records web | cut -c1-16 >all.ids
expect_eq "two pages = all records, in order" "$(cat page1 page2)" "$(cat all.ids)"
id=$(head -n 1 all.ids)
expect_api 200 GET "/v1/datasets/web/versions/1/records/$id"
expect_in out "{\"id\":\"$id\",\"text\":" "a record as its export line"
expect_api 200 GET "/v1/datasets/web/versions/1/records/$id/content"
"$G" --no-daemon cat web "$id" >direct.txt
cmp -s out direct.txt && ok "record content = cat on the hub" || bad "record content differs from cat"
expect_api 404 GET "/v1/datasets/web/versions/1/records/0123456789abcdef"
expect_api 404 GET /v1/datasets/nosuch/versions
expect_api 404 GET /v1/datasets/web/versions/9

echo "-- ingest of server-side files (a job)"
expect_api 202 POST /v1/datasets/web/ingest -H 'Content-Type: application/json' \
	-d "{\"files\":[\"$PWD/small.jsonl\"],\"message\":\"by path\"}"
job=$(json_num id out)
expect_eq "a new job is queued or running" "$(jstr state out | grep -cE 'queued|running')" 1
curl -s -N --unix-socket "$S" "http://g/v1/jobs/$job/events" >events.ndjson
expect_in events.ndjson '"state":"done"' "the events stream ends with the job done"
expect_eq "the events stream ends after the job" "$(tail -n 1 events.ndjson | grep -c '"state":"done"')" 1
wait_job "$job"
expect_in job.json '"version":"web@v2"' "the job's result names the new version"
expect_in job.json '"records_done":300' "the job's progress counted the records"
expect_in job.json '"bytes_total":' "the job's progress has a total"
expect_api 200 GET /v1/jobs
expect_in out "\"id\":$job," "jobs lists the job"
expect_api 404 GET /v1/jobs/999

echo "-- ingest of an uploaded file"
gzip -c small.jsonl >up.jsonl.gz
expect_api 202 POST "/v1/datasets/uploaded/ingest?filename=small.jsonl.gz&message=upload" --data-binary @up.jsonl.gz
wait_job "$(json_num id out)"
expect_in job.json '"state":"done"' "the upload's job is done"
expect_in job.json '"version":"uploaded@v1"' "the upload made uploaded@v1"
expect_eq "uploaded@v1 records" "$("$G" --no-daemon records uploaded | wc -l)" 300
"$G" --no-daemon records uploaded | cut -c1-16 | sort >up.ids
"$G" --no-daemon diff web@v1 web@v2 | grep '^+' | cut -c3-18 | sort >path.ids
expect_eq "an upload makes the same records as a path ingest of the file" "$(cat up.ids)" "$(cat path.ids)"
expect_eq "the spool file is gone" "$(find .granary/uploads -type f | wc -l)" 0
expect_api 400 POST "/v1/datasets/uploaded/ingest?filename=../../x" --data-binary @up.jsonl.gz

echo "-- diff, export"
expect_api 200 GET "/v1/diff?from=web@v1&to=web@v2"
expect_in out '"added":300,"removed":0' "diff counts"
expect_api 200 GET /v1/datasets/web/versions/2/export
"$G" --no-daemon export web@v2 -o direct.jsonl >/dev/null
cmp -s out direct.jsonl && ok "streamed export = export on the hub ($(wc -l <out) lines)" || bad "streamed export differs"
expect_api 200 GET "/v1/datasets/web/versions/2/export?format=jsonl.zst"
zstd -dc out | cmp -s - direct.jsonl && ok "streamed .zst export decompresses to the same" || bad "zst export differs"
expect_api 400 GET "/v1/datasets/web/versions/2/export?format=csv"

echo "-- verify, gc (jobs)"
expect_api 202 POST /v1/verify -H 'Content-Type: application/json' -d '{"full":true}'
wait_job "$(json_num id out)"
expect_in job.json '"ok":true' "verify job: ok"
expect_in job.json '"full":true' "verify job: full"
expect_api 202 POST /v1/gc
gcjob=$(json_num id out)
wait_job "$gcjob"
expect_in job.json '"state":"done"' "gc job done"

echo "-- roles, audit log"
expect_api 200 GET /v1/roles
expect_in out '"principal":"*","role":"reader"' "anyone who can connect reads by default"
expect_api 200 PUT "/v1/roles/uid:4242/curator"
expect_api 200 GET /v1/roles
expect_in out '"principal":"uid:4242","role":"curator"' "a role granted"
expect_api 200 DELETE "/v1/roles/uid:4242/curator"
expect_api 404 DELETE "/v1/roles/uid:4242/curator"
expect_api 400 PUT "/v1/roles/bob/curator"
expect_api 400 PUT "/v1/roles/uid:1/emperor"
expect_api 200 GET /v1/audit-log
expect_in out '"action":"roles.set","target":"PUT /v1/roles/uid:4242/curator","outcome":"done"' "role changes are audited"
expect_in out '"action":"ingest"' "ingests are audited"
expect_api 400 POST /v1/removals -H 'Content-Type: application/json' -d '{}'
expect_in out 'a request needs one selector' "POST /v1/removals without a selector: 400"
expect_api 200 POST /v1/pii -H 'Content-Type: text/plain' --data-binary 'write to jane.doe@example.org today'
expect_in out '{"type":"EMAIL","start":9,"end":29,"text":"jane.doe@example.org"}' "POST /v1/pii: the e-mail span with byte offsets"
printf 'write to jane.doe@example.org today' | "$G" --json pii - >pii.cli
expect_eq "granary pii gives the same spans" "$(cat pii.cli)" "$(cat out)"

echo "== the CLI gives the same output through the daemon"
for cmd in "ls" "log web" "show web@v1" "records web" "diff web@v1 web@v2" "cat web $id"; do
	# shellcheck disable=SC2086
	"$G" $cmd >via.out 2>&1
	# shellcheck disable=SC2086
	"$G" --no-daemon $cmd >direct.out 2>&1
	cmp -s via.out direct.out && ok "same: granary $cmd" || { bad "differs: granary $cmd"; diff via.out direct.out | head -5; }
	# shellcheck disable=SC2086
	"$G" --json $cmd >via.out 2>&1
	# shellcheck disable=SC2086
	"$G" --json --no-daemon $cmd >direct.out 2>&1
	cmp -s via.out direct.out && ok "same: granary --json $cmd" || { bad "differs: granary --json $cmd"; diff via.out direct.out | head -5; }
done
expect_rc 0 "$G" status
expect_in out "granaryd" "status names the daemon"
expect_rc 0 "$G" ingest cli small.jsonl -m "through the daemon"
expect_eq "CLI ingest through the daemon" "$(head -n 1 out)" "cli@v1"
expect_rc 0 "$G" jobs
expect_in out "ingest  done" "jobs lists the CLI's ingest"
expect_rc 0 "$G" export cli -o cli.jsonl
expect_eq "export through the daemon" "$(wc -l <cli.jsonl)" 300
expect_rc 3 "$G" show nosuch
expect_rc 3 "$G" ingest cli no-such-file.jsonl

echo "== a second uid: reads, but may not write"
as_nobody() { setpriv --reuid="$nobody_uid" --regid="$nobody_uid" --clear-groups "$@"; }
# nobody_api METHOD PATH [curl args...]: as api, run as nobody (who may not
# write here: the answer comes through a pipe)
nobody_api() {
	m=$1
	p=$2
	shift 2
	as_nobody curl -s -w '\n%{http_code}' --unix-socket "$S" -X "$m" "$@" "http://granary$p" >out.raw
	code=$(tail -n 1 out.raw)
	sed '$d' out.raw >out
}
if [ "$(id -u)" -ne 0 ]; then
	bad "this part needs root (to act as uid $nobody_uid)"
else
	cp small.jsonl "$SD/public.jsonl"
	chmod 644 "$SD/public.jsonl"
	nobody_api GET /v1/datasets
	expect_eq "nobody: GET /v1/datasets" "$code" 200
	nobody_api POST /v1/datasets/web/ingest -H 'Content-Type: application/json' -d "{\"files\":[\"$SD/public.jsonl\"]}"
	expect_eq "nobody: POST ingest" "$code" 403
	expect_in out '"code":"forbidden"' "403 says forbidden"
	nobody_api POST /v1/removals -H 'Content-Type: application/json' -d '{"selector":{"url":"https://x/"}}'
	expect_eq "nobody: POST removals" "$code" 403
	nobody_api POST /v1/gc
	expect_eq "nobody: POST gc" "$code" 403
	nobody_api GET /v1/audit-log
	expect_eq "nobody: GET audit-log" "$code" 403
	said=$(as_nobody env GRANARY_SOCKET="$S" "$G" --hub "$SD/nohub" ingest web "$SD/public.jsonl" 2>&1 >/dev/null; echo "exit $?")
	echo "$said" >err
	expect_in err "exit 8" "nobody: granary ingest exits 8 (denied)"
	expect_in err "may not do this" "the CLI says why"
	api GET /v1/audit-log
	expect_in out "\"uid\":$nobody_uid,\"gid\":$nobody_uid,\"pid\":" "the audit log names nobody's uid"
	expect_eq "denied writes in the audit log" \
		"$(grep -o "\"uid\":$nobody_uid,[^}]*\"outcome\":\"denied\"" out | grep -cE '"action":"(ingest|removal|gc)"')" 4
	echo "-- with the curator role"
	expect_rc 0 "$G" roles grant "uid:$nobody_uid" curator
	nobody_api POST /v1/datasets/bynobody/ingest -H 'Content-Type: application/json' \
		-d "{\"files\":[\"$SD/public.jsonl\"],\"author\":\"mallory\"}"
	expect_eq "curator nobody: POST ingest of a file it may read" "$code" 202
	wait_job "$(json_num id out)"
	expect_in job.json '"state":"done"' "nobody's ingest ran"
	expect_in job.json "\"uid\":$nobody_uid" "the job is nobody's"
	"$G" --no-daemon --json show bynobody >show.json
	expect_in show.json '"author":"nobody"' "the version's author is the caller, not what the body said"
	cp small.jsonl "$SD/private.jsonl"
	chmod 600 "$SD/private.jsonl"
	nobody_api POST /v1/datasets/bynobody/ingest -H 'Content-Type: application/json' -d "{\"files\":[\"$SD/private.jsonl\"]}"
	expect_eq "curator nobody: a file only root may read" "$code" 403
	expect_in out "may not read" "the daemon does not read files for callers who may not"
	expect_rc 0 "$G" roles revoke "uid:$nobody_uid" curator
fi

echo "== limits and malformed requests"
expect_api 400 POST /v1/datasets/web/ingest -H 'Content-Type: application/json' -d '{"files": [bad json'
expect_api 400 POST /v1/datasets/web/ingest -H 'Content-Type: application/json' -d '{"files":["relative.jsonl"]}'
expect_api 400 POST "/v1/datasets/bad..name/ingest" -H 'Content-Type: application/json' -d '{"files":["/x"]}'
head -c 100000 /dev/zero | tr '\0' ' ' >big.body
expect_api 413 POST /v1/verify -H 'Content-Type: application/json' --data-binary @big.body
expect_api 413 POST /v1/verify -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @big.body
head -c 5000000 /dev/urandom >big.upload
expect_api 413 POST "/v1/datasets/u/ingest?filename=x.jsonl" --data-binary @big.upload
expect_api 404 GET /v1/no/such/route
expect_api 405 PUT /v1/datasets
expect_api 400 GET "/v1/datasets/web/versions/1/records/..%2F..%2Fcatalog.db"
expect_api 404 GET "/v1/datasets/web/versions/1/records/ABCDEF01"
expect_api 404 GET "/v1/datasets/web/versions/x1/records"
expect_api 400 GET "/v1/datasets/web/versions/x..1/records"
expect_api 400 GET "/v1/datasets/web/versions/1/records?limit=-1"
expect_api 400 GET "/v1/jobs/abc"
(printf 'GET /v1/status HTTP/1.1\nHost: g\n'; for i in $(seq 100); do printf 'X-%d: v\n' "$i"; done; printf '\n') |
	"$RAW" "$S" send >raw.out
expect_in raw.out "HTTP/1.1 431" "100 header fields: 431"
(printf 'GET /v1/status HTTP/1.1\nHost: g\nX-Big: '; head -c 40000 /dev/zero | tr '\0' a; printf '\n\n') |
	"$RAW" "$S" send >raw.out
expect_in raw.out "HTTP/1.1 431" "a 40 kB header: 431"
t0=$(date +%s)
printf 'GET /v1/status HTTP/1.1\nHost: g\nX-1: a\nX-2: a\nX-3: a\nX-4: a\nX-5: a\nX-6: a\nX-7: a\nX-8: a\n\n' |
	"$RAW" "$S" send 1000 >raw.out
t1=$(date +%s)
expect_in raw.out "HTTP/1.1 408" "headers sent one line a second (slowloris): 408"
[ $((t1 - t0)) -le 5 ] && ok "the slow client was cut off after $((t1 - t0)) s" || bad "the slow client held on for $((t1 - t0)) s"
printf 'BLAH\n\n' | "$RAW" "$S" send >raw.out
printf 'GET /v1/status HTTP/9.9\nHost: g\n\n' | "$RAW" "$S" send >raw.out
expect_in raw.out "HTTP/1.1 505" "an unknown HTTP version: 505"
"$RAW" "$S" hold 9 3 &
hold=$!
sleep 0.5
expect_api 503 GET /v1/status
wait "$hold"
expect_api 200 GET /v1/status
expect_rc 0 "$G" ls
ok "the daemon still serves after the malformed requests"

echo "== cancel a running ingest"
corpus 9 9000 >big.jsonl
cancelled=0
for try in 1 2 3; do
	api POST "/v1/datasets/cancelme$try/ingest" -H 'Content-Type: application/json' -d "{\"files\":[\"$PWD/big.jsonl\"]}"
	job=$(json_num id out)
	wait_running "$job"
	# a gc queued behind the running ingest may not be cancelled
	api POST /v1/gc
	gcjob=$(json_num id out)
	expect_api 409 DELETE "/v1/jobs/$gcjob"
	expect_in out "gc cannot be cancelled" "a queued gc refuses to be cancelled"
	api DELETE "/v1/jobs/$job"
	wait_job "$job"
	if [ "$(jstr state job.json)" = cancelled ]; then
		cancelled=1
		ok "job $job cancelled while running (try $try)"
		expect_in job.json '"code":"cancelled"' "a cancelled job says so"
		expect_rc 3 "$G" show "cancelme$try"
		ok "no version of cancelme$try was made"
		break
	fi
	echo "     try $try: the job finished before the cancel reached it ($(jstr state job.json))"
done
expect_eq "a running ingest was cancelled" "$cancelled" 1
expect_rc 0 "$G" verify

echo "== kill -9 during an ingest job, restart"
heads_before=$("$G" --json ls)
api POST "/v1/datasets/killed/ingest" -H 'Content-Type: application/json' -d "{\"files\":[\"$PWD/big.jsonl\"]}"
job=$(json_num id out)
wait_running "$job"
kill -9 "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=
[ -S "$S" ] && ok "the dead daemon's socket is left behind (stale)" || bad "no stale socket to test"
start_daemon || exit 1
ok "a new daemon replaced the stale socket"
expect_api 200 GET "/v1/jobs/$job"
expect_in out '"state":"failed"' "the interrupted job is listed as failed"
expect_in out '"code":"interrupted"' "and says it was interrupted"
expect_rc 0 "$G" verify
expect_in out "verify ok" "the hub verifies clean after the kill"
expect_eq "no version of the killed ingest" "$("$G" --json ls)" "$heads_before"
expect_rc 0 "$G" ingest killed small.jsonl
expect_eq "a new ingest works" "$(head -n 1 out)" "killed@v1"

echo "== SIGTERM cancels the running job and removes the socket"
api POST "/v1/datasets/termed/ingest" -H 'Content-Type: application/json' -d "{\"files\":[\"$PWD/big.jsonl\"]}"
job=$(json_num id out)
sleep 0.1
kill -TERM "$daemon_pid"
wait "$daemon_pid"
expect_eq "granaryd exits 0 on SIGTERM" "$?" 0
daemon_pid=
[ -e "$S" ] && bad "the socket is still there" || ok "the socket is removed"
"$G" verify >out 2>&1 && ok "verify after SIGTERM: $(tail -n 1 out)" || bad "verify after SIGTERM: $(cat out)"
state=$(GRANARY_SOCKET= "$G" --json --no-daemon show termed 2>/dev/null | grep -c '"version":"termed@v1"')
start_daemon || exit 1
api GET "/v1/jobs/$job"
st=$(jstr state out)
if [ "$st" = cancelled ]; then
	ok "the job was cancelled by SIGTERM"
	expect_eq "no version from the cancelled job" "$state" 0
elif [ "$st" = done ]; then
	ok "the job had finished before SIGTERM"
	expect_eq "its version exists" "$state" 1
else
	bad "job after SIGTERM: $st"
fi
kill -TERM "$daemon_pid"
wait "$daemon_pid"
daemon_pid=

echo "== systemd socket activation (LISTEN_FDS)"
"$TOOLS/sockact" "$SD/act.sock" "$D" --hub .granary 2>>daemon.log &
daemon_pid=$!
for _ in $(seq 100); do
	curl -s --unix-socket "$SD/act.sock" http://g/v1/status >out 2>/dev/null && break
	sleep 0.05
done
expect_in out "\"pid\":$daemon_pid," "granaryd serves the socket it was handed (same pid)"
[ -e .granary/granary.sock ] && bad "granaryd made its own socket besides" || ok "no socket of its own"
kill -TERM "$daemon_pid"
wait "$daemon_pid"
expect_eq "exit 0 on SIGTERM" "$?" 0
daemon_pid=
finish
