/*
 * Work over the texts of many contents, on both cores: the calling thread
 * reads texts from the store (the catalog and the store reader are its own)
 * into batches, the pool's workers run the work on each text, and the
 * results come back to the calling thread in the order the contents were
 * given. A batch slot owns its worker state (a PII scanner, say), so no state
 * is shared between threads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/hub_int.h"

#define BATCH_DOCS 256
#define BATCH_BYTES (4u << 20)

struct slot {
	gr_task task;
	const gr_texts_job *job;
	void *state;
	gr_buf text;
	size_t first, n;                 /* contents [first, first + n) */
	size_t off[BATCH_DOCS + 1];      /* text of doc i: [off[i], off[i+1]) */
	uint8_t *out;                    /* n * out_size bytes */
	int rc;
	char err[512];
	bool busy;
};

static void slot_run(gr_task *t)
{
	struct slot *s = (struct slot *)t;
	const gr_texts_job *j = s->job;
	s->rc = 0;
	for (size_t i = 0; i < s->n && !s->rc; i++) {
		s->rc = j->work(s->state, s->text.ptr + s->off[i], s->off[i + 1] - s->off[i],
				s->out + i * j->out_size, j->ctx);
		if (s->rc)
			snprintf(s->err, sizeof s->err, "%s", gr_error_last());
	}
}

/* Hands a finished slot's results over, in order. */
static int slot_drain(gr_pool *pool, struct slot *s)
{
	if (!s->busy)
		return 0;
	gr_pool_wait(pool, &s->task);
	s->busy = false;
	if (s->rc)
		return gr_error_set(s->rc, "%s", s->err);
	for (size_t i = 0; i < s->n; i++) {
		int rc = s->job->done(s->first + i, s->out + i * s->job->out_size, s->job->ctx);
		if (rc)
			return rc;
	}
	return 0;
}

int gr_hub_texts_run(gr_hub *h, const gr_texts_job *j)
{
	int threads = j->threads > 0 ? j->threads : gr_ncpu();
	int nslots = 2 * threads;
	gr_pool *pool = NULL;
	struct slot *slots = calloc((size_t)nslots, sizeof *slots);
	if (!slots)
		return gr_error_set(GR_ENOMEM, "out of memory");
	int rc = gr_pool_new(&pool, threads);
	for (int i = 0; !rc && i < nslots; i++) {
		slots[i].job = j;
		if (!(slots[i].out = malloc(BATCH_DOCS * (j->out_size ? j->out_size : 1))))
			rc = gr_error_set(GR_ENOMEM, "out of memory");
		else if (j->state_new)
			rc = j->state_new(&slots[i].state, j->ctx);
	}
	size_t next = 0;
	uint64_t bytes = 0;
	int k = 0;
	for (; !rc && next < j->n; k = (k + 1) % nslots) {
		struct slot *s = &slots[k];
		if ((rc = slot_drain(pool, s)))
			break;
		if (j->cancel && *j->cancel) {
			rc = gr_error_set(GR_EINTR, "cancelled");
			break;
		}
		gr_buf_reset(&s->text);
		s->first = next;
		s->n = 0;
		s->off[0] = 0;
		while (next < j->n && s->n < BATCH_DOCS && s->text.len < BATCH_BYTES) {
			if ((rc = gr_hub_read_content(h, j->contents[next], &s->text))) {
				char hex[17];
				gr_hex(hex, j->contents[next], 8);
				gr_error_wrap(rc, "content %s", hex);
				break;
			}
			s->off[++s->n] = s->text.len;
			next++;
		}
		if (rc)
			break;
		bytes += s->text.len;
		s->busy = true;
		gr_pool_submit(pool, &s->task, slot_run);
		if (j->progress)
			j->progress(next, j->n, bytes, j->ctx);
	}
	/* the batches still out, oldest first (the ring's next slot is the
	 * oldest); after a failure they are waited for but dropped */
	for (int i = 0; !rc && i < nslots; i++)
		rc = slot_drain(pool, &slots[(k + i) % nslots]);
	gr_pool_free(pool); /* waits for every task */
	for (int i = 0; i < nslots; i++) {
		if (j->state_free)
			j->state_free(slots[i].state);
		free(slots[i].out);
		gr_buf_free(&slots[i].text);
	}
	free(slots);
	return rc;
}
