/*
 * JSON Lines ingest. Three stages:
 *   read     (calling thread)  input -> blocks of whole lines
 *   parse    (pool)            block -> parsed records: text, metadata, hashes
 *   commit   (calling thread)  records -> catalog rows and store chunks, in order
 * The calling thread reads ahead while up to GR_INGEST_INFLIGHT blocks are
 * parsed, then commits the oldest; so order, line numbers and ids are
 * deterministic whatever the thread timing.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "html/html.h"
#include "ingest/ingest.h"
#include "ingest/input.h"
#include "ingest/jsonl.h"
#include "ingest/textscan.h"
#include "govern/consent.h"
#include "warc/warc.h"
#include "store/cdc.h"

/* ------------------------------------------------------------------ parse stage */

#define NONE SIZE_MAX

enum { DOC_TEXT, DOC_WARC_HTTP, DOC_WARC_BLOCK, DOC_REVISIT };
enum { SKIP_NONE, SKIP_NOT_TEXT, SKIP_STATUS, SKIP_OPTOUT };

/* What a capture said about a record (strings: arena offsets or NONE). */
struct webinfo {
	size_t warc_id, refers_to, digest, media_type, lang, tdm_policy, license, license_url, charset;
	int status;
	bool tdm_reservation, noai, noimageai;
};

typedef struct {
	uint64_t line;
	size_t text, text_len; /* offset into the block's input (decoded in place) */
	size_t url, url_len;   /* these three: offsets into the block's arena */
	size_t ts, ts_len;
	size_t meta, meta_len;
	size_t err; /* offset of the message in errs, or NONE */
	size_t where, where_len; /* documents: where it came from (arena), for reports */
	uint8_t kind;            /* DOC_* */
	uint8_t skip;            /* SKIP_*: not a record, not an error (counted) */
	bool text_arena;         /* the text is in the arena (extracted), not in the input */
	bool scanned;            /* --scan: the block's scans[i] holds its scan */
	size_t web;              /* index into the block's webs, or NONE */
	uint8_t hash[GR_HASH_LEN];
	uint8_t addr[GR_HASH_LEN];
} prec;

typedef struct {
	gr_task task;
	gr_buf in;         /* whole lines */
	/* range mode (plain files): the worker itself reads the lines that start in
	 * [start, end) of fd, so reading is parallel too */
	int fd;
	uint64_t start, end, size;
	int read_err;
	uint64_t nlines;   /* lines this block holds, counted by the worker */
	uint64_t dropped;  /* over-long lines dropped just before this block (stream mode) */
	uint64_t owned;    /* input bytes this block accounts for */
	bool long_tail;    /* its last line was over the limit and dropped (range mode) */
	const char *text_field;
	const char *source;
	gr_buf arena;
	gr_buf errs;
	prec *recs;
	size_t n, cap;
	int fatal; /* out of memory in the worker */
	gr_json_member *members;
	bool docs; /* documents (not lines): reports name a place, not a line */
	struct webinfo *webs; /* for records from web captures */
	size_t nweb, capweb;
	bool keep_optout, keep_status, drop_boilerplate;
	gr_html *html; /* the worker's extractor, made on first use */
	/* --scan: each record's scan, made on the worker */
	const struct gr_pii_db *scan_db;
	gr_textscan *ts;
	gr_scan_row *scans;
	size_t scap;
} block;

/* --scan: scans the block's records on the worker (the texts are at hand). */
static void scan_block(block *b);

static int arena_put(block *b, const void *p, size_t n, size_t *off)
{
	*off = b->arena.len;
	return gr_buf_put(&b->arena, p, n);
}

static void set_err(block *b, prec *r, const char *fmt, const char *detail)
{
	r->err = b->errs.len;
	gr_buf_printf(&b->errs, fmt, detail);
	gr_buf_putc(&b->errs, '\0');
}

/* Writes an ISO 8601 UTC time for a JSON number of (milli)seconds since 1970. */
static bool epoch_iso(const char *s, size_t n, char out[32])
{
	char tmp[40];
	if (n >= sizeof tmp)
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	char *end;
	double v = strtod(tmp, &end);
	if (*end || v < 0 || v > 4e12)
		return false;
	if (v > 1e11)
		v /= 1000; /* milliseconds */
	gr_time_iso(out, (int64_t)v);
	return true;
}

static int parse_grow(block *b)
{
	/* runs on a worker: the error is reported by the committing thread */
	return gr_array_reserve(&b->recs, &b->cap, b->n, sizeof *b->recs) ? (b->fatal = GR_ENOMEM) : 0;
}

/* The content address of r's text, then the record address over content + metadata. */
static const char *rec_text(const block *b, const prec *r)
{
	return (r->text_arena ? b->arena.ptr : b->in.ptr) + r->text;
}

static int address_of(block *b, prec *r);

static int record_address(block *b, prec *r)
{
	gr_sha256(r->hash, rec_text(b, r), r->text_len);
	return address_of(b, r);
}

/* The record address over r->hash and the metadata. */
static int address_of(block *b, prec *r)
{
	gr_buf a = GR_BUF_INIT;
	static const char sep = '\n';
	int e;
	if ((e = gr_buf_puts(&a, "granary-record-1\n")) || (e = gr_buf_put(&a, r->hash, GR_HASH_LEN)) ||
	    (e = gr_buf_put(&a, &sep, 1)) ||
	    (r->url != NONE && (e = gr_buf_put(&a, b->arena.ptr + r->url, r->url_len))) ||
	    (e = gr_buf_put(&a, &sep, 1)) ||
	    (r->ts != NONE && (e = gr_buf_put(&a, b->arena.ptr + r->ts, r->ts_len))) ||
	    (e = gr_buf_put(&a, &sep, 1)) || (e = gr_buf_puts(&a, b->source)) || (e = gr_buf_put(&a, &sep, 1)) ||
	    (r->meta != NONE && (e = gr_buf_put(&a, b->arena.ptr + r->meta, r->meta_len)))) {
		gr_buf_free(&a);
		return e;
	}
	gr_sha256(r->addr, a.ptr, a.len);
	gr_buf_free(&a);
	return 0;
}

static void parse_line(block *b, const char *line, size_t len, uint64_t lineno)
{
	if (b->n == b->cap && parse_grow(b))
		return;
	prec *r = &b->recs[b->n++];
	memset(r, 0, sizeof *r);
	r->line = lineno;
	r->url = r->ts = r->meta = r->err = NONE;
	size_t nm = 0, eoff = 0;
	int rc = gr_json_parse_object(line, len, b->members, GR_JSON_MAX_MEMBERS, &nm, &eoff);
	if (rc) {
		set_err(b, r, "%s", gr_error_last());
		return;
	}
	const gr_json_member *text = NULL, *url = NULL, *ts = NULL;
	for (size_t i = 0; i < nm; i++) {
		const gr_json_member *m = &b->members[i];
		if (b->text_field ? gr_json_key_eq(m, b->text_field) : gr_json_key_eq(m, "text"))
			text = m;
	}
	if (!text && !b->text_field)
		for (size_t i = 0; i < nm && !text; i++)
			if (gr_json_key_eq(&b->members[i], "content"))
				text = &b->members[i];
	if (!text) {
		set_err(b, r, "no text field \"%s\"", b->text_field ? b->text_field : "text");
		return;
	}
	if (text->type != GR_JSON_STRING) {
		set_err(b, r, "the text field is not a string%s", "");
		return;
	}
	for (size_t i = 0; i < nm; i++) {
		const gr_json_member *m = &b->members[i];
		if (!url && gr_json_key_eq(m, "url") && m->type == GR_JSON_STRING)
			url = m;
		else if (!ts && (gr_json_key_eq(m, "timestamp") || gr_json_key_eq(m, "date")) &&
			 (m->type == GR_JSON_STRING || m->type == GR_JSON_NUMBER))
			ts = m;
	}
	/* Dolma-style records keep the URL in metadata.url and the crawl time in "created" */
	gr_json_member inner[64];
	if (!ts)
		for (size_t i = 0; i < nm && !ts; i++)
			if (gr_json_key_eq(&b->members[i], "created") && b->members[i].type == GR_JSON_STRING)
				ts = &b->members[i];
	if (!url) {
		for (size_t i = 0; i < nm && !url; i++) {
			const gr_json_member *m = &b->members[i];
			size_t ni = 0, eo;
			if (m->type != GR_JSON_OBJECT || !gr_json_key_eq(m, "metadata") ||
			    gr_json_parse_object(m->val, m->val_len, inner, 64, &ni, &eo))
				continue;
			for (size_t k = 0; k < ni; k++)
				if (gr_json_key_eq(&inner[k], "url") && inner[k].type == GR_JSON_STRING)
					url = &inner[k];
		}
		gr_error_clear();
	}
	int e = 0;
	/* the text is decoded over its own bytes in the block, which saves a copy;
	 * should the text field also be read as the url or time, that comes from here */
	r->text = (size_t)(text->val - b->in.ptr);
	if ((e = gr_json_unescape_inplace(b->in.ptr + r->text, text->val_len, &r->text_len)))
		goto fail;
	if (r->text_len > GR_INGEST_MAX_TEXT) {
		set_err(b, r, "text longer than the %s limit", "64 MiB");
		return;
	}
	if (url) {
		r->url = b->arena.len;
		if ((e = url == text ? gr_buf_put(&b->arena, b->in.ptr + r->text, r->text_len)
				     : gr_json_unescape(&b->arena, url->val, url->val_len)))
			goto fail;
		r->url_len = b->arena.len - r->url;
		if (memchr(b->arena.ptr + r->url, 0, r->url_len)) {
			set_err(b, r, "url contains a NUL character%s", "");
			return;
		}
	}
	if (ts) {
		char iso[32];
		if (ts->type == GR_JSON_NUMBER && epoch_iso(ts->val, ts->val_len, iso)) {
			if ((e = arena_put(b, iso, strlen(iso), &r->ts)))
				goto fail;
			r->ts_len = strlen(iso);
		} else if (ts->type == GR_JSON_STRING) {
			r->ts = b->arena.len;
			if ((e = ts == text ? gr_buf_put(&b->arena, b->in.ptr + r->text, r->text_len)
					    : gr_json_unescape(&b->arena, ts->val, ts->val_len)))
				goto fail;
			r->ts_len = b->arena.len - r->ts;
			if (memchr(b->arena.ptr + r->ts, 0, r->ts_len)) {
				set_err(b, r, "timestamp contains a NUL character%s", "");
				return;
			}
		}
	}
	/* meta: the other members, as their raw (already validated) JSON text */
	size_t kept = 0;
	for (size_t i = 0; i < nm; i++) {
		const gr_json_member *m = &b->members[i];
		/* the text, a top-level string url and a string "timestamp" are exported
		 * under their own names; anything else a record was read from (date,
		 * created, a numeric timestamp, metadata.url) stays in meta as given */
		if (m == text || m == url ||
		    (m == ts && ts->type == GR_JSON_STRING && gr_json_key_eq(ts, "timestamp")))
			continue;
		if (!kept)
			r->meta = b->arena.len;
		if ((e = gr_buf_putc(&b->arena, kept ? ',' : '{')) || (e = gr_buf_putc(&b->arena, '"')) ||
		    (e = gr_buf_put(&b->arena, m->key, m->key_len)) || (e = gr_buf_put(&b->arena, "\":", 2)) ||
		    (e = gr_buf_put(&b->arena, m->val, m->val_len)))
			goto fail;
		kept++;
	}
	if (kept) {
		if ((e = gr_buf_putc(&b->arena, '}')))
			goto fail;
		r->meta_len = b->arena.len - r->meta;
	}
	if ((e = record_address(b, r)))
		goto fail;
	return;
fail:
	if (e == GR_ENOMEM)
		b->fatal = e;
	else
		set_err(b, r, "%s", gr_error_last());
}

/* Reads n bytes at off into dst; short only at end of file. */
static int pread_some(int fd, char *dst, size_t n, uint64_t off, size_t *got)
{
	*got = 0;
	while (*got < n) {
		ssize_t r = pread(fd, dst + *got, n - *got, (off_t)(off + *got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

/* Range mode: fills b->in with the lines that start in [start, end). A line
 * starts at 0 or after a '\n'; the last one may run past end and is read to
 * its newline (or end of file). A line over GR_INGEST_MAX_LINE is cut at the
 * limit and marked by b->in holding more than the limit, which parse_line's
 * caller reports. */
static void read_range(block *b)
{
	gr_buf_reset(&b->in);
	b->read_err = 0;
	b->long_tail = false;
	uint64_t pos = b->start;
	size_t got;
	if (pos > 0) {
		/* skip the tail of a line that started in an earlier block */
		char c;
		if (pread_some(b->fd, &c, 1, pos - 1, &got) || got != 1)
			goto fail;
		while (c != '\n' && pos < b->end) {
			char tmp[4096];
			size_t want = (size_t)(b->end - pos < sizeof tmp ? b->end - pos : sizeof tmp);
			if (pread_some(b->fd, tmp, want, pos, &got))
				goto fail;
			if (!got)
				return;
			char *nl = memchr(tmp, '\n', got);
			if (nl) {
				pos += (uint64_t)(nl - tmp) + 1;
				c = '\n';
			} else {
				pos += got;
			}
		}
		if (pos >= b->end)
			return; /* no line starts here */
	}
	size_t n = (size_t)(b->end - pos);
	if (gr_buf_grow(&b->in, n) || pread_some(b->fd, b->in.ptr, n, pos, &got))
		goto fail;
	b->in.len = got;
	pos += got;
	/* finish the last line */
	const char *last = memrchr(b->in.ptr, '\n', b->in.len);
	size_t line_start = last ? (size_t)(last + 1 - b->in.ptr) : 0;
	/* a line is a few KiB: read its rest in growing steps, not 1 MiB at once
	 * (the next block reads the same bytes again to skip them) */
	size_t want = 64u << 10;
	while (pos < b->size && (b->in.len == 0 || b->in.ptr[b->in.len - 1] != '\n')) {
		if (b->in.len - line_start > GR_INGEST_MAX_LINE) {
			/* over the limit: drop it, find its end without storing it */
			char tmp[65536];
			b->in.len = line_start;
			b->long_tail = true;
			for (;;) {
				if (pread_some(b->fd, tmp, sizeof tmp, pos, &got))
					goto fail;
				if (!got)
					break;
				char *nl = memchr(tmp, '\n', got);
				pos += nl ? (uint64_t)(nl - tmp) + 1 : got;
				if (nl)
					break;
			}
			break;
		}
		if (gr_buf_grow(&b->in, want) || pread_some(b->fd, b->in.ptr + b->in.len, want, pos, &got))
			goto fail;
		if (!got)
			break;
		char *nl = memchr(b->in.ptr + b->in.len, '\n', got);
		size_t take = nl ? (size_t)(nl - (b->in.ptr + b->in.len)) + 1 : got;
		b->in.len += take;
		pos += take;
		if (want < (1u << 20))
			want *= 2;
	}
	if (b->in.ptr)
		b->in.ptr[b->in.len] = '\0';
	return;
fail:
	b->read_err = errno ? errno : EIO;
}

static void parse_task(gr_task *t)
{
	block *b = (block *)t;
	gr_buf_reset(&b->arena);
	gr_buf_reset(&b->errs);
	b->n = 0;
	b->fatal = 0;
	b->nlines = 0;
	if (b->fd >= 0)
		read_range(b);
	const char *p = b->in.ptr, *end = b->in.ptr + b->in.len;
	while (p < end && !b->fatal) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t len = (size_t)(le - p);
		/* blank lines are allowed and skipped silently, as in most JSONL readers */
		bool blank = true;
		for (size_t i = 0; i < len && blank; i++)
			blank = p[i] == ' ' || p[i] == '\t' || p[i] == '\r';
		if (len > GR_INGEST_MAX_LINE) {
			if (b->n == b->cap && parse_grow(b))
				break;
			prec *r = &b->recs[b->n++];
			memset(r, 0, sizeof *r);
			r->line = b->nlines;
			r->url = r->ts = r->meta = NONE;
			set_err(b, r, "line longer than the %s limit", "64 MiB");
		} else if (!blank) {
			parse_line(b, p, len, b->nlines);
		}
		b->nlines++;
		p = nl ? nl + 1 : end;
	}
	if (b->long_tail && !b->fatal && (b->n < b->cap || !parse_grow(b))) {
		prec *r = &b->recs[b->n++];
		memset(r, 0, sizeof *r);
		r->line = b->nlines++;
		r->url = r->ts = r->meta = NONE;
		set_err(b, r, "line longer than the %s limit", "64 MiB");
	}
	scan_block(b);
}

static void scan_block(block *b)
{
	if (!b->scan_db || b->fatal)
		return;
	if (!b->ts && gr_textscan_new(&b->ts, b->scan_db)) {
		b->fatal = GR_ENOMEM;
		return;
	}
	if (b->scap < b->n) {
		gr_scan_row *s = realloc(b->scans, b->cap * sizeof *s);
		if (!s) {
			b->fatal = GR_ENOMEM;
			return;
		}
		b->scans = s;
		b->scap = b->cap;
	}
	for (size_t i = 0; i < b->n; i++) {
		prec *r = &b->recs[i];
		/* a text the scanner refuses (limits) is left for `granary scan` to report */
		r->scanned = r->err == NONE && !r->skip && r->kind != DOC_REVISIT &&
			     gr_textscan_run(b->ts, rec_text(b, r), r->text_len, &b->scans[i]) == 0;
	}
}

/* ------------------------------------------------------------------ commit stage */

typedef struct {
	gr_catalog *cat;
	gr_store_writer *w;
	const gr_ingest_opts *o;
	gr_ingest_stats *st;
	int64_t source;
	const char *source_name;
	const char *file;
	uint64_t line; /* number of the next line to commit, from 1 */
	bool last_known; /* the last record looked up was in the hub already */
	bool one_file;   /* the input is this one file: its end is the ingest's end */
} committer;

/* Stores the text unless a content with its hash is stored; *fresh tells which. */
static int store_content(committer *c, const uint8_t *text, size_t len, const uint8_t hash[GR_HASH_LEN],
			 bool *fresh)
{
	uint64_t frame;
	uint32_t off;
	int rc;
	if (len <= GR_CDC_MAX) {
		/* one chunk under the content's own hash; adding the row is the lookup */
		if ((rc = gr_catalog_content_add_single(c->cat, hash, len, fresh)) || !*fresh ||
		    (rc = gr_store_writer_add(c->w, hash, text, (uint32_t)len, &frame, &off)) ||
		    (rc = gr_catalog_chunk_add(c->cat, hash, frame, off, (uint32_t)len)))
			return rc;
		c->st->chunk_bytes_new += len;
		return 0;
	}
	bool stored;
	if ((rc = gr_catalog_content_has(c->cat, hash, &stored)))
		return rc;
	*fresh = !stored;
	if (stored)
		return 0;
	gr_buf list = GR_BUF_INIT;
	size_t pos = 0;
	rc = 0;
	while (!rc && pos < len) {
		size_t n = gr_cdc_cut(text + pos, len - pos);
		uint8_t h[GR_HASH_LEN];
		bool have;
		gr_sha256(h, text + pos, n);
		if (!(rc = gr_catalog_chunk_has(c->cat, h, &have)) && !have) {
			if (!(rc = gr_store_writer_add(c->w, h, text + pos, (uint32_t)n, &frame, &off)))
				rc = gr_catalog_chunk_add(c->cat, h, frame, off, (uint32_t)n);
			c->st->chunk_bytes_new += n;
		}
		if (!rc)
			rc = gr_buf_put(&list, h, sizeof h);
		pos += n;
	}
	if (!rc)
		rc = gr_catalog_content_add(c->cat, hash, len, (const uint8_t *)list.ptr, list.len / GR_HASH_LEN);
	gr_buf_free(&list);
	return rc;
}

static int bad_line(committer *c, uint64_t line, const char *why)
{
	if (c->o->strict)
		return gr_error_set(GR_EINVAL, "%s:%llu: %s", c->file, (unsigned long long)line, why);
	c->st->skipped++;
	if (c->o->bad_line)
		c->o->bad_line(c->file, line, why, c->o->ctx);
	return 0;
}

static int commit_block(committer *c, block *b)
{
	if (b->fatal)
		return gr_error_set(b->fatal, "out of memory while parsing %s", c->file);
	if (b->read_err)
		return gr_error_set(GR_EIO, "read %s: %s", c->file, strerror(b->read_err));
	int rc = 0;
	for (uint64_t i = 0; i < b->dropped && !rc; i++)
		rc = bad_line(c, c->line++, "line longer than the 64 MiB limit");
	uint64_t base = c->line;
	c->line += b->nlines;
	for (size_t i = 0; i < b->n && !rc; i++) {
		prec *r = &b->recs[i];
		if (r->err != NONE) {
			rc = bad_line(c, b->docs ? 0 : base + r->line, b->errs.ptr + r->err);
			continue;
		}
		if (r->skip) {
			c->st->not_text += r->skip == SKIP_NOT_TEXT;
			c->st->status_skipped += r->skip == SKIP_STATUS;
			c->st->optout_dropped += r->skip == SKIP_OPTOUT;
			continue;
		}
		const struct webinfo *w = b->docs && r->web != NONE ? &b->webs[r->web] : NULL;
		if (r->kind == DOC_REVISIT) {
			/* a pointer to the payload it repeats: that record's content, no new bytes */
			const char *orig = w && w->refers_to != NONE ? b->arena.ptr + w->refers_to : NULL;
			const char *digest = w && w->digest != NONE ? b->arena.ptr + w->digest : NULL;
			uint64_t len = 0;
			int e = gr_catalog_content_by_capture(c->cat, orig, digest, r->hash, &len);
			if (e == GR_ENOTFOUND) {
				gr_error_clear();
				char why[600];
				snprintf(why, sizeof why, "%s: revisit of %s, which the hub does not hold",
					 r->where != NONE ? b->arena.ptr + r->where : "",
					 orig ? orig : digest ? digest : "(no WARC-Refers-To, no payload digest)");
				rc = bad_line(c, 0, why);
				continue;
			}
			if ((rc = e) || (rc = address_of(b, r)))
				break;
			r->text_len = len;
			c->st->revisits++;
		}
		const char *why;
		if (c->o->suppress &&
		    gr_suppress_match(c->o->suppress, r->hash, r->url != NONE ? b->arena.ptr + r->url : NULL,
				      r->url != NONE ? r->url_len : 0, r->kind == DOC_REVISIT ? NULL : rec_text(b, r),
				      r->kind == DOC_REVISIT ? 0 : r->text_len, &why)) {
			/* removed before: its content, URL or text is on the suppression list */
			c->st->suppressed++;
			continue;
		}
		c->st->records_in++;
		c->st->text_bytes += r->text_len;
		if (w && (w->tdm_reservation || w->noai || w->noimageai))
			c->st->optout_flagged++;
		int64_t rid = 0;
		bool fresh_content = false, stored = false;
		if (r->kind != DOC_REVISIT && r->text_len <= GR_CDC_MAX && !c->last_known) {
			/* a one-chunk text: adding its content row is the lookup, and a
			 * text new to the hub is a new record (the address covers the
			 * content hash), so the record lookup is skipped. Done while
			 * records come new; once one is known (a re-ingest), the record
			 * lookup goes first again, as it then finds the record at once. */
			if ((rc = store_content(c, (const uint8_t *)rec_text(b, r), r->text_len, r->hash,
						&fresh_content)))
				break;
			stored = true;
		}
		if (!fresh_content && (rc = gr_catalog_record_find(c->cat, r->addr, &rid)))
			break;
		c->last_known = rid != 0;
		if (!rid) {
			bool fresh = fresh_content;
			if (!stored && r->kind != DOC_REVISIT &&
			    (rc = store_content(c, (const uint8_t *)rec_text(b, r), r->text_len, r->hash, &fresh)))
				break;
			fresh_content = fresh;
			if (fresh)
				c->st->contents_new++;
			else
				c->st->duplicates++; /* a new record whose text is stored already */
			char *url = NULL, *ts = NULL, *domain = NULL;
			if (r->url != NONE) {
				url = gr_strndup(b->arena.ptr + r->url, r->url_len);
				domain = gr_url_domain(b->arena.ptr + r->url, r->url_len);
			}
			if (r->ts != NONE)
				ts = gr_strndup(b->arena.ptr + r->ts, r->ts_len);
			gr_record_row row = {.url = url, .domain = domain, .ts = ts, .source = c->source,
					     .len = r->text_len,
					     .meta = r->meta != NONE ? b->arena.ptr + r->meta : NULL,
					     .meta_len = r->meta_len};
			memcpy(row.addr, r->addr, GR_HASH_LEN);
			memcpy(row.content, r->hash, GR_HASH_LEN);
			if ((r->url != NONE && !url) || (r->ts != NONE && !ts))
				rc = GR_ENOMEM;
			else
				rc = gr_catalog_record_add(c->cat, &row, &rid);
			free(url);
			free(ts);
			free(domain);
			if (!rc && w) {
				const char *a = b->arena.ptr;
#define S(f) (w->f != NONE ? a + w->f : NULL)
				gr_record_web web = {.warc_id = S(warc_id), .payload_digest = S(digest), .status = w->status, .media_type = S(media_type),
						     .lang = S(lang), .tdm_reservation = w->tdm_reservation, .noai = w->noai,
						     .noimageai = w->noimageai, .tdm_policy = S(tdm_policy),
						     .license = S(license), .license_url = S(license_url)};
#undef S
				rc = gr_catalog_record_web_add(c->cat, rid, &web);
			}
			if (rc)
				break;
			c->st->records_new++;
		}
		if (r->scanned) {
			/* a text new to the hub has no scan; one stored before may have one */
			bool has = false;
			if ((fresh_content || (rc = gr_catalog_scan_has(c->cat, r->hash, GR_SCAN_VERSION, &has)) == 0) &&
			    !has)
				rc = gr_catalog_scan_put(c->cat, r->hash, GR_SCAN_VERSION, &b->scans[i]);
			if (rc)
				break;
			c->st->scanned++;
		}
		bool added;
		if ((rc = gr_catalog_stage_record(c->cat, rid, r->text_len, &added)))
			break;
		if (!added) {
			c->st->duplicates++; /* the very same record again: one member */
			continue;
		}
		c->st->members++;
	}
	return rc;
}


/* ------------------------------------------------------------------ documents
 * Formats other than JSON Lines give whole documents (a text file, an
 * archive member, a WARC capture). The reading thread appends each to a
 * block (its text to in, url/time/metadata to the arena); a block is hashed
 * on the pool and committed in order, like a block of lines. */

/* Appends s[0..n) to out as valid UTF-8: each ill-formed byte becomes U+FFFD. */
static int utf8_repair(gr_buf *out, const char *s, size_t n)
{
	if (gr_utf8_valid(s, n))
		return gr_buf_put(out, s, n);
	size_t i = 0;
	int rc = 0;
	while (!rc && i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (len && i + len <= n && gr_utf8_valid(s + i, len)) {
			rc = gr_buf_put(out, s + i, len);
			i += len;
		} else {
			rc = gr_buf_put(out, "\357\277\275", 3);
			i++;
		}
	}
	return rc;
}

static size_t arena_cstr(block *b, const char *s, size_t n)
{
	size_t off;
	if (!s || arena_put(b, s, n, &off) || gr_buf_putc(&b->arena, '\0'))
		return NONE;
	return off;
}

static bool is_html(const char *media)
{
	return !strcmp(media, "text/html") || !strcmp(media, "application/xhtml+xml");
}

/* A capture on a worker: the HTTP message parsed and decoded, the status
 * checked, HTML turned into text, the signals of headers and page merged,
 * the metadata completed, the address computed. */
static void warc_doc(block *b, prec *r)
{
	struct webinfo *w = &b->webs[r->web];
	const char *raw = b->in.ptr + r->text;
	size_t rawlen = r->text_len;
	const char *payload = raw, *where = r->where != NONE ? b->arena.ptr + r->where : "";
	size_t plen = rawlen;
	char media[128] = "", charset[64] = "";
	gr_warc_http h;
	gr_warc_http_init(&h);
	gr_buf meta = GR_BUF_INIT, title = GR_BUF_INIT;
	gr_html_signals sig = {0};
	int e = 0;
	if (w->media_type != NONE)
		snprintf(media, sizeof media, "%s", b->arena.ptr + w->media_type);
	if (w->charset != NONE)
		snprintf(charset, sizeof charset, "%s", b->arena.ptr + w->charset);
	if (r->kind == DOC_WARC_HTTP) {
		gr_warc_http_error he = {0};
		if (gr_warc_http_parse(&h, raw, rawlen, &he)) {
			if (gr_error_code() == GR_ENOMEM) {
				b->fatal = GR_ENOMEM;
				goto out;
			}
			char why[512];
			snprintf(why, sizeof why, "%s: HTTP head: %s", where, gr_error_last());
			set_err(b, r, "%s", why);
			goto out;
		}
		if (!h.response) {
			r->skip = SKIP_NOT_TEXT;
			goto out;
		}
		w->status = h.status;
		if (!b->keep_status && (h.status < 200 || h.status > 299)) {
			r->skip = SKIP_STATUS;
			goto out;
		}
		if (gr_warc_http_decode(&h, raw, rawlen, 0, &he)) {
			if (gr_error_code() == GR_ENOMEM) {
				b->fatal = GR_ENOMEM;
				goto out;
			}
			char why[512];
			snprintf(why, sizeof why, "%s: HTTP body: %s", where, gr_error_last());
			set_err(b, r, "%s", why);
			goto out;
		}
		payload = (const char *)h.body;
		plen = h.body_len;
		snprintf(media, sizeof media, "%.*s", (int)h.media_type.len, h.media_type.ptr ? h.media_type.ptr : "");
		snprintf(charset, sizeof charset, "%.*s", (int)h.charset.len, h.charset.ptr ? h.charset.ptr : "");
		w->tdm_reservation = h.optout.tdm_reservation == 1;
		unsigned robots = h.optout.robots | h.optout.robots_agents;
		w->noai = robots & GR_WARC_ROBOTS_NOAI;
		w->noimageai = robots & GR_WARC_ROBOTS_NOIMAGEAI;
		if (h.optout.tdm_policy.ptr)
			w->tdm_policy = arena_cstr(b, h.optout.tdm_policy.ptr, h.optout.tdm_policy.len);
		if (h.optout.license.ptr) {
			char spdx[GR_HTML_SPDX_MAX];
			w->license_url = arena_cstr(b, h.optout.license.ptr, h.optout.license.len);
			if (gr_html_license_spdx(h.optout.license.ptr, h.optout.license.len, spdx))
				w->license = arena_cstr(b, spdx, strlen(spdx));
		}
	}
	/* the text: HTML extracted, text as it is (made valid UTF-8), anything else none */
	size_t start = b->arena.len;
	if (is_html(media) || (!media[0] && plen && memchr(payload, '<', plen < 512 ? plen : 512))) {
		if (!b->html && gr_html_new(&b->html)) {
			b->fatal = GR_ENOMEM;
			goto out;
		}
		/* page furniture (nav, aside, footer, header) is kept unless asked: that is
		 * what Common Crawl's WET text holds (whirlwind: 99% of the WET's words
		 * kept, 67% when dropped) */
		gr_html_set_flags(b->html, b->drop_boilerplate ? 0 : GR_HTML_KEEP_BOILERPLATE);
		if (gr_html_extract(b->html, payload, plen, charset[0] ? charset : NULL, &b->arena, &title, &sig)) {
			if (gr_error_code() == GR_ENOMEM) {
				b->fatal = GR_ENOMEM;
				goto out;
			}
			char why[512];
			snprintf(why, sizeof why, "%s: %s", where, gr_error_last());
			set_err(b, r, "%s", why);
			goto out;
		}
		w->tdm_reservation |= sig.tdm_reservation;
		w->noai |= sig.noai;
		w->noimageai |= sig.noimageai;
		size_t text_end = b->arena.len;
		if (sig.tdm_policy && w->tdm_policy == NONE)
			w->tdm_policy = arena_cstr(b, sig.tdm_policy, strlen(sig.tdm_policy));
		if (sig.license_spdx && w->license == NONE)
			w->license = arena_cstr(b, sig.license_spdx, strlen(sig.license_spdx));
		if (sig.license_url && w->license_url == NONE)
			w->license_url = arena_cstr(b, sig.license_url, strlen(sig.license_url));
		if (sig.lang)
			w->lang = arena_cstr(b, sig.lang, strlen(sig.lang));
		r->text = start;
		r->text_len = text_end - start;
	} else if (!strncmp(media, "text/", 5) || r->kind == DOC_WARC_BLOCK) {
		if (r->kind == DOC_WARC_BLOCK && media[0] && strncmp(media, "text/", 5)) {
			r->skip = SKIP_NOT_TEXT;
			goto out;
		}
		if (utf8_repair(&b->arena, payload, plen)) {
			b->fatal = GR_ENOMEM;
			goto out;
		}
		r->text = start;
		r->text_len = b->arena.len - start;
	} else {
		r->skip = SKIP_NOT_TEXT;
		goto out;
	}
	r->text_arena = true;
	if (!r->text_len) {
		r->skip = SKIP_NOT_TEXT;
		goto out;
	}
	if (w->tdm_reservation && !b->keep_optout) {
		r->skip = SKIP_OPTOUT;
		goto out;
	}
	if (media[0])
		w->media_type = arena_cstr(b, media, strlen(media));
	/* the metadata the reader began, completed with what the payload said */
	if ((e = gr_buf_put(&meta, b->arena.ptr + r->meta, r->meta_len)))
		goto fail;
	if (w->status && (e = gr_buf_printf(&meta, ",\"http_status\":%d", w->status)))
		goto fail;
	if (media[0] && ((e = gr_buf_puts(&meta, ",\"content_type\":")) || (e = gr_buf_put_json_str(&meta, media, strlen(media)))))
		goto fail;
	if (charset[0] && ((e = gr_buf_puts(&meta, ",\"charset\":")) || (e = gr_buf_put_json_str(&meta, charset, strlen(charset)))))
		goto fail;
	if (title.len && ((e = gr_buf_puts(&meta, ",\"title\":")) || (e = gr_buf_put_json_str(&meta, title.ptr, title.len))))
		goto fail;
	if (w->lang != NONE && ((e = gr_buf_puts(&meta, ",\"lang\":")) ||
				(e = gr_buf_put_json_str(&meta, b->arena.ptr + w->lang, strlen(b->arena.ptr + w->lang)))))
		goto fail;
	if (w->tdm_reservation || w->noai || w->noimageai || w->license != NONE || w->tdm_policy != NONE) {
		if ((e = gr_buf_printf(&meta, ",\"signals\":{\"tdm_reservation\":%s,\"noai\":%s,\"noimageai\":%s",
				       w->tdm_reservation ? "true" : "false", w->noai ? "true" : "false",
				       w->noimageai ? "true" : "false")))
			goto fail;
		if (w->tdm_policy != NONE && ((e = gr_buf_puts(&meta, ",\"tdm_policy\":")) ||
					      (e = gr_buf_put_json_str(&meta, b->arena.ptr + w->tdm_policy,
								       strlen(b->arena.ptr + w->tdm_policy)))))
			goto fail;
		if (w->license != NONE && ((e = gr_buf_puts(&meta, ",\"license\":")) ||
					   (e = gr_buf_put_json_str(&meta, b->arena.ptr + w->license,
								    strlen(b->arena.ptr + w->license)))))
			goto fail;
		if ((e = gr_buf_putc(&meta, '}')))
			goto fail;
	}
	if ((e = gr_buf_putc(&meta, '}')) || (e = arena_put(b, meta.ptr, meta.len, &r->meta)))
		goto fail;
	r->meta_len = meta.len;
	if ((e = record_address(b, r)))
		goto fail;
	goto out;
fail:
	b->fatal = GR_ENOMEM;
out:
	gr_html_signals_release(&sig);
	gr_warc_http_release(&h);
	gr_buf_free(&meta);
	gr_buf_free(&title);
}

static void doc_task(gr_task *t)
{
	block *b = (block *)t;
	for (size_t i = 0; i < b->n && !b->fatal; i++) {
		prec *r = &b->recs[i];
		if (r->err != NONE)
			continue;
		if (r->kind == DOC_REVISIT) {
			/* finished at commit, where the payload it repeats is found */
			gr_buf m = GR_BUF_INIT;
			if (gr_buf_put(&m, b->arena.ptr + r->meta, r->meta_len) || gr_buf_putc(&m, '}') ||
			    arena_put(b, m.ptr, m.len, &r->meta))
				b->fatal = GR_ENOMEM;
			r->meta_len = m.len;
			gr_buf_free(&m);
			continue;
		}
		if (r->kind != DOC_TEXT) {
			warc_doc(b, r);
			continue;
		}
		if (!gr_utf8_valid(b->in.ptr + r->text, r->text_len)) {
			set_err(b, r, "%s: not valid UTF-8 text", r->where != NONE ? b->arena.ptr + r->where : "");
			continue;
		}
		int e = record_address(b, r);
		if (e)
			b->fatal = e;
	}
	scan_block(b);
}

typedef struct {
	committer *c;
	gr_pool *pool;
	block *blocks;
	unsigned head, nflight;
	block *cur; /* being filled; not yet on the pool */
	const gr_ingest_opts *o;
	gr_ingest_progress *prog;
	const uint64_t *consumed; /* bytes of the input read from disk */
	double last_progress;
} feeder;

static int feeder_commit_oldest(feeder *f)
{
	block *b = &f->blocks[f->head];
	gr_pool_wait(f->pool, &b->task);
	f->head = (f->head + 1) % GR_INGEST_INFLIGHT;
	f->nflight--;
	int rc = commit_block(f->c, b);
	f->c->st->bytes_in += b->owned;
	if (f->o->progress) {
		double now = gr_time_mono();
		if (now - f->last_progress > 0.1) {
			f->last_progress = now;
			f->prog->bytes_done = *f->consumed;
			f->prog->records = f->c->st->records_in;
			f->o->progress(f->prog, f->o->ctx);
		}
	}
	return rc;
}

/* The block being filled, made when there is none (committing the oldest
 * block in flight when all are taken). */
static int feeder_block(feeder *f, block **out)
{
	*out = NULL;
	int rc = 0;
	if (!f->cur) {
		if (f->nflight == GR_INGEST_INFLIGHT && (rc = feeder_commit_oldest(f)))
			return rc;
		if (f->o->cancel && *f->o->cancel)
			return gr_error_set(GR_EINTR, "ingest cancelled");
		block *b = &f->blocks[(f->head + f->nflight) % GR_INGEST_INFLIGHT];
		gr_buf_reset(&b->in);
		gr_buf_reset(&b->arena);
		gr_buf_reset(&b->errs);
		b->n = 0;
		b->nlines = b->dropped = b->owned = 0;
		b->fd = -1;
		b->fatal = b->read_err = 0;
		b->long_tail = false;
		b->docs = true;
		b->nweb = 0;
		b->keep_optout = f->o->keep_optout;
		b->keep_status = f->o->keep_status;
		b->drop_boilerplate = f->o->drop_boilerplate;
		b->source = f->c->source_name;
		f->cur = b;
	}
	*out = f->cur;
	return 0;
}

static void feeder_submit(feeder *f)
{
	if (!f->cur)
		return;
	gr_pool_submit(f->pool, &f->cur->task, doc_task);
	f->nflight++;
	f->cur = NULL;
}

/* A string into the block's arena: *off, or NONE for NULL. */
static int arena_str(block *b, const char *s, size_t n, size_t *off, size_t *len)
{
	*off = NONE;
	*len = 0;
	if (!s)
		return 0;
	int rc = arena_put(b, s, n, off);
	if (!rc)
		rc = gr_buf_putc(&b->arena, '\0'); /* where is printed as a C string */
	*len = n;
	return rc;
}

typedef struct {
	const char *text;
	size_t len;
	const char *url, *ts;      /* NUL-terminated, or NULL */
	const char *meta;          /* a JSON object, or NULL */
	size_t meta_len;
	const char *where;         /* for reports: "member a/b.txt" */
	const char *err;           /* not a record: why (reported, or fatal under --strict) */
	uint64_t owned;            /* input bytes it stands for */
} doc;

static int feeder_add_keep(feeder *f, const doc *d);

/* Passes the block being filled to a worker once it is full. */
static void feeder_submit_full(feeder *f)
{
	if (f->cur && (f->cur->in.len >= GR_INGEST_BLOCK || f->cur->n >= 65536))
		feeder_submit(f);
}

static int feeder_add(feeder *f, const doc *d)
{
	int rc = feeder_add_keep(f, d);
	if (!rc)
		feeder_submit_full(f);
	return rc;
}

/* Adds a document to the block being filled, which stays open. */
static int feeder_add_keep(feeder *f, const doc *d)
{
	block *b = NULL;
	int rc = feeder_block(f, &b);
	if (rc)
		return rc;
	if (b->n == b->cap && gr_array_reserve(&b->recs, &b->cap, b->n, sizeof *b->recs))
		return GR_ENOMEM;
	prec *r = &b->recs[b->n++];
	memset(r, 0, sizeof *r);
	r->url = r->ts = r->meta = r->err = r->where = r->web = NONE;
	b->owned += d->owned;
	if ((rc = arena_str(b, d->where, d->where ? strlen(d->where) : 0, &r->where, &r->where_len)))
		return rc;
	if (d->err) {
		set_err(b, r, "%s", d->err);
	} else if (d->len > GR_INGEST_MAX_TEXT) {
		set_err(b, r, "%s: text longer than the 64 MiB limit", d->where ? d->where : "");
	} else {
		r->text = b->in.len;
		r->text_len = d->len;
		if ((rc = gr_buf_put(&b->in, d->text, d->len)) ||
		    (rc = arena_str(b, d->url, d->url ? strlen(d->url) : 0, &r->url, &r->url_len)) ||
		    (rc = arena_str(b, d->ts, d->ts ? strlen(d->ts) : 0, &r->ts, &r->ts_len)) ||
		    (rc = arena_str(b, d->meta, d->meta_len, &r->meta, &r->meta_len)))
			return rc;
	}
	return 0;
}

/* The open metadata must stay the last thing in the arena (attach_metadata);
 * grown first, as the copy comes from the arena itself. */
static int meta_to_end(block *b, prec *r)
{
	int rc = gr_buf_grow(&b->arena, r->meta_len + 1);
	if (rc)
		return rc;
	size_t off = b->arena.len;
	memcpy(b->arena.ptr + off, b->arena.ptr + r->meta, r->meta_len);
	b->arena.len += r->meta_len;
	b->arena.ptr[b->arena.len] = '\0';
	r->meta = off;
	return 0;
}

/* A document the worker finishes like a web capture (warc_doc): its text to
 * work on, its metadata left open, and its web fields, which the caller
 * fills (all NONE here). *b_out, *r_out, *w_out: where it went; *w_out is
 * NULL when the document was added as an error instead. */
static int feeder_add_web(feeder *f, const doc *d, int kind, const char *meta, size_t meta_len, block **b_out,
			  prec **r_out, struct webinfo **w_out)
{
	*w_out = NULL;
	block *b = NULL;
	int rc = feeder_block(f, &b);
	if (rc)
		return rc;
	if (d->err || d->len > GR_INGEST_MAX_TEXT)
		return feeder_add(f, d);
	if (b->nweb == b->capweb && gr_array_reserve(&b->webs, &b->capweb, b->nweb, sizeof *b->webs))
		return GR_ENOMEM;
	doc plain = *d;
	plain.meta = meta;
	plain.meta_len = meta_len;
	size_t n_before = b->n;
	if ((rc = feeder_add_keep(f, &plain)))
		return rc;
	prec *r = &b->recs[n_before];
	r->kind = (uint8_t)kind;
	r->web = b->nweb;
	struct webinfo *w = &b->webs[b->nweb++];
	memset(w, 0, sizeof *w);
	w->warc_id = w->refers_to = w->digest = w->media_type = w->lang = w->tdm_policy = w->license =
		w->license_url = w->charset = NONE;
	*b_out = b;
	*r_out = r;
	*w_out = w;
	return 0;
}

/* A plain HTML file (a page a mirroring crawler saved): extracted like a
 * WARC capture's payload, with its <meta> opt-out and licence signals. */
static int feeder_add_html(feeder *f, const doc *d, const char *open_meta, size_t meta_len)
{
	block *b;
	prec *r;
	struct webinfo *w;
	/* the metadata stays open for the worker, which adds what the page says */
	int rc = feeder_add_web(f, d, DOC_WARC_BLOCK, open_meta, meta_len, &b, &r, &w);
	if (rc || !w)
		return rc;
	w->media_type = arena_cstr(b, "text/html", 9);
	f->c->st->captures++; /* a saved page: its opt-out signals are counted like a capture's */
	if (!(rc = meta_to_end(b, r)))
		feeder_submit_full(f);
	return rc;
}

/* A capture: its block as the text to work on, its metadata left open for
 * the worker to complete, and the WARC fields the commit stage stores. */
static int feeder_add_raw(feeder *f, const doc *d, int kind, const char *meta, size_t meta_len,
			  const gr_warc_record *rec)
{
	block *b;
	prec *r;
	struct webinfo *w;
	int rc = feeder_add_web(f, d, kind, meta, meta_len, &b, &r, &w);
	if (rc || !w)
		return rc;
	if (rec->payload_digest.ptr)
		w->digest = arena_cstr(b, rec->payload_digest.ptr, rec->payload_digest.len);
	w->warc_id = arena_cstr(b, rec->record_id.ptr, rec->record_id.len);
	if (rec->refers_to.ptr)
		w->refers_to = arena_cstr(b, rec->refers_to.ptr, rec->refers_to.len);
	if (rec->identified_language.ptr)
		w->lang = arena_cstr(b, rec->identified_language.ptr, rec->identified_language.len);
	if (kind == DOC_WARC_BLOCK && rec->content_type.ptr) {
		/* "text/plain; charset=utf-8" -> media type and charset */
		const char *ct = rec->content_type.ptr, *semi = memchr(ct, ';', rec->content_type.len);
		size_t ml = semi ? (size_t)(semi - ct) : rec->content_type.len;
		char mt[128];
		snprintf(mt, sizeof mt, "%.*s", (int)ml, ct);
		for (char *q = mt; *q; q++)
			*q = (char)(*q >= 'A' && *q <= 'Z' ? *q - 'A' + 'a' : *q);
		w->media_type = arena_cstr(b, mt, strlen(mt));
		const char *cs = semi ? memmem(semi, rec->content_type.len - ml, "charset=", 8) : NULL;
		if (cs) {
			cs += 8;
			size_t cl = 0;
			while (cs + cl < ct + rec->content_type.len && cs[cl] != ';' && cs[cl] != ' ' && cs[cl] != '"')
				cl++;
			w->charset = arena_cstr(b, cs, cl);
		}
	}
	return meta_to_end(b, r);
}

/* JSON Lines found inside an archive: their lines go through the JSON Lines
 * parse stage, in blocks of whole lines, in order with the documents. */
static int feeder_add_lines(feeder *f, const char *data, size_t len, const char *text_field)
{
	feeder_submit(f);
	size_t pos = 0;
	int rc = 0;
	while (!rc && pos < len) {
		size_t n = len - pos;
		if (n > GR_INGEST_BLOCK) {
			const char *nl = memchr(data + pos + GR_INGEST_BLOCK, '\n', len - pos - GR_INGEST_BLOCK);
			n = nl ? (size_t)(nl + 1 - (data + pos)) : len - pos;
		}
		block *b;
		if ((rc = feeder_block(f, &b)))
			break;
		b->docs = false;
		b->text_field = text_field;
		if (!b->members && !(b->members = calloc(GR_JSON_MAX_MEMBERS, sizeof *b->members))) {
			rc = GR_ENOMEM;
			break;
		}
		if ((rc = gr_buf_put(&b->in, data + pos, n)))
			break;
		b->owned = n;
		gr_pool_submit(f->pool, &b->task, parse_task);
		f->nflight++;
		f->cur = NULL;
		pos += n;
	}
	return rc;
}

/* Submits what is filled and commits everything in flight (rc: the error so
 * far; then only waits). */
static int feeder_finish(feeder *f, int rc)
{
	if (!rc)
		feeder_submit(f);
	f->cur = NULL;
	while (f->nflight) {
		if (rc) {
			gr_pool_wait(f->pool, &f->blocks[f->head].task);
			f->head = (f->head + 1) % GR_INGEST_INFLIGHT;
			f->nflight--;
		} else {
			rc = feeder_commit_oldest(f);
		}
	}
	return rc;
}

/* ---- formats ---- */

int gr_format_parse(const char *name)
{
	static const struct {
		const char *name;
		gr_format f;
	} t[] = {{"auto", GR_FORMAT_AUTO},       {"jsonl", GR_FORMAT_JSONL},		{"json", GR_FORMAT_JSONL},
		 {"warc", GR_FORMAT_WARC},       {"text", GR_FORMAT_TEXT},		{"txt", GR_FORMAT_TEXT},
		 {"archive", GR_FORMAT_ARCHIVE}, {"tar", GR_FORMAT_ARCHIVE},		{"zip", GR_FORMAT_ARCHIVE},
		 {"webdataset", GR_FORMAT_WEBDATASET}, {"wds", GR_FORMAT_WEBDATASET}};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (!strcmp(name, t[i].name))
			return (int)t[i].f;
	return -1;
}

const char *gr_format_name(gr_format f)
{
	static const char *const n[] = {"auto", "jsonl", "warc", "text", "archive", "webdataset"};
	return f <= GR_FORMAT_WEBDATASET ? n[f] : "?";
}

/* A format from the first bytes of the (decompressed) content. */
static gr_format detect_format(const uint8_t *p, size_t n)
{
	if (n >= 262 && !memcmp(p + 257, "ustar", 5))
		return GR_FORMAT_ARCHIVE;
	if (n >= 4 && (!memcmp(p, "PK\003\004", 4) || !memcmp(p, "PK\005\006", 4)))
		return GR_FORMAT_ARCHIVE;
	if (n >= 6 && !memcmp(p, "7z\274\257\047\034", 6))
		return GR_FORMAT_ARCHIVE;
	size_t i = n >= 3 && !memcmp(p, "\357\273\277", 3) ? 3 : 0; /* a UTF-8 BOM */
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (n - i >= 5 && !memcmp(p + i, "WARC/", 5))
		return GR_FORMAT_WARC;
	if (i < n && p[i] == '{')
		return GR_FORMAT_JSONL;
	return GR_FORMAT_TEXT;
}

/* ---- plain text: the whole file is one record ---- */

/* An HTML page: by its name (.html, .htm, .xhtml), else by how it starts
 * (<!DOCTYPE html or <html, after blanks, any case). */
static bool html_file(const char *path, const char *t, size_t n)
{
	const char *dot = path ? strrchr(path, '.') : NULL;
	if (dot && !strchr(dot, '/') &&
	    (!strcasecmp(dot, ".html") || !strcasecmp(dot, ".htm") || !strcasecmp(dot, ".xhtml")))
		return true;
	size_t i = 0;
	if (n >= 3 && !memcmp(t, "\xef\xbb\xbf", 3))
		i = 3; /* a byte order mark */
	while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n'))
		i++;
	return (n - i >= 14 && !strncasecmp(t + i, "<!doctype html", 14)) ||
	       (n - i >= 5 && !strncasecmp(t + i, "<html", 5) && (n - i == 5 || (t[i + 5] && strchr(" \t\r\n>", t[i + 5]))));
}

static int ingest_text(feeder *f, gr_input *in, const char *path, const char *where)
{
	gr_buf t = GR_BUF_INIT;
	int rc = 0;
	for (;;) {
		size_t got = 0;
		if ((rc = gr_buf_grow(&t, 1 << 20)) || (rc = gr_input_read(in, t.ptr + t.len, 1 << 20, &got)))
			break;
		if (!got)
			break;
		t.len += got;
		if (t.len > GR_INGEST_MAX_TEXT) {
			rc = 1; /* reported below */
			break;
		}
	}
	if (rc < 0) {
		gr_buf_free(&t);
		return rc;
	}
	doc d = {.text = t.ptr ? t.ptr : "", .len = t.len, .where = where, .owned = t.len};
	if (rc == 1)
		d.err = "text longer than the 64 MiB limit";
	if (!d.err && html_file(path, d.text, d.len)) {
		/* a file named on the command line: its name, not the path as typed,
		 * so that the same page is the same record however it was named */
		const char *base = strrchr(path, '/');
		const char *name = where ? where : base ? base + 1 : path;
		gr_buf m = GR_BUF_INIT;
		rc = gr_buf_puts(&m, "{\"path\":") || gr_buf_put_json_str(&m, name, strlen(name)) ? GR_ENOMEM : 0;
		if (!rc)
			rc = feeder_add_html(f, &d, m.ptr, m.len);
		gr_buf_free(&m);
		gr_buf_free(&t);
		return rc;
	}
	char meta[4200];
	if (where) {
		gr_buf m = GR_BUF_INIT;
		if (!gr_buf_puts(&m, "{\"path\":") && !gr_buf_put_json_str(&m, where, strlen(where)) && !gr_buf_putc(&m, '}') &&
		    m.len < sizeof meta) {
			memcpy(meta, m.ptr, m.len);
			d.meta = meta;
			d.meta_len = m.len;
		}
		gr_buf_free(&m);
	}
	rc = feeder_add(f, &d);
	gr_buf_free(&t);
	return rc;
}

/* ---- WARC ----
 * The reading thread frames records (src/warc) and hands each capture's
 * block, with its WARC fields, to a block; the workers parse and decode the
 * HTTP message and extract the text (warc_doc). A metadata record that
 * follows its capture (Common Crawl's fetchTimeMs, languages-cld2, ...) is
 * attached to the capture's metadata; warcinfo and request records are not
 * documents. */

typedef struct {
	feeder *f;
	gr_input *in;
	const char *file;
	int rc; /* from a report that failed (strict) */
	/* the last capture, while it is still in the block being filled */
	block *last_block;
	size_t last_rec;
	char last_id[256];
	bool broken, broken_told; /* the decompression failed: the stream ends there */
	char info_software[128], info_part_of[128]; /* from the last warcinfo record */
	char req_uri[1024], req_agent[256];         /* from the last request record */
	char broken_why[512];
} warc_ctx;

static ssize_t warc_read(void *ctx, void *buf, size_t n)
{
	warc_ctx *w = ctx;
	size_t got = 0;
	if (w->broken)
		return 0;
	if (gr_input_read(w->in, buf, n, &got)) {
		/* a cut or corrupt compressed stream: what came before is read, the
		 * record it cuts is reported truncated, and so is why */
		if (gr_error_code() == GR_EIO && !w->in->a)
			return -1;
		snprintf(w->broken_why, sizeof w->broken_why, "%s", gr_error_last());
		gr_error_clear();
		w->broken = true;
		return 0;
	}
	return (ssize_t)got;
}

static void warc_report(const gr_warc_report *rep, void *ctx)
{
	warc_ctx *w = ctx;
	if (w->rc || (!rep->dropped && rep->kind != GR_WARC_GARBAGE))
		return; /* a kept record's quirk (a bad date, a stray header line) is not a skip */
	char why[700];
	const char *cause = w->broken && rep->kind == GR_WARC_TRUNCATED ? w->broken_why : NULL;
	if (!strncmp(rep->reason, "record at byte", 14))
		snprintf(why, sizeof why, "%s%s%.300s%s", rep->reason, cause ? " (" : "", cause ? cause : "", cause ? ")" : "");
	else
		snprintf(why, sizeof why, "at byte %llu: %s%s%.300s%s", (unsigned long long)rep->offset, rep->reason,
			 cause ? " (" : "", cause ? cause : "", cause ? ")" : "");
	if (cause)
		w->broken_told = true;
	doc d = {.err = why};
	w->rc = feeder_add(w->f, &d);
}

static int json_field(gr_buf *m, const char *key, gr_warc_str v)
{
	if (!v.ptr)
		return 0;
	int rc = gr_buf_printf(m, ",\"%s\":", key);
	return rc ? rc : gr_buf_put_json_str(m, v.ptr, v.len);
}

/* Common Crawl's metadata record: "name: value" lines, kept as strings. */
static int attach_metadata(warc_ctx *w, const gr_warc_record *rec)
{
	block *b = w->f->cur;
	if (!b || b != w->last_block || w->last_rec >= b->n)
		return 0;
	prec *r = &b->recs[w->last_rec];
	if (r->meta == NONE || r->meta + r->meta_len != b->arena.len)
		return 0; /* the metadata is no longer last in the arena: leave it */
	const char *p = (const char *)rec->block, *end = p + rec->block_len;
	int n = 0, rc = 0;
	gr_buf m = GR_BUF_INIT;
	while (!rc && p < end && n < 32) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *colon = memchr(p, ':', (size_t)(le - p));
		if (colon && colon > p && le - colon < 4096) {
			const char *v = colon + 1;
			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			const char *ve = le;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
				ve--;
			rc = gr_buf_puts(&m, n ? "," : ",\"warc_metadata\":{");
			if (!rc)
				rc = gr_buf_put_json_str(&m, p, (size_t)(colon - p));
			if (!rc)
				rc = gr_buf_putc(&m, ':');
			if (!rc)
				rc = gr_utf8_valid(v, (size_t)(ve - v)) ? gr_buf_put_json_str(&m, v, (size_t)(ve - v))
									 : gr_buf_puts(&m, "null");
			n++;
		}
		p = nl ? nl + 1 : end;
	}
	if (!rc && n)
		rc = gr_buf_putc(&m, '}');
	if (!rc && n && !(rc = gr_buf_put(&b->arena, m.ptr, m.len)))
		r->meta_len += m.len;
	gr_buf_free(&m);
	return rc;
}

/* A "name: value" line of a warcinfo record's block (application/warc-fields). */
static void warcinfo_field(const gr_warc_record *rec, const char *name, char *out, size_t cap)
{
	const char *p = (const char *)rec->block, *end = p + rec->block_len;
	size_t nl = strlen(name);
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		const char *le = e ? e : end;
		if ((size_t)(le - p) > nl + 1 && !strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			const char *ve = le;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
				ve--;
			size_t n = (size_t)(ve - v) < cap - 1 ? (size_t)(ve - v) : cap - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			if (!gr_utf8_valid(out, n))
				out[0] = '\0';
			return;
		}
		p = e ? e + 1 : end;
	}
}

static void remember_request(warc_ctx *w, const gr_warc_record *rec)
{
	w->req_uri[0] = w->req_agent[0] = '\0';
	if (!rec->target_uri.ptr || rec->target_uri.len >= sizeof w->req_uri)
		return;
	gr_warc_http h;
	gr_warc_http_init(&h);
	if (!gr_warc_http_parse(&h, rec->block, rec->block_len, NULL)) {
		const gr_warc_str *ua = gr_warc_http_get(&h, "User-Agent");
		if (ua && ua->len < sizeof w->req_agent && gr_utf8_valid(ua->ptr, ua->len)) {
			memcpy(w->req_agent, ua->ptr, ua->len);
			w->req_agent[ua->len] = '\0';
			memcpy(w->req_uri, rec->target_uri.ptr, rec->target_uri.len);
			w->req_uri[rec->target_uri.len] = '\0';
		}
	}
	gr_error_clear();
	gr_warc_http_release(&h);
}

static int ingest_warc(feeder *f, gr_input *in, const char *file)
{
	warc_ctx w = {.f = f, .in = in, .file = file};
	gr_warc_opts wo = {.report = warc_report, .ctx = &w};
	gr_warc_reader *rd;
	int rc = gr_warc_reader_new(&rd, warc_read, &w, &wo);
	if (rc)
		return rc;
	gr_buf meta = GR_BUF_INIT;
	for (;;) {
		const gr_warc_record *rec;
		if ((rc = gr_warc_next(&rec, rd)) || (rc = w.rc) || !rec)
			break;
		int kind;
		switch (rec->type) {
		case GR_WARC_RESPONSE:
			kind = gr_warc_record_is_http(rec) ? DOC_WARC_HTTP : DOC_WARC_BLOCK;
			break;
		case GR_WARC_RESOURCE:
		case GR_WARC_CONVERSION:
			kind = DOC_WARC_BLOCK;
			break;
		case GR_WARC_REVISIT:
			kind = DOC_REVISIT;
			break;
		case GR_WARC_METADATA:
			if (rec->concurrent_to.ptr && rec->concurrent_to.len == strlen(w.last_id) &&
			    !memcmp(rec->concurrent_to.ptr, w.last_id, rec->concurrent_to.len))
				rc = attach_metadata(&w, rec);
			continue;
		case GR_WARC_WARCINFO:
			/* the crawl's software and collection, given to the captures that follow */
			warcinfo_field(rec, "software", w.info_software, sizeof w.info_software);
			warcinfo_field(rec, "isPartOf", w.info_part_of, sizeof w.info_part_of);
			continue;
		case GR_WARC_REQUEST:
			/* the crawler's User-Agent, given to the capture of the same URI */
			remember_request(&w, rec);
			continue;
		default:
			continue; /* continuation: not a document */
		}
		if (rc)
			break;
		f->c->st->captures++;
		/* a tool's own records (wget's log and arguments: metadata://...), DNS lookups */
		if (rec->target_uri.ptr && (!strncmp(rec->target_uri.ptr, "metadata:", rec->target_uri.len < 9 ? rec->target_uri.len : 9) ||
					    !strncmp(rec->target_uri.ptr, "dns:", rec->target_uri.len < 4 ? rec->target_uri.len : 4))) {
			f->c->st->not_text++;
			continue;
		}
		/* the metadata the record gives; the worker completes it */
		gr_buf_reset(&meta);
		if ((rc = gr_buf_puts(&meta, "{\"warc_type\":")) ||
		    (rc = gr_buf_put_json_str(&meta, rec->type_name.ptr, rec->type_name.len)) ||
		    (rc = json_field(&meta, "warc_record_id", rec->record_id)) ||
		    (rc = json_field(&meta, "warc_date", rec->date_raw)) ||
		    (rc = json_field(&meta, "warc_payload_digest", rec->payload_digest)) ||
		    (rc = json_field(&meta, "warc_ip_address", rec->ip_address)) ||
		    (rc = json_field(&meta, "warc_refers_to", rec->refers_to)) ||
		    (rc = json_field(&meta, "warc_refers_to_target_uri", rec->refers_to_target_uri)) ||
		    (rc = json_field(&meta, "warc_identified_content_language", rec->identified_language)) ||
		    (rc = json_field(&meta, "warc_truncated", rec->truncated)))
			break;
		if (w.info_software[0] && (rc = gr_buf_puts(&meta, ",\"warcinfo_software\":")) == 0)
			rc = gr_buf_put_json_str(&meta, w.info_software, strlen(w.info_software));
		if (!rc && w.info_part_of[0] && (rc = gr_buf_puts(&meta, ",\"warcinfo_is_part_of\":")) == 0)
			rc = gr_buf_put_json_str(&meta, w.info_part_of, strlen(w.info_part_of));
		if (!rc && w.req_agent[0] && rec->target_uri.ptr && rec->target_uri.len == strlen(w.req_uri) &&
		    !memcmp(rec->target_uri.ptr, w.req_uri, rec->target_uri.len) &&
		    (rc = gr_buf_puts(&meta, ",\"request_user_agent\":")) == 0)
			rc = gr_buf_put_json_str(&meta, w.req_agent, strlen(w.req_agent));
		if (rc)
			break;
		char where[64], ts[40] = "", *url = NULL;
		snprintf(where, sizeof where, "record at byte %llu", (unsigned long long)rec->offset);
		if (rec->has_date) {
			time_t t = (time_t)rec->date;
			struct tm tm;
			gmtime_r(&t, &tm);
			strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		if (rec->target_uri.ptr && !(url = gr_strndup(rec->target_uri.ptr, rec->target_uri.len))) {
			rc = GR_ENOMEM;
			break;
		}
		/* the block goes whole to a worker; a full block is passed on first,
		 * so the capture stays in the block being filled for its metadata */
		feeder_submit_full(f);
		doc d = {.text = (const char *)rec->block, .len = (size_t)rec->block_len, .url = url,
			 .ts = ts[0] ? ts : NULL, .where = where}; /* bytes in: the whole stream, at the end */
		if (url && memchr(url, 0, rec->target_uri.len))
			d.err = "WARC-Target-URI holds a NUL byte";
		rc = feeder_add_raw(f, &d, kind, meta.ptr, meta.len, rec);
		free(url);
		if (rc)
			break;
		snprintf(w.last_id, sizeof w.last_id, "%.*s", (int)rec->record_id.len, rec->record_id.ptr);
		w.last_block = f->cur;
		w.last_rec = f->cur ? f->cur->n - 1 : 0;
	}
	if (!rc && w.broken && !w.broken_told) {
		doc d = {.err = w.broken_why};
		rc = feeder_add(f, &d);
	}
	f->c->st->bytes_in += gr_warc_reader_stats(rd)->bytes;
	gr_buf_free(&meta);
	gr_warc_reader_free(rd);
	return rc;
}

/* ---- archives and shards ----
 * Members are grouped as WebDataset groups them: consecutive members whose
 * names share everything up to the first dot of the base name (the key)
 * form one sample. A sample with one text member is one record: the text,
 * with the sample's .json member merged into its metadata and its other
 * small text members (.cls, .id, ...) as fields. A sample with several text
 * members gives a record per member. Binary members are listed, not stored.
 * A member compressed on its own (.gz, .zst, .xz, .bz2) is decompressed. */

#define MEMBER_FIELD_MAX 4096 /* a small member kept as a metadata field */

typedef struct {
	char *name;  /* the member's path in the archive */
	char *ext;   /* after the key's dot, lower case, without a compression suffix */
	gr_buf data; /* decompressed */
} member;

typedef struct {
	member *m;
	size_t n, cap;
	char *key;
	uint64_t owned;
} sample;

static bool ext_in(const char *ext, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(ext, *list))
			return true;
	return false;
}

static const char *const text_exts[] = {"txt", "text", "md", "markdown", "rst", "tex", "csv", "tsv", "xml", NULL};
static const char *const skip_exts[] = {"jpg", "jpeg", "png", "gif", "webp", "bmp", "tif", "tiff", "mp3", "wav",
					"flac", "ogg", "mp4", "webm", "avi", "mkv", "npy", "npz", "pth", "pt",
					"bin", "pdf", "pyd", "so", "exe", "dll", "o", "a", NULL};

/* A member is text when its extension says so; else, when it has none of
 * the known binary ones and is valid UTF-8 without NUL bytes, and is alone in
 * its sample or too large to be a field (.cls, .id). */
/* An HTML page, by its last extension (wget -E writes page.php.html). */
static bool member_is_html(const member *m)
{
	const char *e = strrchr(m->ext, '.');
	e = e ? e + 1 : m->ext;
	return !strcmp(e, "html") || !strcmp(e, "htm") || !strcmp(e, "xhtml");
}

/* Keys the capture path adds to a page's metadata (warc_doc): a sample's
 * own fields of these names are kept as sidecar_NAME, so no key is twice. */
static bool page_key(const gr_json_member *m, const char *ext)
{
	static const char *const keys[] = {"content_type", "charset", "title", "lang", "signals", "http_status", NULL};
	for (int i = 0; keys[i]; i++)
		if (m ? gr_json_key_eq(m, keys[i]) : !strcmp(ext, keys[i]))
			return true;
	return false;
}

static bool member_is_text(const sample *s, const member *m)
{
	if (ext_in(m->ext, text_exts))
		return true;
	if (ext_in(m->ext, skip_exts) || !strcmp(m->ext, "json") || !strcmp(m->ext, "jsonl") ||
	    !strcmp(m->ext, "ndjson") || member_is_html(m))
		return false; /* HTML members are read as pages (sample_flush) */
	return m->data.len && !memchr(m->data.ptr, 0, m->data.len) && gr_utf8_valid(m->data.ptr, m->data.len) &&
	       (s->n == 1 || m->data.len > MEMBER_FIELD_MAX);
}

static void sample_clear(sample *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->m[i].name);
		free(s->m[i].ext);
		gr_buf_free(&s->m[i].data);
	}
	s->n = 0;
	s->owned = 0;
	free(s->key);
	s->key = NULL;
}

/* Metadata of a record made from member t of sample s (t < 0: the sample is one record). */
static int sample_meta(const sample *s, const member *t, bool whole, gr_buf *meta)
{
	int rc = gr_buf_puts(meta, "{\"path\":");
	if (!rc)
		rc = gr_buf_put_json_str(meta, t->name, strlen(t->name));
	if (!whole || rc)
		return rc ? rc : gr_buf_putc(meta, '}');
	if (s->n > 1 && !(rc = gr_buf_puts(meta, ",\"key\":")))
		rc = gr_buf_put_json_str(meta, s->key, strlen(s->key));
	bool page = member_is_html(t);
	for (size_t i = 0; i < s->n && !rc; i++) {
		const member *m = &s->m[i];
		if (m == t)
			continue;
		if (!strcmp(m->ext, "json")) {
			size_t nm = 0, eo;
			gr_json_member *mm = calloc(GR_JSON_MAX_MEMBERS, sizeof *mm);
			if (!mm)
				return GR_ENOMEM;
			if (gr_json_parse_object(m->data.ptr ? m->data.ptr : "", m->data.len, mm, GR_JSON_MAX_MEMBERS, &nm, &eo)) {
				gr_error_clear();
				nm = 0; /* not an object: listed below as a member only */
			}
			for (size_t k = 0; k < nm && !rc; k++) {
				if (gr_json_key_eq(&mm[k], "path") || gr_json_key_eq(&mm[k], "key"))
					continue;
				if (!(rc = gr_buf_putc(meta, ',')) && !(rc = gr_buf_putc(meta, '"')) &&
				    !(rc = page && page_key(&mm[k], "") ? gr_buf_puts(meta, "sidecar_") : 0) &&
				    !(rc = gr_buf_put(meta, mm[k].key, mm[k].key_len)) && !(rc = gr_buf_put(meta, "\":", 2)))
					rc = gr_buf_put(meta, mm[k].val, mm[k].val_len);
			}
			free(mm);
		} else if (m->data.len <= MEMBER_FIELD_MAX && !memchr(m->data.ptr ? m->data.ptr : "", 0, m->data.len) &&
			   gr_utf8_valid(m->data.ptr ? m->data.ptr : "", m->data.len) && !ext_in(m->ext, skip_exts)) {
			char name[80];
			snprintf(name, sizeof name, "%s%s", page && page_key(NULL, m->ext) ? "sidecar_" : "", m->ext);
			if (!(rc = gr_buf_putc(meta, ',')) && !(rc = gr_buf_put_json_str(meta, name, strlen(name))) &&
			    !(rc = gr_buf_putc(meta, ':')))
				rc = gr_buf_put_json_str(meta, m->data.ptr ? m->data.ptr : "", m->data.len);
		}
	}
	/* every member's name, so binary ones are known */
	if (!rc && s->n > 1)
		rc = gr_buf_puts(meta, ",\"members\":[");
	for (size_t i = 0; i < s->n && s->n > 1 && !rc; i++) {
		if (i)
			rc = gr_buf_putc(meta, ',');
		if (!rc)
			rc = gr_buf_put_json_str(meta, s->m[i].name, strlen(s->m[i].name));
	}
	if (!rc && s->n > 1)
		rc = gr_buf_putc(meta, ']');
	return rc ? rc : gr_buf_putc(meta, '}');
}

static int sample_flush(feeder *f, sample *s)
{
	/* HTML members are the sample's records only when it has no other text
	 * (a .txt beside a .html is usually the page's text already) */
	size_t ntext = 0, npages = 0;
	for (size_t i = 0; i < s->n; i++) {
		ntext += member_is_text(s, &s->m[i]);
		npages += member_is_html(&s->m[i]);
	}
	bool pages = !ntext;
	if (pages)
		ntext = npages;
	int rc = 0;
	uint64_t owned = s->owned;
	for (size_t i = 0; i < s->n && !rc; i++) {
		member *m = &s->m[i];
		if (!strcmp(m->ext, "jsonl") || !strcmp(m->ext, "ndjson")) {
			f->c->line = 1; /* reports count lines within the member */
			rc = feeder_add_lines(f, m->data.ptr ? m->data.ptr : "", m->data.len, f->o->text_field);
			owned -= owned < m->data.len ? owned : m->data.len; /* its blocks count it */
			continue;
		}
		bool html = pages && member_is_html(m);
		if (!html && !member_is_text(s, m))
			continue;
		gr_buf meta = GR_BUF_INIT;
		char where[600];
		snprintf(where, sizeof where, "member %s", m->name);
		if (!(rc = sample_meta(s, m, ntext == 1, &meta))) {
			doc d = {.text = m->data.ptr ? m->data.ptr : "", .len = m->data.len, .meta = meta.ptr,
				 .meta_len = meta.len, .where = where, .owned = owned};
			owned = 0;
			/* a page: read like a capture, its metadata left open for what it says */
			rc = html ? feeder_add_html(f, &d, meta.ptr, meta.len - 1) : feeder_add(f, &d);
		}
		gr_buf_free(&meta);
	}
	f->c->st->bytes_in += owned; /* a sample without text still counts as read */
	sample_clear(s);
	return rc;
}

/* Decompresses a member that is compressed on its own, within the member limit. */
static int member_inflate(const char *name, gr_buf *data)
{
	struct archive *a = archive_read_new();
	if (!a)
		return GR_ENOMEM;
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	struct archive_entry *e;
	gr_buf out = GR_BUF_INIT;
	int rc = 0;
	if (archive_read_open_memory(a, data->ptr, data->len) != ARCHIVE_OK || archive_read_next_header(a, &e) != ARCHIVE_OK) {
		rc = gr_error_set(GR_EINVAL, "member %s: cannot decompress: %s", name, archive_error_string(a));
		goto out;
	}
	for (;;) {
		if ((rc = gr_buf_grow(&out, 1 << 16)))
			break;
		la_ssize_t r = archive_read_data(a, out.ptr + out.len, 1 << 16);
		if (r < 0) {
			rc = gr_error_set(GR_EINVAL, "member %s: cannot decompress: %s", name, archive_error_string(a));
			break;
		}
		if (r == 0)
			break;
		out.len += (size_t)r;
		if (out.len > GR_INGEST_MAX_MEMBER) {
			rc = gr_error_set(GR_ELIMIT, "member %s: decompresses to more than 64 MiB", name);
			break;
		}
	}
out:
	archive_read_free(a);
	if (!rc) {
		gr_buf_free(data);
		*data = out;
	} else {
		gr_buf_free(&out);
	}
	return rc;
}

/* The reason a member name is refused, or NULL: absolute paths, ".." parts, control characters. */
static const char *unsafe_name(const char *name)
{
	if (name[0] == '/')
		return "an absolute path";
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20)
			return "a control character in its name";
	for (const char *p = name; p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2]))
			return "a \"..\" part in its path";
	}
	return NULL;
}

static int ingest_archive(feeder *f, const char *path, uint64_t *consumed)
{
	struct archive *a = archive_read_new();
	if (!a)
		return gr_error_set(GR_ENOMEM, "out of memory");
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	int rc = 0;
	if (archive_read_open_filename(a, path, 1 << 20) != ARCHIVE_OK) {
		rc = gr_error_set(GR_EINVAL, "%s: cannot read the archive: %s", path, archive_error_string(a));
		archive_read_free(a);
		return rc;
	}
	sample s = {0};
	uint64_t nmembers = 0, expanded = 0;
	struct archive_entry *e;
	for (;;) {
		int h = archive_read_next_header(a, &e);
		if (h == ARCHIVE_EOF)
			break;
		if (h == ARCHIVE_FATAL) {
			rc = gr_error_set(GR_EINVAL, "%s: after %llu members: %s", path, (unsigned long long)nmembers,
					  archive_error_string(a));
			break;
		}
		*consumed = (uint64_t)archive_filter_bytes(a, -1);
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		if (++nmembers > GR_INGEST_MAX_MEMBERS) {
			rc = gr_error_set(GR_ELIMIT, "%s: more than %d members", path, GR_INGEST_MAX_MEMBERS);
			break;
		}
		const char *name = archive_entry_pathname(e);
		char why[700];
		const char *unsafe = name ? unsafe_name(name) : "no name";
		if (unsafe) {
			snprintf(why, sizeof why, "member %.500s: refused: %s", name ? name : "?", unsafe);
			doc d = {.err = why};
			if ((rc = feeder_add(f, &d)))
				break;
			continue;
		}
		int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
		if (size > (int64_t)GR_INGEST_MAX_MEMBER) {
			snprintf(why, sizeof why, "member %.500s: larger than the 64 MiB limit", name);
			doc d = {.err = why, .owned = (uint64_t)size};
			if ((rc = feeder_add(f, &d)))
				break;
			continue;
		}
		/* the key: the path up to the first dot of the base name */
		const char *base = strrchr(name, '/');
		base = base ? base + 1 : name;
		const char *dot = strchr(base, '.');
		size_t keylen = dot ? (size_t)(dot - name) : strlen(name);
		if (!s.key || strlen(s.key) != keylen || memcmp(s.key, name, keylen)) {
			if ((rc = sample_flush(f, &s)))
				break;
			if (!(s.key = gr_strndup(name, keylen))) {
				rc = GR_ENOMEM;
				break;
			}
		}
		if (s.n == s.cap && gr_array_reserve(&s.m, &s.cap, s.n, sizeof *s.m)) {
			rc = GR_ENOMEM;
			break;
		}
		member *m = &s.m[s.n];
		memset(m, 0, sizeof *m);
		if (!(m->name = gr_strdup(name))) {
			rc = GR_ENOMEM;
			break;
		}
		s.n++;
		for (;;) {
			if ((rc = gr_buf_grow(&m->data, 1 << 16)))
				break;
			la_ssize_t r = archive_read_data(a, m->data.ptr + m->data.len, 1 << 16);
			if (r < 0) {
				rc = gr_error_set(GR_EINVAL, "%s: member %s: %s", path, name, archive_error_string(a));
				break;
			}
			if (!r)
				break;
			m->data.len += (size_t)r;
			if (m->data.len > GR_INGEST_MAX_MEMBER) {
				rc = gr_error_set(GR_ELIMIT, "%s: member %s is larger than 64 MiB", path, name);
				break;
			}
		}
		if (rc)
			break;
		/* the extension, without a compression suffix (decompressing the member) */
		char ext[64] = "";
		if (dot)
			snprintf(ext, sizeof ext, "%s", dot + 1);
		for (char *q = ext; *q; q++)
			if (*q >= 'A' && *q <= 'Z')
				*q = (char)(*q - 'A' + 'a');
		static const char *const zs[] = {".gz", ".zst", ".xz", ".bz2", NULL};
		for (int k = 0; zs[k]; k++) {
			size_t el = strlen(ext), zl = strlen(zs[k]);
			bool bare = !strcmp(ext, zs[k] + 1);
			if (bare || (el > zl && !strcmp(ext + el - zl, zs[k]))) {
				ext[bare ? 0 : el - zl] = '\0';
				if (member_inflate(name, &m->data)) {
					/* reported, and dropped from its sample */
					snprintf(why, sizeof why, "%s", gr_error_last());
					gr_error_clear();
					doc d = {.err = why};
					rc = feeder_add(f, &d);
					free(m->name);
					gr_buf_free(&m->data);
					s.n--;
					m = NULL;
				}
				break;
			}
		}
		if (rc)
			break;
		if (!m)
			continue;
		expanded += m->data.len;
		s.owned += m->data.len;
		if (expanded > GR_INGEST_MAX_EXPANSION) {
			rc = gr_error_set(GR_ELIMIT, "%s: members expand to more than %llu bytes", path,
					  (unsigned long long)GR_INGEST_MAX_EXPANSION);
			break;
		}
		if (!(m->ext = gr_strdup(ext))) {
			rc = GR_ENOMEM;
			break;
		}
	}
	if (!rc)
		rc = sample_flush(f, &s);
	sample_clear(&s);
	free(s.m);
	archive_read_free(a);
	return rc;
}

/* ------------------------------------------------------------------ driver */

/* The default source name: the file's base name without a compression
 * suffix, so a.jsonl and a.jsonl.gz give the same records. */
char *gr_source_name(const char *path)
{
	static const char *const sfx[] = {".gz", ".zst", ".xz", ".bz2"};
	const char *s = strrchr(path, '/');
	s = s ? s + 1 : path;
	size_t n = strlen(s);
	for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
		size_t k = strlen(sfx[i]);
		if (n > k && strcmp(s + n - k, sfx[i]) == 0) {
			n -= k;
			break;
		}
	}
	return gr_strndup(s, n);
}

static void block_free(block *b)
{
	gr_textscan_free(b->ts);
	free(b->scans);
	free(b->webs);
	gr_html_free(b->html);
	gr_buf_free(&b->in);
	gr_buf_free(&b->arena);
	gr_buf_free(&b->errs);
	free(b->recs);
	free(b->members);
}

/* Stream mode (compressed input): reads the next block of whole lines on the
 * calling thread; a partial last line is carried to the next block. */
static int fill_stream(gr_input *in, block *b, gr_buf *carry, bool *eof, bool *skipping)
{
	int rc;
	gr_buf_reset(&b->in);
	if ((rc = gr_buf_put(&b->in, carry->ptr, carry->len)))
		return rc;
	gr_buf_reset(carry);
	for (;;) {
		if ((rc = gr_buf_grow(&b->in, GR_INGEST_BLOCK)))
			return rc;
		size_t got = 0;
		if ((rc = gr_input_read(in, b->in.ptr + b->in.len, GR_INGEST_BLOCK, &got)))
			return rc;
		if (!got) {
			*eof = true;
			break;
		}
		if (*skipping) {
			/* inside an over-long line: drop bytes until its end */
			char *nl = memchr(b->in.ptr + b->in.len, '\n', got);
			if (!nl)
				continue;
			size_t keep = got - (size_t)(nl + 1 - (b->in.ptr + b->in.len));
			memmove(b->in.ptr + b->in.len, nl + 1, keep);
			b->in.len += keep;
			*skipping = false;
			continue;
		}
		b->in.len += got;
		b->in.ptr[b->in.len] = '\0';
		if (b->in.len >= GR_INGEST_BLOCK && memrchr(b->in.ptr, '\n', b->in.len))
			break;
		if (b->in.len > GR_INGEST_MAX_LINE && !memchr(b->in.ptr, '\n', b->in.len)) {
			/* the buffer is one line, over the limit: it is reported at commit */
			b->dropped++;
			*skipping = true;
			b->in.len = 0;
		}
	}
	*skipping = false;
	if (!*eof) {
		char *nl = memrchr(b->in.ptr, '\n', b->in.len);
		size_t whole = nl ? (size_t)(nl + 1 - b->in.ptr) : 0;
		if ((rc = gr_buf_put(carry, b->in.ptr + whole, b->in.len - whole)))
			return rc;
		b->in.len = whole;
	}
	b->owned = b->in.len;
	return 0;
}

static int ingest_jsonl(committer *c, gr_pool *pool, block *blocks, gr_input *inp, const gr_ingest_opts *o,
			gr_ingest_progress *prog)
{
	gr_input in = *inp; /* given back at the end */
	int rc = 0;
	c->line = 1;
	/* plain files are read by the workers, block by block; compressed ones
	 * are decompressed here, in order */
	bool ranged = !in.a;
	uint64_t next = 0;
	unsigned head = 0, nflight = 0;
	gr_buf carry = GR_BUF_INIT;
	bool eof = ranged && in.size == 0, skipping = false;
	double last_progress = 0;
	while (!rc && (!eof || nflight)) {
		if (!eof && nflight < GR_INGEST_INFLIGHT) {
			block *b = &blocks[(head + nflight) % GR_INGEST_INFLIGHT];
			b->dropped = 0;
			if (ranged) {
				b->fd = in.fd;
				b->size = in.size;
				b->start = next;
				b->end = in.size - next > GR_INGEST_BLOCK ? next + GR_INGEST_BLOCK : in.size;
				b->owned = b->end - b->start;
				next = b->end;
				in.consumed = next;
				eof = next >= in.size;
			} else {
				b->fd = -1;
				if ((rc = fill_stream(&in, b, &carry, &eof, &skipping)))
					break;
			}
			b->text_field = o->text_field;
			b->source = c->source_name;
			b->docs = false;
			if (!b->members) {
				/* first use of this block: size its buffers once */
				if (!(b->members = calloc(GR_JSON_MAX_MEMBERS, sizeof *b->members)) ||
				    gr_buf_grow_huge(&b->in, GR_INGEST_BLOCK + (1u << 20))) {
					rc = gr_error_set(GR_ENOMEM, "out of memory");
					break;
				}
			}
			gr_pool_submit(pool, &b->task, parse_task);
			nflight++;
			if (!eof && nflight < GR_INGEST_INFLIGHT)
				continue;
		}
		if (o->cancel && *o->cancel) {
			rc = gr_error_set(GR_EINTR, "ingest cancelled");
			break;
		}
		/* commit the oldest block */
		block *b = &blocks[head];
		gr_pool_wait(pool, &b->task);
		head = (head + 1) % GR_INGEST_INFLIGHT;
		nflight--;
		/* what is left of a lone file is about what is left to store:
		 * the store writer shrinks its last frames to finish them sooner */
		if (ranged && c->one_file)
			gr_store_writer_expect(c->w, b->size - b->start);
		rc = commit_block(c, b);
		c->st->bytes_in += b->owned;
		if (o->progress) {
			double now = gr_time_mono();
			if (now - last_progress > 0.1 || (eof && !nflight)) {
				last_progress = now;
				prog->bytes_done = in.consumed;
				prog->records = c->st->records_in;
				o->progress(prog, o->ctx);
			}
		}
	}
	/* wait for parse tasks still running before their blocks can be reused */
	while (nflight) {
		gr_pool_wait(pool, &blocks[head].task);
		head = (head + 1) % GR_INGEST_INFLIGHT;
		nflight--;
	}
	gr_buf_free(&carry);
	*inp = in;
	return rc;
}

/* One file, in its format (detected by content unless o->format says). */
static int ingest_file(committer *c, gr_pool *pool, block *blocks, const char *path, const char *rel,
		       const gr_ingest_opts *o, gr_ingest_progress *prog)
{
	gr_input in;
	int rc = gr_input_open(&in, path);
	if (rc)
		return rc;
	prog->file = path;
	prog->bytes_total = in.size;
	gr_format fmt = o->format;
	if (fmt == GR_FORMAT_AUTO) {
		const uint8_t *p = NULL;
		size_t n = 0;
		if ((rc = gr_input_peek(&in, 512, &p, &n))) {
			gr_input_close(&in);
			return rc;
		}
		fmt = detect_format(p, n);
	}
	if (fmt == GR_FORMAT_JSONL) {
		rc = ingest_jsonl(c, pool, blocks, &in, o, prog);
	} else {
		feeder f = {.c = c, .pool = pool, .blocks = blocks, .o = o, .prog = prog, .consumed = &in.consumed};
		if (fmt == GR_FORMAT_TEXT)
			rc = ingest_text(&f, &in, path, rel);
		else if (fmt == GR_FORMAT_ARCHIVE || fmt == GR_FORMAT_WEBDATASET)
			rc = ingest_archive(&f, path, &in.consumed);
		else if (fmt == GR_FORMAT_WARC)
			rc = ingest_warc(&f, &in, path);
		else
			rc = gr_error_set(GR_EINVAL, "%s: %s input is not supported yet", path, gr_format_name(fmt));
		rc = feeder_finish(&f, rc);
	}
	gr_input_close(&in);
	return rc;
}

static int skip_dot(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/* A file, or a directory read recursively in name order (names starting
 * with a dot are skipped, as are symbolic links to directories). */
static int ingest_path(committer *c, gr_pool *pool, block *blocks, const char *path, const char *rel, int depth,
		       const gr_ingest_opts *o, gr_ingest_progress *prog)
{
	struct stat st;
	if (stat(path, &st))
		return gr_error_errno(errno == ENOENT ? GR_ENOTFOUND : GR_EIO, "%s", path);
	if (!S_ISDIR(st.st_mode))
		return ingest_file(c, pool, blocks, path, rel, o, prog);
	if (depth > GR_INGEST_MAX_DEPTH)
		return gr_error_set(GR_ELIMIT, "%s: directories nested deeper than %d", path, GR_INGEST_MAX_DEPTH);
	struct stat lst;
	if (depth > 0 && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
		return 0;
	struct dirent **names;
	int n = scandir(path, &names, skip_dot, alphasort);
	if (n < 0)
		return gr_error_errno(GR_EIO, "%s", path);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		gr_buf child = GR_BUF_INIT, childrel = GR_BUF_INIT;
		if (!rc && !(rc = gr_buf_printf(&child, "%s/%s", path, names[i]->d_name)) &&
		    !(rc = gr_buf_printf(&childrel, rel ? "%s/%s" : "%.0s%s", rel ? rel : "", names[i]->d_name)))
			rc = ingest_path(c, pool, blocks, child.ptr, childrel.ptr, depth + 1, o, prog);
		gr_buf_free(&child);
		gr_buf_free(&childrel);
		free(names[i]);
	}
	free(names);
	return rc;
}

int gr_ingest_files(gr_catalog *cat, gr_store_writer *w, gr_pool *pool, const char *const *files, size_t nfiles,
		    const gr_ingest_opts *o, gr_ingest_stats *stats)
{
	block blocks[GR_INGEST_INFLIGHT];
	memset(blocks, 0, sizeof blocks);
	for (int i = 0; i < GR_INGEST_INFLIGHT; i++)
		blocks[i].scan_db = o->scan_db;
	committer c = {.cat = cat, .w = w, .o = o, .st = stats};
	struct stat sb;
	c.one_file = nfiles == 1 && stat(files[0], &sb) == 0 && S_ISREG(sb.st_mode);
	gr_ingest_progress prog = {.files_total = nfiles};
	int rc = 0;
	for (size_t i = 0; i < nfiles && !rc; i++) {
		char *src = o->source ? gr_strdup(o->source) : gr_source_name(files[i]);
		char *abs = realpath(files[i], NULL);
		gr_buf uri = GR_BUF_INIT;
		if (!src)
			rc = GR_ENOMEM;
		if (abs && !rc)
			rc = gr_buf_printf(&uri, "file://%s", abs);
		free(abs);
		if (!rc)
			rc = gr_catalog_source_get_or_add(cat, src, uri.ptr, &c.source);
		gr_buf_free(&uri);
		c.file = files[i];
		c.source_name = src;
		if (!rc)
			rc = ingest_path(&c, pool, blocks, files[i], NULL, 0, o, &prog);
		free(src);
		if (rc && gr_error_code() != rc)
			gr_error_set(rc, "%s", gr_error_last());
		stats->files++;
		prog.files_done++;
	}
	for (int i = 0; i < GR_INGEST_INFLIGHT; i++)
		block_free(&blocks[i]);
	return rc;
}

char *gr_url_domain(const char *url, size_t len)
{
	const char *p = memmem(url, len, "://", 3);
	if (!p)
		return NULL;
	p += 3;
	const char *end = url + len, *h = p;
	const char *stop = h;
	while (stop < end && *stop != '/' && *stop != '?' && *stop != '#')
		stop++;
	const char *at = memrchr(h, '@', (size_t)(stop - h));
	if (at)
		h = at + 1;
	const char *hend = stop;
	if (h < stop && *h == '[') { /* IPv6 literal */
		const char *rb = memchr(h, ']', (size_t)(stop - h));
		hend = rb ? rb + 1 : stop;
	} else {
		const char *colon = memchr(h, ':', (size_t)(stop - h));
		if (colon)
			hend = colon;
	}
	if (hend <= h)
		return NULL;
	char *d = gr_strndup(h, (size_t)(hend - h));
	if (!d)
		return NULL;
	for (char *q = d; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q - 'A' + 'a');
	size_t n = strlen(d);
	if (n && d[n - 1] == '.')
		d[n - 1] = '\0';
	return d;
}
