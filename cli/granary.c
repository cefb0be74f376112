/*
 * granary — the command-line front end. One cmd_* per verb, registered in
 * one table; each parses its arguments, gets its answer from src/api (on the
 * hub itself, or from the daemon serving it) and prints it. Human output by
 * default, --json for scripts. Exit codes: docs/exit-codes.md.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "catalog/access.h"
#include "client/client.h"
#include "granary.h"
#include "scan/pii.h"

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NOTFOUND = 3,
	EXIT_CORRUPT = 4,
	EXIT_BUSY = 5,
	EXIT_BADINPUT = 6,
	EXIT_IO = 7,
	EXIT_DENIED = 8,
	EXIT_NOT_CLEARED = 9,
	EXIT_WARNINGS = 10,
	EXIT_INTERRUPTED = 130,
};

static const char *hub_dir;
static bool json_out;
static volatile int interrupted;

static int exit_for(int rc)
{
	switch (rc) {
	case 0: return EXIT_OK;
	case GR_ENOTFOUND: return EXIT_NOTFOUND;
	case GR_ECORRUPT: return EXIT_CORRUPT;
	case GR_EBUSY: return EXIT_BUSY;
	case GR_EINVAL:
	case GR_ELIMIT:
	case GR_EEXIST: return EXIT_BADINPUT;
	case GR_EIO: return EXIT_IO;
	case GR_EPERM: return EXIT_DENIED;
	case GR_EINTR: return EXIT_INTERRUPTED;
	default: return EXIT_FAIL;
	}
}

static int fail(int rc)
{
	fprintf(stderr, "granary: %s\n", gr_error_last());
	return exit_for(rc);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "granary: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(see 'granary help')\n");
	return EXIT_USAGE;
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* ------------------------------------------------------------------ progress */

typedef struct {
	double start, last;
	bool shown;
	const char *what;
} progress;

static void progress_draw(progress *p, double frac, const char *detail)
{
	if (!isatty(STDERR_FILENO))
		return;
	double now = gr_time_mono();
	if (!p->start)
		p->start = now;
	if (now - p->start < 1.0 || now - p->last < 0.1)
		return;
	p->last = now;
	p->shown = true;
	int width = 30, fill = (int)(frac * width);
	if (fill < 0)
		fill = 0;
	if (fill > width)
		fill = width;
	char bar[64];
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(width - fill));
	bar[width] = '\0';
	fprintf(stderr, "\r%s [%s] %3.0f%% %s\033[K", p->what, bar, frac * 100, detail);
}

static void progress_end(progress *p)
{
	if (p->shown)
		fprintf(stderr, "\r\033[K");
}

static const char *human_bytes(uint64_t n, char *buf, size_t sz)
{
	const char *units[] = {"B", "KB", "MB", "GB", "TB"};
	double v = (double)n;
	int u = 0;
	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, sz, u ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

static void print_json_line(const cJSON *o);

static int cmd_init(int argc, char **argv)
{
	if (argc > 2)
		return usage_error("init takes at most one directory%s", "");
	const char *dir = argc == 2 ? argv[1] : hub_dir;
	int rc = gr_hub_init(dir);
	if (rc)
		return fail(rc);
	if (json_out) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "hub", dir);
		print_json_line(o);
		cJSON_Delete(o);
	} else {
		printf("Initialized empty Granary hub in %s\n", dir);
	}
	return 0;
}

/* ------------------------------------------------------------------ the hub or its daemon */

/* Each verb gets its answer as the JSON object of src/api (docs/api.md),
 * computed here on an open hub or asked of the daemon that serves the hub,
 * and renders it the same way either way. */
static gr_hub *hub;
static gr_client *daemon_cl;
static bool no_daemon;

static void socket_path(char *out, size_t cap)
{
	const char *s = getenv("GRANARY_SOCKET");
	if (s && *s)
		snprintf(out, cap, "%s", s);
	else if (snprintf(out, cap, "%s/granary.sock", hub_dir) >= (int)cap)
		out[0] = '\0';
}

/* Connects to the daemon when one serves the hub, else opens the hub. */
static int connect_hub(void)
{
	if (hub || daemon_cl)
		return 0;
	char sock[4096];
	socket_path(sock, sizeof sock);
	/* a socket this caller may not use is an error, not a reason to go around the daemon */
	int rc = !no_daemon && sock[0] ? gr_client_probe(sock) : 0;
	if (rc == 1)
		rc = gr_client_open(&daemon_cl, sock);
	else if (rc == 0)
		rc = gr_hub_open(&hub, hub_dir);
	return rc ? fail(rc) : 0;
}

static void disconnect_hub(void)
{
	gr_hub_close(hub);
	gr_client_close(daemon_cl);
	hub = NULL;
	daemon_cl = NULL;
}

/* "/v1/datasets/DS/versions/N" (or .../latest) for DATASET[@vN]. */
static int version_path(gr_buf *p, const char *spec)
{
	const char *at = strchr(spec, '@');
	size_t n = at ? (size_t)(at - spec) : strlen(spec);
	char ds[GR_DATASET_NAME_MAX + 1];
	if (n == 0 || n > GR_DATASET_NAME_MAX)
		return gr_error_set(GR_EINVAL, "'%s' is not DATASET or DATASET@vN", spec);
	memcpy(ds, spec, n);
	ds[n] = '\0';
	const char *v = at ? at + 1 : "latest";
	if (at && *v == 'v' && v[1] && strspn(v + 1, "0123456789") == strlen(v + 1))
		v++;
	/* a number, latest, or a release tag (the daemon resolves it) */
	if (!*v)
		return gr_error_set(GR_EINVAL, "'%s' is not DATASET, DATASET@vN or DATASET@TAG", spec);
	p->len = 0;
	int rc = gr_buf_printf(p, "/v1/datasets/");
	if (!rc)
		rc = gr_client_escape(p, ds);
	if (!rc)
		rc = gr_buf_printf(p, "/versions/");
	if (!rc)
		rc = gr_client_escape(p, v);
	return rc;
}

static int remote_get(const char *path, cJSON **out)
{
	return gr_client_json(daemon_cl, "GET", path, NULL, out);
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static uint64_t jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) && v->valuedouble > 0 ? (uint64_t)v->valuedouble : 0;
}

static void print_json(const cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	if (s)
		printf("%s", s);
	free(s);
}

static void print_json_line(const cJSON *o)
{
	print_json(o);
	printf("\n");
}

/* ------------------------------------------------------------------ ingest */

struct ingest_ui {
	progress p;
	uint64_t bad;
};

static void on_bad_line(const char *file, uint64_t line, const char *why, void *ctx)
{
	struct ingest_ui *u = ctx;
	if (u->bad++ >= 100) {
		if (u->bad == 101)
			fprintf(stderr, "granary: more malformed lines; only the first 100 are listed\n");
		return;
	}
	if (line) /* a line of JSON Lines; else the reason names the place */
		fprintf(stderr, "%s%s:%llu: skipped: %s\n", u->p.shown ? "\r\033[K" : "", file, (unsigned long long)line,
			why);
	else
		fprintf(stderr, "%s%s: skipped: %s\n", u->p.shown ? "\r\033[K" : "", file, why);
}

static void draw_job_progress(progress *p, const gr_api_progress *g)
{
	char detail[256];
	double frac = g->bytes_total ? (double)g->bytes_done / (double)g->bytes_total : 0;
	if (g->records_done)
		snprintf(detail, sizeof detail, "%llu records", (unsigned long long)g->records_done);
	else
		snprintf(detail, sizeof detail, "%.1f/%.1f MB", (double)g->bytes_done / 1e6, (double)g->bytes_total / 1e6);
	progress_draw(p, frac, detail);
}

static void on_job_progress(const gr_api_progress *g, void *ctx)
{
	draw_job_progress(ctx, g);
}

/* Runs a job on the daemon: submits it, draws its progress, cancels it on
 * SIGINT, and gives back its result (also when it failed with one). */
static int remote_job(const char *path, const cJSON *body, progress *p, cJSON **result)
{
	*result = NULL;
	cJSON *job;
	int rc = gr_client_json(daemon_cl, "POST", path, body, &job);
	if (rc)
		return rc;
	char jp[64];
	snprintf(jp, sizeof jp, "/v1/jobs/%llu", (unsigned long long)jnum(job, "id"));
	bool cancelled = false;
	for (;;) {
		const char *state = jstr(job, "state");
		if (state && strcmp(state, "queued") && strcmp(state, "running"))
			break;
		if (interrupted && !cancelled) {
			cJSON *c = NULL;
			gr_client_json(daemon_cl, "DELETE", jp, NULL, &c);
			cJSON_Delete(c);
			cancelled = true;
		}
		const cJSON *pr = cJSON_GetObjectItemCaseSensitive(job, "progress");
		gr_api_progress g = {.records_done = jnum(pr, "records_done"), .bytes_done = jnum(pr, "bytes_done"),
				     .bytes_total = jnum(pr, "bytes_total")};
		if (p)
			draw_job_progress(p, &g);
		usleep(100000);
		cJSON_Delete(job);
		if ((rc = remote_get(jp, &job)))
			return rc;
	}
	cJSON *res = cJSON_DetachItemFromObjectCaseSensitive(job, "result");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(job, "error");
	if (cJSON_IsObject(err)) {
		const char *code = jstr(err, "code"), *msg = jstr(err, "message");
		rc = gr_error_set(strcmp(jstr(job, "state"), "cancelled") ? gr_api_err_from_code(code) : GR_EINTR, "%s",
				  msg ? msg : "the job failed");
	}
	if (cJSON_IsNull(res)) {
		cJSON_Delete(res);
		res = NULL;
	}
	*result = res;
	cJSON_Delete(job);
	return rc;
}

static int cmd_ingest(int argc, char **argv)
{
	static const struct option opts[] = {{"text-field", required_argument, NULL, 't'},
					     {"source", required_argument, NULL, 's'},
					     {"message", required_argument, NULL, 'm'},
					     {"strict", no_argument, NULL, 'S'},
					     {"replace", no_argument, NULL, 'R'},
					     {"threads", required_argument, NULL, 'j'},
					     {"format", required_argument, NULL, 'f'},
					     {"respect-optout", no_argument, NULL, 'O'},
					     {"no-respect-optout", no_argument, NULL, 'o'},
					     {"keep-status", no_argument, NULL, 'K'},
					     {"drop-boilerplate", no_argument, NULL, 'B'},
					     {"scan", no_argument, NULL, 'P'},
					     {NULL, 0, NULL, 0}};
	cJSON *params = cJSON_CreateObject();
	int c;
	while ((c = getopt_long(argc, argv, "t:s:m:j:", opts, NULL)) != -1) {
		switch (c) {
		case 't': cJSON_AddStringToObject(params, "text_field", optarg); break;
		case 's': cJSON_AddStringToObject(params, "source", optarg); break;
		case 'm': cJSON_AddStringToObject(params, "message", optarg); break;
		case 'S': cJSON_AddTrueToObject(params, "strict"); break;
		case 'R': cJSON_AddTrueToObject(params, "replace"); break;
		case 'j': cJSON_AddNumberToObject(params, "threads", atoi(optarg)); break;
		case 'O': cJSON_DeleteItemFromObject(params, "keep_optout"); break;
		case 'o': cJSON_AddTrueToObject(params, "keep_optout"); break;
		case 'K': cJSON_AddTrueToObject(params, "keep_status"); break;
		case 'B': cJSON_AddTrueToObject(params, "drop_boilerplate"); break;
		case 'P': cJSON_AddTrueToObject(params, "scan"); break;
		case 'f':
			if (gr_format_parse(optarg) < 0) {
				cJSON_Delete(params);
				return usage_error("--format is auto, jsonl, warc, text, archive or webdataset, not '%s'", optarg);
			}
			cJSON_AddStringToObject(params, "format", optarg);
			break;
		default: cJSON_Delete(params); return EXIT_USAGE;
		}
	}
	if (argc - optind < 2) {
		cJSON_Delete(params);
		return usage_error("usage: granary ingest DATASET FILE|DIR... [--format F] [--text-field F] [--source NAME] "
				   "[-m MSG] [--strict] [--replace]%s",
				   "");
	}
	int rc = connect_hub();
	if (rc) {
		cJSON_Delete(params);
		return rc;
	}
	const char *dataset = argv[optind];
	cJSON *files = cJSON_AddArrayToObject(params, "files");
	for (int i = optind + 1; i < argc; i++) {
		char real[PATH_MAX];
		/* the daemon reads the files by absolute path, as this caller */
		const char *f = daemon_cl && realpath(argv[i], real) ? real : argv[i];
		if (daemon_cl && f == argv[i]) {
			fprintf(stderr, "granary: %s: %s\n", argv[i], strerror(errno));
			cJSON_Delete(params);
			return errno == ENOENT ? EXIT_NOTFOUND : EXIT_IO;
		}
		cJSON_AddItemToArray(files, cJSON_CreateString(f));
	}
	struct ingest_ui ui = {.p = {.what = "ingest"}};
	cJSON *res = NULL;
	if (daemon_cl) {
		gr_buf path = GR_BUF_INIT;
		if (!(rc = gr_buf_printf(&path, "/v1/datasets/")) && !(rc = gr_client_escape(&path, dataset)) &&
		    !(rc = gr_buf_printf(&path, "/ingest")))
			rc = remote_job(path.ptr, params, &ui.p, &res);
		gr_buf_free(&path);
		/* the lines the job skipped, as a local ingest prints them */
		const cJSON *sk = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(res, "ingest"),
								   "skipped_lines");
		const cJSON *l;
		progress_end(&ui.p);
		cJSON_ArrayForEach(l, sk) on_bad_line(jstr(l, "file"), jnum(l, "line"), jstr(l, "why"), &ui);
		uint64_t nskipped = jnum(cJSON_GetObjectItemCaseSensitive(res, "ingest"), "skipped");
		if (nskipped > 100)
			fprintf(stderr, "granary: more malformed lines; only the first 100 are listed\n");
	} else {
		gr_api_ctl ctl = {.progress = on_job_progress, .bad_line = on_bad_line, .ctx = &ui, .cancel = &interrupted};
		/* the bar is drawn through ui.p: progress and bad lines share ui */
		ctl.ctx = &ui;
		rc = gr_api_ingest(hub, dataset, params, &ctl, &res);
		progress_end(&ui.p);
	}
	cJSON_Delete(params);
	if (rc) {
		cJSON_Delete(res);
		return fail(rc);
	}
	const char *warn = jstr(res, "warning");
	if (warn)
		fprintf(stderr, "granary: warning: %s\n", warn);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(res, "version");
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(res, "ingest");
	if (json_out) {
		print_json_line(res);
	} else {
		char a[32], b[32];
		const cJSON *secs = cJSON_GetObjectItemCaseSensitive(s, "seconds");
		const cJSON *mbs = cJSON_GetObjectItemCaseSensitive(s, "mb_per_s");
		printf("%s\n", jstr(v, "version"));
		printf("  records %llu (%llu new), duplicates %llu, skipped %llu\n",
		       (unsigned long long)jnum(s, "records_in"), (unsigned long long)jnum(s, "records_new"),
		       (unsigned long long)jnum(s, "duplicates"), (unsigned long long)jnum(s, "skipped"));
		printf("  bytes in %s, stored %s, %.2f s, %.1f MB/s\n", human_bytes(jnum(s, "bytes_in"), a, sizeof a),
		       human_bytes(jnum(s, "bytes_stored"), b, sizeof b), cJSON_IsNumber(secs) ? secs->valuedouble : 0,
		       cJSON_IsNumber(mbs) ? mbs->valuedouble : 0);
		const cJSON *wc = cJSON_GetObjectItemCaseSensitive(s, "captures");
		if (wc)
			printf("  web captures %llu: opt-out dropped %llu, flagged %llu; not text %llu; non-2xx %llu; "
			       "revisits %llu\n",
			       (unsigned long long)jnum(wc, "read"), (unsigned long long)jnum(wc, "optout_dropped"),
			       (unsigned long long)jnum(wc, "optout_flagged"), (unsigned long long)jnum(wc, "not_text"),
			       (unsigned long long)jnum(wc, "status_skipped"), (unsigned long long)jnum(wc, "revisits"));
		if (jnum(s, "suppressed"))
			printf("  suppressed %llu records: their content, URL or text was removed before (granary removal list)\n",
			       (unsigned long long)jnum(s, "suppressed"));
		if (cJSON_GetObjectItemCaseSensitive(s, "scanned"))
			printf("  scanned %llu records for personal data and quality\n",
			       (unsigned long long)jnum(s, "scanned"));
		printf("  version holds %llu records\n", (unsigned long long)jnum(v, "records"));
	}
	cJSON_Delete(res);
	return 0;
}

/* ------------------------------------------------------------------ ls, log, show */

static int cmd_ls(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return usage_error("ls takes no arguments%s", "");
	int rc = connect_hub();
	if (rc)
		return rc;
	cJSON *arr;
	rc = daemon_cl ? remote_get("/v1/datasets", &arr) : gr_api_datasets(hub, &arr);
	if (rc)
		return fail(rc);
	if (json_out) {
		print_json_line(arr);
		cJSON_Delete(arr);
		return 0;
	}
	const cJSON *d;
	cJSON_ArrayForEach(d, arr)
	{
		const cJSON *head = cJSON_GetObjectItemCaseSensitive(d, "head");
		char b[32];
		if (cJSON_IsObject(head))
			printf("%-24s v%-4llu %10llu records %10s  %s\n", jstr(d, "dataset"),
			       (unsigned long long)jnum(head, "number"), (unsigned long long)jnum(head, "records"),
			       human_bytes(jnum(head, "bytes"), b, sizeof b), jstr(head, "created"));
		else
			printf("%-24s (no versions)\n", jstr(d, "dataset"));
	}
	cJSON_Delete(arr);
	return 0;
}

static int get_version(const char *spec, bool all, cJSON **out)
{
	if (!daemon_cl)
		return all ? gr_api_log(hub, spec, out) : gr_api_show(hub, spec, out);
	gr_buf p = GR_BUF_INIT;
	int rc = version_path(&p, spec);
	if (!rc && all) {
		/* .../versions/N -> .../versions */
		char *slash = strrchr(p.ptr, '/');
		*slash = '\0';
	}
	if (!rc)
		rc = remote_get(p.ptr, out);
	gr_buf_free(&p);
	return rc;
}

static int print_governance_log(void);

static int cmd_log(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--audit"))
		return print_governance_log();
	if (argc != 2)
		return usage_error("usage: granary log DATASET | granary log --audit%s", "");
	int rc = connect_hub();
	cJSON *arr;
	if (rc)
		return rc;
	if ((rc = get_version(argv[1], true, &arr)))
		return fail(rc);
	if (json_out) {
		print_json_line(arr);
		cJSON_Delete(arr);
		return 0;
	}
	const cJSON *v;
	cJSON_ArrayForEach(v, arr)
	{
		const char *msg = jstr(v, "message"), *commit = jstr(v, "commit");
		printf("%s  %s  %s  %llu records", jstr(v, "version"), jstr(v, "created"), jstr(v, "operation"),
		       (unsigned long long)jnum(v, "records"));
		printf("\n    %s\n", msg && *msg ? msg : "(no message)");
		if (commit)
			printf("    commit %s\n", commit);
	}
	cJSON_Delete(arr);
	return 0;
}

static int cmd_show(int argc, char **argv)
{
	if (argc != 2)
		return usage_error("usage: granary show DATASET[@vN]%s", "");
	int rc = connect_hub();
	cJSON *v;
	if (rc)
		return rc;
	if ((rc = get_version(argv[1], false, &v)))
		return fail(rc);
	if (json_out) {
		print_json_line(v);
	} else {
		char b[32];
		const char *msg = jstr(v, "message"), *author = jstr(v, "author"), *commit = jstr(v, "commit");
		printf("version    %s\n", jstr(v, "version"));
		printf("operation  %s\n", jstr(v, "operation"));
		printf("message    %s\n", msg ? msg : "");
		printf("created    %s by %s\n", jstr(v, "created"), author ? author : "?");
		const cJSON *p;
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(v, "parents")) printf("parent     %s\n", p->valuestring);
		printf("records    %llu (%s of text)\n", (unsigned long long)jnum(v, "records"),
		       human_bytes(jnum(v, "bytes"), b, sizeof b));
		printf("members    %s\n", jstr(v, "digest"));
		printf("commit     %s\n", commit ? commit : "(not yet written)");
		printf("stats      ");
		print_json(cJSON_GetObjectItemCaseSensitive(v, "stats"));
		printf("\n");
	}
	cJSON_Delete(v);
	return 0;
}

/* ------------------------------------------------------------------ records, cat */

/* One page of a paged list: records of a version, or a diff. */
static int get_page(const char *what, const char *a, const char *b, int64_t after, uint64_t limit, cJSON **out)
{
	if (!daemon_cl) {
		if (!strcmp(what, "records"))
			return gr_api_records(hub, a, after, limit, out);
		return gr_api_diff(hub, a, b, after, limit, out);
	}
	gr_buf p = GR_BUF_INIT;
	int rc;
	if (!strcmp(what, "records")) {
		rc = version_path(&p, a);
		if (!rc)
			rc = gr_buf_printf(&p, "/records?after=%lld&limit=%llu", (long long)after, (unsigned long long)limit);
	} else {
		rc = gr_buf_printf(&p, "/v1/diff?from=");
		if (!rc)
			rc = gr_client_escape(&p, a);
		if (!rc)
			rc = gr_buf_printf(&p, "&to=");
		if (!rc)
			rc = gr_client_escape(&p, b);
		if (!rc)
			rc = gr_buf_printf(&p, "&after=%lld&limit=%llu", (long long)after, (unsigned long long)limit);
	}
	if (!rc)
		rc = remote_get(p.ptr, out);
	gr_buf_free(&p);
	return rc;
}

static int next_cursor(const cJSON *page, int64_t *after)
{
	const char *n = jstr(page, "next");
	if (!n)
		return 0;
	return gr_api_cursor(n, after) ? 0 : 1;
}

static int cmd_records(int argc, char **argv)
{
	static const struct option opts[] = {{"limit", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
	uint64_t limit = 0;
	int c;
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (c != 'n')
			return EXIT_USAGE;
		char *end;
		errno = 0;
		limit = strtoull(optarg, &end, 10);
		if (*end || errno || optarg[0] == '-')
			return usage_error("--limit needs a number, not '%s'", optarg);
	}
	if (argc - optind != 1)
		return usage_error("usage: granary records DATASET[@vN] [--limit N]%s", "");
	int rc = connect_hub();
	if (rc)
		return rc;
	int64_t after = 0;
	uint64_t n = 0;
	bool more = true;
	while (more && (!limit || n < limit)) {
		cJSON *page;
		uint64_t want = limit && limit - n < GR_API_PAGE_MAX ? limit - n : GR_API_PAGE_MAX;
		if ((rc = get_page("records", argv[optind], NULL, after, want, &page))) {
			if (json_out && n)
				printf("]\n");
			return fail(rc);
		}
		if (json_out && n == 0)
			printf("[");
		const cJSON *r;
		cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(page, "records"))
		{
			if (json_out) {
				printf("%s", n ? "," : "");
				print_json(r);
			} else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "removed"))) {
				printf("%s  (removed %.10s by request %llu)\n", jstr(r, "id"), jstr(r, "removed_at"),
				       (unsigned long long)jnum(r, "request"));
			} else {
				const char *ts = jstr(r, "timestamp"), *url = jstr(r, "url");
				printf("%s  %8llu  %-20s  %s\n", jstr(r, "id"), (unsigned long long)jnum(r, "length"),
				       ts ? ts : "-", url ? url : "-");
			}
			n++;
		}
		more = next_cursor(page, &after);
		cJSON_Delete(page);
	}
	if (json_out)
		printf("%s]\n", n ? "" : "[");
	return 0;
}

static int cmd_cat(int argc, char **argv)
{
	if (argc != 3)
		return usage_error("usage: granary cat DATASET[@vN] RECORD_ID%s", "");
	int rc = connect_hub();
	if (rc)
		return rc;
	gr_buf out = GR_BUF_INIT;
	if (daemon_cl) {
		gr_buf p = GR_BUF_INIT;
		long status = 0;
		if (!(rc = version_path(&p, argv[1])) && !(rc = gr_buf_printf(&p, "/records/")) &&
		    !(rc = gr_client_escape(&p, argv[2])) && !(rc = gr_buf_printf(&p, json_out ? "" : "/content")))
			rc = gr_client_request(daemon_cl, "GET", p.ptr, NULL, &status, &out);
		gr_buf_free(&p);
		if (!rc && status != 200) {
			cJSON *e = cJSON_ParseWithLength(out.ptr ? out.ptr : "", out.len);
			const cJSON *err = cJSON_GetObjectItemCaseSensitive(e, "error");
			const char *msg = jstr(err, "message");
			rc = gr_error_set(gr_api_err_from_code(jstr(err, "code")), "%s", msg ? msg : "the daemon refused");
			cJSON_Delete(e);
		}
	} else {
		rc = gr_api_record(hub, argv[1], argv[2], json_out ? &out : NULL, json_out ? NULL : &out);
	}
	if (!rc)
		fwrite(out.ptr ? out.ptr : "", 1, out.len, stdout);
	gr_buf_free(&out);
	return rc ? fail(rc) : 0;
}

/* ------------------------------------------------------------------ diff */

static int cmd_diff(int argc, char **argv)
{
	if (argc != 3)
		return usage_error("usage: granary diff DATASET@vA DATASET@vB%s", "");
	int rc = connect_hub();
	if (rc)
		return rc;
	int64_t after = 0;
	uint64_t n = 0, added = 0, removed = 0;
	bool more = true;
	while (more) {
		cJSON *page;
		if ((rc = get_page("diff", argv[1], argv[2], after, GR_API_PAGE_MAX, &page))) {
			if (json_out && n)
				printf("]}\n");
			return fail(rc);
		}
		if (json_out && after == 0)
			printf("{\"changes\":[");
		const cJSON *ch;
		cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(page, "changes"))
		{
			if (json_out) {
				printf("%s", n ? "," : "");
				print_json(ch);
			} else {
				const char *url = jstr(ch, "url");
				printf("%c %s  %s\n", strcmp(jstr(ch, "change"), "added") ? '-' : '+', jstr(ch, "id"),
				       url ? url : "");
			}
			n++;
		}
		added = jnum(page, "added");
		removed = jnum(page, "removed");
		more = next_cursor(page, &after);
		cJSON_Delete(page);
	}
	if (json_out)
		printf("],\"added\":%llu,\"removed\":%llu}\n", (unsigned long long)added, (unsigned long long)removed);
	else
		printf("%llu added, %llu removed\n", (unsigned long long)added, (unsigned long long)removed);
	return 0;
}

/* ------------------------------------------------------------------ export */

static void on_count_progress(uint64_t done, uint64_t total, void *ctx)
{
	progress *p = ctx;
	char detail[64];
	snprintf(detail, sizeof detail, "%llu/%llu", (unsigned long long)done, (unsigned long long)total);
	progress_draw(p, total ? (double)done / (double)total : 0, detail);
}

/* Streams the daemon's export into path: temp file, fsync, rename. */
static int remote_export(const char *spec, const char *path, const char *redact)
{
	gr_buf p = GR_BUF_INIT, tmp = GR_BUF_INIT;
	size_t n = strlen(path);
	bool zst = n > 4 && !strcmp(path + n - 4, ".zst");
	int rc = version_path(&p, spec), fd = -1;
	if (!rc)
		rc = gr_buf_printf(&p, "/export?format=%s", zst ? "jsonl.zst" : "jsonl");
	if (!rc && redact) {
		rc = gr_buf_puts(&p, "&redact=");
		rc = rc ? rc : gr_client_escape(&p, *redact ? redact : "all");
	}
	if (!rc)
		rc = gr_buf_printf(&tmp, "%s.tmp-XXXXXX", path);
	if (!rc && (fd = mkstemp(tmp.ptr)) < 0)
		rc = gr_error_errno(GR_EIO, "%s", path);
	uint64_t bytes = 0;
	if (!rc)
		rc = gr_client_download(daemon_cl, p.ptr, fd, &bytes);
	if (!rc && (fsync(fd) || fchmod(fd, 0644)))
		rc = gr_error_errno(GR_EIO, "%s", path);
	if (fd >= 0 && close(fd) && !rc)
		rc = gr_error_errno(GR_EIO, "%s", path);
	if (!rc && rename(tmp.ptr, path))
		rc = gr_error_errno(GR_EIO, "%s", path);
	if (rc && fd >= 0)
		unlink(tmp.ptr);
	gr_buf_free(&p);
	gr_buf_free(&tmp);
	return rc;
}

/* `--redact EMAIL,PHONE` as well as `--redact=EMAIL,PHONE`: the word after a
 * bare --redact is its type list when it is one (upper-case type names and
 * commas, known types), and is then taken; else every type is meant. */
static const char *next_type_list(int argc, char **argv)
{
	if (optind >= argc)
		return "";
	const char *w = argv[optind];
	uint32_t mask;
	if (!*w || strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_,") != strlen(w) || gr_pii_mask_parse(w, &mask)) {
		gr_error_clear();
		return "";
	}
	optind++;
	return w;
}

static int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"redact", optional_argument, NULL, 'r'},
					     {NULL, 0, NULL, 0}};
	const char *outp = NULL, *redact = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 'o')
			outp = optarg;
		else if (c == 'r')
			redact = optarg ? optarg : next_type_list(argc, argv);
		else
			return EXIT_USAGE;
	}
	if (argc - optind != 1 || !outp)
		return usage_error("usage: granary export DATASET[@vN] -o FILE(.jsonl|.jsonl.zst) [--redact [TYPES]]%s", "");
	uint32_t mask = 0;
	if (redact && gr_pii_mask_parse(redact, &mask))
		return usage_error("%s", gr_error_last());
	int rc = connect_hub();
	if (rc)
		return rc;
	cJSON *v;
	if ((rc = get_version(argv[optind], false, &v)))
		return fail(rc);
	progress p = {.what = "export"};
	uint64_t n = 0, bytes = 0;
	double t0 = gr_time_mono();
	if (daemon_cl) {
		rc = remote_export(argv[optind], outp, redact);
		n = jnum(v, "records");
		bytes = jnum(v, "bytes");
	} else {
		gr_version_info vi;
		if (!(rc = gr_api_doc_gate(hub, argv[optind], "export")) && !(rc = gr_hub_resolve(hub, argv[optind], &vi))) {
			rc = gr_hub_export(hub, &vi, outp, mask, on_count_progress, &p, &n, &bytes);
			gr_version_info_release(&vi);
		}
		/* the attributions the licences ask for, beside the data */
		gr_buf notice = GR_BUF_INIT, np = GR_BUF_INIT;
		if (!rc && !(rc = gr_api_notice(hub, argv[optind], &notice)) && !(rc = gr_buf_printf(&np, "%s.NOTICE", outp)))
			rc = gr_write_file_atomic(np.ptr, notice.ptr, notice.len);
		gr_buf_free(&notice);
		gr_buf_free(&np);
	}
	progress_end(&p);
	double dt = gr_time_mono() - t0;
	if (!rc) {
		if (json_out)
			printf("{\"version\":\"%s\",\"records\":%llu,\"text_bytes\":%llu,\"seconds\":%.3f}\n",
			       jstr(v, "version"), (unsigned long long)n, (unsigned long long)bytes, dt);
		else
			printf("exported %s: %llu records, %.1f MB of text to %s in %.2f s (%.1f MB/s)\n", jstr(v, "version"),
			       (unsigned long long)n, (double)bytes / 1e6, outp, dt, dt > 0 ? (double)bytes / 1e6 / dt : 0);
	}
	cJSON_Delete(v);
	return rc ? fail(rc) : 0;
}

/* ------------------------------------------------------------------ verify, gc */

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {{"full", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	bool full = false;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'f')
			return EXIT_USAGE;
		full = true;
	}
	if (argc != optind)
		return usage_error("usage: granary verify [--full]%s", "");
	int rc = connect_hub();
	if (rc)
		return rc;
	progress p = {.what = full ? "verify --full" : "verify"};
	cJSON *res = NULL;
	if (daemon_cl) {
		cJSON *body = cJSON_CreateObject();
		cJSON_AddBoolToObject(body, "full", full);
		rc = remote_job("/v1/verify", body, &p, &res);
		cJSON_Delete(body);
	} else {
		gr_api_ctl ctl = {.progress = on_job_progress, .ctx = &p, .cancel = &interrupted};
		rc = gr_api_verify(hub, full, &ctl, &res);
	}
	progress_end(&p);
	if (res && json_out) {
		print_json_line(res);
	} else if (res) {
		const cJSON *x;
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(res, "problems")) printf("problem: %s\n", x->valuestring);
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(res, "notes")) printf("note: %s\n", x->valuestring);
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(res, "damaged"))
		{
			const char *in = jstr(x, "in");
			printf("damaged record %s%s%s\n", jstr(x, "id"), in && *in ? " in " : "", in ? in : "");
		}
		bool ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "ok"));
		printf("%s: %llu packs, %llu frames, %llu chunks, %.1f MB, %llu versions checked%s\n",
		       ok ? "verify ok" : "verify FAILED", (unsigned long long)jnum(res, "packs"),
		       (unsigned long long)jnum(res, "frames"), (unsigned long long)jnum(res, "chunks"),
		       (double)jnum(res, "bytes") / 1e6, (unsigned long long)jnum(res, "versions"),
		       full ? " (every chunk re-hashed)" : "");
		if (jnum(res, "orphan_packs"))
			printf("%llu orphan pack(s) from interrupted work; 'granary gc' removes them\n",
			       (unsigned long long)jnum(res, "orphan_packs"));
		if (jnum(res, "history_pending"))
			printf("%llu version(s) wait for their history commit; 'granary gc' writes them\n",
			       (unsigned long long)jnum(res, "history_pending"));
	}
	cJSON_Delete(res);
	return rc ? fail(rc) : 0;
}

static int cmd_gc(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return usage_error("gc takes no arguments%s", "");
	int rc = connect_hub();
	if (rc)
		return rc;
	cJSON *res = NULL;
	rc = daemon_cl ? remote_job("/v1/gc", NULL, NULL, &res) : gr_api_gc(hub, NULL, &res);
	if (rc) {
		cJSON_Delete(res);
		return fail(rc);
	}
	if (json_out) {
		print_json_line(res);
	} else {
		printf("gc: removed %llu orphan pack(s) (%.1f MB) and %llu temp file(s); wrote %llu missing history "
		       "commit(s)\n",
		       (unsigned long long)jnum(res, "orphan_packs"), (double)jnum(res, "orphan_bytes") / 1e6,
		       (unsigned long long)jnum(res, "tmp_files"), (unsigned long long)jnum(res, "history_commits_written"));
	}
	cJSON_Delete(res);
	return 0;
}

/* ------------------------------------------------------------------ daemon verbs */

static int need_daemon(const char *verb)
{
	int rc = connect_hub();
	if (rc)
		return rc;
	if (!daemon_cl) {
		fprintf(stderr, "granary: %s: no daemon serves %s (start one: granary --hub %s serve)\n", verb, hub_dir,
			hub_dir);
		return EXIT_FAIL;
	}
	return 0;
}

/* `granary serve` runs granaryd, installed beside granary: the CLI itself
 * does not load the HTTP server (nor its TLS libraries). */
static int cmd_serve(int argc, char **argv)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 16);
	if (n <= 0)
		return fail(gr_error_errno(GR_EIO, "cannot find granaryd"));
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	strcpy(slash + 1, "granaryd");
	char **args = calloc((size_t)argc + 4, sizeof *args);
	if (!args)
		return EXIT_FAIL;
	int k = 0;
	args[k++] = self;
	args[k++] = "--hub";
	args[k++] = (char *)hub_dir;
	for (int i = 1; i < argc; i++)
		args[k++] = argv[i];
	execv(self, args);
	int e = fail(gr_error_errno(GR_ENOTFOUND, "%s", self));
	free(args);
	return e;
}

static void print_job(const cJSON *j)
{
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(j, "progress");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
	printf("job %llu  %-7s %-9s uid %llu  created %s", (unsigned long long)jnum(j, "id"), jstr(j, "kind"),
	       jstr(j, "state"), (unsigned long long)jnum(j, "uid"), jstr(j, "created"));
	if (cJSON_IsObject(pr) && !strcmp(jstr(j, "state"), "running"))
		printf("  %.1f/%.1f MB, %llu records", (double)jnum(pr, "bytes_done") / 1e6,
		       (double)jnum(pr, "bytes_total") / 1e6, (unsigned long long)jnum(pr, "records_done"));
	if (cJSON_IsObject(err))
		printf("\n    %s: %s", jstr(err, "code"), jstr(err, "message"));
	printf("\n");
}

static int cmd_jobs(int argc, char **argv)
{
	static const struct option opts[] = {{"cancel", no_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};
	bool cancel = false;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'c')
			return EXIT_USAGE;
		cancel = true;
	}
	if (argc - optind > 1 || (cancel && argc - optind != 1))
		return usage_error("usage: granary jobs [ID [--cancel]]%s", "");
	int rc = need_daemon("jobs");
	if (rc)
		return rc;
	cJSON *o;
	char path[64];
	if (argc - optind == 1) {
		char *end;
		unsigned long long id = strtoull(argv[optind], &end, 10);
		if (*end || !id)
			return usage_error("a job id is a number, not '%s'", argv[optind]);
		snprintf(path, sizeof path, "/v1/jobs/%llu", id);
		rc = gr_client_json(daemon_cl, cancel ? "DELETE" : "GET", path, NULL, &o);
	} else {
		rc = remote_get("/v1/jobs", &o);
	}
	if (rc)
		return fail(rc);
	if (json_out) {
		print_json_line(o);
	} else if (cJSON_IsArray(o)) {
		const cJSON *j;
		cJSON_ArrayForEach(j, o) print_job(j);
	} else {
		print_job(o);
	}
	cJSON_Delete(o);
	return 0;
}

/* roles and the audit log live in HUB/access.db: through the daemon when it
 * runs, else opened here (the hub's owner may edit it directly). */
static int open_access(gr_access **a)
{
	char p[4096];
	struct stat st;
	if (snprintf(p, sizeof p, "%s/access.db", hub_dir) >= (int)sizeof p)
		return fail(gr_error_set(GR_ELIMIT, "hub path too long"));
	if (stat(hub_dir, &st))
		return fail(gr_error_errno(GR_ENOTFOUND, "hub %s", hub_dir));
	int rc = gr_access_open(a, p, st.st_uid);
	return rc ? fail(rc) : 0;
}

static int cmd_roles(int argc, char **argv)
{
	bool list = argc == 1;
	bool grant = argc == 4 && !strcmp(argv[1], "grant"), revoke = argc == 4 && !strcmp(argv[1], "revoke");
	if (!list && !grant && !revoke)
		return usage_error("usage: granary roles [grant|revoke PRINCIPAL ROLE]  (PRINCIPAL: uid:N, gid:N or *)%s", "");
	int rc = connect_hub();
	if (rc)
		return rc;
	cJSON *o = NULL;
	if (daemon_cl) {
		gr_buf p = GR_BUF_INIT;
		rc = gr_buf_printf(&p, "/v1/roles");
		if (!list && !rc && !(rc = gr_buf_printf(&p, "/")) && !(rc = gr_client_escape(&p, argv[2])) &&
		    !(rc = gr_buf_printf(&p, "/")))
			rc = gr_client_escape(&p, argv[3]);
		if (!rc)
			rc = gr_client_json(daemon_cl, list ? "GET" : grant ? "PUT" : "DELETE", p.ptr, NULL, &o);
		gr_buf_free(&p);
	} else {
		gr_access *a;
		if ((rc = open_access(&a)))
			return rc;
		if (list) {
			rc = gr_api_roles(a, &o);
		} else {
			rc = grant ? gr_access_role_set(a, argv[2], argv[3], getuid()) : gr_access_role_del(a, argv[2], argv[3]);
			if (!rc) {
				o = cJSON_CreateObject();
				cJSON_AddStringToObject(o, "principal", argv[2]);
				cJSON_AddStringToObject(o, "role", argv[3]);
				cJSON_AddBoolToObject(o, "granted", grant);
			}
		}
		gr_access_close(a);
	}
	if (rc) {
		cJSON_Delete(o);
		return fail(rc);
	}
	if (json_out) {
		print_json_line(o);
	} else if (list) {
		const cJSON *r;
		cJSON_ArrayForEach(r, o) printf("%-12s %-8s set %s by uid %llu\n", jstr(r, "principal"), jstr(r, "role"),
						jstr(r, "set_at"), (unsigned long long)jnum(r, "set_by"));
	} else {
		printf("%s %s %s\n", grant ? "granted" : "revoked", argv[3], argv[2]);
	}
	cJSON_Delete(o);
	return 0;
}

static int cmd_audit_log(int argc, char **argv)
{
	static const struct option opts[] = {{"limit", required_argument, NULL, 'n'},
					     {"after", required_argument, NULL, 'a'},
					     {NULL, 0, NULL, 0}};
	unsigned long long limit = 1000, after = 0;
	int c;
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		char *end;
		unsigned long long v = strtoull(optarg, &end, 10);
		if (*end || optarg[0] == '-')
			return usage_error("a number, not '%s'", optarg);
		if (c == 'n')
			limit = v;
		else if (c == 'a')
			after = v;
		else
			return EXIT_USAGE;
	}
	if (argc != optind)
		return usage_error("usage: granary audit-log [--limit N] [--after ID]%s", "");
	int rc = connect_hub();
	if (rc)
		return rc;
	cJSON *arr = NULL;
	if (daemon_cl) {
		char p[128];
		snprintf(p, sizeof p, "/v1/audit-log?after=%llu&limit=%llu", after, limit);
		rc = remote_get(p, &arr);
	} else {
		gr_access *a;
		if ((rc = open_access(&a)))
			return rc;
		rc = gr_api_audit_log(a, (int64_t)after, (int)(limit > 100000 ? 100000 : limit), &arr);
		gr_access_close(a);
	}
	if (rc) {
		cJSON_Delete(arr);
		return fail(rc);
	}
	if (json_out) {
		print_json_line(arr);
		cJSON_Delete(arr);
		return 0;
	}
	const cJSON *e;
	cJSON_ArrayForEach(e, arr)
	{
		const char *d = jstr(e, "detail");
		printf("%llu  %s  uid %llu (%s)  %-8s %-12s %s%s%s\n", (unsigned long long)jnum(e, "id"), jstr(e, "at"),
		       (unsigned long long)jnum(e, "uid"), jstr(e, "roles"), jstr(e, "outcome"), jstr(e, "action"),
		       jstr(e, "target"), d && *d ? "  " : "", d ? d : "");
	}
	cJSON_Delete(arr);
	return 0;
}

/* Scans a file (or stdin) for personal data; needs no hub. */
/* The per-type table of a scan's "pii" object. */
static void print_pii_table(const cJSON *res)
{
	printf("  %-12s %10s %10s\n", "type", "records", "found");
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(res, "pii"))
	printf("  %-12s %10llu %10llu\n", t->string, (unsigned long long)jnum(t, "records"),
	       (unsigned long long)jnum(t, "spans"));
	printf("  records with personal data: %llu\n", (unsigned long long)jnum(res, "records_with_pii"));
}

static int pii_jsonl(const char *path, const char *field, int threads)
{
	gr_pii_db *db = NULL;
	cJSON *o = NULL;
	int rc = gr_pii_db_new(&db);
	if (!rc)
		rc = gr_api_pii_jsonl(db, path, field, threads, &o);
	gr_pii_db_free(db);
	if (rc)
		return fail(rc);
	if (json_out) {
		print_json_line(o);
	} else {
		const cJSON *secs = cJSON_GetObjectItemCaseSensitive(o, "seconds");
		const cJSON *mbs = cJSON_GetObjectItemCaseSensitive(o, "mb_per_s");
		printf("%s: %llu records, %.1f MB of text, %.2f s (%.0f MB/s); %llu lines skipped\n", path,
		       (unsigned long long)jnum(o, "records"), (double)jnum(o, "bytes") / 1e6,
		       cJSON_IsNumber(secs) ? secs->valuedouble : 0, cJSON_IsNumber(mbs) ? mbs->valuedouble : 0,
		       (unsigned long long)jnum(o, "skipped"));
		print_pii_table(o);
	}
	cJSON_Delete(o);
	return 0;
}

static int cmd_pii(int argc, char **argv)
{
	static const struct option opts[] = {{"jsonl", no_argument, NULL, 'l'},
					     {"text-field", required_argument, NULL, 't'},
					     {"threads", required_argument, NULL, 'j'},
					     {NULL, 0, NULL, 0}};
	bool jsonl = false;
	const char *field = NULL;
	int threads = 0, c;
	while ((c = getopt_long(argc, argv, "t:j:", opts, NULL)) != -1) {
		switch (c) {
		case 'l': jsonl = true; break;
		case 't': field = optarg; break;
		case 'j': threads = atoi(optarg); break;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind > 1 || (jsonl && argc - optind != 1))
		return usage_error("usage: granary pii [FILE|-] [--json] | granary pii --jsonl FILE|- [--text-field F] [-j N]%s",
				   "");
	if (jsonl)
		return pii_jsonl(argv[optind], field, threads);
	const char *path = argc - optind == 1 ? argv[optind] : "-";
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f)
		return fail(gr_error_errno(errno == ENOENT ? GR_ENOTFOUND : GR_EIO, "%s", path));
	gr_buf text = GR_BUF_INIT;
	int rc = 0;
	for (;;) {
		if ((rc = gr_buf_grow(&text, 1 << 16)))
			break;
		size_t got = fread(text.ptr + text.len, 1, 1 << 16, f);
		text.len += got;
		if (text.len > GR_INGEST_MAX_TEXT) {
			rc = gr_error_set(GR_ELIMIT, "%s: larger than the 64 MiB limit", path);
			break;
		}
		if (got < (1 << 16)) {
			if (ferror(f))
				rc = gr_error_errno(GR_EIO, "%s", path);
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	gr_pii_db *db = NULL;
	cJSON *o = NULL;
	if (!rc && !(rc = gr_pii_db_new(&db)))
		rc = gr_api_pii(db, text.ptr ? text.ptr : "", text.len, &o);
	gr_pii_db_free(db);
	gr_buf_free(&text);
	if (rc)
		return fail(rc);
	if (json_out) {
		print_json_line(o);
	} else {
		const cJSON *sp;
		cJSON_ArrayForEach(sp, cJSON_GetObjectItemCaseSensitive(o, "spans"))
		{
			const cJSON *g = cJSON_GetObjectItemCaseSensitive(sp, "global");
			printf("%-12s %8llu %8llu  %s%s\n", jstr(sp, "type"), (unsigned long long)jnum(sp, "start"),
			       (unsigned long long)jnum(sp, "end"), jstr(sp, "text"), cJSON_IsFalse(g) ? "  (not global)" : "");
		}
	}
	cJSON_Delete(o);
	return 0;
}

/* ------------------------------------------------------------------ scan, filter, dedup, query */

typedef int (*version_op)(gr_hub *h, const char *spec, const cJSON *params, const gr_api_ctl *ctl, cJSON **result);

/* Runs a write operation on a version: on the hub, or as a daemon job
 * (POST /v1/datasets/DS/versions/N/<verb>). */
static int run_version_op(const char *verb, version_op op, const char *spec, cJSON *params, cJSON **res)
{
	int rc = connect_hub();
	if (rc)
		return rc;
	progress p = {.what = verb};
	if (daemon_cl) {
		gr_buf path = GR_BUF_INIT;
		if (!(rc = version_path(&path, spec)) && !(rc = gr_buf_printf(&path, "/%s", verb)))
			rc = remote_job(path.ptr, params, &p, res);
		gr_buf_free(&path);
	} else {
		gr_api_ctl ctl = {.progress = on_job_progress, .ctx = &p, .cancel = &interrupted};
		rc = op(hub, spec, params, &ctl, res);
	}
	progress_end(&p);
	if (!rc && res && *res) {
		const char *warn = jstr(*res, "warning");
		if (warn)
			fprintf(stderr, "granary: warning: %s\n", warn);
	}
	return rc;
}

/* A write operation on a version (run_version_op), its result printed by
 * print (or as JSON); takes params. */
static int version_verb(const char *verb, version_op op, const char *spec, cJSON *params,
			void (*print)(const cJSON *res))
{
	cJSON *res = NULL;
	int rc = run_version_op(verb, op, spec, params, &res);
	cJSON_Delete(params);
	if (!rc) {
		if (json_out)
			print_json_line(res);
		else
			print(res);
	}
	cJSON_Delete(res);
	return rc ? fail(rc) : 0;
}

static void print_filter(const cJSON *res)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(res, "version");
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(res, "filter");
	const cJSON *secs = cJSON_GetObjectItemCaseSensitive(f, "seconds");
	printf("%s\n  kept %llu of %s's records, dropped %llu, %.2f s\n", jstr(v, "version"),
	       (unsigned long long)jnum(f, "kept"), jstr(f, "input"), (unsigned long long)jnum(f, "dropped"),
	       cJSON_IsNumber(secs) ? secs->valuedouble : 0);
	if (jnum(f, "text_bytes_read"))
		printf("  read %.1f MB of text\n", (double)jnum(f, "text_bytes_read") / 1e6);
}

static void print_scan(const cJSON *res)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(res, "scan");
	const cJSON *secs = cJSON_GetObjectItemCaseSensitive(s, "seconds");
	const cJSON *mbs = cJSON_GetObjectItemCaseSensitive(s, "mb_per_s");
	printf("%s: %llu records, %llu texts: %llu scanned now (%.1f MB, %.2f s, %.0f MB/s), %llu before\n",
	       jstr(res, "version"), (unsigned long long)jnum(s, "records"), (unsigned long long)jnum(s, "texts"),
	       (unsigned long long)jnum(s, "scanned"), (double)jnum(s, "bytes") / 1e6,
	       cJSON_IsNumber(secs) ? secs->valuedouble : 0, cJSON_IsNumber(mbs) ? mbs->valuedouble : 0,
	       (unsigned long long)jnum(s, "cached"));
	print_pii_table(res);
	if (jnum(s, "refused"))
		printf("  %llu texts are over the scanner's limits and stay unscanned (query: NOT scanned)\n",
		       (unsigned long long)jnum(s, "refused"));
}

static void print_dedup(const cJSON *res)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(res, "version");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(res, "dedup");
	const cJSON *secs = cJSON_GetObjectItemCaseSensitive(d, "seconds");
	printf("%s\n  kept %llu of %s's records; dropped %llu exact, %llu near", jstr(v, "version"),
	       (unsigned long long)jnum(d, "kept"), jstr(d, "input"), (unsigned long long)jnum(d, "exact_dropped"),
	       (unsigned long long)jnum(d, "near_dropped"));
	if (jnum(d, "against_dropped"))
		printf(", %llu found in the other version", (unsigned long long)jnum(d, "against_dropped"));
	printf("; %.2f s\n", cJSON_IsNumber(secs) ? secs->valuedouble : 0);
}

static int cmd_filter(int argc, char **argv)
{
	static const struct option opts[] = {{"where", required_argument, NULL, 'w'},
					     {"into", required_argument, NULL, 'i'},
					     {"message", required_argument, NULL, 'm'},
					     {NULL, 0, NULL, 0}};
	cJSON *params = cJSON_CreateObject();
	int c;
	while ((c = getopt_long(argc, argv, "w:i:m:", opts, NULL)) != -1) {
		switch (c) {
		case 'w': cJSON_AddStringToObject(params, "where", optarg); break;
		case 'i': cJSON_AddStringToObject(params, "into", optarg); break;
		case 'm': cJSON_AddStringToObject(params, "message", optarg); break;
		default: cJSON_Delete(params); return EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || !jstr(params, "where")) {
		cJSON_Delete(params);
		return usage_error("usage: granary filter DATASET[@vN] --where EXPR [--into NAME] [-m MSG]%s", "");
	}
	return version_verb("filter", gr_api_filter, argv[optind], params, print_filter);
}

/* Code points in s (what a terminal shows, near enough). */
static size_t text_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* A table cell: at most 60 code points on one line. */
static void cell_text(char *out, size_t cap, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		size_t o = 0, cps = 0;
		for (const unsigned char *p = (const unsigned char *)v->valuestring; *p && o + 4 < cap; p++) {
			if ((*p & 0xc0) != 0x80 && ++cps > 60)
				break;
			out[o++] = *p == '\n' || *p == '\t' || *p == '\r' ? ' ' : (char)*p;
		}
		while (o && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
			o--; /* a cut code point: drop its start too */
		if (o && (unsigned char)out[o - 1] >= 0xc0)
			o--;
		out[o] = '\0';
	} else if (!cJSON_IsNumber(v)) {
		snprintf(out, cap, "NULL");
	} else if (v->valuedouble == (double)(long long)v->valuedouble && fabs(v->valuedouble) < 9e15) {
		snprintf(out, cap, "%lld", (long long)v->valuedouble);
	} else {
		snprintf(out, cap, "%.6g", v->valuedouble);
	}
}

static int cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {{"threads", required_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	cJSON *params = cJSON_CreateObject();
	int c;
	while ((c = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
		if (c != 'j') {
			cJSON_Delete(params);
			return EXIT_USAGE;
		}
		cJSON_AddNumberToObject(params, "threads", atoi(optarg));
	}
	if (argc - optind != 1) {
		cJSON_Delete(params);
		return usage_error("usage: granary scan DATASET[@vN] [--threads N]%s", "");
	}
	return version_verb("scan", gr_api_scan, argv[optind], params, print_scan);
}

static int cmd_dedup(int argc, char **argv)
{
	static const struct option opts[] = {{"near", no_argument, NULL, 'n'},
					     {"threshold", required_argument, NULL, 't'},
					     {"against", required_argument, NULL, 'a'},
					     {"into", required_argument, NULL, 'i'},
					     {"message", required_argument, NULL, 'm'},
					     {NULL, 0, NULL, 0}};
	cJSON *params = cJSON_CreateObject();
	int c;
	while ((c = getopt_long(argc, argv, "m:", opts, NULL)) != -1) {
		char *end;
		double t;
		switch (c) {
		case 'n': cJSON_AddTrueToObject(params, "near"); break;
		case 't':
			t = strtod(optarg, &end);
			if (*end || end == optarg || t <= 0 || t > 1) {
				cJSON_Delete(params);
				return usage_error("--threshold is a Jaccard similarity in (0, 1], not '%s'", optarg);
			}
			cJSON_AddNumberToObject(params, "threshold", t);
			break;
		case 'a': cJSON_AddStringToObject(params, "against", optarg); break;
		case 'i': cJSON_AddStringToObject(params, "into", optarg); break;
		case 'm': cJSON_AddStringToObject(params, "message", optarg); break;
		default: cJSON_Delete(params); return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cJSON_Delete(params);
		return usage_error("usage: granary dedup DATASET[@vN] [--near] [--threshold J] [--against DATASET[@vN]] "
				   "[--into NAME] [-m MSG]%s",
				   "");
	}
	return version_verb("dedup", gr_api_dedup, argv[optind], params, print_dedup);
}

/* Prints a query result as an aligned table (cells cut at 60 columns). */
static void print_table(const cJSON *o)
{
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(o, "columns");
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(o, "rows");
	int nc = cJSON_GetArraySize(cols);
	if (nc <= 0)
		return;
	size_t *w = calloc((size_t)nc, sizeof *w);
	if (!w)
		return;
	char cell[256];
	const cJSON *r, *v;
	int i = 0;
	cJSON_ArrayForEach(v, cols) w[i++] = strlen(v->valuestring) < 60 ? strlen(v->valuestring) : 60;
	cJSON_ArrayForEach(r, rows)
	{
		i = 0;
		cJSON_ArrayForEach(v, r)
		{
			if (i < nc) {
				cell_text(cell, sizeof cell, v);
				size_t l = text_width(cell);
				if (l > w[i])
					w[i] = l;
			}
			i++;
		}
	}
	i = 0;
	cJSON_ArrayForEach(v, cols)
	{
		printf("%s%-*.60s", i ? "  " : "", (int)w[i], v->valuestring);
		i++;
	}
	printf("\n");
	for (i = 0; i < nc; i++) {
		printf("%s", i ? "  " : "");
		for (size_t k = 0; k < w[i]; k++)
			putchar('-');
	}
	printf("\n");
	cJSON_ArrayForEach(r, rows)
	{
		i = 0;
		cJSON_ArrayForEach(v, r)
		{
			if (i < nc) {
				cell_text(cell, sizeof cell, v);
				size_t l = text_width(cell);
				bool num = cJSON_IsNumber(v);
				printf("%s", i ? "  " : "");
				if (num)
					printf("%*s%s", (int)(w[i] - l), "", cell);
				else
					printf("%s%*s", cell, i + 1 < nc ? (int)(w[i] - l) : 0, "");
			}
			i++;
		}
		printf("\n");
	}
	free(w);
}

static int cmd_query(int argc, char **argv)
{
	static const struct option opts[] = {{"limit", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
	uint64_t limit = 0;
	int c;
	while ((c = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (c != 'n')
			return EXIT_USAGE;
		limit = strtoull(optarg, NULL, 10);
	}
	int nargs = argc - optind;
	if (nargs < 1 || nargs > 2)
		return usage_error("usage: granary query [DATASET[@vN]] \"SELECT ... FROM records ...\" [--limit N]%s", "");
	const char *spec = nargs == 2 ? argv[optind] : NULL, *sql = argv[argc - 1];
	int rc = connect_hub();
	if (rc)
		return rc;
	cJSON *o = NULL;
	if (daemon_cl) {
		cJSON *body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "sql", sql);
		if (spec)
			cJSON_AddStringToObject(body, "version", spec);
		if (limit)
			cJSON_AddNumberToObject(body, "limit", (double)limit);
		rc = gr_client_json(daemon_cl, "POST", "/v1/query", body, &o);
		cJSON_Delete(body);
	} else {
		gr_api_ctl ctl = {.cancel = &interrupted};
		rc = gr_api_query(hub, spec, sql, limit, &ctl, &o);
	}
	if (rc)
		return fail(rc);
	if (json_out) {
		print_json_line(o);
	} else {
		print_table(o);
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "truncated")))
			fprintf(stderr, "granary: only the first %llu rows are shown (--limit N, at most %d)\n",
				(unsigned long long)jnum(o, "count"), GR_API_QUERY_MAX_ROWS);
	}
	cJSON_Delete(o);
	return 0;
}

/* ------------------------------------------------------------------ consent, remove, removal */

static void print_request(const cJSON *r)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(r, "result");
	const char *sel = jstr(r, "selector");
	printf("request %llu  %s  %s%s%s\n", (unsigned long long)jnum(r, "id"), jstr(r, "kind"), jstr(r, "status"),
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "overdue")) ? "  OVERDUE" : "",
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "unfinished")) ? "  UNFINISHED" : "");
	printf("  selector   %s %s\n", jstr(r, "selector_kind"), sel ? sel : jstr(r, "selector_hint"));
	printf("  basis      %s; received %s, deadline %s\n", jstr(r, "basis"), jstr(r, "received"), jstr(r, "deadline"));
	if (jstr(r, "requester"))
		printf("  requester  %s\n", jstr(r, "requester"));
	printf("  recorded   %s by %s\n", jstr(r, "created"), jstr(r, "created_by"));
	if (jstr(r, "applied"))
		printf("  applied    %s by %s\n", jstr(r, "applied"), jstr(r, "applied_by"));
	if (cJSON_IsObject(res)) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(res, "verification");
		printf("  removed    %llu records; %llu versions held them; %llu new versions; %llu texts and "
		       "%llu bytes purged; %llu packs rewritten\n",
		       (unsigned long long)jnum(res, "matches"), (unsigned long long)jnum(res, "versions_affected"),
		       (unsigned long long)jnum(res, "versions_made"), (unsigned long long)jnum(res, "contents_purged"),
		       (unsigned long long)jnum(res, "bytes_purged"), (unsigned long long)jnum(res, "packs_rewritten"));
		if (v)
			printf("  verified   %llu files (raw and every zstd frame; %llu untouched packs skipped) and "
			       "every object of history.git searched: %llu traces%s%s\n",
			       (unsigned long long)jnum(v, "files"), (unsigned long long)jnum(v, "packs_skipped"),
			       (unsigned long long)jnum(v, "traces"),
			       jstr(v, "first_trace") ? ", first in " : "", jstr(v, "first_trace") ? jstr(v, "first_trace") : "");
	}
}

static int run_removal(int64_t id, bool full_check, cJSON **res)
{
	if (daemon_cl) {
		char path[64];
		snprintf(path, sizeof path, "/v1/removals/%lld/apply", (long long)id);
		progress p = {.what = "remove"};
		cJSON *body = cJSON_CreateObject();
		cJSON_AddBoolToObject(body, "full_check", full_check);
		int rc = remote_job(path, body, &p, res);
		cJSON_Delete(body);
		progress_end(&p);
		return rc;
	}
	gr_api_ctl ctl = {.cancel = &interrupted};
	return gr_api_remove(hub, id, NULL, full_check, &ctl, res);
}

/* Applies request id (here or through the daemon) and prints what it did. */
static int remove_and_print(int64_t id, bool full_check)
{
	cJSON *res = NULL;
	int rc = run_removal(id, full_check, &res);
	if (!rc) {
		const char *warn = jstr(res, "warning");
		if (warn)
			fprintf(stderr, "granary: warning: %s\n", warn);
		if (json_out)
			print_json_line(res);
		else
			print_request(cJSON_GetObjectItemCaseSensitive(res, "request"));
	}
	cJSON_Delete(res);
	return rc ? fail(rc) : 0;
}

static int cmd_consent(int argc, char **argv)
{
	static const struct option opts[] = {{"url", required_argument, NULL, 'u'},
					     {"url-prefix", required_argument, NULL, 'p'},
					     {"domain", required_argument, NULL, 'd'},
					     {"hash", required_argument, NULL, 'H'},
					     {"text", required_argument, NULL, 'x'},
					     {"kind", required_argument, NULL, 'k'},
					     {"requester", required_argument, NULL, 'r'},
					     {"basis", required_argument, NULL, 'b'},
					     {"received", required_argument, NULL, 'R'},
					     {"deadline", required_argument, NULL, 'D'},
					     {"notes", required_argument, NULL, 'n'},
					     {"apply", no_argument, NULL, 'a'},
					     {"full-check", no_argument, NULL, 'F'},
					     {NULL, 0, NULL, 0}};
	bool full = false;
	if (argc < 2 || strcmp(argv[1], "add"))
		return usage_error("usage: granary consent add (--url U | --url-prefix P | --domain D | --hash SHA256 | "
				   "--text T) [--kind erasure|opt-out|withdrawal] [--basis opt-out|gdpr-art17|licence|"
				   "other] [--requester WHO] [--received DATE] [--deadline DATE] [--notes N] [--apply]%s",
				   "");
	cJSON *params = cJSON_CreateObject();
	bool apply = false;
	int c, nsel = 0;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		const char *key = NULL;
		switch (c) {
		case 'u': key = "url"; break;
		case 'p': key = "url-prefix"; break;
		case 'd': key = "domain"; break;
		case 'H': key = "hash"; break;
		case 'x': key = "text"; break;
		case 'k': cJSON_AddStringToObject(params, "kind", optarg); break;
		case 'r': cJSON_AddStringToObject(params, "requester", optarg); break;
		case 'b': cJSON_AddStringToObject(params, "basis", optarg); break;
		case 'R': cJSON_AddStringToObject(params, "received", optarg); break;
		case 'D': cJSON_AddStringToObject(params, "deadline", optarg); break;
		case 'n': cJSON_AddStringToObject(params, "notes", optarg); break;
		case 'a': apply = true; break;
		case 'F': full = true; break;
		default: cJSON_Delete(params); return EXIT_USAGE;
		}
		if (key) {
			nsel++;
			cJSON_AddStringToObject(params, "selector_kind", key);
			cJSON_AddStringToObject(params, "selector", optarg);
		}
	}
	if (nsel != 1 || optind != argc) {
		cJSON_Delete(params);
		return usage_error("granary consent add: give exactly one of --url, --url-prefix, --domain, --hash, "
				   "--text%s",
				   "");
	}
	int rc = connect_hub();
	if (rc) {
		cJSON_Delete(params);
		return rc;
	}
	cJSON *req = NULL;
	if (daemon_cl) {
		cJSON_AddBoolToObject(params, "apply", false);
		rc = gr_client_json(daemon_cl, "POST", "/v1/removals", params, &req);
	} else {
		struct passwd *pw = getpwuid(getuid());
		rc = gr_api_consent_add(hub, params, pw ? pw->pw_name : "unknown", &req);
	}
	cJSON_Delete(params);
	if (rc)
		return fail(rc);
	int64_t id = (int64_t)jnum(req, "id");
	if (!apply) {
		if (json_out)
			print_json_line(req);
		else
			print_request(req);
		cJSON_Delete(req);
		return 0;
	}
	cJSON_Delete(req);
	return remove_and_print(id, full);
}

static int cmd_remove(int argc, char **argv)
{
	char *end = NULL;
	bool full = argc == 3 && !strcmp(argv[2], "--full-check");
	long long id = argc == 2 || full ? strtoll(argv[1], &end, 10) : 0;
	if (!end || *end || id <= 0)
		return usage_error("usage: granary remove REQUEST_ID [--full-check]%s", "");
	int rc = connect_hub();
	return rc ? rc : remove_and_print(id, full);
}

static int cmd_removal(int argc, char **argv)
{
	bool list = argc == 2 && !strcmp(argv[1], "list");
	char *end = NULL;
	long long id = argc == 3 && !strcmp(argv[1], "show") ? strtoll(argv[2], &end, 10) : 0;
	if (!list && (!end || *end || id <= 0))
		return usage_error("usage: granary removal list | granary removal show ID%s", "");
	int rc = connect_hub();
	if (rc)
		return rc;
	cJSON *o = NULL;
	if (daemon_cl) {
		char path[64];
		snprintf(path, sizeof path, list ? "/v1/removals" : "/v1/removals/%lld", id);
		rc = gr_client_json(daemon_cl, "GET", path, NULL, &o);
	} else {
		rc = list ? gr_api_removals(hub, &o) : gr_api_removal(hub, id, &o);
	}
	if (rc)
		return fail(rc);
	if (json_out) {
		print_json_line(o);
	} else if (list) {
		const cJSON *r;
		int overdue = 0, unfinished = 0;
		cJSON_ArrayForEach(r, o)
		{
			print_request(r);
			overdue += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "overdue"));
			unfinished += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "unfinished"));
		}
		if (overdue)
			fprintf(stderr, "granary: %d removal request(s) are PAST THEIR DEADLINE and not applied\n", overdue);
		if (unfinished)
			fprintf(stderr,
				"granary: %d removal(s) were cut short after their commit: old packs may still hold "
				"removed text until the next write or 'granary gc' finishes them\n",
				unfinished);
	} else {
		print_request(o);
	}
	cJSON_Delete(o);
	return 0;
}

static int print_governance_log(void)
{
	int rc = connect_hub();
	if (rc)
		return rc;
	cJSON *o = NULL;
	rc = daemon_cl ? gr_client_json(daemon_cl, "GET", "/v1/governance-log", NULL, &o) : gr_api_governance_log(hub, &o);
	if (rc)
		return fail(rc);
	if (json_out) {
		print_json_line(o);
	} else {
		const cJSON *e;
		cJSON_ArrayForEach(e, o)
		{
			printf("%llu  %s  %-10s  %-16s", (unsigned long long)jnum(e, "id"), jstr(e, "at"), jstr(e, "who"),
			       jstr(e, "action"));
			if (jnum(e, "request"))
				printf("  request %llu", (unsigned long long)jnum(e, "request"));
			if (jstr(e, "detail"))
				printf("  %s", jstr(e, "detail"));
			printf("\n");
		}
	}
	cJSON_Delete(o);
	return 0;
}

/* The caller, by name, for the governance log of local writes. */
static const char *os_user(void)
{
	struct passwd *pw = getpwuid(getuid());
	return pw ? pw->pw_name : "unknown";
}

/* ------------------------------------------------------------------ licences */

static int cmd_license(int argc, char **argv)
{
	static const struct option opts[] = {{"use", required_argument, NULL, 'u'},
					     {"source", required_argument, NULL, 's'},
					     {NULL, 0, NULL, 0}};
	const char *use = NULL, *source = NULL;
	bool check = argc >= 2 && !strcmp(argv[1], "check"), set = argc >= 2 && !strcmp(argv[1], "set");
	int c;
	optind = 2;
	while ((check || set) && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'u')
			use = optarg;
		else if (c == 's')
			source = optarg;
		else
			return EXIT_USAGE;
	}
	if (!(check && use && argc - optind == 1) && !(set && source && argc - optind == 1))
		return usage_error("usage: granary license check DATASET[@vN] --use commercial|research|academic\n"
				   "       granary license set --source NAME SPDX-EXPRESSION%s",
				   "");
	int rc = connect_hub();
	if (rc)
		return rc;
	cJSON *o = NULL;
	if (set) {
		if (daemon_cl) {
			cJSON *b = cJSON_CreateObject();
			cJSON_AddStringToObject(b, "license", argv[optind]);
			gr_buf p = GR_BUF_INIT;
			if (!(rc = gr_buf_puts(&p, "/v1/sources/")) && !(rc = gr_client_escape(&p, source)) &&
			    !(rc = gr_buf_puts(&p, "/license")))
				rc = gr_client_json(daemon_cl, "PUT", p.ptr, b, &o);
			gr_buf_free(&p);
			cJSON_Delete(b);
		} else {
			rc = gr_api_license_set_source(hub, source, argv[optind], os_user(), &o);
		}
		if (rc)
			return fail(rc);
		if (json_out)
			print_json_line(o);
		else
			printf("source %s: %s\n", jstr(o, "source"), jstr(o, "license"));
		cJSON_Delete(o);
		return 0;
	}
	if (daemon_cl) {
		gr_buf p = GR_BUF_INIT;
		if (!(rc = version_path(&p, argv[optind])) && !(rc = gr_buf_printf(&p, "/license?use=")) &&
		    !(rc = gr_client_escape(&p, use)))
			rc = gr_client_json(daemon_cl, "GET", p.ptr, NULL, &o);
		gr_buf_free(&p);
	} else {
		rc = gr_api_license_check(hub, argv[optind], use, &o);
	}
	if (rc)
		return fail(rc);
	bool allowed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "allowed"));
	if (json_out) {
		print_json_line(o);
	} else {
		printf("%s for %s use: %s\n", jstr(o, "version"), jstr(o, "use"), allowed ? "allowed" : "NOT ALLOWED");
		const cJSON *e;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "licenses"))
		{
			const char *l = jstr(e, "license");
			printf("  %-30s %8llu records  %-14s %s%s\n", l ? l : "(no licence known)",
			       (unsigned long long)jnum(e, "records"), jstr(e, "class"),
			       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "allowed")) ? "allowed" : "not allowed",
			       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "attribution")) ? ", attribution" : "");
		}
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "conflicts"))
		printf("  conflict: %s with %s: %s\n", jstr(e, "a"), jstr(e, "b"), jstr(e, "why"));
	}
	cJSON_Delete(o);
	return allowed ? 0 : EXIT_NOT_CLEARED;
}

static int cmd_contains(int argc, char **argv)
{
	static const struct option opts[] = {{"url", required_argument, NULL, 'u'},
					     {"hash", required_argument, NULL, 'H'},
					     {"text-file", required_argument, NULL, 't'},
					     {"threshold", required_argument, NULL, 'j'},
					     {NULL, 0, NULL, 0}};
	const char *url = NULL, *hash = NULL, *file = NULL;
	double th = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u': url = optarg; break;
		case 'H': hash = optarg; break;
		case 't': file = optarg; break;
		case 'j': th = atof(optarg); break;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || !!url + !!hash + !!file != 1)
		return usage_error("usage: granary contains DATASET[@vN] (--url URL | --hash SHA256 | --text-file FILE) "
				   "[--threshold J]%s",
				   "");
	gr_buf text = GR_BUF_INIT;
	int rc = file ? gr_read_file(file, GR_INGEST_MAX_TEXT, &text) : 0;
	if (rc)
		return fail(rc);
	if ((rc = connect_hub())) {
		gr_buf_free(&text);
		return rc;
	}
	cJSON *o = NULL;
	if (daemon_cl) {
		cJSON *b = cJSON_CreateObject();
		if (url)
			cJSON_AddStringToObject(b, "url", url);
		if (hash)
			cJSON_AddStringToObject(b, "hash", hash);
		if (file)
			cJSON_AddItemToObject(b, "text", cJSON_CreateString(text.ptr ? text.ptr : ""));
		if (th > 0)
			cJSON_AddNumberToObject(b, "threshold", th);
		gr_buf p = GR_BUF_INIT;
		if (!(rc = version_path(&p, argv[optind])) && !(rc = gr_buf_puts(&p, "/contains")))
			rc = gr_client_json(daemon_cl, "POST", p.ptr, b, &o);
		gr_buf_free(&p);
		cJSON_Delete(b);
	} else {
		rc = gr_api_contains(hub, argv[optind], url, hash, file ? (text.ptr ? text.ptr : "") : NULL, text.len, th,
				     &o);
	}
	gr_buf_free(&text);
	if (rc)
		return fail(rc);
	if (json_out) {
		print_json_line(o);
	} else {
		bool yes = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "contained"));
		printf("%s: %s\n", jstr(o, "version"), yes ? "contains it" : "does not contain it");
		const cJSON *e;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "exact"))
		printf("  exact  %s  %s\n", jstr(e, "id"), jstr(e, "url") ? jstr(e, "url") : "-");
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "near"))
		printf("  near   %s  %s  (Jaccard ~%.2f)\n", jstr(e, "id"), jstr(e, "url") ? jstr(e, "url") : "-",
		       cJSON_GetObjectItemCaseSensitive(e, "jaccard")->valuedouble);
		const cJSON *nc = cJSON_GetObjectItemCaseSensitive(o, "near_check");
		if (nc && jnum(nc, "records_with_signature") < jnum(nc, "records"))
			printf("  (near duplicates checked against %llu of %llu records: the others have no MinHash "
			       "signature yet; granary dedup --near computes them)\n",
			       (unsigned long long)jnum(nc, "records_with_signature"), (unsigned long long)jnum(nc, "records"));
	}
	cJSON_Delete(o);
	return 0;
}

/* ------------------------------------------------------------------ documentation, releases */

static void print_validation(const cJSON *val)
{
	printf("  required  %llu of %llu filled%s\n", (unsigned long long)jnum(val, "required_filled"),
	       (unsigned long long)jnum(val, "required_total"),
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(val, "valid")) ? " (ready for a release)" : "");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(val, "completeness");
	printf("  recommended  %llu of %llu filled: %.1f%% complete\n", (unsigned long long)jnum(val, "recommended_filled"),
	       (unsigned long long)jnum(val, "recommended_total"), cJSON_IsNumber(c) ? c->valuedouble : 0);
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(val, "missing_required")) printf("  missing   %s\n", e->valuestring);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(val, "invalid"))
	printf("  invalid   %s: %s\n", jstr(e, "field"), jstr(e, "why"));
}

static int cmd_doc(int argc, char **argv)
{
	static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
					     {"output", required_argument, NULL, 'o'},
					     {"require", required_argument, NULL, 'r'},
					     {"recommend", required_argument, NULL, 'R'},
					     {"enforce", required_argument, NULL, 'e'},
					     {NULL, 0, NULL, 0}};
	const char *sub = argc >= 2 ? argv[1] : "";
	const char *format = NULL, *outp = NULL, *req = NULL, *rec = NULL, *enf = NULL;
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "f:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'o': outp = optarg; break;
		case 'r': req = optarg; break;
		case 'R': rec = optarg; break;
		case 'e': enf = optarg; break;
		default: return EXIT_USAGE;
		}
	}
	int nargs = argc - optind;
	bool policy = !strcmp(sub, "policy") && nargs == 0;
	bool ok = policy || ((!strcmp(sub, "show") || !strcmp(sub, "validate") || !strcmp(sub, "edit")) && nargs == 1) ||
		  (!strcmp(sub, "set") && nargs == 3) || (!strcmp(sub, "export") && nargs == 1 && format);
	if (!ok)
		return usage_error("usage: granary doc show|validate|edit DATASET[@vN]\n"
				   "       granary doc set DATASET[@vN] FIELD VALUE\n"
				   "       granary doc export DATASET[@vN] --format card|croissant|datasheet|statement [-o FILE]\n"
				   "       granary doc policy [--require FIELD | --recommend FIELD | --enforce release|export]%s",
				   "");
	int rc = connect_hub();
	if (rc)
		return rc;

	const char *spec = policy ? NULL : argv[optind];
	cJSON *o = NULL;
	if (!strcmp(sub, "export")) {
		gr_buf text = GR_BUF_INIT;
		if (daemon_cl) {
			gr_buf p = GR_BUF_INIT;
			long status;
			if (!(rc = version_path(&p, spec)) && !(rc = gr_buf_printf(&p, "/docs/%s", format)))
				rc = gr_client_request(daemon_cl, "GET", p.ptr, NULL, &status, &text);
			gr_buf_free(&p);
		} else {
			rc = gr_api_doc_export(hub, spec, format, &text);
		}
		if (!rc)
			rc = outp ? gr_write_file_atomic(outp, text.ptr ? text.ptr : "", text.len)
				  : gr_write_all(1, text.ptr ? text.ptr : "", text.len);
		gr_buf_free(&text);
		return rc ? fail(rc) : 0;
	}
	if (!strcmp(sub, "edit")) {
		/* $EDITOR on the YAML rendering; saved only when it validates */
		gr_buf text = GR_BUF_INIT, path = GR_BUF_INIT, back = GR_BUF_INIT;
		const char *ed = getenv("VISUAL") ? getenv("VISUAL") : getenv("EDITOR") ? getenv("EDITOR") : "vi";
		const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
		int fd = -1;
		gr_buf dp = GR_BUF_INIT;
		if (daemon_cl) {
			long status;
			if (!(rc = version_path(&dp, spec)) && !(rc = gr_buf_puts(&dp, "/docs/edit")))
				rc = gr_client_request(daemon_cl, "GET", dp.ptr, NULL, &status, &text);
		} else {
			rc = gr_api_doc_edit_text(hub, spec, &text);
		}
		if (!rc && !(rc = gr_buf_printf(&path, "%s/granary-doc-XXXXXX.yaml", tmp))) {
			fd = mkstemps(path.ptr, 5);
			if (fd < 0 || gr_write_all(fd, text.ptr ? text.ptr : "", text.len))
				rc = gr_error_errno(GR_EIO, "%s", path.ptr);
			if (fd >= 0)
				close(fd);
		}
		while (!rc) {
			gr_buf cmd = GR_BUF_INIT;
			if ((rc = gr_buf_printf(&cmd, "%s '%s'", ed, path.ptr)))
				break;
			int st = system(cmd.ptr);
			gr_buf_free(&cmd);
			if (st != 0) {
				rc = gr_error_set(GR_EINTR, "the editor (%s) failed; nothing was changed", ed);
				break;
			}
			gr_buf_reset(&back);
			if ((rc = gr_read_file(path.ptr, 4u << 20, &back)))
				break;
			if (daemon_cl) {
				gr_buf_reset(&dp);
				if (!(rc = version_path(&dp, spec)) && !(rc = gr_buf_puts(&dp, "/docs")))
					rc = gr_client_text_json(daemon_cl, "PUT", dp.ptr, back.ptr ? back.ptr : "", &o);
			} else {
				rc = gr_api_doc_replace(hub, spec, back.ptr ? back.ptr : "", back.len, os_user(), &o);
			}
			if (rc != GR_EINVAL || !isatty(0))
				break;
			/* show what is wrong and offer the file again */
			fprintf(stderr, "granary: %s\nedit again? [Y/n] ", gr_error_last());
			int ch = getchar();
			if (ch == 'n' || ch == 'N' || ch == EOF)
				break;
			while (ch != '\n' && ch != EOF)
				ch = getchar();
			rc = 0;
		}
		if (path.ptr)
			unlink(path.ptr);
		gr_buf_free(&text);
		gr_buf_free(&path);
		gr_buf_free(&back);
		gr_buf_free(&dp);
		if (rc)
			return fail(rc);
	} else if (policy && daemon_cl) {
		if (req || rec || enf) {
			cJSON *b = cJSON_CreateObject();
			if (req)
				cJSON_AddStringToObject(b, "require", req);
			if (rec)
				cJSON_AddStringToObject(b, "recommend", rec);
			if (enf)
				cJSON_AddStringToObject(b, "enforce", enf);
			rc = gr_client_json(daemon_cl, "POST", "/v1/doc-policy", b, &o);
			cJSON_Delete(b);
		} else {
			rc = gr_client_json(daemon_cl, "GET", "/v1/doc-policy", NULL, &o);
		}
	} else if (policy) {
		rc = gr_api_doc_policy(hub, req, rec, enf, os_user(), &o);
	} else if (!strcmp(sub, "set") && daemon_cl) {
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "field", argv[optind + 1]);
		cJSON_AddStringToObject(b, "value", argv[optind + 2]);
		gr_buf p = GR_BUF_INIT;
		if (!(rc = version_path(&p, spec)) && !(rc = gr_buf_puts(&p, "/docs")))
			rc = gr_client_json(daemon_cl, "POST", p.ptr, b, &o);
		gr_buf_free(&p);
		cJSON_Delete(b);
	} else if (!strcmp(sub, "set")) {
		rc = gr_api_doc_set(hub, spec, argv[optind + 1], argv[optind + 2], os_user(), &o);
	} else if (daemon_cl) {
		gr_buf p = GR_BUF_INIT;
		if (!(rc = version_path(&p, spec)) && !(rc = gr_buf_printf(&p, "/docs")))
			rc = gr_client_json(daemon_cl, "GET", p.ptr, NULL, &o);
		gr_buf_free(&p);
	} else {
		rc = gr_api_doc_show(hub, spec, &o);
	}
	if (rc)
		return fail(rc);
	const char *warn = jstr(o, "warning");
	if (warn)
		fprintf(stderr, "granary: warning: %s\n", warn);
	const cJSON *val = cJSON_GetObjectItemCaseSensitive(o, "validation");
	bool valid = !val || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(val, "valid"));
	if (json_out) {
		print_json_line(policy || !strcmp(sub, "validate") ? (val ? val : o) : o);
	} else if (policy) {
		print_json(o);
		printf("\n");
	} else {
		printf("%s", jstr(o, "version"));
		if (jstr(o, "inherited_from"))
			printf("  (documents inherited from %s)", jstr(o, "inherited_from"));
		printf("\n");
		if (!strcmp(sub, "show")) {
			const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "documents");
			print_json(d);
			printf("\n");
		}
		print_validation(val);
	}
	cJSON_Delete(o);
	return !strcmp(sub, "validate") && !valid ? EXIT_NOT_CLEARED : 0;
}

static int cmd_tag(int argc, char **argv)
{
	static const struct option opts[] = {{"message", required_argument, NULL, 'm'}, {NULL, 0, NULL, 0}};
	const char *msg = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "m:", opts, NULL)) != -1) {
		if (c != 'm')
			return EXIT_USAGE;
		msg = optarg;
	}
	if (argc - optind != 2)
		return usage_error("usage: granary tag DATASET[@vN] NAME [-m MSG]  (a release; needs the required documentation)%s", "");
	int rc = connect_hub();
	if (rc)
		return rc;
	cJSON *o = NULL;
	if (daemon_cl) {
		cJSON *b = cJSON_CreateObject();
		cJSON_AddStringToObject(b, "name", argv[optind + 1]);
		if (msg)
			cJSON_AddStringToObject(b, "message", msg);
		gr_buf p = GR_BUF_INIT;
		if (!(rc = version_path(&p, argv[optind])) && !(rc = gr_buf_puts(&p, "/tags")))
			rc = gr_client_json(daemon_cl, "POST", p.ptr, b, &o);
		gr_buf_free(&p);
		cJSON_Delete(b);
	} else {
		rc = gr_api_tag(hub, argv[optind], argv[optind + 1], msg, os_user(), &o);
	}
	if (rc)
		return fail(rc);
	if (json_out)
		print_json_line(o);
	else
		printf("tagged %s as %s%s%s\n", jstr(o, "version"), jstr(o, "tag"), jstr(o, "commit") ? " (history.git " : "",
		       jstr(o, "commit") ? "tag too)" : "");
	cJSON_Delete(o);
	return 0;
}

static int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {{"use", required_argument, NULL, 'u'},
					     {"format", required_argument, NULL, 'f'},
					     {"output", required_argument, NULL, 'o'},
					     {NULL, 0, NULL, 0}};
	const char *use = NULL, *format = "md", *outp = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'u': use = optarg; break;
		case 'f': format = optarg; break;
		case 'o': outp = optarg; break;
		default: return EXIT_USAGE;
		}
	}
	if (json_out)
		format = "json";
	if (argc - optind != 1 || !use || (strcmp(format, "json") && strcmp(format, "md") && strcmp(format, "html")))
		return usage_error("usage: granary audit DATASET[@vN|@TAG] --use commercial|research|academic "
				   "[--format json|md|html] [-o FILE]%s",
				   "");
	int rc = connect_hub();
	if (rc)
		return rc;
	cJSON *o = NULL;
	if (daemon_cl) {
		gr_buf p = GR_BUF_INIT;
		if (!(rc = version_path(&p, argv[optind])) && !(rc = gr_buf_printf(&p, "/audit?use=")) &&
		    !(rc = gr_client_escape(&p, use)))
			rc = gr_client_json(daemon_cl, "GET", p.ptr, NULL, &o);
		gr_buf_free(&p);
	} else {
		rc = gr_api_audit(hub, argv[optind], use, &o);
	}
	if (rc)
		return fail(rc);
	gr_buf text = GR_BUF_INIT;
	if (!strcmp(format, "json")) {
		char *j = cJSON_PrintUnformatted(o);
		rc = j ? gr_buf_puts(&text, j) : GR_ENOMEM;
		rc = rc ? rc : gr_buf_putc(&text, '\n');
		free(j);
	} else if (!strcmp(format, "html")) {
		rc = gr_api_audit_html(o, &text);
	} else {
		rc = gr_api_audit_markdown(o, &text);
	}
	if (!rc)
		rc = outp ? gr_write_file_atomic(outp, text.ptr, text.len) : gr_write_all(1, text.ptr, text.len);
	gr_buf_free(&text);
	const char *verdict = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "verdict"), "result")->valuestring;
	int ex = !strcmp(verdict, "fail") ? EXIT_NOT_CLEARED : !strcmp(verdict, "pass") ? 0 : EXIT_WARNINGS;
	if (outp && !rc)
		fprintf(stderr, "granary: audit of %s for %s use: %s (report in %s)\n", argv[optind], use, verdict, outp);
	cJSON_Delete(o);
	return rc ? fail(rc) : ex;
}

static int cmd_status(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return usage_error("status takes no arguments%s", "");
	int rc = connect_hub();
	if (rc)
		return rc;
	cJSON *o;
	if (daemon_cl) {
		if ((rc = remote_get("/v1/status", &o)))
			return fail(rc);
	} else {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "hub", gr_hub_path(hub));
		cJSON_AddNullToObject(o, "pid");
	}
	if (json_out) {
		print_json_line(o);
	} else if (daemon_cl) {
		const cJSON *me = cJSON_GetObjectItemCaseSensitive(o, "caller");
		printf("granaryd %s serves %s (pid %llu, up %llu s)\nyou are uid %llu, roles: %s\n", jstr(o, "granary"),
		       jstr(o, "hub"), (unsigned long long)jnum(o, "pid"), (unsigned long long)jnum(o, "uptime_seconds"),
		       (unsigned long long)jnum(me, "uid"), jstr(me, "roles"));
	} else {
		printf("no daemon serves %s; the CLI opens it directly\n", hub_dir);
	}
	cJSON_Delete(o);
	return 0;
}

/* ------------------------------------------------------------------ table */

static int cmd_help(int argc, char **argv);

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} commands[] = {
	{"init", cmd_init, "init [DIR]                         create a hub"},
	{"ingest", cmd_ingest,
	 "ingest DATASET FILE|DIR... [--format F] [--text-field F] [--source NAME] [-m MSG] [--strict] [--replace] [--scan]\n"
	 "         [--no-respect-optout] [--keep-status] [--drop-boilerplate]"},
	{"ls", cmd_ls, "ls                                 list datasets"},
	{"log", cmd_log, "log DATASET | log --audit          versions, newest first; the governance log"},
	{"show", cmd_show, "show DATASET[@vN]                  one version"},
	{"records", cmd_records, "records DATASET[@vN] [--limit N]   list records"},
	{"cat", cmd_cat, "cat DATASET[@vN] RECORD_ID         print a record's text"},
	{"diff", cmd_diff, "diff DATASET@vA DATASET@vB         records added and removed"},
	{"export", cmd_export, "export DATASET[@vN] -o FILE [--redact [TYPES]]  write JSON Lines (.jsonl, .jsonl.zst)"},
	{"verify", cmd_verify, "verify [--full]                    check the hub; --full re-hashes every chunk"},
	{"gc", cmd_gc, "gc                                 remove orphan packs and temp files"},
	{"serve", cmd_serve, "serve [--socket PATH]              run the daemon (granaryd) on this hub"},
	{"scan", cmd_scan, "scan DATASET[@vN]                  find personal data, measure quality (cached per text)"},
	{"dedup", cmd_dedup, "dedup DATASET[@vN] [--near] [--threshold J] [--into NAME]  new version without exact (and near) duplicates"},
	{"filter", cmd_filter, "filter DATASET[@vN] --where EXPR [--into NAME]  new version of the records EXPR keeps"},
	{"query", cmd_query, "query [DATASET[@vN]] SQL           read-only SQL over the records view"},
	{"pii", cmd_pii, "pii [FILE|-] | pii --jsonl FILE|-   personal data in a text (spans), or counts over a JSONL file"},
	{"status", cmd_status, "status                             the daemon serving the hub, and your roles"},
	{"jobs", cmd_jobs, "jobs [ID [--cancel]]               the daemon's jobs"},
	{"roles", cmd_roles, "roles [grant|revoke PRINCIPAL ROLE] who may do what (uid:N, gid:N, *)"},
	{"audit-log", cmd_audit_log, "audit-log [--limit N] [--after ID] writes asked of the daemon, and refusals"},
	{"doc", cmd_doc, "doc show|set|edit|validate|export|policy   datasheet, data statement, card"},
	{"tag", cmd_tag, "tag DATASET[@vN] NAME [-m MSG]      tag a release (required documentation first)"},
	{"audit", cmd_audit, "audit DATASET[@vN|@TAG] --use U [--format json|md|html] [-o FILE]  may it be used, and why"},
	{"contains", cmd_contains, "contains DATASET[@vN] (--url U|--hash SHA|--text-file F)  is this document in it?"},
	{"license", cmd_license, "license check DATASET[@vN] --use U | license set --source NAME EXPR"},
	{"consent", cmd_consent, "consent add (--url U|--text T|...) [--apply]  record an opt-out or erasure request"},
	{"remove", cmd_remove, "remove REQUEST_ID                  apply a request: every version, the disk, future ingests"},
	{"removal", cmd_removal, "removal list | removal show ID     requests, their status and proof"},
	{"help", cmd_help, "help                               this text"},
};

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("usage: granary [--hub DIR] [--json] [--no-daemon] COMMAND [ARGS]\n\n"
	       "The hub is --hub DIR, else $GRANARY_HUB, else ./.granary. When a daemon serves it\n"
	       "(socket DIR/granary.sock or $GRANARY_SOCKET) the commands go through the daemon,\n"
	       "unless --no-daemon or GRANARY_NO_DAEMON=1.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		printf("  %s\n", commands[i].usage);
	printf("\nexit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 corrupt/verify failed, 5 hub busy,\n"
	       "6 bad input, 7 I/O error, 8 permission denied, 130 interrupted (docs/exit-codes.md)\n");
	return 0;
}

int main(int argc, char **argv)
{
	hub_dir = getenv("GRANARY_HUB");
	const char *nd = getenv("GRANARY_NO_DAEMON");
	no_daemon = nd && *nd && strcmp(nd, "0");
	if (!hub_dir || !*hub_dir)
		hub_dir = ".granary";
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json")) {
			json_out = true;
		} else if (!strcmp(argv[i], "--hub") && i + 1 < argc) {
			hub_dir = argv[++i];
		} else if (!strncmp(argv[i], "--hub=", 6)) {
			hub_dir = argv[i] + 6;
		} else if (!strcmp(argv[i], "--no-daemon")) {
			no_daemon = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			return cmd_help(0, NULL);
		} else if (!strcmp(argv[i], "--version")) {
			printf("granary 0.1.0\n");
			return 0;
		} else {
			return usage_error("unknown option '%s'", argv[i]);
		}
	}
	if (i == argc) {
		cmd_help(0, NULL);
		return EXIT_USAGE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	const char *verb = argv[i];
	for (size_t k = 0; k < sizeof commands / sizeof *commands; k++) {
		if (strcmp(commands[k].name, verb) != 0)
			continue;
		/* a --json after the verb counts too */
		int n = argc - i, m = 0;
		char **args = calloc((size_t)n + 1, sizeof *args);
		if (!args)
			return EXIT_FAIL;
		for (int j = 0; j < n; j++) {
			if (j > 0 && !strcmp(argv[i + j], "--json"))
				json_out = true;
			else
				args[m++] = argv[i + j];
		}
		optind = 1;
		int rc = commands[k].fn(m, args);
		disconnect_hub();
		free(args);
		if (fflush(stdout) != 0 && rc == 0)
			rc = EXIT_IO;
		return rc;
	}
	return usage_error("unknown command '%s'", verb);
}
