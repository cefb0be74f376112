/* Worker pool: one mutex, a FIFO of tasks, one condition for work, one for completion. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/pool.h"
#include "util/util.h"

struct gr_pool {
	pthread_mutex_t mu;
	pthread_cond_t work;
	pthread_cond_t done;
	gr_task *head, *tail;
	bool stop;
	int nthreads;
	pthread_t *threads;
};

static void *worker(void *arg)
{
	gr_pool *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->head && !p->stop)
			pthread_cond_wait(&p->work, &p->mu);
		if (!p->head)
			break;
		gr_task *t = p->head;
		p->head = t->next;
		if (!p->head)
			p->tail = NULL;
		pthread_mutex_unlock(&p->mu);
		t->fn(t);
		pthread_mutex_lock(&p->mu);
		t->done = true;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int gr_ncpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : (int)n;
}

int gr_pool_new(gr_pool **out, int nthreads)
{
	gr_pool *p = calloc(1, sizeof *p);
	if (!p)
		return gr_error_set(GR_ENOMEM, "out of memory");
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	if (nthreads > 0) {
		p->threads = calloc((size_t)nthreads, sizeof *p->threads);
		if (!p->threads) {
			gr_pool_free(p);
			return gr_error_set(GR_ENOMEM, "out of memory");
		}
		for (int i = 0; i < nthreads; i++) {
			if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
				gr_pool_free(p);
				return gr_error_set(GR_ERROR, "cannot start worker thread");
			}
			p->nthreads++;
		}
	}
	*out = p;
	return 0;
}

int gr_pool_threads(const gr_pool *p)
{
	return p->nthreads;
}

void gr_pool_submit(gr_pool *p, gr_task *t, void (*fn)(gr_task *t))
{
	t->fn = fn;
	t->next = NULL;
	t->done = false;
	if (p->nthreads == 0) {
		fn(t);
		t->done = true;
		return;
	}
	pthread_mutex_lock(&p->mu);
	if (p->tail)
		p->tail->next = t;
	else
		p->head = t;
	p->tail = t;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
}

void gr_pool_wait(gr_pool *p, gr_task *t)
{
	pthread_mutex_lock(&p->mu);
	while (!t->done)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

void gr_pool_free(gr_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	free(p);
}
