/*
 * granaryd's HTTP side (see server.h and docs/api.md).
 *
 * libmicrohttpd runs one thread per connection, so a handler may block on
 * SQLite or a job's progress without stalling other callers. Each request
 * borrows a read-only hub handle (its own SQLite connection) from a pool;
 * writes go to the job runners. Limits: connections (503), headers (431),
 * bodies and uploads (413), time to send the headers (408), idle time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api/api.h"
#include "scan/pii.h"
#include "server/jobs.h"
#include "server/server.h"
#include "store/zout.h"

#define GR_VERSION_STRING "0.1.0"
#define HUB_POOL_MAX 64
/* threads answering requests (epoll); streamed answers get a producer thread each */
#define POOL_THREADS 4
#define GROUPS_MAX 64

/* ------------------------------------------------------------------ state */

struct conn {
	int fd;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	gid_t groups[GROUPS_MAX];
	int ngroups;
	char user[64]; /* the caller's login name, else "uid:N" */
	double idle_since; /* when the connection last waited for a request */
	bool in_request, had_request, killed;
	/* the caller's roles, as of roles_gen (looked up again when roles change) */
	char roles[128];
	unsigned perms;
	unsigned roles_gen;
	struct conn *prev, *next;
};

struct server {
	gr_server_opts o;
	char hub[PATH_MAX];
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool own_socket; /* made here, so removed on exit */
	gr_access *acc;
	gr_jobs *jobs;
	struct MHD_Daemon *mhd;
	double started;
	volatile int stopping;

	pthread_mutex_t mu; /* conns, pool */
	struct conn *conns;
	unsigned nconns;
	gr_hub *pool[HUB_POOL_MAX];
	int npool;
	char uploads[PATH_MAX];
	gr_pii_db *pii; /* compiled once, shared by the requests */
	int streams;   /* streamed answers not yet freed (under mu) */
	int producers; /* their threads still writing (under mu) */
	unsigned roles_gen; /* bumped by every change of roles (under mu); starts at 1 */
};

static struct server S;

/* ------------------------------------------------------------------ hub pool */

static int hub_get(gr_hub **out)
{
	pthread_mutex_lock(&S.mu);
	gr_hub *h = S.npool ? S.pool[--S.npool] : NULL;
	pthread_mutex_unlock(&S.mu);
	if (h) {
		*out = h;
		return 0;
	}
	return gr_hub_open(out, S.hub);
}

static void hub_put(gr_hub *h)
{
	pthread_mutex_lock(&S.mu);
	if (S.npool < HUB_POOL_MAX) {
		S.pool[S.npool++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&S.mu);
	gr_hub_close(h);
}

/* ------------------------------------------------------------------ responses */

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const char *type, const void *data,
				size_t n)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)data, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == 413 || status == 503 || status == 431 || status == 408)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, cJSON *o)
{
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (!s)
		return send_buf(c, 503, "application/json", "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"\"}}\n", 48);
	size_t n = strlen(s);
	char *t = realloc(s, n + 2);
	if (t) {
		s = t;
		s[n++] = '\n';
		s[n] = '\0';
	}
	enum MHD_Result ret = send_buf(c, status, "application/json", s, n);
	free(s);
	return ret;
}

/* An error answer; status 0: the one that fits rc. */
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, int rc, const char *msg)
{
	return send_json(c, status ? status : (unsigned)gr_api_err_status(rc), gr_api_error_json(rc, msg));
}

static enum MHD_Result send_error_code(struct MHD_Connection *c, unsigned status, const char *code, const char *msg)
{
	cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", msg);
	return send_json(c, status, o);
}

/* ------------------------------------------------------------------ requests */

#define SEGS_MAX 8 /* path segments */

enum perm_need { NEED_READ = GR_PERM_READ, NEED_CURATE = GR_PERM_CURATE, NEED_PRIVACY = GR_PERM_PRIVACY,
		 NEED_ADMIN = GR_PERM_ADMIN, NEED_AUDIT = GR_PERM_ADMIN | GR_PERM_PRIVACY /* either */ };

struct req {
	bool body_json; /* else an upload */
	bool wants_body;
	gr_buf body;
	int spool_fd;
	char spool[PATH_MAX];
	uint64_t received;
	/* an answer decided before the body arrived, given after it (a client
	 * still sending would miss an early answer) */
	int fail_status;
	char fail_code[32];
	char fail_msg[256];
	char roles[128];
	unsigned perms;
	int route;              /* index into routes, found when the headers came in */
	char segs[SEGS_MAX][256]; /* the path's segments */
};

static void req_free(struct req *q)
{
	if (!q)
		return;
	gr_buf_free(&q->body);
	if (q->spool_fd >= 0)
		close(q->spool_fd);
	if (q->spool[0])
		unlink(q->spool);
	free(q);
}

/* The path split into at most SEGS_MAX segments; GR_EINVAL for "." and "..",
 * empty segments and control characters. */
static int split_path(const char *url, char segs[SEGS_MAX][256], int *n)
{
	*n = 0;
	if (url[0] != '/')
		return GR_EINVAL;
	const char *p = url + 1;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == 0 && !e)
			break; /* a trailing slash */
		if (*n == SEGS_MAX || len == 0 || len >= 256)
			return GR_EINVAL;
		memcpy(segs[*n], p, len);
		segs[*n][len] = '\0';
		if (!strcmp(segs[*n], ".") || !strcmp(segs[*n], ".."))
			return GR_EINVAL;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)segs[*n][i] < 0x20 || segs[*n][i] == 0x7f || segs[*n][i] == '\\')
				return GR_EINVAL;
		(*n)++;
		p += len + (e ? 1 : 0);
	}
	return 0;
}

/* A record id of 8 to 64 hex digits, lowered in place. */
static bool is_hex_id(char *s)
{
	size_t n = strlen(s);
	if (n < 8 || n > 64)
		return false;
	for (; *s; s++) {
		if (*s >= 'A' && *s <= 'F')
			*s = (char)(*s - 'A' + 'a');
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	}
	return true;
}

/* "DATASET@vN" from the path's dataset and version segments ("latest", "N", "vN"). */
static int version_spec(const char *ds, const char *v, char *out, size_t cap)
{
	if (!gr_dataset_name_valid(ds))
		return gr_error_set(GR_EINVAL, "'%s' is not a dataset name", ds);
	if (!v || !strcmp(v, "latest")) {
		snprintf(out, cap, "%s", ds);
		return 0;
	}
	const char *d = v[0] == 'v' ? v + 1 : v;
	if (*d && strlen(d) <= 9 && strspn(d, "0123456789") == strlen(d)) {
		snprintf(out, cap, "%s@v%s", ds, d);
		return 0;
	}
	/* a release tag */
	if (!gr_history_tag_valid(v) || (size_t)snprintf(out, cap, "%s@%s", ds, v) >= cap)
		return gr_error_set(GR_EINVAL, "'%s' is not a version number or a tag", v);
	return 0;
}

static const char *arg(struct MHD_Connection *c, const char *k)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
}

static bool arg_true(struct MHD_Connection *c, const char *k)
{
	const char *v = arg(c, k);
	return v && (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"));
}

static int arg_u64(struct MHD_Connection *c, const char *k, uint64_t *out)
{
	const char *v = arg(c, k);
	*out = 0;
	if (!v || !*v)
		return 0;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (*end || errno || v[0] == '-')
		return gr_error_set(GR_EINVAL, "%s must be a number, not '%s'", k, v);
	*out = x;
	return 0;
}

static void audit(const struct conn *cn, const struct req *q, const char *action, const char *method,
		  const char *url, const char *outcome, const char *detail)
{
	char target[512];
	snprintf(target, sizeof target, "%s %s", method, url);
	gr_audit_entry e = {.uid = cn->uid, .gid = cn->gid, .pid = cn->pid, .roles = q->roles, .action = action,
			    .target = target, .outcome = outcome, .detail = detail};
	if (gr_access_audit(S.acc, &e))
		fprintf(stderr, "granaryd: cannot write the audit log: %s\n", gr_error_last());
}

/* Whether the caller may read path: every directory on the way searchable
 * and the file readable by its uid or groups (the daemon reads it for them). */
static int caller_may_read(const struct conn *cn, const char *path, char *real, size_t cap)
{
	char buf[PATH_MAX];
	if (!realpath(path, buf))
		return gr_error_errno(errno == ENOENT ? GR_ENOTFOUND : GR_EINVAL, "%s", path);
	snprintf(real, cap, "%s", buf);
	if (cn->uid == 0)
		return 0;
	/* check each prefix: "/", "/a", "/a/b", then the file */
	for (char *p = buf;; p++) {
		bool last = !*p;
		if (*p == '/' || last) {
			char save = *p;
			*p = '\0';
			const char *dir = p == buf ? "/" : buf;
			struct stat st;
			if (stat(dir, &st))
				return gr_error_errno(GR_EIO, "%s", dir);
			mode_t want = last ? (S_ISREG(st.st_mode) ? 4 : 0) : (S_ISDIR(st.st_mode) ? 1 : 0);
			if (!want)
				return gr_error_set(GR_EINVAL, "%s is not a %s", dir, last ? "regular file" : "directory");
			mode_t have;
			if (st.st_uid == cn->uid) {
				have = (st.st_mode >> 6) & 7;
			} else {
				bool in_group = st.st_gid == cn->gid;
				for (int i = 0; !in_group && i < cn->ngroups; i++)
					in_group = st.st_gid == cn->groups[i];
				have = in_group ? (st.st_mode >> 3) & 7 : st.st_mode & 7;
			}
			if (!(have & want))
				return gr_error_set(GR_EPERM, "uid %u may not read %s", (unsigned)cn->uid, real);
			*p = save;
			if (last)
				break;
		}
	}
	return 0;
}

/* ---- streamed answers ----
 * A producer thread writes into a stream; MHD's content reader takes from
 * it. When the stream is empty the connection is suspended (a pool thread
 * never waits on a producer) and the producer resumes it when it writes.
 * The producer waits when the reader is STREAM_HIGH behind. */

#define STREAM_HIGH (1u << 20)

struct stream {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct MHD_Connection *c;
	gr_buf buf;
	size_t off;
	bool eof, failed, closed, suspended;
	int refs; /* the producer and the response */
};

static void stream_unref(struct stream *st)
{
	pthread_mutex_lock(&st->mu);
	bool last = --st->refs == 0;
	pthread_mutex_unlock(&st->mu);
	if (!last)
		return;
	gr_buf_free(&st->buf);
	pthread_cond_destroy(&st->cv);
	pthread_mutex_destroy(&st->mu);
	free(st);
	pthread_mutex_lock(&S.mu);
	S.streams--;
	pthread_mutex_unlock(&S.mu);
}

static void stream_wake(struct stream *st)
{
	if (st->suspended) {
		st->suspended = false;
		MHD_resume_connection(st->c);
	}
}

/* Appends to the stream; GR_EINTR when the reader went away or the daemon stops. */
static int stream_write(struct stream *st, const void *p, size_t n)
{
	pthread_mutex_lock(&st->mu);
	while (!st->closed && !S.stopping && st->buf.len - st->off > STREAM_HIGH) {
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_sec += 1;
		pthread_cond_timedwait(&st->cv, &st->mu, &t);
	}
	int rc = 0;
	if (st->closed || S.stopping) {
		rc = gr_error_set(GR_EINTR, "the reader went away");
	} else {
		if (st->off && st->off == st->buf.len)
			st->buf.len = st->off = 0;
		rc = gr_buf_put(&st->buf, p, n);
		stream_wake(st);
	}
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/* The producer is done (failed: the answer is cut, without its last chunk). */
static void stream_end(struct stream *st, bool failed)
{
	pthread_mutex_lock(&st->mu);
	st->eof = true;
	st->failed = failed;
	stream_wake(st);
	pthread_mutex_unlock(&st->mu);
	stream_unref(st);
	pthread_mutex_lock(&S.mu);
	S.producers--;
	pthread_mutex_unlock(&S.mu);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)pos;
	struct stream *st = cls;
	pthread_mutex_lock(&st->mu);
	size_t n = st->buf.len - st->off;
	ssize_t ret;
	if (n) {
		if (n > max)
			n = max;
		memcpy(out, st->buf.ptr + st->off, n);
		st->off += n;
		ret = (ssize_t)n;
		pthread_cond_signal(&st->cv);
	} else if (st->eof) {
		ret = st->failed ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
	} else {
		st->suspended = true;
		MHD_suspend_connection(st->c);
		ret = 0;
	}
	pthread_mutex_unlock(&st->mu);
	return ret;
}

static void stream_free(void *cls)
{
	struct stream *st = cls;
	pthread_mutex_lock(&st->mu);
	st->closed = true;
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
	stream_unref(st);
}

/* Answers with a stream fed by fn(st, arg) on a thread of its own. */
static enum MHD_Result send_stream(struct MHD_Connection *c, const char *type, void *(*fn)(void *), void *arg,
				   struct stream **stp)
{
	struct stream *st = calloc(1, sizeof *st);
	if (!st)
		return send_error(c, 503, GR_ENOMEM, "out of memory");
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cv, NULL);
	st->c = c;
	st->refs = 2;
	pthread_mutex_lock(&S.mu);
	S.streams++;
	S.producers++;
	pthread_mutex_unlock(&S.mu);
	*stp = st;
	struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, st, stream_free);
	pthread_t t;
	if (!r) {
		st->refs = 1;
		stream_unref(st);
		pthread_mutex_lock(&S.mu);
		S.producers--;
		pthread_mutex_unlock(&S.mu);
		return send_error(c, 503, GR_ENOMEM, "out of memory");
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r); /* the response lives on with the connection */
	if (pthread_create(&t, NULL, fn, arg)) {
		stream_end(st, true);
		return ret;
	}
	pthread_detach(t);
	return ret;
}

struct export_job {
	struct stream *st;
	char spec[GR_DATASET_NAME_MAX + 300];
	bool zst;
	uint32_t redact;
};

struct export_ctx {
	gr_hub *h;
	gr_buf line;
	struct stream *st;
	gr_zout *z;
	uint32_t redact;
};

static int export_one(int64_t rid, void *ctx)
{
	struct export_ctx *e = ctx;
	gr_record_info r;
	int rc = gr_catalog_record_get(gr_hub_catalog(e->h), rid, &r);
	if (rc)
		return rc;
	e->line.len = 0;
	rc = gr_hub_export_line(e->h, &r, e->redact, &e->line);
	gr_record_info_release(&r);
	if (rc)
		return rc;
	return e->z ? gr_zout_write(e->z, e->line.ptr, e->line.len) : stream_write(e->st, e->line.ptr, e->line.len);
}

static int zst_sink(const void *p, size_t n, void *ctx)
{
	return stream_write(ctx, p, n);
}

static void *export_thread(void *arg)
{
	struct export_job *x = arg;
	struct export_ctx e = {.st = x->st, .redact = x->redact};
	gr_version_info v;
	int rc = hub_get(&e.h);
	if (!rc && !(rc = gr_hub_resolve(e.h, x->spec, &v))) {
		if (!x->zst || !(rc = gr_zout_new_sink(&e.z, zst_sink, x->st, 3)))
			rc = gr_catalog_members_each(gr_hub_catalog(e.h), v.id, export_one, &e);
		if (!rc && e.z)
			rc = gr_zout_finish(e.z);
		gr_version_info_release(&v);
	}
	if (rc && rc != GR_EINTR)
		fprintf(stderr, "granaryd: export of %s stopped: %s\n", x->spec, gr_error_last());
	if (e.h)
		hub_put(e.h);
	gr_buf_free(&e.line);
	gr_zout_free(e.z);
	stream_end(x->st, rc != 0);
	free(x);
	return NULL;
}

static enum MHD_Result send_export(struct MHD_Connection *c, const char *spec, bool zst, uint32_t redact)
{
	/* resolve first, so a missing version is a 404 and not an empty stream */
	gr_hub *h;
	gr_version_info v;
	int rc = hub_get(&h);
	if (rc)
		return send_error(c, 0, rc, gr_error_last());
	rc = gr_hub_resolve(h, spec, &v);
	if (!rc) {
		gr_version_info_release(&v);
		rc = gr_api_doc_gate(h, spec, "export");
	}
	hub_put(h);
	if (rc)
		return send_error(c, 0, rc, gr_error_last());
	struct export_job *x = calloc(1, sizeof *x);
	if (!x)
		return send_error(c, 503, GR_ENOMEM, "out of memory");
	x->zst = zst;
	x->redact = redact;
	snprintf(x->spec, sizeof x->spec, "%s", spec);
	return send_stream(c, zst ? "application/zstd" : "application/x-ndjson", export_thread, x, &x->st);
}

struct events_job {
	struct stream *st;
	int64_t id;
};

/* One JSON line per change of the job, the last when it is over. */
static void *events_thread(void *arg)
{
	struct events_job *ev = arg;
	uint64_t seq = 0;
	int rc = 0;
	for (bool first = true;; first = false) {
		bool done = false;
		if (!first)
			gr_jobs_wait(S.jobs, ev->id, &seq, 1000, &done);
		cJSON *j;
		if ((rc = gr_jobs_get(S.jobs, ev->id, &j)))
			break;
		const char *state = cJSON_GetObjectItemCaseSensitive(j, "state")->valuestring;
		done = done || (strcmp(state, "queued") && strcmp(state, "running"));
		char *line = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
		if (!line) {
			rc = GR_ENOMEM;
			break;
		}
		rc = stream_write(ev->st, line, strlen(line));
		free(line);
		if (!rc)
			rc = stream_write(ev->st, "\n", 1);
		if (rc || done)
			break;
	}
	stream_end(ev->st, rc != 0);
	free(ev);
	return NULL;
}

static enum MHD_Result send_events(struct MHD_Connection *c, int64_t id)
{
	uid_t owner;
	int rc = gr_jobs_owner(S.jobs, id, &owner);
	if (rc)
		return send_error(c, 0, rc, gr_error_last());
	struct events_job *ev = calloc(1, sizeof *ev);
	if (!ev)
		return send_error(c, 503, GR_ENOMEM, "out of memory");
	ev->id = id;
	return send_stream(c, "application/x-ndjson", events_thread, ev, &ev->st);
}

/* ---- routes ---- */

static enum MHD_Result answer(struct MHD_Connection *c, int rc, cJSON *o, unsigned ok_status)
{
	if (rc)
		return send_error(c, 0, rc, gr_error_last());
	return send_json(c, ok_status, o);
}

static cJSON *status_json(const struct conn *cn, const struct req *q)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "granary", GR_VERSION_STRING);
	cJSON_AddStringToObject(o, "hub", S.hub);
	cJSON_AddNumberToObject(o, "pid", getpid());
	cJSON_AddNumberToObject(o, "uptime_seconds", gr_time_mono() - S.started);
	cJSON *me = cJSON_AddObjectToObject(o, "caller");
	cJSON_AddNumberToObject(me, "uid", cn->uid);
	cJSON_AddNumberToObject(me, "gid", cn->gid);
	cJSON_AddStringToObject(me, "roles", q->roles);
	cJSON *p = cJSON_AddArrayToObject(me, "may");
	static const char *names[] = {"read", "curate", "privacy", "admin"};
	for (int i = 0; i < 4; i++)
		if (q->perms & (1u << i))
			cJSON_AddItemToArray(p, cJSON_CreateString(names[i]));
	return o;
}

/* What a route is, found before the body arrives (so permissions and the
 * body's kind are known early). */
enum route {
	R_NONE,
	R_STATUS,
	R_DATASETS,
	R_DATASET,
	R_VERSIONS,
	R_VERSION,
	R_RECORDS,
	R_RECORD,
	R_CONTENT,
	R_EXPORT,
	R_DIFF,
	R_INGEST,
	R_VERIFY,
	R_GC,
	R_JOBS,
	R_JOB,
	R_JOB_EVENTS,
	R_JOB_CANCEL,
	R_ROLES,
	R_ROLE_SET,
	R_ROLE_DEL,
	R_AUDIT_LOG,
	R_REMOVALS,
	R_PII,
	R_SCAN,
	R_FILTER,
	R_DEDUP,
	R_QUERY,
	R_REMOVAL_LIST,
	R_REMOVAL,
	R_REMOVAL_APPLY,
	R_GOV_LOG,
	R_LICENSE,
	R_NOTICE,
	R_CONTAINS,
	R_DOCS,
	R_DOCS_EXPORT,
	R_DOC_SET,
	R_TAG,
	R_SOURCE_LICENSE,
	R_AUDIT,
	R_AUDIT_JOB,
	R_DOC_REPLACE,
	R_POLICY,
	R_POLICY_SET,
};

static const struct {
	enum route r;
	const char *method;
	const char *pattern; /* '*' matches one segment */
	unsigned need;
	const char *action; /* audited when not NULL */
} routes[] = {
	{R_STATUS, "GET", "v1/status", 0, NULL},
	{R_DATASETS, "GET", "v1/datasets", NEED_READ, NULL},
	{R_DATASET, "GET", "v1/datasets/*", NEED_READ, NULL},
	{R_VERSIONS, "GET", "v1/datasets/*/versions", NEED_READ, NULL},
	{R_VERSION, "GET", "v1/datasets/*/versions/*", NEED_READ, NULL},
	{R_RECORDS, "GET", "v1/datasets/*/versions/*/records", NEED_READ, NULL},
	{R_RECORD, "GET", "v1/datasets/*/versions/*/records/*", NEED_READ, NULL},
	{R_CONTENT, "GET", "v1/datasets/*/versions/*/records/*/content", NEED_READ, NULL},
	{R_EXPORT, "GET", "v1/datasets/*/versions/*/export", NEED_READ, NULL},
	{R_DIFF, "GET", "v1/diff", NEED_READ, NULL},
	{R_INGEST, "POST", "v1/datasets/*/ingest", NEED_CURATE, "ingest"},
	{R_VERIFY, "POST", "v1/verify", NEED_READ, "verify"},
	{R_GC, "POST", "v1/gc", NEED_ADMIN, "gc"},
	{R_JOBS, "GET", "v1/jobs", NEED_READ, NULL},
	{R_JOB, "GET", "v1/jobs/*", NEED_READ, NULL},
	{R_JOB_EVENTS, "GET", "v1/jobs/*/events", NEED_READ, NULL},
	{R_JOB_CANCEL, "DELETE", "v1/jobs/*", NEED_READ, "job.cancel"},
	{R_ROLES, "GET", "v1/roles", NEED_ADMIN, NULL},
	{R_ROLE_SET, "PUT", "v1/roles/*/*", NEED_ADMIN, "roles.set"},
	{R_ROLE_DEL, "DELETE", "v1/roles/*/*", NEED_ADMIN, "roles.remove"},
	{R_AUDIT_LOG, "GET", "v1/audit-log", NEED_AUDIT, NULL},
	{R_REMOVALS, "POST", "v1/removals", NEED_PRIVACY, "removal"},
	{R_PII, "POST", "v1/pii", NEED_READ, NULL},
	{R_SCAN, "POST", "v1/datasets/*/versions/*/scan", NEED_CURATE, "scan"},
	{R_FILTER, "POST", "v1/datasets/*/versions/*/filter", NEED_CURATE, "filter"},
	{R_DEDUP, "POST", "v1/datasets/*/versions/*/dedup", NEED_CURATE, "dedup"},
	{R_QUERY, "POST", "v1/query", NEED_READ, NULL},
	{R_REMOVAL_LIST, "GET", "v1/removals", NEED_PRIVACY, NULL},
	{R_REMOVAL, "GET", "v1/removals/*", NEED_PRIVACY, NULL},
	{R_REMOVAL_APPLY, "POST", "v1/removals/*/apply", NEED_PRIVACY, "removal.apply"},
	{R_GOV_LOG, "GET", "v1/governance-log", NEED_AUDIT, NULL},
	{R_LICENSE, "GET", "v1/datasets/*/versions/*/license", NEED_READ, NULL},
	{R_NOTICE, "GET", "v1/datasets/*/versions/*/notice", NEED_READ, NULL},
	{R_CONTAINS, "POST", "v1/datasets/*/versions/*/contains", NEED_READ, NULL},
	{R_DOCS, "GET", "v1/datasets/*/versions/*/docs", NEED_READ, NULL},
	{R_DOCS_EXPORT, "GET", "v1/datasets/*/versions/*/docs/*", NEED_READ, NULL},
	{R_DOC_SET, "POST", "v1/datasets/*/versions/*/docs", NEED_CURATE, "doc.set"},
	{R_TAG, "POST", "v1/datasets/*/versions/*/tags", NEED_CURATE, "release.tag"},
	{R_SOURCE_LICENSE, "PUT", "v1/sources/*/license", NEED_CURATE, "license.source"},
	{R_AUDIT, "GET", "v1/datasets/*/versions/*/audit", NEED_READ, NULL},
	{R_AUDIT_JOB, "POST", "v1/datasets/*/versions/*/audit", NEED_READ, NULL},
	{R_DOC_REPLACE, "PUT", "v1/datasets/*/versions/*/docs", NEED_CURATE, "doc.edit"},
	{R_POLICY, "GET", "v1/doc-policy", NEED_READ, NULL},
	{R_POLICY_SET, "POST", "v1/doc-policy", NEED_ADMIN, "doc.policy"},
};

static int route_find(const char *method, char segs[SEGS_MAX][256], int n, bool *method_wrong)
{
	*method_wrong = false;
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
		const char *p = routes[i].pattern;
		int k = 0;
		bool match = true;
		while (*p && match) {
			const char *e = strchr(p, '/');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			if (k >= n || !((len == 1 && *p == '*') || (strlen(segs[k]) == len && !memcmp(segs[k], p, len))))
				match = false;
			k++;
			p += len + (e ? 1 : 0);
		}
		if (!match || k != n)
			continue;
		if (strcmp(routes[i].method, method)) {
			*method_wrong = true;
			continue;
		}
		return (int)i;
	}
	return -1;
}

static int submit(const struct conn *cn, const char *kind, cJSON *params, cJSON **out)
{
	int64_t id;
	int rc = gr_jobs_submit(S.jobs, kind, cn->uid, params, &id);
	if (rc)
		return rc;
	return gr_jobs_get(S.jobs, id, out);
}

/* Ingest: a JSON body naming files the caller may read, or the uploaded file. */
static int do_ingest(const struct conn *cn, struct req *q, struct MHD_Connection *c, const char *dataset, cJSON **out)
{
	if (!gr_dataset_name_valid(dataset))
		return gr_error_set(GR_EINVAL, "'%s' is not a dataset name", dataset);
	cJSON *p;
	if (q->body_json) {
		p = cJSON_ParseWithLength(q->body.ptr ? q->body.ptr : "", q->body.len);
		if (!cJSON_IsObject(p)) {
			cJSON_Delete(p);
			return gr_error_set(GR_EINVAL, "the body is not a JSON object");
		}
		cJSON *files = cJSON_GetObjectItemCaseSensitive(p, "files");
		if (!cJSON_IsArray(files) || !cJSON_GetArraySize(files)) {
			cJSON_Delete(p);
			return gr_error_set(GR_EINVAL, "\"files\" must list at least one file");
		}
		cJSON *f;
		cJSON_ArrayForEach(f, files)
		{
			char real[PATH_MAX];
			int rc;
			if (!cJSON_IsString(f))
				rc = gr_error_set(GR_EINVAL, "\"files\" must hold strings");
			else if (f->valuestring[0] != '/')
				rc = gr_error_set(GR_EINVAL, "%s: files must be absolute paths", f->valuestring);
			else
				rc = caller_may_read(cn, f->valuestring, real, sizeof real);
			if (rc) {
				cJSON_Delete(p);
				return rc;
			}
			cJSON_SetValuestring(f, real);
		}
		cJSON_DeleteItemFromObjectCaseSensitive(p, "spool");
	} else {
		if (!q->spool[0])
			return gr_error_set(GR_EINVAL, "no file uploaded");
		p = cJSON_CreateObject();
		cJSON *files = cJSON_AddArrayToObject(p, "files");
		cJSON_AddItemToArray(files, cJSON_CreateString(q->spool));
		cJSON_AddStringToObject(p, "spool", q->spool);
		const char *fname = arg(c, "filename");
		static const char *keys[] = {"text_field", "source", "message", "format"};
		for (int i = 0; i < 4; i++)
			if (arg(c, keys[i]))
				cJSON_AddStringToObject(p, keys[i], arg(c, keys[i]));
		static const char *flags[] = {"keep_optout", "keep_status", "drop_boilerplate", "scan"};
		for (int i = 0; i < 4; i++)
			if (arg_true(c, flags[i]))
				cJSON_AddTrueToObject(p, flags[i]);
		if (!arg(c, "source")) {
			/* as a path ingest of the same file names it */
			char *src = gr_source_name(fname ? fname : "upload.jsonl");
			cJSON_AddStringToObject(p, "source", src ? src : "upload");
			free(src);
		}
		cJSON_AddBoolToObject(p, "strict", arg_true(c, "strict"));
		cJSON_AddBoolToObject(p, "replace", arg_true(c, "replace"));
		q->spool[0] = '\0'; /* the job deletes it now */
		close(q->spool_fd);
		q->spool_fd = -1;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(p, "dataset");
	cJSON_AddStringToObject(p, "dataset", dataset);
	/* the version's author is the caller, never what the body claims */
	cJSON_DeleteItemFromObjectCaseSensitive(p, "author");
	cJSON_AddStringToObject(p, "author", cn->user);
	return submit(cn, "ingest", p, out);
}

/* scan, filter, dedup: a write job on one version; the body (JSON, may be
 * empty) holds the operation's parameters. */
static int do_version_job(const struct conn *cn, struct req *q, const char *kind, const char *spec, cJSON **out)
{
	cJSON *p = q->body.len ? cJSON_ParseWithLength(q->body.ptr, q->body.len) : cJSON_CreateObject();
	if (!cJSON_IsObject(p)) {
		cJSON_Delete(p);
		return gr_error_set(GR_EINVAL, "the body is not a JSON object");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(p, "spec");
	cJSON_AddStringToObject(p, "spec", spec);
	/* the version's author is the caller, never what the body claims */
	cJSON_DeleteItemFromObjectCaseSensitive(p, "author");
	cJSON_AddStringToObject(p, "author", cn->user);
	return submit(cn, kind, p, out);
}

static enum MHD_Result dispatch(struct MHD_Connection *c, const struct conn *cn, struct req *q, int ri,
				char segs[SEGS_MAX][256], const char *method, const char *url)
{
	enum route r = routes[ri].r;
	char spec[GR_DATASET_NAME_MAX + 300];
	cJSON *o = NULL;
	int rc = 0;
	gr_hub *h = NULL;
	uint64_t limit = 0, after = 0;

	switch (r) {
	case R_VERSIONS:
	case R_DATASET:
	case R_VERSION:
	case R_RECORDS:
	case R_RECORD:
	case R_CONTENT:
	case R_EXPORT:
	case R_SCAN:
	case R_FILTER:
	case R_DEDUP:
	case R_LICENSE:
	case R_NOTICE:
	case R_CONTAINS:
	case R_DOCS:
	case R_DOCS_EXPORT:
	case R_DOC_SET:
	case R_TAG:
	case R_AUDIT:
	case R_AUDIT_JOB:
	case R_DOC_REPLACE:
		if ((rc = version_spec(segs[2], r == R_VERSIONS || r == R_DATASET ? NULL : segs[4], spec, sizeof spec)))
			return send_error(c, 0, rc, gr_error_last());
		break;
	default:
		break;
	}
	if ((r == R_RECORD || r == R_CONTENT) && !is_hex_id(segs[6]))
		return send_error(c, 400, GR_EINVAL, "a record id is 8 to 64 hex digits");
	if ((rc = arg_u64(c, "limit", &limit)) || (rc = arg_u64(c, "after", &after)))
		return send_error(c, 0, rc, gr_error_last());

	switch (r) {
	case R_STATUS:
		return send_json(c, 200, status_json(cn, q));
	case R_DATASETS:
	case R_DATASET:
	case R_VERSIONS:
	case R_VERSION:
	case R_RECORDS:
	case R_DIFF:
		if ((rc = hub_get(&h)))
			return send_error(c, 0, rc, gr_error_last());
		if (r == R_DATASETS)
			rc = gr_api_datasets(h, &o);
		else if (r == R_VERSIONS)
			rc = gr_api_log(h, spec, &o);
		else if (r == R_DATASET || r == R_VERSION)
			rc = gr_api_show(h, spec, &o);
		else if (r == R_RECORDS)
			rc = gr_api_records(h, spec, (int64_t)after, limit, &o);
		else if (!arg(c, "from") || !arg(c, "to"))
			rc = gr_error_set(GR_EINVAL, "diff needs from=DATASET@vA and to=DATASET@vB");
		else
			rc = gr_api_diff(h, arg(c, "from"), arg(c, "to"), (int64_t)after, limit, &o);
		hub_put(h);
		return answer(c, rc, o, 200);
	case R_RECORD:
	case R_CONTENT: {
		gr_buf out = GR_BUF_INIT;
		if ((rc = hub_get(&h)))
			return send_error(c, 0, rc, gr_error_last());
		rc = gr_api_record(h, spec, segs[6], r == R_RECORD ? &out : NULL, r == R_CONTENT ? &out : NULL);
		hub_put(h);
		enum MHD_Result ret = rc ? send_error(c, 0, rc, gr_error_last())
					 : send_buf(c, 200, r == R_RECORD ? "application/json" : "text/plain; charset=utf-8",
						    out.ptr ? out.ptr : "", out.len);
		gr_buf_free(&out);
		return ret;
	}
	case R_EXPORT: {
		const char *f = arg(c, "format");
		if (f && strcmp(f, "jsonl") && strcmp(f, "jsonl.zst"))
			return send_error(c, 400, GR_EINVAL, "format is jsonl or jsonl.zst");
		uint32_t redact = 0;
		const char *rd = arg(c, "redact");
		if (rd && gr_pii_mask_parse(rd, &redact))
			return send_error(c, 400, GR_EINVAL, gr_error_last());
		return send_export(c, spec, f && !strcmp(f, "jsonl.zst"), redact);
	}
	case R_INGEST:
		rc = do_ingest(cn, q, c, segs[2], &o);
		break;
	case R_VERIFY: {
		cJSON *p = cJSON_CreateObject();
		cJSON *b = q->body.len ? cJSON_ParseWithLength(q->body.ptr, q->body.len) : NULL;
		if (q->body.len && !cJSON_IsObject(b)) {
			cJSON_Delete(p);
			cJSON_Delete(b);
			rc = gr_error_set(GR_EINVAL, "the body is not a JSON object");
			break;
		}
		cJSON_AddBoolToObject(p, "full", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "full")) || arg_true(c, "full"));
		cJSON_Delete(b);
		rc = submit(cn, "verify", p, &o);
		break;
	}
	case R_GC:
		rc = submit(cn, "gc", cJSON_CreateObject(), &o);
		break;
	case R_JOBS:
		rc = gr_jobs_list(S.jobs, limit ? (int)(limit > 1000 ? 1000 : limit) : 50, &o);
		return answer(c, rc, o, 200);
	case R_JOB:
	case R_JOB_EVENTS:
	case R_JOB_CANCEL: {
		int64_t id;
		if (gr_api_cursor(segs[2], &id) || id <= 0)
			return send_error(c, 400, GR_EINVAL, "a job id is a positive number");
		if (r == R_JOB) {
			rc = gr_jobs_get(S.jobs, id, &o);
			return answer(c, rc, o, 200);
		}
		if (r == R_JOB_EVENTS)
			return send_events(c, id);
		uid_t owner;
		if ((rc = gr_jobs_owner(S.jobs, id, &owner)))
			break;
		if (owner != cn->uid && !(q->perms & GR_PERM_ADMIN)) {
			audit(cn, q, "job.cancel", method, url, "denied", "not the job's owner");
			return send_error(c, 403, GR_EPERM, "only the job's owner or an admin may cancel it");
		}
		if (!(rc = gr_jobs_cancel(S.jobs, id, NULL)))
			rc = gr_jobs_get(S.jobs, id, &o);
		break;
	}
	case R_ROLES:
		rc = gr_api_roles(S.acc, &o);
		return answer(c, rc, o, 200);
	case R_ROLE_SET:
	case R_ROLE_DEL:
		rc = r == R_ROLE_SET ? gr_access_role_set(S.acc, segs[2], segs[3], cn->uid)
				     : gr_access_role_del(S.acc, segs[2], segs[3]);
		pthread_mutex_lock(&S.mu);
		S.roles_gen++;
		pthread_mutex_unlock(&S.mu);
		if (!rc) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "principal", segs[2]);
			cJSON_AddStringToObject(o, "role", segs[3]);
			cJSON_AddBoolToObject(o, "granted", r == R_ROLE_SET);
		}
		break;
	case R_AUDIT_LOG:
		rc = gr_api_audit_log(S.acc, (int64_t)after, limit ? (int)(limit > 10000 ? 10000 : limit) : 1000, &o);
		return answer(c, rc, o, 200);
	case R_PII:
		rc = gr_api_pii(S.pii, q->body.ptr ? q->body.ptr : "", q->body.len, &o);
		return answer(c, rc, o, 200);
	case R_SCAN:
	case R_FILTER:
	case R_DEDUP:
		rc = do_version_job(cn, q, r == R_SCAN ? "scan" : r == R_FILTER ? "filter" : "dedup", spec, &o);
		break;
	case R_AUDIT_JOB: {
		/* the audit as a job (a million records take seconds): {"use": U} */
		cJSON *b = cJSON_ParseWithLength(q->body.ptr ? q->body.ptr : "", q->body.len);
		bool good = cJSON_IsObject(b) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(b, "use"));
		cJSON_Delete(b);
		if (!good)
			return send_error(c, 400, GR_EINVAL, "the body is {\"use\": \"commercial|research|academic\"}");
		rc = do_version_job(cn, q, "audit", spec, &o);
		break;
	}
	case R_QUERY: {
		cJSON *b = cJSON_ParseWithLength(q->body.ptr ? q->body.ptr : "", q->body.len);
		const cJSON *sql = cJSON_GetObjectItemCaseSensitive(b, "sql");
		const cJSON *ver = cJSON_GetObjectItemCaseSensitive(b, "version");
		const cJSON *lim = cJSON_GetObjectItemCaseSensitive(b, "limit");
		if (!cJSON_IsObject(b) || !cJSON_IsString(sql) || (ver && !cJSON_IsString(ver)) ||
		    (lim && !cJSON_IsNumber(lim))) {
			cJSON_Delete(b);
			return send_error(c, 400, GR_EINVAL,
					  "the body is {\"sql\": \"SELECT ...\", \"version\": \"DATASET@vN\", \"limit\": N}");
		}
		if ((rc = hub_get(&h))) {
			cJSON_Delete(b);
			return send_error(c, 0, rc, gr_error_last());
		}
		rc = gr_api_query(h, ver ? ver->valuestring : NULL, sql->valuestring,
				  lim && lim->valuedouble > 0 ? (uint64_t)lim->valuedouble : 0, NULL, &o);
		hub_put(h);
		cJSON_Delete(b);
		return answer(c, rc, o, 200);
	}
	case R_REMOVALS: {
		/* a request: recorded at once; with "apply": true, applied as a job */
		cJSON *b = cJSON_ParseWithLength(q->body.ptr ? q->body.ptr : "", q->body.len);
		if (!cJSON_IsObject(b)) {
			cJSON_Delete(b);
			rc = gr_error_set(GR_EINVAL, "the body is a JSON object: {\"selector_kind\", \"selector\", ...}");
			break;
		}
		bool apply = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "apply"));
		bool full = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "full_check"));
		if ((rc = hub_get(&h))) {
			cJSON_Delete(b);
			break;
		}
		rc = gr_api_consent_add(h, b, cn->user, &o);
		hub_put(h);
		cJSON_Delete(b);
		if (!rc && apply) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddNumberToObject(p, "request", cJSON_GetObjectItemCaseSensitive(o, "id")->valuedouble);
			cJSON_AddBoolToObject(p, "full_check", full);
			cJSON_AddStringToObject(p, "author", cn->user);
			cJSON_Delete(o);
			o = NULL;
			rc = submit(cn, "remove", p, &o);
		}
		break;
	}
	case R_DOC_REPLACE:
	case R_POLICY:
	case R_POLICY_SET: {
		/* the edit round trip (the YAML text in the body) and the policy */
		cJSON *b = r == R_POLICY_SET ? cJSON_ParseWithLength(q->body.ptr ? q->body.ptr : "", q->body.len) : NULL;
		if (r == R_POLICY_SET && !cJSON_IsObject(b)) {
			cJSON_Delete(b);
			rc = gr_error_set(GR_EINVAL, "the body is {\"require\"|\"recommend\"|\"enforce\": ...}");
			break;
		}
		if ((rc = hub_get(&h))) {
			cJSON_Delete(b);
			break;
		}
		const char *k[3] = {NULL, NULL, NULL};
		static const char *const keys[3] = {"require", "recommend", "enforce"};
		for (int i = 0; b && i < 3; i++)
			if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(b, keys[i])))
				k[i] = cJSON_GetObjectItemCaseSensitive(b, keys[i])->valuestring;
		rc = r == R_DOC_REPLACE ? gr_api_doc_replace(h, spec, q->body.ptr ? q->body.ptr : "", q->body.len, cn->user, &o)
				       : gr_api_doc_policy(h, k[0], k[1], k[2], cn->user, &o);
		hub_put(h);
		cJSON_Delete(b);
		if (r == R_POLICY)
			return answer(c, rc, o, 200);
		break;
	}
	case R_AUDIT:
		if ((rc = hub_get(&h)))
			return send_error(c, 0, rc, gr_error_last());
		rc = gr_api_audit(h, spec, arg(c, "use"), &o);
		hub_put(h);
		return answer(c, rc, o, 200);
	case R_DOC_SET:
	case R_TAG:
	case R_SOURCE_LICENSE: {
		/* small writes, answered at once: {"field","value"} / {"name","message"} / {"license"} */
		cJSON *b = cJSON_ParseWithLength(q->body.ptr ? q->body.ptr : "", q->body.len);
		const char *k1 = r == R_DOC_SET ? "field" : r == R_TAG ? "name" : "license";
		const cJSON *a1 = cJSON_GetObjectItemCaseSensitive(b, k1);
		const cJSON *a2 = cJSON_GetObjectItemCaseSensitive(b, r == R_DOC_SET ? "value" : "message");
		if (!cJSON_IsObject(b) || !cJSON_IsString(a1) || (a2 && !cJSON_IsString(a2) && !cJSON_IsNull(a2))) {
			cJSON_Delete(b);
			rc = gr_error_set(GR_EINVAL, "the body is a JSON object with a string \"%s\"", k1);
			break;
		}
		if ((rc = hub_get(&h))) {
			cJSON_Delete(b);
			break;
		}
		const char *v2 = cJSON_IsString(a2) ? a2->valuestring : NULL;
		rc = r == R_DOC_SET ? gr_api_doc_set(h, spec, a1->valuestring, v2, cn->user, &o)
		     : r == R_TAG   ? gr_api_tag(h, spec, a1->valuestring, v2, cn->user, &o)
				    : gr_api_license_set_source(h, segs[2], a1->valuestring, cn->user, &o);
		hub_put(h);
		cJSON_Delete(b);
		break;
	}
	case R_DOCS:
	case R_DOCS_EXPORT: {
		if ((rc = hub_get(&h)))
			return send_error(c, 0, rc, gr_error_last());
		if (r == R_DOCS) {
			rc = gr_api_doc_show(h, spec, &o);
			hub_put(h);
			return answer(c, rc, o, 200);
		}
		gr_buf text = GR_BUF_INIT;
		rc = !strcmp(segs[6], "edit") ? gr_api_doc_edit_text(h, spec, &text) : gr_api_doc_export(h, spec, segs[6], &text);
		hub_put(h);
		const char *type = !strcmp(segs[6], "croissant") || !strcmp(segs[6], "statement") ? "application/json"
				   : "text/markdown; charset=utf-8";
		enum MHD_Result ret = rc ? send_error(c, 0, rc, gr_error_last())
					 : send_buf(c, 200, type, text.ptr ? text.ptr : "", text.len);
		gr_buf_free(&text);
		return ret;
	}
	case R_CONTAINS: {
		cJSON *b = cJSON_ParseWithLength(q->body.ptr ? q->body.ptr : "", q->body.len);
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(b, "text"), *th = cJSON_GetObjectItemCaseSensitive(b, "threshold");
		if (!cJSON_IsObject(b)) {
			cJSON_Delete(b);
			return send_error(c, 400, GR_EINVAL, "the body is {\"url\"|\"hash\"|\"text\": ..., \"threshold\": J}");
		}
		if ((rc = hub_get(&h))) {
			cJSON_Delete(b);
			return send_error(c, 0, rc, gr_error_last());
		}
		const char *tx = cJSON_IsString(t) ? t->valuestring : NULL;
		rc = gr_api_contains(h, spec, cJSON_IsString(cJSON_GetObjectItemCaseSensitive(b, "url"))
					       ? cJSON_GetObjectItemCaseSensitive(b, "url")->valuestring : NULL,
				     cJSON_IsString(cJSON_GetObjectItemCaseSensitive(b, "hash"))
					     ? cJSON_GetObjectItemCaseSensitive(b, "hash")->valuestring : NULL,
				     tx, tx ? strlen(tx) : 0, cJSON_IsNumber(th) ? th->valuedouble : 0, &o);
		hub_put(h);
		cJSON_Delete(b);
		return answer(c, rc, o, 200);
	}
	case R_LICENSE:
	case R_NOTICE: {
		if ((rc = hub_get(&h)))
			return send_error(c, 0, rc, gr_error_last());
		if (r == R_LICENSE) {
			rc = gr_api_license_check(h, spec, arg(c, "use"), &o);
			hub_put(h);
			return answer(c, rc, o, 200);
		}
		gr_buf text = GR_BUF_INIT;
		rc = gr_api_notice(h, spec, &text);
		hub_put(h);
		enum MHD_Result ret = rc ? send_error(c, 0, rc, gr_error_last())
					 : send_buf(c, 200, "text/plain; charset=utf-8", text.ptr ? text.ptr : "", text.len);
		gr_buf_free(&text);
		return ret;
	}
	case R_REMOVAL_LIST:
	case R_REMOVAL:
	case R_GOV_LOG: {
		int64_t id = 0;
		if (r == R_REMOVAL && (gr_api_cursor(segs[2], &id) || id <= 0))
			return send_error(c, 400, GR_EINVAL, "a request id is a positive number");
		if ((rc = hub_get(&h)))
			return send_error(c, 0, rc, gr_error_last());
		rc = r == R_REMOVAL_LIST ? gr_api_removals(h, &o)
		     : r == R_REMOVAL	 ? gr_api_removal(h, id, &o)
					 : gr_api_governance_log(h, &o);
		hub_put(h);
		return answer(c, rc, o, 200);
	}
	case R_REMOVAL_APPLY: {
		int64_t id;
		if (gr_api_cursor(segs[2], &id) || id <= 0)
			return send_error(c, 400, GR_EINVAL, "a request id is a positive number");
		cJSON *b = q->body.len ? cJSON_ParseWithLength(q->body.ptr, q->body.len) : NULL;
		cJSON *p = cJSON_CreateObject();
		cJSON_AddNumberToObject(p, "request", (double)id);
		cJSON_AddBoolToObject(p, "full_check", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "full_check")));
		cJSON_AddStringToObject(p, "author", cn->user);
		cJSON_Delete(b);
		rc = submit(cn, "remove", p, &o);
		break;
	}
	case R_NONE:
		break;
	}
	/* the writes: audited with their outcome */
	const char *action = routes[ri].action;
	if (action) {
		char detail[600] = "";
		if (rc)
			snprintf(detail, sizeof detail, "%s", gr_error_last());
		else if (cJSON_GetObjectItemCaseSensitive(o, "kind"))
			snprintf(detail, sizeof detail, "job %d",
				 cJSON_GetObjectItemCaseSensitive(o, "id")->valueint);
		const char *outcome = rc == GR_EPERM				       ? "denied"
				      : rc					       ? "failed"
				      : r == R_INGEST || r == R_VERIFY || r == R_GC || r == R_SCAN || r == R_FILTER ||
						r == R_DEDUP || r == R_REMOVAL_APPLY || (r == R_REMOVALS && cJSON_GetObjectItemCaseSensitive(o, "kind"))
					? "accepted"
										     : "done";
		audit(cn, q, action, method, url, outcome, detail);
	}
	if (rc)
		return send_error(c, 0, rc, gr_error_last());
	bool job = r == R_INGEST || r == R_VERIFY || r == R_GC || r == R_SCAN || r == R_FILTER || r == R_DEDUP ||
		   r == R_AUDIT_JOB || r == R_REMOVAL_APPLY || (r == R_REMOVALS && cJSON_GetObjectItemCaseSensitive(o, "kind"));
	return send_json(c, job ? 202 : 200, o);
}

/* ---- the access handler ---- */

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	(void)kind;
	(void)k;
	(void)v;
	(*(unsigned *)cls)++;
	return MHD_YES;
}

static int open_spool(struct req *q, struct MHD_Connection *c)
{
	const char *fname = arg(c, "filename");
	char safe[101] = "upload.jsonl";
	if (fname) {
		size_t n = strlen(fname);
		if (!n || n > 100 || strspn(fname, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n ||
		    fname[0] == '.')
			return gr_error_set(GR_EINVAL, "filename must be a plain file name of [A-Za-z0-9._-], at most 100");
		snprintf(safe, sizeof safe, "%s", fname);
	}
	/* the name keeps the extension (.gz, .zst, ...) the ingest goes by */
	if (snprintf(q->spool, sizeof q->spool, "%s/XXXXXX-%s", S.uploads, safe) >= (int)sizeof q->spool) {
		q->spool[0] = '\0';
		return gr_error_set(GR_ELIMIT, "the upload path is too long");
	}
	q->spool_fd = mkstemps(q->spool, (int)strlen(safe) + 1);
	if (q->spool_fd < 0) {
		q->spool[0] = '\0';
		return gr_error_errno(GR_EIO, "cannot spool the upload");
	}
	return 0;
}

/* The caller's roles into q, from the connection's cache while roles stay as they were. */
static int caller_roles(struct conn *cn, struct req *q)
{
	pthread_mutex_lock(&S.mu);
	unsigned gen = S.roles_gen;
	pthread_mutex_unlock(&S.mu);
	if (cn->roles_gen != gen) {
		int rc = gr_access_caller(S.acc, cn->uid, cn->groups, (size_t)cn->ngroups, cn->roles, sizeof cn->roles,
					  &cn->perms);
		if (rc)
			return rc;
		cn->roles_gen = gen;
	}
	memcpy(q->roles, cn->roles, sizeof q->roles);
	q->perms = cn->perms;
	return 0;
}

static void fail_later(struct req *q, int status, const char *code, const char *msg)
{
	q->fail_status = status;
	snprintf(q->fail_code, sizeof q->fail_code, "%s", code);
	snprintf(q->fail_msg, sizeof q->fail_msg, "%s", msg);
}

#define DRAIN_MAX (64u << 20) /* a refused body up to this size is read and dropped */

/* An error found when the headers are in: answered at once, unless a body
 * follows that the client sends without waiting for "100 Continue" (it
 * would not read an early answer); that body is drained, then answered. */
static enum MHD_Result reject(struct MHD_Connection *c, struct req *q, unsigned status, const char *code,
			      const char *msg)
{
	const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	const char *expect = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
	uint64_t n = len ? strtoull(len, NULL, 10) : 0;
	bool body = n > 0 || te;
	if (body && !expect && n <= DRAIN_MAX) {
		fail_later(q, (int)status, code, msg);
		return MHD_YES;
	}
	return send_error_code(c, status, code, msg);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_size, void **req_cls)
{
	(void)cls;
	(void)version;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *cn = ci ? ci->socket_context : NULL;
	if (!cn)
		return MHD_NO;
	int nseg;
	struct req *q = *req_cls;

	if (!q) {
		/* the first call: the headers are in */
		pthread_mutex_lock(&S.mu);
		cn->in_request = cn->had_request = true;
		unsigned nconns = S.nconns;
		pthread_mutex_unlock(&S.mu);
		if (!(q = calloc(1, sizeof *q)))
			return MHD_NO;
		q->spool_fd = -1;
		*req_cls = q;
		if (S.o.verbose)
			fprintf(stderr, "granaryd: uid %u %s %s\n", (unsigned)cn->uid, method, url);
		if (nconns > S.o.connections)
			return reject(c, q, 503, "busy", "too many connections; try again");
		unsigned nh = 0;
		MHD_get_connection_values(c, MHD_HEADER_KIND, count_header, &nh);
		if (nh > S.o.header_count)
			return send_error_code(c, 431, "headers_too_large", "too many header fields");
		if (caller_roles(cn, q))
			return reject(c, q, 500, "io_error", gr_error_last());
		if (split_path(url, q->segs, &nseg))
			return reject(c, q, 400, "bad_request", "malformed path");
		bool wrong_method;
		int ri = q->route = route_find(method, q->segs, nseg, &wrong_method);
		if (ri < 0)
			return wrong_method ? reject(c, q, 405, "method_not_allowed", "method not allowed here")
					    : reject(c, q, 404, "no_route", "no such endpoint");
		unsigned need = routes[ri].need;
		if (need && !(q->perms & need)) {
			audit(cn, q, routes[ri].action ? routes[ri].action : "read", method, url, "denied",
			      "the caller's roles do not allow it");
			char msg[256];
			snprintf(msg, sizeof msg, "uid %u (roles: %s) may not do this", (unsigned)cn->uid,
				 q->roles[0] ? q->roles : "none");
			return reject(c, q, 403, "forbidden", msg);
		}
		const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		q->wants_body = !strcmp(method, "POST") || !strcmp(method, "PUT");
		q->body_json = routes[ri].r != R_INGEST || (type && !strncmp(type, "application/json", 16));
		uint64_t limit = q->body_json ? S.o.body_bytes : S.o.upload_bytes;
		const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (len && strtoull(len, NULL, 10) > limit) {
			char msg[128];
			snprintf(msg, sizeof msg, "the body is larger than the limit of %llu bytes", (unsigned long long)limit);
			q->wants_body = false; /* what comes is dropped */
			return reject(c, q, 413, "too_large", msg);
		}
		if (q->wants_body && !q->body_json) {
			int rc = open_spool(q, c);
			if (rc)
				return reject(c, q, (unsigned)gr_api_err_status(rc), gr_api_err_code(rc), gr_error_last());
		}
		return MHD_YES;
	}
	if (*upload_size) {
		/* a piece of the body */
		size_t n = *upload_size;
		*upload_size = 0;
		q->received += n;
		uint64_t limit = q->body_json ? S.o.body_bytes : S.o.upload_bytes;
		if (q->fail_status) /* drained; the answer comes at the end, or the connection closes */
			return q->received > limit + DRAIN_MAX ? MHD_NO : MHD_YES;
		if (!q->wants_body || q->received > limit) {
			fail_later(q, 413, "too_large", q->wants_body ? "the body is larger than the limit" : "this endpoint takes no body");
			return MHD_YES;
		}
		if (q->body_json ? gr_buf_put(&q->body, upload_data, n) != 0
				 : gr_write_all(q->spool_fd, upload_data, n) != 0)
			fail_later(q, 503, "unavailable", "cannot store the body");
		return MHD_YES;
	}
	/* the whole request is in */
	if (q->fail_status)
		return send_error_code(c, (unsigned)q->fail_status, q->fail_code, q->fail_msg);
	return dispatch(c, cn, q, q->route, q->segs, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)toe;
	req_free(*req_cls);
	*req_cls = NULL;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *cn = ci ? ci->socket_context : NULL;
	if (cn) {
		pthread_mutex_lock(&S.mu);
		cn->in_request = false;
		cn->idle_since = gr_time_mono();
		pthread_mutex_unlock(&S.mu);
	}
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx, enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		struct conn *cn = calloc(1, sizeof *cn);
		if (!cn)
			return;
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		cn->fd = ci ? ci->connect_fd : -1;
		struct ucred cr;
		socklen_t len = sizeof cr;
		if (cn->fd >= 0 && getsockopt(cn->fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0) {
			cn->uid = cr.uid;
			cn->gid = cr.gid;
			cn->pid = cr.pid;
		} else {
			/* unknown callers get no role of their own ('*' still applies) */
			cn->uid = cn->gid = (uid_t)-1;
		}
		struct passwd pw, *pp = NULL;
		char pwbuf[4096];
		cn->ngroups = GROUPS_MAX;
		snprintf(cn->user, sizeof cn->user, "uid:%u", (unsigned)cn->uid);
		if (cn->uid != (uid_t)-1 && getpwuid_r(cn->uid, &pw, pwbuf, sizeof pwbuf, &pp) == 0 && pp) {
			snprintf(cn->user, sizeof cn->user, "%s", pp->pw_name);
			if (getgrouplist(pp->pw_name, cn->gid, cn->groups, &cn->ngroups) < 0)
				cn->ngroups = GROUPS_MAX;
		} else {
			cn->groups[0] = cn->gid;
			cn->ngroups = 1;
		}
		cn->idle_since = gr_time_mono();
		pthread_mutex_lock(&S.mu);
		cn->next = S.conns;
		if (S.conns)
			S.conns->prev = cn;
		S.conns = cn;
		S.nconns++;
		pthread_mutex_unlock(&S.mu);
		*socket_ctx = cn;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		struct conn *cn = *socket_ctx;
		if (!cn)
			return;
		pthread_mutex_lock(&S.mu);
		if (cn->prev)
			cn->prev->next = cn->next;
		else
			S.conns = cn->next;
		if (cn->next)
			cn->next->prev = cn->prev;
		S.nconns--;
		pthread_mutex_unlock(&S.mu);
		free(cn);
		*socket_ctx = NULL;
	}
}

/* Closes connections that take too long to send their first request's
 * headers (slowloris: a 408), and connections idle between requests for
 * longer than idle_seconds (silently). libmicrohttpd's own timeout, also
 * idle_seconds, covers a request whose body trickles. */
static void *watchdog(void *arg)
{
	(void)arg;
#define BODY_408 "{\"error\":{\"code\":\"timeout\",\"message\":\"the request headers took too long\"}}\n"
	char r408[256];
	int n408 = snprintf(r408, sizeof r408,
			    "HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nConnection: close\r\n"
			    "Content-Length: %zu\r\n\r\n%s",
			    sizeof BODY_408 - 1, BODY_408);
	while (!S.stopping) {
		usleep(250000);
		double now = gr_time_mono();
		pthread_mutex_lock(&S.mu);
		for (struct conn *cn = S.conns; cn; cn = cn->next) {
			double limit = cn->had_request ? S.o.idle_seconds : S.o.header_seconds;
			if (cn->in_request || cn->killed || cn->fd < 0 || now - cn->idle_since < limit)
				continue;
			if (!cn->had_request)
				(void)!send(cn->fd, r408, (size_t)n408, MSG_NOSIGNAL | MSG_DONTWAIT);
			shutdown(cn->fd, SHUT_RDWR);
			cn->killed = true;
		}
		pthread_mutex_unlock(&S.mu);
	}
	return NULL;
}

/* ------------------------------------------------------------------ socket */

/* A socket from systemd (LISTEN_FDS), else one made at S.sock, replacing a
 * stale one (its daemon is dead) but never a live one. */
static int listen_socket(int *fd_out)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (pid && fds && strtol(pid, NULL, 10) == (long)getpid() && strtol(fds, NULL, 10) >= 1) {
		*fd_out = 3; /* SD_LISTEN_FDS_START */
		fcntl(3, F_SETFD, FD_CLOEXEC);
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		S.own_socket = false;
		return 0;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(S.sock) >= sizeof sa.sun_path)
		return gr_error_set(GR_ELIMIT, "socket path %s is longer than %zu bytes", S.sock, sizeof sa.sun_path - 1);
	memcpy(sa.sun_path, S.sock, strlen(S.sock) + 1);
	struct stat st;
	if (lstat(S.sock, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return gr_error_set(GR_EEXIST, "%s exists and is not a socket", S.sock);
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int live = probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof sa) == 0;
		int why = errno;
		if (probe >= 0)
			close(probe);
		if (live)
			return gr_error_set(GR_EBUSY, "a daemon already serves %s", S.sock);
		if (why != ECONNREFUSED && why != ENOENT)
			return gr_error_set(GR_EIO, "cannot tell whether %s is in use: %s", S.sock, strerror(why));
		unlink(S.sock); /* stale: its daemon died */
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return gr_error_errno(GR_EIO, "socket");
	mode_t old = umask(0177); /* born 0600, then opened up to the asked mode */
	int b = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (b || chmod(S.sock, S.o.socket_mode) || listen(fd, 128)) {
		int rc = gr_error_errno(GR_EIO, "cannot listen on %s", S.sock);
		close(fd);
		return rc;
	}
	S.own_socket = true;
	*fd_out = fd;
	return 0;
}

static int hub_file(char *out, size_t cap, const char *name)
{
	if (snprintf(out, cap, "%s/%s", S.hub, name) >= (int)cap)
		return gr_error_set(GR_ELIMIT, "the hub path %s is too long", S.hub);
	return 0;
}

/* Uploads left by a previous daemon: their jobs are over. */
static void clean_uploads(void)
{
	DIR *d = opendir(S.uploads);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

int gr_server_run(const gr_server_opts *o)
{
	memset(&S, 0, sizeof S);
	S.o = *o;
	if (!S.o.socket_mode)
		S.o.socket_mode = 0660;
	if (!S.o.connections)
		S.o.connections = 256;
	if (!S.o.header_count)
		S.o.header_count = 64;
	if (!S.o.header_bytes)
		S.o.header_bytes = 16384;
	if (!S.o.body_bytes)
		S.o.body_bytes = 1 << 20;
	if (!S.o.upload_bytes)
		S.o.upload_bytes = 64ULL << 30;
	if (!S.o.header_seconds)
		S.o.header_seconds = 10;
	if (!S.o.idle_seconds)
		S.o.idle_seconds = 60;
	pthread_mutex_init(&S.mu, NULL);
	S.started = gr_time_mono();
	S.roles_gen = 1;

	int rc, lock_fd = -1, lfd = -1;
	pthread_t wd;
	bool wd_started = false;
	if (!realpath(o->hub, S.hub))
		return gr_error_errno(GR_ENOTFOUND, "hub %s", o->hub);
	gr_hub *h;
	if ((rc = gr_hub_open(&h, S.hub)))
		return rc;
	hub_put(h);
	snprintf(S.sock, sizeof S.sock, "%s", o->socket ? o->socket : "");
	if (!o->socket && snprintf(S.sock, sizeof S.sock, "%s/granary.sock", S.hub) >= (int)sizeof S.sock)
		return gr_error_set(GR_ELIMIT, "the hub path is too long for a socket path; use --socket");

	/* one daemon per hub */
	char p[PATH_MAX];
	if (hub_file(p, sizeof p, "granaryd.lock"))
		return GR_ELIMIT;
	lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0)
		return gr_error_errno(GR_EIO, "%s", p);
	if (flock(lock_fd, LOCK_EX | LOCK_NB)) {
		close(lock_fd);
		return gr_error_set(GR_EBUSY, "another granaryd serves %s", S.hub);
	}
	struct stat st;
	if ((rc = hub_file(p, sizeof p, "access.db")))
		goto out;
	if (stat(S.hub, &st) || (rc = gr_access_open(&S.acc, p, st.st_uid)))
		goto out;
	uint64_t abandoned = 0;
	gr_access_jobs_abandoned(S.acc, "{\"code\":\"interrupted\",\"message\":\"the daemon stopped while the job "
					"was queued or running; the hub kept its last committed version\"}",
				 &abandoned);
	if (abandoned)
		fprintf(stderr, "granaryd: %llu job(s) of a previous daemon marked failed\n", (unsigned long long)abandoned);
	if ((rc = hub_file(S.uploads, sizeof S.uploads, "uploads")))
		goto out;
	if (mkdir(S.uploads, 0700) && errno != EEXIST) {
		rc = gr_error_errno(GR_EIO, "%s", S.uploads);
		goto out;
	}
	clean_uploads();
	if ((rc = listen_socket(&lfd)))
		goto out;

	/* signals are taken by sigwait below, in this thread only */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((rc = gr_pii_db_new(&S.pii)) || (rc = gr_jobs_start(&S.jobs, S.hub, S.acc)))
		goto out;
	S.mhd = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
				 0, NULL, NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET, lfd, MHD_OPTION_THREAD_POOL_SIZE, POOL_THREADS,
				 MHD_OPTION_CONNECTION_LIMIT, S.o.connections + 64, MHD_OPTION_CONNECTION_TIMEOUT,
				 S.o.idle_seconds, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)S.o.header_bytes + 16384,
				 MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION,
				 on_connection, NULL, MHD_OPTION_END);
	if (!S.mhd) {
		rc = gr_error_set(GR_EIO, "cannot start the HTTP server on %s", S.sock);
		goto out;
	}
	lfd = -1; /* the daemon owns it now */
	if (pthread_create(&wd, NULL, watchdog, NULL) == 0)
		wd_started = true;
	fprintf(stderr, "granaryd: serving %s on %s (pid %d)\n", S.hub, S.own_socket ? S.sock : "systemd's socket",
		(int)getpid());
	int sig;
	sigwait(&sigs, &sig);
	fprintf(stderr, "granaryd: %s: stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	rc = 0;
out:
	S.stopping = 1;
	if (S.mhd) {
		MHD_socket qfd = MHD_quiesce_daemon(S.mhd); /* no new connections */
		if (qfd != MHD_INVALID_SOCKET && S.own_socket)
			close(qfd);
	}
	gr_jobs_stop(S.jobs); /* cancels the running job; it rolls back */
	for (int i = 0; i < 1000; i++) {
		/* producers see S.stopping and end (resuming their connections:
		 * MHD must not stop with a connection suspended) */
		pthread_mutex_lock(&S.mu);
		int n = S.producers;
		pthread_mutex_unlock(&S.mu);
		if (!n)
			break;
		usleep(10000);
	}
	if (S.mhd)
		MHD_stop_daemon(S.mhd);
	if (wd_started)
		pthread_join(wd, NULL);
	gr_jobs_free(S.jobs);
	if (lfd >= 0)
		close(lfd);
	if (S.own_socket)
		unlink(S.sock);
	while (S.npool)
		gr_hub_close(S.pool[--S.npool]);
	gr_access_close(S.acc);
	gr_pii_db_free(S.pii);
	close(lock_fd);
	return rc;
}
