/*
 * A fixed pool of worker threads running caller-owned tasks. A task is a
 * struct the caller embeds in its own job; the pool never allocates per task.
 * Invariant: a submitted task is run exactly once, and gr_pool_wait returns
 * only after it has finished, with its writes visible to the waiter.
 */
#ifndef GR_POOL_H
#define GR_POOL_H

#include <stdbool.h>

typedef struct gr_task gr_task;
struct gr_task {
	void (*fn)(gr_task *t);
	gr_task *next; /* pool-private */
	bool done;     /* pool-private: read through gr_pool_wait */
};

typedef struct gr_pool gr_pool;

/* nthreads == 0 runs every task inline in gr_pool_submit (useful in tests). */
int gr_pool_new(gr_pool **out, int nthreads);
void gr_pool_submit(gr_pool *p, gr_task *t, void (*fn)(gr_task *t));
/* The pool's threads (0: tasks run inline). */
int gr_pool_threads(const gr_pool *p);
void gr_pool_wait(gr_pool *p, gr_task *t);
/* Waits for queued tasks, then joins the threads. NULL ok. */
void gr_pool_free(gr_pool *p);
/* Number of online CPUs, at least 1. */
int gr_ncpu(void);

#endif
