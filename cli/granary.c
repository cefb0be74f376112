/*
 * granary — the command-line front end. One cmd_* per verb, registered in
 * one table; each parses its arguments, calls libgranary, and prints. Human
 * output by default, --json for scripts. Exit codes: docs/exit-codes.md.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "granary.h"

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NOTFOUND = 3,
	EXIT_CORRUPT = 4,
	EXIT_BUSY = 5,
	EXIT_BADINPUT = 6,
	EXIT_IO = 7,
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

/* ------------------------------------------------------------------ helpers */

static int open_hub(gr_hub **h)
{
	int rc = gr_hub_open(h, hub_dir);
	return rc ? fail(rc) : 0;
}

/* Opens the hub and resolves DATASET[@vN]; on failure prints why, leaves
 * nothing open and returns the exit code. */
static int open_version(const char *spec, gr_hub **h, gr_version_info *v)
{
	int rc = open_hub(h);
	if (rc)
		return rc;
	if ((rc = gr_hub_resolve(*h, spec, v))) {
		int e = fail(rc);
		gr_hub_close(*h);
		return e;
	}
	return 0;
}

static void print_json_str(const char *s)
{
	gr_buf b = GR_BUF_INIT;
	if (!s)
		fputs("null", stdout);
	else if (!gr_buf_put_json_str(&b, s, strlen(s)))
		fputs(b.ptr, stdout);
	gr_buf_free(&b);
}

static void print_version_json(const gr_version_info *v)
{
	char hex[GR_HEX_LEN + 1];
	gr_hex(hex, v->digest, GR_HASH_LEN);
	printf("{\"version\":\"%s@v%d\",\"dataset\":", v->dataset, v->num);
	print_json_str(v->dataset);
	printf(",\"number\":%d,\"operation\":", v->num);
	print_json_str(v->operation);
	printf(",\"message\":");
	print_json_str(v->message);
	printf(",\"created\":");
	print_json_str(v->created);
	printf(",\"author\":");
	print_json_str(v->author);
	printf(",\"records\":%llu,\"bytes\":%llu,\"digest\":\"sha256:%s\",\"commit\":", (unsigned long long)v->records,
	       (unsigned long long)v->bytes, hex);
	print_json_str(v->git_commit);
	printf(",\"stats\":%s}", v->stats ? v->stats : "{}");
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

/* ------------------------------------------------------------------ init */

static int cmd_init(int argc, char **argv)
{
	if (argc > 2)
		return usage_error("init takes at most one directory%s", "");
	const char *dir = argc == 2 ? argv[1] : hub_dir;
	int rc = gr_hub_init(dir);
	if (rc)
		return fail(rc);
	if (json_out) {
		printf("{\"hub\":");
		print_json_str(dir);
		printf("}\n");
	} else {
		printf("Initialized empty Granary hub in %s\n", dir);
	}
	return 0;
}

/* ------------------------------------------------------------------ ingest */

struct ingest_ui {
	progress p;
	uint64_t bad;
};

static void on_bad_line(const char *file, uint64_t line, const char *why, void *ctx)
{
	struct ingest_ui *u = ctx;
	if (u->bad++ < 100)
		fprintf(stderr, "%s%s:%llu: skipped: %s\n", u->p.shown ? "\r\033[K" : "", file,
			(unsigned long long)line, why);
	else if (u->bad == 101)
		fprintf(stderr, "granary: more malformed lines; only the first 100 are listed\n");
}

static void on_ingest_progress(const gr_ingest_progress *p, void *ctx)
{
	struct ingest_ui *u = ctx;
	char detail[256];
	double frac = p->bytes_total ? (double)p->bytes_done / (double)p->bytes_total : 0;
	snprintf(detail, sizeof detail, "%llu records (file %llu/%llu)", (unsigned long long)p->records,
		 (unsigned long long)p->files_done + 1, (unsigned long long)p->files_total);
	progress_draw(&u->p, frac, detail);
}

static int cmd_ingest(int argc, char **argv)
{
	static const struct option opts[] = {{"text-field", required_argument, NULL, 't'},
					     {"source", required_argument, NULL, 's'},
					     {"message", required_argument, NULL, 'm'},
					     {"strict", no_argument, NULL, 'S'},
					     {"replace", no_argument, NULL, 'R'},
					     {"threads", required_argument, NULL, 'j'},
					     {NULL, 0, NULL, 0}};
	gr_hub_ingest_opts o = {0};
	int c;
	while ((c = getopt_long(argc, argv, "t:s:m:j:", opts, NULL)) != -1) {
		switch (c) {
		case 't': o.text_field = optarg; break;
		case 's': o.source = optarg; break;
		case 'm': o.message = optarg; break;
		case 'S': o.strict = true; break;
		case 'R': o.replace = true; break;
		case 'j': o.threads = atoi(optarg); break;
		default: return EXIT_USAGE;
		}
	}
	if (argc - optind < 2)
		return usage_error("usage: granary ingest DATASET FILE... [--text-field F] [--source NAME] "
				   "[-m MSG] [--strict] [--replace]%s",
				   "");
	gr_hub *h;
	int rc = open_hub(&h);
	if (rc)
		return rc;
	struct ingest_ui ui = {.p = {.what = "ingest"}};
	o.bad_line = on_bad_line;
	o.progress = on_ingest_progress;
	o.ctx = &ui;
	o.cancel = &interrupted;
	gr_version_info v;
	gr_hub_ingest_result r;
	rc = gr_hub_ingest(h, argv[optind], (const char *const *)argv + optind + 1, (size_t)(argc - optind - 1), &o,
			   &v, &r);
	progress_end(&ui.p);
	if (rc) {
		int e = fail(rc);
		gr_hub_close(h);
		return e;
	}
	if (r.history_warning[0])
		fprintf(stderr, "granary: warning: %s\n", r.history_warning);
	const gr_ingest_stats *s = &r.stats;
	double mbs = r.seconds > 0 ? (double)s->bytes_in / 1e6 / r.seconds : 0;
	if (json_out) {
		print_version_json(&v);
		printf("\n");
	} else {
		char a[32], b[32];
		printf("%s@v%d\n", v.dataset, v.num);
		printf("  records %llu (%llu new), duplicates %llu, skipped %llu\n", (unsigned long long)s->records_in,
		       (unsigned long long)s->records_new, (unsigned long long)s->duplicates,
		       (unsigned long long)s->skipped);
		printf("  bytes in %s, stored %s, %.2f s, %.1f MB/s\n", human_bytes(s->bytes_in, a, sizeof a),
		       human_bytes(r.bytes_stored, b, sizeof b), r.seconds, mbs);
		printf("  version holds %llu records\n", (unsigned long long)v.records);
	}
	gr_version_info_release(&v);
	gr_hub_close(h);
	return 0;
}

/* ------------------------------------------------------------------ ls, log, show */

struct ls_ctx {
	int n;
};

static int ls_one(const char *name, const gr_version_info *head, void *ctx)
{
	struct ls_ctx *l = ctx;
	if (json_out) {
		printf("%s{\"dataset\":", l->n ? "," : "");
		print_json_str(name);
		printf(",\"head\":");
		if (head)
			print_version_json(head);
		else
			printf("null");
		printf("}");
	} else if (head) {
		char b[32];
		printf("%-24s v%-4d %10llu records %10s  %s\n", name, head->num, (unsigned long long)head->records,
		       human_bytes(head->bytes, b, sizeof b), head->created);
	} else {
		printf("%-24s (no versions)\n", name);
	}
	l->n++;
	return 0;
}

static int cmd_ls(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return usage_error("ls takes no arguments%s", "");
	gr_hub *h;
	int rc = open_hub(&h);
	if (rc)
		return rc;
	struct ls_ctx l = {0};
	if (json_out)
		printf("[");
	rc = gr_catalog_dataset_each(gr_hub_catalog(h), ls_one, &l);
	if (json_out)
		printf("]\n");
	gr_hub_close(h);
	return rc ? fail(rc) : 0;
}

static int log_one(const gr_version_info *v, void *ctx)
{
	int *n = ctx;
	if (json_out) {
		printf("%s", (*n)++ ? "," : "");
		print_version_json(v);
		return 0;
	}
	printf("%s@v%d  %s  %s  %llu records", v->dataset, v->num, v->created, v->operation,
	       (unsigned long long)v->records);
	printf("\n    %s\n", v->message && *v->message ? v->message : "(no message)");
	if (v->git_commit)
		printf("    commit %s\n", v->git_commit);
	(*n)++;
	return 0;
}

static int cmd_log(int argc, char **argv)
{
	if (argc != 2)
		return usage_error("usage: granary log DATASET%s", "");
	gr_hub *h;
	gr_version_info head;
	int rc = open_version(argv[1], &h, &head);
	if (rc)
		return rc;
	int n = 0;
	if (json_out)
		printf("[");
	rc = gr_catalog_version_each(gr_hub_catalog(h), head.dataset_id, log_one, &n);
	if (json_out)
		printf("]\n");
	gr_version_info_release(&head);
	gr_hub_close(h);
	return rc ? fail(rc) : 0;
}

static int cmd_show(int argc, char **argv)
{
	if (argc != 2)
		return usage_error("usage: granary show DATASET[@vN]%s", "");
	gr_hub *h;
	gr_version_info v;
	int rc = open_version(argv[1], &h, &v);
	if (rc)
		return rc;
	if (json_out) {
		print_version_json(&v);
		printf("\n");
	} else {
		char hex[GR_HEX_LEN + 1], b[32];
		gr_hex(hex, v.digest, GR_HASH_LEN);
		printf("version    %s@v%d\n", v.dataset, v.num);
		printf("operation  %s\n", v.operation);
		printf("message    %s\n", v.message ? v.message : "");
		printf("created    %s by %s\n", v.created, v.author ? v.author : "?");
		for (int i = 0; i < v.nparents; i++) {
			gr_version_info p;
			if (!gr_catalog_version_by_id(gr_hub_catalog(h), v.parents[i], &p)) {
				printf("parent     %s@v%d\n", p.dataset, p.num);
				gr_version_info_release(&p);
			}
		}
		printf("records    %llu (%s of text)\n", (unsigned long long)v.records,
		       human_bytes(v.bytes, b, sizeof b));
		printf("members    sha256:%s\n", hex);
		printf("commit     %s\n", v.git_commit ? v.git_commit : "(not yet written)");
		printf("stats      %s\n", v.stats);
	}
	gr_version_info_release(&v);
	gr_hub_close(h);
	return 0;
}

/* ------------------------------------------------------------------ records, cat */

struct rec_ctx {
	gr_hub *h;
	uint64_t limit, n;
};

static int records_one(int64_t rid, void *ctx)
{
	struct rec_ctx *r = ctx;
	if (r->limit && r->n >= r->limit)
		return 1;
	gr_record_info info;
	int rc = gr_catalog_record_get(gr_hub_catalog(r->h), rid, &info);
	if (rc)
		return rc;
	char id[17];
	gr_record_id(id, info.addr);
	if (json_out) {
		printf("%s{\"id\":\"%s\",\"url\":", r->n ? "," : "", id);
		print_json_str(info.url);
		printf(",\"domain\":");
		print_json_str(info.domain);
		printf(",\"timestamp\":");
		print_json_str(info.ts);
		printf(",\"source\":");
		print_json_str(info.source);
		printf(",\"length\":%llu}", (unsigned long long)info.len);
	} else {
		printf("%s  %8llu  %-20s  %s\n", id, (unsigned long long)info.len, info.ts ? info.ts : "-",
		       info.url ? info.url : "-");
	}
	gr_record_info_release(&info);
	r->n++;
	return 0;
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
	gr_hub *h;
	gr_version_info v;
	int rc = open_version(argv[optind], &h, &v);
	if (rc)
		return rc;
	struct rec_ctx r = {h, limit, 0};
	if (json_out)
		printf("[");
	rc = gr_catalog_members_each(gr_hub_catalog(h), v.id, records_one, &r);
	if (json_out)
		printf("]\n");
	gr_version_info_release(&v);
	gr_hub_close(h);
	return rc < 0 ? fail(rc) : 0;
}

static int cmd_cat(int argc, char **argv)
{
	if (argc != 3)
		return usage_error("usage: granary cat DATASET[@vN] RECORD_ID%s", "");
	gr_hub *h;
	int rc = open_hub(&h);
	if (rc)
		return rc;
	gr_version_info v;
	gr_record_info r = {0};
	gr_buf out = GR_BUF_INIT;
	int64_t rid;
	if ((rc = gr_hub_resolve(h, argv[1], &v)))
		goto out_h;
	if ((rc = gr_hub_record_in_version(h, &v, argv[2], &rid)) ||
	    (rc = gr_catalog_record_get(gr_hub_catalog(h), rid, &r)))
		goto out_v;
	if (json_out)
		rc = gr_hub_export_line(h, &r, &out);
	else
		rc = gr_hub_read_text(h, &r, &out);
	if (!rc)
		fwrite(out.ptr, 1, out.len, stdout);
out_v:
	gr_version_info_release(&v);
out_h:
	gr_record_info_release(&r);
	gr_buf_free(&out);
	int e = rc ? fail(rc) : 0;
	gr_hub_close(h);
	return e;
}

/* ------------------------------------------------------------------ diff */

struct diff_ctx {
	gr_hub *h;
	uint64_t added, removed;
	int n;
};

static int diff_one(int64_t rid, bool added, void *ctx)
{
	struct diff_ctx *d = ctx;
	gr_record_info info;
	int rc = gr_catalog_record_get(gr_hub_catalog(d->h), rid, &info);
	if (rc)
		return rc;
	char id[17];
	gr_record_id(id, info.addr);
	if (json_out)
		printf("%s{\"change\":\"%s\",\"id\":\"%s\"}", d->n++ ? "," : "", added ? "added" : "removed", id);
	else
		printf("%c %s  %s\n", added ? '+' : '-', id, info.url ? info.url : "");
	gr_record_info_release(&info);
	if (added)
		d->added++;
	else
		d->removed++;
	return 0;
}

static int cmd_diff(int argc, char **argv)
{
	if (argc != 3)
		return usage_error("usage: granary diff DATASET@vA DATASET@vB%s", "");
	gr_hub *h;
	int rc = open_hub(&h);
	if (rc)
		return rc;
	gr_version_info a, b;
	if ((rc = gr_hub_resolve(h, argv[1], &a))) {
		int e = fail(rc);
		gr_hub_close(h);
		return e;
	}
	if ((rc = gr_hub_resolve(h, argv[2], &b))) {
		int e = fail(rc);
		gr_version_info_release(&a);
		gr_hub_close(h);
		return e;
	}
	struct diff_ctx d = {h, 0, 0, 0};
	if (json_out)
		printf("{\"changes\":[");
	rc = gr_hub_diff(h, &a, &b, diff_one, &d);
	if (json_out)
		printf("],\"added\":%llu,\"removed\":%llu}\n", (unsigned long long)d.added, (unsigned long long)d.removed);
	else if (!rc)
		printf("%llu added, %llu removed\n", (unsigned long long)d.added, (unsigned long long)d.removed);
	gr_version_info_release(&a);
	gr_version_info_release(&b);
	gr_hub_close(h);
	return rc ? fail(rc) : 0;
}

/* ------------------------------------------------------------------ export */

static void on_count_progress(uint64_t done, uint64_t total, void *ctx)
{
	progress *p = ctx;
	char detail[64];
	snprintf(detail, sizeof detail, "%llu/%llu", (unsigned long long)done, (unsigned long long)total);
	progress_draw(p, total ? (double)done / (double)total : 0, detail);
}

static int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
	const char *outp = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c != 'o')
			return EXIT_USAGE;
		outp = optarg;
	}
	if (argc - optind != 1 || !outp)
		return usage_error("usage: granary export DATASET[@vN] -o FILE(.jsonl|.jsonl.zst)%s", "");
	gr_hub *h;
	gr_version_info v;
	int rc = open_version(argv[optind], &h, &v);
	if (rc)
		return rc;
	progress p = {.what = "export"};
	uint64_t n = 0, bytes = 0;
	double t0 = gr_time_mono();
	rc = gr_hub_export(h, &v, outp, on_count_progress, &p, &n, &bytes);
	progress_end(&p);
	double dt = gr_time_mono() - t0;
	if (!rc) {
		if (json_out)
			printf("{\"version\":\"%s@v%d\",\"records\":%llu,\"text_bytes\":%llu,\"seconds\":%.3f}\n", v.dataset,
			       v.num, (unsigned long long)n, (unsigned long long)bytes, dt);
		else
			printf("exported %s@v%d: %llu records, %.1f MB of text to %s in %.2f s (%.1f MB/s)\n", v.dataset,
			       v.num, (unsigned long long)n, (double)bytes / 1e6, outp, dt,
			       dt > 0 ? (double)bytes / 1e6 / dt : 0);
	}
	gr_version_info_release(&v);
	int e = rc ? fail(rc) : 0;
	gr_hub_close(h);
	return e;
}

/* ------------------------------------------------------------------ verify, gc */

struct verify_ui {
	progress p;
	int nprob, ndamaged;
};

static void on_problem(const char *what, void *ctx)
{
	struct verify_ui *u = ctx;
	if (u->p.shown) {
		fprintf(stderr, "\r\033[K");
		u->p.shown = false;
	}
	if (json_out)
		return;
	printf("problem: %s\n", what);
	u->nprob++;
}

static void on_note(const char *what, void *ctx)
{
	(void)ctx;
	if (!json_out)
		printf("note: %s\n", what);
}

static void on_damaged(const char *id, const char *where, void *ctx)
{
	struct verify_ui *u = ctx;
	if (json_out) {
		printf("%s{\"id\":\"%s\",\"in\":", u->ndamaged++ ? "," : "", id);
		print_json_str(where);
		printf("}");
		return;
	}
	printf("damaged record %s%s%s\n", id, *where ? " in " : "", where);
	u->ndamaged++;
}

static void on_bytes_progress(uint64_t done, uint64_t total, void *ctx)
{
	progress *p = ctx;
	char detail[64];
	snprintf(detail, sizeof detail, "%.1f/%.1f MB", (double)done / 1e6, (double)total / 1e6);
	progress_draw(p, total ? (double)done / (double)total : 0, detail);
}

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
	gr_hub *h;
	int rc = open_hub(&h);
	if (rc)
		return rc;
	struct verify_ui u = {.p = {.what = full ? "verify --full" : "verify"}};
	gr_verify_opts o = {.full = full, .problem = on_problem, .note = on_note, .damaged = on_damaged, .progress = on_bytes_progress,
			    .ctx = &u};
	gr_verify_result r;
	if (json_out)
		printf("{\"damaged\":[");
	rc = gr_hub_verify(h, &o, &r);
	progress_end(&u.p);
	if (json_out) {
		printf("],\"ok\":%s,\"full\":%s,\"packs\":%llu,\"frames\":%llu,\"chunks\":%llu,\"bytes\":%llu,"
		       "\"versions\":%llu,\"problems\":%llu,\"damaged_records\":%llu,\"orphan_packs\":%llu,"
		       "\"history_pending\":%llu}\n",
		       rc ? "false" : "true", full ? "true" : "false", (unsigned long long)r.packs,
		       (unsigned long long)r.frames, (unsigned long long)r.chunks, (unsigned long long)r.bytes,
		       (unsigned long long)r.versions, (unsigned long long)r.problems,
		       (unsigned long long)r.damaged_records, (unsigned long long)r.orphan_packs,
		       (unsigned long long)r.history_pending);
	} else if (!rc || rc == GR_ECORRUPT) {
		printf("%s: %llu packs, %llu frames, %llu chunks, %.1f MB, %llu versions checked%s\n",
		       rc ? "verify FAILED" : "verify ok", (unsigned long long)r.packs, (unsigned long long)r.frames,
		       (unsigned long long)r.chunks, (double)r.bytes / 1e6, (unsigned long long)r.versions,
		       full ? " (every chunk re-hashed)" : "");
		if (r.orphan_packs)
			printf("%llu orphan pack(s) from interrupted work; 'granary gc' removes them\n",
			       (unsigned long long)r.orphan_packs);
		if (r.history_pending)
			printf("%llu version(s) wait for their history commit; 'granary gc' writes them\n",
			       (unsigned long long)r.history_pending);
	}
	gr_hub_close(h);
	return rc ? fail(rc) : 0;
}

static int cmd_gc(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return usage_error("gc takes no arguments%s", "");
	gr_hub *h;
	int rc = open_hub(&h);
	if (rc)
		return rc;
	gr_gc_result r;
	rc = gr_hub_gc(h, &r);
	gr_hub_close(h);
	if (rc)
		return fail(rc);
	if (json_out)
		printf("{\"orphan_packs\":%llu,\"orphan_bytes\":%llu,\"tmp_files\":%llu,\"history_commits_written\":%llu}\n",
		       (unsigned long long)r.orphan_packs, (unsigned long long)r.orphan_bytes,
		       (unsigned long long)r.tmp_files, (unsigned long long)r.history_synced);
	else
		printf("gc: removed %llu orphan pack(s) (%.1f MB) and %llu temp file(s); wrote %llu missing history "
		       "commit(s)\n",
		       (unsigned long long)r.orphan_packs, (double)r.orphan_bytes / 1e6, (unsigned long long)r.tmp_files,
		       (unsigned long long)r.history_synced);
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
	 "ingest DATASET FILE... [--text-field F] [--source NAME] [-m MSG] [--strict] [--replace]"},
	{"ls", cmd_ls, "ls                                 list datasets"},
	{"log", cmd_log, "log DATASET                        versions, newest first"},
	{"show", cmd_show, "show DATASET[@vN]                  one version"},
	{"records", cmd_records, "records DATASET[@vN] [--limit N]   list records"},
	{"cat", cmd_cat, "cat DATASET[@vN] RECORD_ID         print a record's text"},
	{"diff", cmd_diff, "diff DATASET@vA DATASET@vB         records added and removed"},
	{"export", cmd_export, "export DATASET[@vN] -o FILE        write JSON Lines (.jsonl or .jsonl.zst)"},
	{"verify", cmd_verify, "verify [--full]                    check the hub; --full re-hashes every chunk"},
	{"gc", cmd_gc, "gc                                 remove orphan packs and temp files"},
	{"help", cmd_help, "help                               this text"},
};

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("usage: granary [--hub DIR] [--json] COMMAND [ARGS]\n\n"
	       "The hub is --hub DIR, else $GRANARY_HUB, else ./.granary\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		printf("  %s\n", commands[i].usage);
	printf("\nexit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 corrupt/verify failed, 5 hub busy,\n"
	       "6 bad input, 7 I/O error, 130 interrupted (docs/exit-codes.md)\n");
	return 0;
}

int main(int argc, char **argv)
{
	hub_dir = getenv("GRANARY_HUB");
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
		free(args);
		if (fflush(stdout) != 0 && rc == 0)
			rc = EXIT_IO;
		return rc;
	}
	return usage_error("unknown command '%s'", verb);
}
