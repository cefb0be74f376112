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
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "ingest/jsonl.h"
#include "store/cdc.h"

/* ------------------------------------------------------------------ input */

typedef struct {
	const char *path;
	int fd;
	struct archive *a;
	uint64_t size;     /* on disk */
	uint64_t consumed; /* bytes read from disk (approx. for compressed input) */
	uint64_t out;      /* bytes produced */
} input;

static bool compressed_magic(const uint8_t *m, size_t n)
{
	return (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) ||                            /* gzip */
	       (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) || /* zstd */
	       (n >= 6 && !memcmp(m, "\xfd" "7zXZ\0", 6)) ||                            /* xz */
	       (n >= 3 && !memcmp(m, "BZh", 3));                                         /* bzip2 */
}

static int input_open(input *in, const char *path)
{
	memset(in, 0, sizeof *in);
	in->path = path;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; only regular files are read */
	in->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (in->fd < 0)
		return gr_error_errno(errno == ENOENT ? GR_ENOTFOUND : GR_EIO, "open %s", path);
	struct stat st;
	if (fstat(in->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(in->fd);
		in->fd = -1;
		return gr_error_set(GR_EINVAL, "%s is not a regular file", path);
	}
	in->size = (uint64_t)st.st_size;
	fcntl(in->fd, F_SETFL, 0);
	uint8_t m[8];
	ssize_t n = pread(in->fd, m, sizeof m, 0);
	if (n > 0 && compressed_magic(m, (size_t)n)) {
		in->a = archive_read_new();
		if (!in->a)
			return gr_error_set(GR_ENOMEM, "out of memory");
		archive_read_support_filter_all(in->a);
		archive_read_support_format_raw(in->a);
		struct archive_entry *e;
		if (archive_read_open_fd(in->a, in->fd, 1 << 20) != ARCHIVE_OK ||
		    archive_read_next_header(in->a, &e) != ARCHIVE_OK) {
			int rc = gr_error_set(GR_EINVAL, "%s: cannot decompress: %s", path,
					      archive_error_string(in->a));
			archive_read_free(in->a);
			in->a = NULL;
			return rc;
		}
	}
	return 0;
}

/* Reads up to n bytes; 0 at end of input. */
static int input_read(input *in, char *buf, size_t n, size_t *got)
{
	if (in->a) {
		la_ssize_t r = archive_read_data(in->a, buf, n);
		if (r < 0)
			return gr_error_set(GR_EINVAL, "%s: decompression failed after %llu bytes: %s", in->path,
					    (unsigned long long)in->out, archive_error_string(in->a));
		*got = (size_t)r;
		in->consumed = (uint64_t)archive_filter_bytes(in->a, -1);
		if (in->out + *got > GR_INGEST_MAX_DECOMPRESSED)
			return gr_error_set(GR_ELIMIT, "%s: decompresses to more than %llu bytes", in->path,
					    (unsigned long long)GR_INGEST_MAX_DECOMPRESSED);
	} else {
		ssize_t r;
		do
			r = read(in->fd, buf, n);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return gr_error_errno(GR_EIO, "read %s", in->path);
		*got = (size_t)r;
		in->consumed += (uint64_t)r;
	}
	in->out += *got;
	return 0;
}

static void input_close(input *in)
{
	if (in->a)
		archive_read_free(in->a);
	if (in->fd >= 0)
		close(in->fd);
	in->fd = -1;
	in->a = NULL;
}

/* ------------------------------------------------------------------ parse stage */

#define NONE SIZE_MAX

typedef struct {
	uint64_t line;
	size_t text, text_len; /* offset into the block's input (decoded in place) */
	size_t url, url_len;   /* these three: offsets into the block's arena */
	size_t ts, ts_len;
	size_t meta, meta_len;
	size_t err; /* offset of the message in errs, or NONE */
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
} block;

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
	/* content address, then the record address over content + metadata */
	gr_sha256(r->hash, b->in.ptr + r->text, r->text_len);
	gr_buf a = GR_BUF_INIT;
	static const char sep = '\n';
	if ((e = gr_buf_puts(&a, "granary-record-1\n")) || (e = gr_buf_put(&a, r->hash, GR_HASH_LEN)) ||
	    (e = gr_buf_put(&a, &sep, 1)) ||
	    (r->url != NONE && (e = gr_buf_put(&a, b->arena.ptr + r->url, r->url_len))) ||
	    (e = gr_buf_put(&a, &sep, 1)) ||
	    (r->ts != NONE && (e = gr_buf_put(&a, b->arena.ptr + r->ts, r->ts_len))) ||
	    (e = gr_buf_put(&a, &sep, 1)) || (e = gr_buf_puts(&a, b->source)) || (e = gr_buf_put(&a, &sep, 1)) ||
	    (r->meta != NONE && (e = gr_buf_put(&a, b->arena.ptr + r->meta, r->meta_len)))) {
		gr_buf_free(&a);
		goto fail;
	}
	gr_sha256(r->addr, a.ptr, a.len);
	gr_buf_free(&a);
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
			rc = bad_line(c, base + r->line, b->errs.ptr + r->err);
			continue;
		}
		c->st->records_in++;
		c->st->text_bytes += r->text_len;
		int64_t rid;
		if ((rc = gr_catalog_record_find(c->cat, r->addr, &rid)))
			break;
		if (!rid) {
			bool fresh;
			if ((rc = store_content(c, (const uint8_t *)b->in.ptr + r->text, r->text_len, r->hash,
						&fresh)))
				break;
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
			if (rc)
				break;
			c->st->records_new++;
		}
		bool added;
		if ((rc = gr_catalog_stage_record(c->cat, rid, &added)))
			break;
		if (!added) {
			c->st->duplicates++; /* the very same record again: one member */
			continue;
		}
		c->st->members++;
	}
	return rc;
}

/* ------------------------------------------------------------------ driver */

/* The default source name: the file's base name without a compression
 * suffix, so a.jsonl and a.jsonl.gz give the same records. */
static char *source_name(const char *path)
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
	gr_buf_free(&b->in);
	gr_buf_free(&b->arena);
	gr_buf_free(&b->errs);
	free(b->recs);
	free(b->members);
}

/* Stream mode (compressed input): reads the next block of whole lines on the
 * calling thread; a partial last line is carried to the next block. */
static int fill_stream(input *in, block *b, gr_buf *carry, bool *eof, bool *skipping)
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
		if ((rc = input_read(in, b->in.ptr + b->in.len, GR_INGEST_BLOCK, &got)))
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

static int ingest_one(committer *c, gr_pool *pool, block *blocks, const char *path, const gr_ingest_opts *o,
		      gr_ingest_progress *prog)
{
	input in;
	int rc = input_open(&in, path);
	if (rc)
		return rc;
	prog->file = path;
	prog->bytes_total = in.size;
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
	input_close(&in);
	return rc;
}

int gr_ingest_files(gr_catalog *cat, gr_store_writer *w, gr_pool *pool, const char *const *files, size_t nfiles,
		    const gr_ingest_opts *o, gr_ingest_stats *stats)
{
	block blocks[GR_INGEST_INFLIGHT];
	memset(blocks, 0, sizeof blocks);
	committer c = {.cat = cat, .w = w, .o = o, .st = stats};
	gr_ingest_progress prog = {.files_total = nfiles};
	int rc = 0;
	for (size_t i = 0; i < nfiles && !rc; i++) {
		char *src = o->source ? gr_strdup(o->source) : source_name(files[i]);
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
			rc = ingest_one(&c, pool, blocks, files[i], o, &prog);
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
