/*
 * Personal data in a JSON Lines file, without a hub: what `granary pii
 * --jsonl FILE` reports before anything is ingested. The file may be
 * compressed (gzip, zstd, xz, bzip2). The calling thread reads it in blocks
 * of whole lines; the pool's workers parse each
 * line, decode its text field and scan it, each block with its own scanner;
 * the counts are summed in order. Lines that are not JSON objects, or have
 * no text field, are counted as skipped.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/ingest.h"
#include "ingest/input.h"
#include "ingest/jsonl.h"
#include "ingest/piifile.h"
#include "scan/pii.h"

#define PF_BLOCK (8u << 20)

struct pf_block {
	gr_task task;
	gr_buf in;       /* whole lines */
	gr_buf text;     /* the decoded text of one line */
	gr_json_member *members;
	gr_pii_scanner *sc;
	const char *field;
	gr_pii_file_stats st; /* this block's counts */
	int rc;
	bool busy;
};

static void pf_line(struct pf_block *b, const char *p, size_t n)
{
	size_t nm;
	if (gr_json_parse_object(p, n, b->members, GR_JSON_MAX_MEMBERS, &nm, NULL)) {
		b->st.skipped++;
		return;
	}
	const gr_json_member *m = NULL;
	for (size_t i = 0; i < nm && !m; i++)
		if (b->members[i].type == GR_JSON_STRING && gr_json_key_eq(&b->members[i], b->field))
			m = &b->members[i];
	gr_buf_reset(&b->text);
	if (!m || gr_json_unescape(&b->text, m->val, m->val_len)) {
		b->st.skipped++;
		return;
	}
	const gr_pii_span *spans;
	size_t ns;
	uint32_t counts[GR_PII_NTYPES];
	if (gr_pii_scan(b->sc, b->text.ptr ? b->text.ptr : "", b->text.len, &spans, &ns, counts)) {
		b->st.refused++;
		return;
	}
	b->st.records++;
	b->st.bytes += b->text.len;
	bool any = false;
	for (int t = 0; t < GR_PII_NTYPES; t++) {
		b->st.spans[t] += counts[t];
		b->st.records_with[t] += counts[t] > 0;
		any |= counts[t] > 0;
	}
	b->st.records_with_any += any;
}

static void pf_run(gr_task *t)
{
	struct pf_block *b = (struct pf_block *)t;
	const char *p = b->in.ptr, *end = b->in.ptr + b->in.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - p);
		bool blank = true;
		for (size_t i = 0; i < n && blank; i++)
			blank = p[i] == ' ' || p[i] == '\t' || p[i] == '\r';
		if (!blank)
			pf_line(b, p, n);
		p = nl ? nl + 1 : end;
	}
}

static void pf_add(gr_pii_file_stats *to, const gr_pii_file_stats *from)
{
	to->records += from->records;
	to->bytes += from->bytes;
	to->skipped += from->skipped;
	to->refused += from->refused;
	to->records_with_any += from->records_with_any;
	for (int t = 0; t < GR_PII_NTYPES; t++) {
		to->spans[t] += from->spans[t];
		to->records_with[t] += from->records_with[t];
	}
}

int gr_pii_scan_jsonl(const char *path, const char *text_field, const struct gr_pii_db *db, int threads,
		      gr_pii_file_stats *out)
{
	memset(out, 0, sizeof *out);
	gr_input in;
	int rc0 = strcmp(path, "-") ? gr_input_open(&in, path) : gr_input_open_stdin(&in);
	if (rc0)
		return rc0;
	threads = threads > 0 ? threads : gr_ncpu();
	int nb = 2 * threads, rc;
	gr_pool *pool = NULL;
	struct pf_block *blocks = calloc((size_t)nb, sizeof *blocks);
	gr_buf carry = GR_BUF_INIT;
	rc = blocks ? gr_pool_new(&pool, threads) : gr_error_set(GR_ENOMEM, "out of memory");
	for (int i = 0; !rc && i < nb; i++) {
		blocks[i].field = text_field ? text_field : "text";
		if (!(blocks[i].members = malloc(GR_JSON_MAX_MEMBERS * sizeof *blocks[i].members)))
			rc = gr_error_set(GR_ENOMEM, "out of memory");
		else
			rc = gr_pii_scanner_new(&blocks[i].sc, db);
	}
	int k = 0;
	bool eof = false;
	while (!rc && !eof) {
		struct pf_block *b = &blocks[k];
		if (b->busy) {
			gr_pool_wait(pool, &b->task);
			b->busy = false;
			pf_add(out, &b->st);
		}
		memset(&b->st, 0, sizeof b->st);
		gr_buf_reset(&b->in);
		if ((rc = gr_buf_put(&b->in, carry.ptr, carry.len)) || (rc = gr_buf_grow(&b->in, PF_BLOCK)))
			break;
		gr_buf_reset(&carry);
		size_t got = 0;
		if ((rc = gr_input_read(&in, b->in.ptr + b->in.len, PF_BLOCK, &got)))
			break;
		b->in.len += got;
		eof = got == 0;
		if (!eof) {
			/* keep the partial last line for the next block */
			const char *nl = b->in.len ? memrchr(b->in.ptr, '\n', b->in.len) : NULL;
			size_t keep = nl ? (size_t)(b->in.ptr + b->in.len - nl - 1) : b->in.len;
			if (keep > GR_INGEST_MAX_LINE) {
				rc = gr_error_set(GR_ELIMIT, "%s: a line longer than the 64 MiB limit", path);
				break;
			}
			if ((rc = gr_buf_put(&carry, b->in.ptr + b->in.len - keep, keep)))
				break;
			b->in.len -= keep;
		}
		if (b->in.len) {
			b->busy = true;
			gr_pool_submit(pool, &b->task, pf_run);
		}
		k = (k + 1) % nb;
	}
	for (int i = 0; blocks && i < nb; i++) {
		struct pf_block *b = &blocks[(k + i) % nb];
		if (b->busy) {
			gr_pool_wait(pool, &b->task);
			b->busy = false;
			pf_add(out, &b->st);
		}
	}
	gr_pool_free(pool);
	for (int i = 0; blocks && i < nb; i++) {
		gr_buf_free(&blocks[i].in);
		gr_buf_free(&blocks[i].text);
		free(blocks[i].members);
		gr_pii_scanner_free(blocks[i].sc);
	}
	free(blocks);
	gr_buf_free(&carry);
	gr_input_close(&in);
	return rc;
}
