/*
 * The hub: catalog + store + history in one directory, and the operations
 * that need all three.
 *
 * Write protocol (ingest): take the hub lock; write packs (orphans until
 * referenced); insert rows in one catalog transaction; COMMIT — the only
 * commit point; then write the history commit and record its id. A crash
 * before COMMIT leaves orphan packs (gc removes them); a crash after it leaves
 * a version without its history commit, which the next writer (or gc) adds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "govern/consent.h"
#include "hub/hub_int.h"
#include "ingest/jsonl.h"
#include "store/store.h"
#include "store/zout.h"


static int hub_path(gr_buf *b, const char *dir, const char *name)
{
	gr_buf_reset(b);
	return gr_buf_printf(b, "%s/%s", dir, name);
}

bool gr_dataset_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > GR_DATASET_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return false;
	}
	/* what git's branch-name rules still refuse of those characters (checked
	 * against libgit2 in test_history): "..", a trailing "." or ".lock",
	 * and HEAD. Without libgit2 here, a command starts 8 ms sooner: its
	 * setup reads every CA certificate on the system. */
	return !strstr(name, "..") && name[n - 1] != '.' && !(n >= 5 && !strcmp(name + n - 5, ".lock")) &&
	       strcmp(name, "HEAD") != 0;
}

int gr_hub_init(const char *dir)
{
	gr_buf p = GR_BUF_INIT;
	int rc = gr_mkdir_p(dir, 0755);
	gr_catalog *cat = NULL;
	if (rc)
		goto out;
	if ((rc = hub_path(&p, dir, "catalog.db")))
		goto out;
	if (access(p.ptr, F_OK) == 0) {
		rc = gr_error_set(GR_EEXIST, "%s is already a Granary hub", dir);
		goto out;
	}
	if ((rc = hub_path(&p, dir, "store")) || (rc = gr_store_init(p.ptr)))
		goto out;
	if ((rc = hub_path(&p, dir, "history.git")) || (rc = gr_history_init(p.ptr)))
		goto out;
	/* the catalog last: its presence marks a complete hub */
	if ((rc = hub_path(&p, dir, "catalog.db")) || (rc = gr_catalog_open(&cat, p.ptr, true)))
		goto out;
	rc = gr_fsync_dir(dir);
out:
	gr_catalog_close(cat);
	gr_buf_free(&p);
	return rc;
}

int gr_hub_open(gr_hub **out, const char *dir)
{
	gr_hub *h = calloc(1, sizeof *h);
	gr_buf p = GR_BUF_INIT;
	int rc;
	if (!h)
		return gr_error_set(GR_ENOMEM, "out of memory");
	h->lock_fd = -1;
	if (!(h->dir = gr_strdup(dir))) {
		rc = GR_ENOMEM;
		goto fail;
	}
	if ((rc = hub_path(&p, dir, "catalog.db")))
		goto fail;
	if (access(p.ptr, F_OK) != 0) {
		rc = gr_error_set(GR_ENOTFOUND, "%s is not a Granary hub (run 'granary init %s')", dir, dir);
		goto fail;
	}
	if ((rc = gr_catalog_open(&h->cat, p.ptr, false)))
		goto fail;
	if ((rc = hub_path(&p, dir, "store")) || (rc = gr_store_open(&h->store, p.ptr)))
		goto fail;
	if ((rc = gr_store_reader_new(&h->reader, h->store)))
		goto fail;
	gr_buf_free(&p);
	*out = h;
	return 0;
fail:
	gr_buf_free(&p);
	gr_hub_close(h);
	return rc;
}

void gr_hub_close(gr_hub *h)
{
	if (!h)
		return;
	gr_store_reader_free(h->reader);
	free(h->members);
	gr_pii_scanner_free(h->pii_scanner);
	gr_pii_db_free(h->pii);
	if (h->hist_opening)
		pthread_join(h->hist_opener, NULL);
	gr_history_close(h->hist);
	gr_store_close(h->store);
	gr_catalog_close(h->cat);
	if (h->lock_fd >= 0)
		close(h->lock_fd);
	free(h->dir);
	free(h);
}

const char *gr_hub_path(const gr_hub *h)
{
	return h->dir;
}

gr_catalog *gr_hub_catalog(gr_hub *h)
{
	return h->cat;
}

static int history_open(gr_hub *h)
{
	gr_buf p = GR_BUF_INIT;
	int rc = hub_path(&p, h->dir, "history.git");
	if (!rc)
		rc = gr_history_open(&h->hist, p.ptr);
	gr_buf_free(&p);
	return rc;
}

static void *history_opener(void *arg)
{
	gr_hub *h = arg;
	if (history_open(h))
		gr_error_clear(); /* tried again, with its error, on first use */
	return NULL;
}

/* Starts opening the history in the background (an ingest needs it at its end). */
static void history_open_soon(gr_hub *h)
{
	if (!h->hist && !h->hist_opening)
		h->hist_opening = pthread_create(&h->hist_opener, NULL, history_opener, h) == 0;
}

int gr_hub_history(gr_hub *h, gr_history **out)
{
	if (h->hist_opening) {
		pthread_join(h->hist_opener, NULL);
		h->hist_opening = false;
	}
	int rc = h->hist ? 0 : history_open(h);
	*out = h->hist;
	return rc;
}

/* One writer at a time: an exclusive flock on DIR/lock, released by close or death. */
int gr_hub_lock(gr_hub *h)
{
	if (h->lock_fd >= 0)
		return 0;
	gr_buf p = GR_BUF_INIT;
	int rc = hub_path(&p, h->dir, "lock");
	if (rc)
		return rc;
	int fd = open(p.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = gr_error_errno(GR_EIO, "open %s", p.ptr);
		gr_buf_free(&p);
		return rc;
	}
	gr_buf_free(&p);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return gr_error_set(GR_EBUSY, "another process is writing to the hub %s; try again when it is done",
				    h->dir);
	}
	h->lock_fd = fd;
	gr_hub_removals_resume(h);
	return 0;
}

void gr_hub_unlock(gr_hub *h)
{
	if (h->lock_fd >= 0) {
		close(h->lock_fd);
		h->lock_fd = -1;
	}
}

void gr_record_id(char out[17], const uint8_t addr[GR_HASH_LEN])
{
	gr_hex(out, addr, 8);
}

void gr_hub_author(char *name, size_t nn, char *email, size_t en)
{
	struct passwd *pw = getpwuid(getuid());
	char host[256] = "localhost";
	gethostname(host, sizeof host - 1);
	snprintf(name, nn, "%s", pw && pw->pw_name ? pw->pw_name : "granary");
	snprintf(email, en, "%s@%s", pw && pw->pw_name ? pw->pw_name : "granary", host);
}

/* ------------------------------------------------------------------ resolve */

int gr_hub_resolve(gr_hub *h, const char *spec, gr_version_info *out)
{
	char name[GR_DATASET_NAME_MAX + 1];
	const char *at = strchr(spec, '@');
	size_t n = at ? (size_t)(at - spec) : strlen(spec);
	int num = 0;
	if (n == 0 || n > GR_DATASET_NAME_MAX)
		return gr_error_set(GR_EINVAL, "bad dataset name in '%.80s'", spec);
	memcpy(name, spec, n);
	name[n] = '\0';
	if (at) {
		const char *v = at + 1;
		if (*v == 'v')
			v++;
		char *end;
		errno = 0;
		long x = strtol(v, &end, 10);
		if (!*v || *end || errno || x <= 0 || x > INT_MAX) {
			/* DATASET@TAG: a release */
			int64_t vid;
			int trc = gr_catalog_tag_get(h->cat, at + 1, &vid);
			if (trc == 0) {
				if ((trc = gr_catalog_version_by_id(h->cat, vid, out)))
					return trc;
				if (strcmp(out->dataset, name)) {
					gr_version_info_release(out);
					return gr_error_set(GR_EINVAL, "tag '%s' names a version of another dataset", at + 1);
				}
				return 0;
			}
			if (trc != GR_ENOTFOUND)
				return trc;
			if (!gr_history_tag_valid(at + 1))
				return gr_error_set(GR_EINVAL, "bad version in '%.80s' (DATASET@vN or DATASET@TAG)", spec);
			return gr_error_set(GR_ENOTFOUND, "no version or tag '%.80s' (DATASET@vN or DATASET@TAG)", spec);
		}
		num = (int)x;
	}
	int64_t ds;
	int rc = gr_catalog_dataset_find(h->cat, name, &ds);
	if (rc)
		return rc;
	if (!ds)
		return gr_error_set(GR_ENOTFOUND, "no dataset '%s'", name);
	rc = gr_catalog_version_get(h->cat, ds, num, out);
	if (rc == GR_ENOTFOUND)
		gr_error_wrap(rc, "%s", spec);
	return rc;
}

/* ------------------------------------------------------------------ history */

static int manifest_json(gr_hub *h, const gr_version_info *v, gr_buf *out)
{
	char hex[GR_HEX_LEN + 1];
	int rc = gr_buf_puts(out, "{\n  \"format\": \"granary-manifest-1\",\n  \"dataset\": ");
	rc = rc ? rc : gr_buf_put_json_str(out, v->dataset, strlen(v->dataset));
	rc = rc ? rc : gr_buf_printf(out, ",\n  \"version\": \"%s@v%d\",\n  \"number\": %d,\n  \"parents\": [",
				    v->dataset, v->num, v->num);
	for (int i = 0; !rc && i < v->nparents; i++) {
		gr_version_info p;
		if ((rc = gr_catalog_version_by_id(h->cat, v->parents[i], &p)))
			break;
		rc = gr_buf_printf(out, "%s\"%s@v%d\"", i ? ", " : "", p.dataset, p.num);
		gr_version_info_release(&p);
	}
	rc = rc ? rc : gr_buf_puts(out, "],\n  \"operation\": ");
	rc = rc ? rc : gr_buf_put_json_str(out, v->operation, strlen(v->operation));
	rc = rc ? rc : gr_buf_puts(out, ",\n  \"message\": ");
	rc = rc ? rc : gr_buf_put_json_str(out, v->message ? v->message : "", v->message ? strlen(v->message) : 0);
	rc = rc ? rc : gr_buf_printf(out, ",\n  \"created\": \"%s\",\n  \"author\": ", v->created);
	rc = rc ? rc : gr_buf_put_json_str(out, v->author ? v->author : "", v->author ? strlen(v->author) : 0);
	gr_hex(hex, v->digest, GR_HASH_LEN);
	rc = rc ? rc : gr_buf_printf(out,
				    ",\n  \"counts\": {\"records\": %llu, \"bytes\": %llu},\n"
				    "  \"members\": {\"count\": %llu, \"digest\": \"sha256:%s\"},\n  \"stats\": %s\n}\n",
				    (unsigned long long)v->records, (unsigned long long)v->bytes,
				    (unsigned long long)v->records, hex, v->stats ? v->stats : "{}");
	return rc;
}

int gr_hub_commit_version(gr_history *hist, const char *commit, const char *dataset)
{
	gr_buf m = GR_BUF_INIT, key = GR_BUF_INIT;
	int num = 0;
	if (gr_history_read(hist, commit, "MANIFEST.json", &m) == 0 &&
	    gr_buf_printf(&key, "\"version\": \"%s@v", dataset) == 0) {
		const char *at = strstr(m.ptr, key.ptr);
		char *end;
		long n = at ? strtol(at + key.len, &end, 10) : 0;
		if (at && *end == '"' && n > 0 && n <= INT32_MAX)
			num = (int)n;
	}
	gr_buf_free(&m);
	gr_buf_free(&key);
	gr_error_clear();
	return num;
}

/* True when the branch tip already is this version's commit: a crash after
 * the git commit but before its id reached the catalog must not make the
 * version twice. */
static bool tip_is_version(gr_history *hist, const gr_version_info *v, char tip[GR_OID_HEX])
{
	bool same = gr_history_tip(hist, v->dataset, tip) == 0 && gr_hub_commit_version(hist, tip, v->dataset) == v->num;
	gr_error_clear();
	return same;
}

static int history_write(gr_hub *h, const gr_version_info *v)
{
	gr_buf m = GR_BUF_INIT, msg = GR_BUF_INIT;
	char oid[GR_OID_HEX], name[128], email[384];
	gr_history *hist;
	int rc = gr_hub_history(h, &hist);
	if (rc)
		return rc;
	if (tip_is_version(hist, v, oid))
		return gr_catalog_version_set_commit(h->cat, v->id, oid);
	rc = manifest_json(h, v, &m);
	if (rc)
		goto out;
	if ((rc = gr_buf_printf(&msg, "%s@v%d: %s\n\n%s", v->dataset, v->num, v->operation,
				v->message && *v->message ? v->message : "(no message)")))
		goto out;
	gr_hub_author(name, sizeof name, email, sizeof email);
	gr_history_file f = {"MANIFEST.json", m.ptr, m.len};
	int64_t when = gr_time_now();
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (v->created && strptime(v->created, "%Y-%m-%dT%H:%M:%SZ", &tm))
		when = (int64_t)timegm(&tm);
	if ((rc = gr_history_commit(hist, v->dataset, &f, 1, true, msg.ptr, v->author ? v->author : name, email,
				    when, oid)))
		goto out;
	rc = gr_catalog_version_set_commit(h->cat, v->id, oid);
out:
	gr_buf_free(&m);
	gr_buf_free(&msg);
	return rc;
}

int gr_hub_rollback(gr_hub *h, int rc)
{
	/* the rollback must not replace the error that caused it */
	int code = gr_error_code();
	char msg[1024];
	snprintf(msg, sizeof msg, "%s", gr_error_last());
	gr_catalog_rollback(h->cat);
	return gr_error_set(code ? code : rc, "%s", msg);
}

void gr_hub_publish(gr_hub *h, gr_version_info *v, char *warning, size_t wsize)
{
	/* committed: from here on a failure is reported but the version stands */
	if (!history_write(h, v)) {
		gr_version_info v2;
		if (!gr_catalog_version_by_id(h->cat, v->id, &v2)) {
			gr_version_info_release(v);
			*v = v2;
		}
	} else {
		/* history catches up at the next write or gc */
		snprintf(warning, wsize, "%s@v%d is committed, but its history commit failed (gc writes it): %s",
			 v->dataset, v->num, gr_error_last());
		gr_error_clear();
	}
}

int gr_hub_docs_commit(gr_hub *h, const gr_version_info *v, const gr_history_file *files, size_t n,
		       const char *message, const char *author)
{
	gr_version_info head;
	int rc = gr_catalog_version_get(h->cat, v->dataset_id, 0, &head);
	if (rc)
		return rc;
	bool is_head = head.id == v->id;
	gr_version_info_release(&head);
	if (!is_head)
		return 0; /* history.git follows the dataset's line: an older version's documents stay in the catalog */
	gr_history *hist;
	char oid[GR_OID_HEX], name[128], email[384];
	if ((rc = gr_hub_history(h, &hist)))
		return rc;
	gr_hub_author(name, sizeof name, email, sizeof email);
	if ((rc = gr_history_commit(hist, v->dataset, files, n, true, message, author ? author : name, email,
				    gr_time_now(), oid)))
		return rc;
	return gr_catalog_version_set_commit(h->cat, v->id, oid);
}

int gr_hub_audit_snapshot(gr_hub *h, const char *dataset, const char *tag, const char *use, const char *json,
			  const char *message, char oid[GR_OID_HEX])
{
	gr_history *hist;
	char uname[128], email[384], when[32];
	gr_buf path = GR_BUF_INIT;
	int rc = gr_hub_history(h, &hist);
	if (rc)
		return rc;
	gr_hub_author(uname, sizeof uname, email, sizeof email);
	gr_time_iso(when, gr_time_now());
	/* the time, in a name git accepts */
	for (char *p = when; *p; p++)
		if (*p == ':')
			*p = '-';
	if ((rc = gr_buf_printf(&path, "%s/%s/audit-%s-%s.json", dataset, tag, use, when)))
		return rc;
	gr_history_file f = {path.ptr, json, strlen(json)};
	rc = gr_history_commit(hist, "audits", &f, 1, true, message, uname, email, gr_time_now(), oid);
	gr_buf_free(&path);
	return rc;
}

int gr_hub_tag_history(gr_hub *h, const char *commit, const char *name, const char *message, const char *who)
{
	gr_history *hist;
	char uname[128], email[384];
	int rc = gr_hub_history(h, &hist);
	if (rc)
		return rc;
	gr_hub_author(uname, sizeof uname, email, sizeof email);
	return gr_history_tag(hist, name, commit, message && *message ? message : name, who ? who : uname, email,
			      gr_time_now());
}

struct sync_ctx {
	gr_hub *h;
	uint64_t n;
};

static int sync_one(const gr_version_info *v, void *ctx)
{
	struct sync_ctx *s = ctx;
	int rc = history_write(s->h, v);
	if (!rc)
		s->n++;
	return rc;
}

int gr_hub_sync_history(gr_hub *h, uint64_t *written)
{
	struct sync_ctx s = {h, 0};
	int rc = gr_catalog_version_uncommitted(h->cat, sync_one, &s);
	if (written)
		*written = s.n;
	return rc;
}

/* ------------------------------------------------------------------ ingest */

struct pack_sink {
	gr_catalog *cat;
};

int gr_hub_on_pack(const gr_pack_info *p, void *ctx)
{
	struct pack_sink *s = ctx;
	int64_t id;
	int rc = gr_catalog_pack_add(s->cat, p->name, p->size, &id);
	for (size_t i = 0; !rc && i < p->nframes; i++) {
		const gr_frame_info *f = &p->frames[i];
		rc = gr_catalog_frame_add(s->cat, f->id, id, f->loc.off, f->loc.clen, f->loc.ulen, f->nchunks);
	}
	return rc;
}

static int stats_json(gr_buf *b, const gr_hub_ingest_result *r, const char *const *files, size_t n)
{
	const gr_ingest_stats *s = &r->stats;
	int rc = gr_buf_printf(b,
			       "{\"input_records\": %llu, \"new_records\": %llu, \"members_added\": %llu, "
			       "\"duplicates\": %llu, \"skipped\": %llu, \"bytes_in\": %llu, \"text_bytes\": %llu, "
			       "\"new_contents\": %llu, \"bytes_stored\": %llu, \"suppressed\": %llu, \"files\": [",
			       (unsigned long long)s->records_in, (unsigned long long)s->records_new,
			       (unsigned long long)s->members, (unsigned long long)s->duplicates,
			       (unsigned long long)s->skipped, (unsigned long long)s->bytes_in,
			       (unsigned long long)s->text_bytes, (unsigned long long)s->contents_new,
			       (unsigned long long)r->bytes_stored, (unsigned long long)s->suppressed);
	for (size_t i = 0; !rc && i < n; i++) {
		const char *base = strrchr(files[i], '/');
		base = base ? base + 1 : files[i];
		if (i)
			rc = gr_buf_puts(b, ", ");
		if (!rc)
			rc = gr_buf_put_json_str(b, base, strlen(base));
	}
	if (!rc)
		rc = gr_buf_putc(b, ']');
	if (!rc && s->captures)
		rc = gr_buf_printf(b,
				   ", \"captures\": %llu, \"optout_dropped\": %llu, \"optout_flagged\": %llu, "
				   "\"not_text\": %llu, \"status_skipped\": %llu, \"revisits\": %llu",
				   (unsigned long long)s->captures, (unsigned long long)s->optout_dropped,
				   (unsigned long long)s->optout_flagged, (unsigned long long)s->not_text,
				   (unsigned long long)s->status_skipped, (unsigned long long)s->revisits);
	return rc ? rc : gr_buf_putc(b, '}');
}

static int suppress_one(const uint8_t key[16], const char *kind, int words, void *ctx)
{
	return gr_suppress_add(ctx, key, kind, words);
}

/* The suppression list, when the hub has one (NULL otherwise). */
static int load_suppressions(gr_hub *h, gr_suppress **out)
{
	uint8_t key[GR_HASH_LEN] = {0};
	gr_suppress *s = NULL;
	*out = NULL;
	int rc = gr_suppress_new(&s, key);
	if (!rc)
		rc = gr_catalog_suppression_each(h->cat, suppress_one, s);
	if (!rc && gr_suppress_count(s)) {
		/* entries exist: the key they were made with must be there */
		gr_suppress_free(s);
		s = NULL;
		if (!(rc = gr_govern_key(h->dir, key)) && !(rc = gr_suppress_new(&s, key)))
			rc = gr_catalog_suppression_each(h->cat, suppress_one, s);
		if (!rc) {
			*out = s;
			return 0;
		}
	}
	gr_suppress_free(s);
	return rc;
}

int gr_hub_ingest(gr_hub *h, const char *dataset, const char *const *files, size_t nfiles,
		  const gr_hub_ingest_opts *o, gr_version_info *version_out, gr_hub_ingest_result *res)
{
	if (!gr_dataset_name_valid(dataset))
		return gr_error_set(GR_EINVAL,
				    "bad dataset name '%.80s': use letters, digits, '.', '_' and '-', "
				    "starting with a letter or digit, at most %d characters",
				    dataset, GR_DATASET_NAME_MAX);
	if (!nfiles)
		return gr_error_set(GR_EINVAL, "nothing to ingest: no files given");
	int rc = gr_hub_lock(h);
	if (rc)
		return rc;
	history_open_soon(h);
	gr_pool *pool = NULL;
	gr_store_writer *w = NULL;
	gr_suppress *suppress = NULL;
	gr_buf stats = GR_BUF_INIT;
	bool in_tx = false;
	double t0 = gr_time_mono();
	memset(res, 0, sizeof *res);
	if ((rc = gr_hub_sync_history(h, NULL)))
		goto out;
	int threads = o->threads > 0 ? o->threads : gr_ncpu();
	if ((rc = gr_pool_new(&pool, threads)))
		goto out;
	if ((rc = gr_catalog_begin(h->cat)))
		goto out;
	in_tx = true;
	int64_t ds;
	gr_version_info parent;
	bool have_parent = false;
	if ((rc = gr_catalog_dataset_find(h->cat, dataset, &ds)))
		goto out;
	if (!ds) {
		if ((rc = gr_catalog_dataset_add(h->cat, dataset, &ds)))
			goto out;
	} else if (!(rc = gr_catalog_version_get(h->cat, ds, 0, &parent))) {
		have_parent = true;
	} else if (rc != GR_ENOTFOUND) {
		goto out;
	}
	if ((rc = gr_catalog_stage_begin(h->cat)))
		goto out_parent;
	if (have_parent && !o->replace && (rc = gr_catalog_stage_version(h->cat, parent.id)))
		goto out_parent;
	struct pack_sink sink = {h->cat};
	gr_store_writer_opts wo = {.pool = pool, .on_pack = gr_hub_on_pack, .ctx = &sink};
	if ((rc = gr_catalog_next_frame_id(h->cat, &wo.first_frame_id)) ||
	    (rc = gr_store_writer_new(&w, h->store, &wo)))
		goto out_parent;
	gr_ingest_opts io = {.text_field = o->text_field, .source = o->source, .strict = o->strict, .format = o->format,
			     .keep_optout = o->keep_optout, .keep_status = o->keep_status,
			     .drop_boilerplate = o->drop_boilerplate,
			     .bad_line = o->bad_line, .progress = o->progress, .ctx = o->ctx, .cancel = o->cancel};
	if (o->scan && (rc = gr_hub_pii_db(h, &io.scan_db)))
		goto out_parent;
	if ((rc = load_suppressions(h, &suppress)))
		goto out_parent;
	io.suppress = suppress;
	if ((rc = gr_ingest_files(h->cat, w, pool, files, nfiles, &io, &res->stats)))
		goto out_parent;
	/* the catalog's pages go to the WAL in the commit, in one pass: written
	 * earlier (sqlite3_db_cacheflush) while the last frames compressed, the
	 * pages the version then changed were rewritten in place and SQLite
	 * re-read the whole WAL to checksum it again, which cost more than the
	 * overlap gained (median 1.51 s against 1.43 s over 10 runs) */
	if ((rc = gr_store_writer_seal(w)) || (rc = gr_store_writer_close(w)))
		goto out_parent;
	uint64_t in;
	gr_store_writer_stats(w, &in, &res->bytes_stored);
	if ((rc = stats_json(&stats, res, files, nfiles)))
		goto out_parent;
	char name[128], email[384];
	gr_hub_author(name, sizeof name, email, sizeof email);
	gr_version_new nv = {.dataset = ds, .operation = "ingest", .message = o->message,
			     .author = o->author ? o->author : name,
			     .created = gr_time_now(), .parents = have_parent ? &parent.id : NULL,
			     .nparents = have_parent ? 1 : 0, .stats_json = stats.ptr};
	if ((rc = gr_catalog_version_create(h->cat, &nv, version_out)))
		goto out_parent;
	/* the version was made while the last pack went to the disk: it must
	 * be there before the commit that references it */
	if ((rc = gr_store_writer_finish(w)) || (rc = gr_catalog_commit(h->cat))) {
		gr_version_info_release(version_out);
		goto out_parent;
	}
	in_tx = false;
	gr_hub_publish(h, version_out, res->history_warning, sizeof res->history_warning);
	rc = 0;
out_parent:
	if (have_parent)
		gr_version_info_release(&parent);
out:
	if (in_tx) {
		int err = gr_error_code();
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", gr_error_last());
		gr_catalog_stage_end(h->cat);
		gr_catalog_rollback(h->cat);
		if (w)
			gr_store_writer_discard(w);
		gr_error_set(err ? err : rc, "%s", msg);
	}
	gr_store_writer_free(w);
	gr_pool_free(pool);
	gr_suppress_free(suppress);
	gr_buf_free(&stats);
	gr_hub_unlock(h);
	res->seconds = gr_time_mono() - t0;
	return rc;
}

/* ------------------------------------------------------------------ reading */

struct read_ctx {
	gr_hub *h;
	gr_buf *out;
	int nchunks;
};

static int read_chunk(const gr_chunk_loc *l, void *ctx)
{
	struct read_ctx *r = ctx;
	r->nchunks++;
	gr_frame_loc f;
	memcpy(f.pack, l->pack, sizeof f.pack);
	f.off = l->frame_off;
	f.clen = l->clen;
	f.ulen = l->ulen;
	return gr_store_read_chunk(r->h->reader, l->frame, &f, l->off, l->len, l->hash, r->out);
}

int gr_hub_read_content(gr_hub *h, const uint8_t content[GR_HASH_LEN], gr_buf *out)
{
	size_t start = out->len;
	struct read_ctx c = {h, out, 0};
	int rc = gr_catalog_content_chunks(h->cat, content, read_chunk, &c);
	if (rc)
		return rc;
	if (c.nchunks == 1)
		return 0; /* one chunk: its hash is the content hash, checked by the store */
	uint8_t hh[GR_HASH_LEN];
	gr_sha256(hh, out->ptr + start, out->len - start);
	if (memcmp(hh, content, GR_HASH_LEN) != 0)
		return gr_error_set(GR_ECORRUPT, "record text does not match its content hash");
	return 0;
}

int gr_hub_read_text(gr_hub *h, const gr_record_info *r, gr_buf *out)
{
	size_t start = out->len;
	int rc = gr_hub_read_content(h, r->content, out);
	if (!rc && out->len - start != r->len)
		rc = gr_error_set(GR_ECORRUPT, "record text is %zu bytes, the catalog says %llu", out->len - start,
				  (unsigned long long)r->len);
	return rc;
}

int gr_hub_record_in_version(gr_hub *h, const gr_version_info *v, const char *id, int64_t *rid_out)
{
	int64_t rid;
	bool in;
	int rc = gr_catalog_record_resolve(h->cat, id, &rid);
	if (rc)
		return rc;
	if ((rc = gr_catalog_member_has(h->cat, v->id, rid, &in)))
		return rc;
	if (!in)
		return gr_error_set(GR_ENOTFOUND, "record %s is not in %s@v%d", id, v->dataset, v->num);
	*rid_out = rid;
	return 0;
}

/* Membership diff: blocks both versions share hold the same ids, so only the
 * other blocks are read (memory grows with the change, not the version);
 * their ids are sorted, so the two lists are walked together. */
struct id_list {
	int64_t *ids;
	size_t n, cap;
};

static int collect(int64_t rid, void *ctx)
{
	struct id_list *l = ctx;
	if (gr_array_reserve(&l->ids, &l->cap, l->n, sizeof *l->ids))
		return GR_ENOMEM;
	l->ids[l->n++] = rid;
	return 0;
}

int gr_hub_diff(gr_hub *h, const gr_version_info *a, const gr_version_info *b,
		int (*cb)(int64_t rid, bool added, void *ctx), void *ctx)
{
	struct id_list la = {0}, lb = {0};
	int rc = gr_catalog_members_each_except(h->cat, a->id, b->id, collect, &la);
	if (!rc)
		rc = gr_catalog_members_each_except(h->cat, b->id, a->id, collect, &lb);
	size_t i = 0, j = 0;
	while (!rc && (i < la.n || j < lb.n)) {
		if (j == lb.n || (i < la.n && la.ids[i] < lb.ids[j]))
			rc = cb(la.ids[i++], false, ctx);
		else if (i == la.n || lb.ids[j] < la.ids[i])
			rc = cb(lb.ids[j++], true, ctx);
		else
			i++, j++;
	}
	free(la.ids);
	free(lb.ids);
	return rc;
}

/* ------------------------------------------------------------------ export */

static bool reserved_key(const gr_json_member *m)
{
	static const char *const keys[] = {"id", "text", "url", "timestamp", "source"};
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (gr_json_key_eq(m, keys[i]))
			return true;
	return false;
}

/* Replaces text with its redaction: spans of the types in mask become <TYPE>. */
static int redact(gr_hub *h, uint32_t mask, gr_buf *text)
{
	const gr_pii_db *db;
	const gr_pii_span *spans;
	size_t n = 0;
	int rc = gr_hub_pii_db(h, &db);
	if (!rc && !h->pii_scanner)
		rc = gr_pii_scanner_new(&h->pii_scanner, db);
	if (!rc)
		rc = gr_pii_scan(h->pii_scanner, text->ptr ? text->ptr : "", text->len, &spans, &n, NULL);
	if (rc || !n)
		return rc;
	gr_buf out = GR_BUF_INIT;
	if ((rc = gr_pii_redact(text->ptr, text->len, spans, n, mask, &out))) {
		gr_buf_free(&out);
		return rc;
	}
	gr_buf_free(text);
	*text = out;
	return 0;
}

int gr_hub_export_line(gr_hub *h, const gr_record_info *r, uint32_t redact_mask, gr_buf *out)
{
	char id[17];
	gr_buf text = GR_BUF_INIT;
	gr_json_member *mem = NULL;
	int rc = gr_hub_read_text(h, r, &text);
	if (!rc && redact_mask)
		rc = redact(h, redact_mask, &text);
	if (rc) {
		gr_record_id(id, r->addr);
		gr_error_wrap(rc, "record %s", id);
		goto out;
	}
	gr_record_id(id, r->addr);
	rc = gr_buf_printf(out, "{\"id\":\"%s\",\"text\":", id);
	rc = rc ? rc : gr_buf_put_json_str(out, text.ptr, text.len);
	if (!rc && r->url) {
		rc = gr_buf_puts(out, ",\"url\":");
		rc = rc ? rc : gr_buf_put_json_str(out, r->url, strlen(r->url));
	}
	if (!rc && r->ts) {
		rc = gr_buf_puts(out, ",\"timestamp\":");
		rc = rc ? rc : gr_buf_put_json_str(out, r->ts, strlen(r->ts));
	}
	if (!rc && r->source) {
		rc = gr_buf_puts(out, ",\"source\":");
		rc = rc ? rc : gr_buf_put_json_str(out, r->source, strlen(r->source));
	}
	if (!rc && r->meta) {
		size_t n = 0, eoff;
		if (!h->members && !(h->members = gr_malloc(GR_JSON_MAX_MEMBERS * sizeof *mem))) {
			rc = GR_ENOMEM;
			goto out;
		}
		mem = h->members;
		if ((rc = gr_json_parse_object(r->meta, strlen(r->meta), mem, GR_JSON_MAX_MEMBERS, &n, &eoff))) {
			gr_error_set(GR_ECORRUPT, "record %s: stored metadata is not a JSON object", id);
			goto out;
		}
		for (size_t i = 0; !rc && i < n; i++) {
			/* an input field named like one of ours keeps its value as input_<name> */
			rc = gr_buf_puts(out, reserved_key(&mem[i]) ? ",\"input_" : ",\"");
			rc = rc ? rc : gr_buf_put(out, mem[i].key, mem[i].key_len);
			rc = rc ? rc : gr_buf_put(out, "\":", 2);
			rc = rc ? rc : gr_buf_put(out, mem[i].val, mem[i].val_len);
		}
	}
	if (!rc)
		rc = gr_buf_puts(out, "}\n");
out:
	gr_buf_free(&text);
	return rc;
}

struct export_ctx {
	gr_hub *h;
	int fd;
	gr_zout *z;
	gr_buf line;
	uint64_t records, bytes, total, removed;
	uint32_t redact;
	void (*progress)(uint64_t done, uint64_t total, void *ctx);
	void *pctx;
};

static int export_one(int64_t rid, void *ctx)
{
	struct export_ctx *e = ctx;
	gr_record_info r;
	int rc = gr_catalog_record_get(e->h->cat, rid, &r);
	gr_tombstone t;
	if (rc == GR_ENOTFOUND && gr_catalog_tombstone_get(e->h->cat, rid, &t) == 0) {
		gr_error_clear();
		e->removed++;
		return 0; /* removed since this version was made */
	}
	if (rc)
		return rc;
	rc = gr_hub_export_line(e->h, &r, e->redact, &e->line);
	e->bytes += r.len;
	gr_record_info_release(&r);
	if (rc)
		return rc;
	e->records++;
	if (e->line.len >= (1u << 20)) {
		rc = e->z ? gr_zout_write(e->z, e->line.ptr, e->line.len) : gr_write_all(e->fd, e->line.ptr, e->line.len);
		gr_buf_reset(&e->line);
	}
	if (e->progress && e->records % 1024 == 0)
		e->progress(e->records, e->total, e->pctx);
	return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

int gr_hub_export(gr_hub *h, const gr_version_info *v, const char *path, uint32_t redact_mask,
		  void (*progress)(uint64_t done, uint64_t total, void *ctx), void *ctx, uint64_t *records_out,
		  uint64_t *bytes_out)
{
	gr_buf tmp = GR_BUF_INIT;
	struct export_ctx e = {.h = h, .fd = -1, .total = v->records, .redact = redact_mask, .progress = progress,
			       .pctx = ctx};
	int rc = gr_buf_printf(&tmp, "%s.tmp-%ld", path, (long)getpid());
	if (rc)
		return rc;
	e.fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (e.fd < 0) {
		rc = gr_error_errno(GR_EIO, "create %s", tmp.ptr);
		goto out;
	}
	if (ends_with(path, ".zst") && (rc = gr_zout_new(&e.z, e.fd, 3)))
		goto out;
	if ((rc = gr_catalog_members_each(h->cat, v->id, export_one, &e)))
		goto out;
	if (e.line.len)
		rc = e.z ? gr_zout_write(e.z, e.line.ptr, e.line.len) : gr_write_all(e.fd, e.line.ptr, e.line.len);
	if (!rc && e.z)
		rc = gr_zout_finish(e.z);
	if (rc)
		goto out;
	if (fsync(e.fd) != 0) {
		rc = gr_error_errno(GR_EIO, "fsync %s", tmp.ptr);
		goto out;
	}
	close(e.fd);
	e.fd = -1;
	if (rename(tmp.ptr, path) != 0) {
		rc = gr_error_errno(GR_EIO, "rename to %s", path);
		goto out;
	}
	if (progress)
		progress(e.records, e.total, ctx);
	*records_out = e.records;
	*bytes_out = e.bytes;
out:
	if (e.fd >= 0)
		close(e.fd);
	if (rc)
		unlink(tmp.ptr);
	gr_zout_free(e.z);
	gr_buf_free(&e.line);
	gr_buf_free(&tmp);
	return rc;
}
