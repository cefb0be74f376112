/*
 * The daemon's job runners (see jobs.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "api/api.h"
#include "server/jobs.h"

#define FINISHED_KEPT 64 /* finished jobs kept in memory for watchers */

struct job {
	int64_t id;
	char kind[16];
	uid_t uid;
	bool write;
	cJSON *params;
	char state[16];
	volatile int cancel;
	gr_api_progress prog;
	double t_start, t_end, t_last_note;
	cJSON *result;
	uint64_t seq;
	struct job *next;
};

struct gr_jobs {
	char *hub;
	gr_access *acc;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *jobs; /* by id, oldest first */
	pthread_t runner[2];
	int nrunners;
	bool stopping;
};

static bool finished(const struct job *jb)
{
	return strcmp(jb->state, "queued") && strcmp(jb->state, "running");
}

/* An upload's spool file goes with its job. */
static void drop_spool(const struct job *jb)
{
	const cJSON *spool = cJSON_GetObjectItemCaseSensitive(jb->params, "spool");
	if (cJSON_IsString(spool))
		unlink(spool->valuestring);
}

static void job_free(struct job *jb)
{
	cJSON_Delete(jb->params);
	cJSON_Delete(jb->result);
	free(jb);
}

static struct job *find(gr_jobs *j, int64_t id)
{
	for (struct job *jb = j->jobs; jb; jb = jb->next)
		if (jb->id == id)
			return jb;
	return NULL;
}

/* Drops the oldest finished jobs beyond FINISHED_KEPT. Called locked. */
static void trim(gr_jobs *j)
{
	int n = 0;
	for (struct job *jb = j->jobs; jb; jb = jb->next)
		n += finished(jb);
	for (struct job **pp = &j->jobs; *pp && n > FINISHED_KEPT;) {
		if (finished(*pp)) {
			struct job *dead = *pp;
			*pp = dead->next;
			job_free(dead);
			n--;
		} else {
			pp = &(*pp)->next;
		}
	}
}

static char *error_json(int rc, const char *msg)
{
	cJSON *e = gr_api_error_json(rc, msg);
	char *s = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(e, "error"));
	cJSON_Delete(e);
	return s;
}

static void on_progress(const gr_api_progress *p, void *ctx)
{
	struct job *jb = ((void **)ctx)[0];
	gr_jobs *j = ((void **)ctx)[1];
	pthread_mutex_lock(&j->mu);
	jb->prog.records_done = p->records_done;
	jb->prog.bytes_done = p->bytes_done;
	if (p->bytes_total)
		jb->prog.bytes_total = p->bytes_total;
	if (p->records_total)
		jb->prog.records_total = p->records_total;
	double now = gr_time_mono();
	if (now - jb->t_last_note >= 0.1) {
		jb->t_last_note = now;
		jb->seq++;
		pthread_cond_broadcast(&j->cv);
	}
	pthread_mutex_unlock(&j->mu);
}

static int run_job(gr_jobs *j, struct job *jb, cJSON **result)
{
	gr_hub *h;
	int rc = gr_hub_open(&h, j->hub);
	if (rc)
		return rc;
	void *ctx[2] = {jb, j};
	gr_api_ctl ctl = {.progress = on_progress, .ctx = ctx, .cancel = &jb->cancel};
	if (!strcmp(jb->kind, "ingest")) {
		const cJSON *ds = cJSON_GetObjectItemCaseSensitive(jb->params, "dataset");
		rc = gr_api_ingest(h, cJSON_IsString(ds) ? ds->valuestring : "", jb->params, &ctl, result);
	} else if (!strcmp(jb->kind, "verify")) {
		rc = gr_api_verify(h, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jb->params, "full")), &ctl, result);
	} else if (!strcmp(jb->kind, "gc")) {
		rc = gr_api_gc(h, &ctl, result);
	} else if (!strcmp(jb->kind, "scan") || !strcmp(jb->kind, "filter") || !strcmp(jb->kind, "dedup")) {
		const cJSON *spec = cJSON_GetObjectItemCaseSensitive(jb->params, "spec");
		const char *sp = cJSON_IsString(spec) ? spec->valuestring : "";
		rc = !strcmp(jb->kind, "scan")	   ? gr_api_scan(h, sp, jb->params, &ctl, result)
		     : !strcmp(jb->kind, "filter") ? gr_api_filter(h, sp, jb->params, &ctl, result)
						   : gr_api_dedup(h, sp, jb->params, &ctl, result);
	} else if (!strcmp(jb->kind, "audit")) {
		const cJSON *spec = cJSON_GetObjectItemCaseSensitive(jb->params, "spec");
		const cJSON *use = cJSON_GetObjectItemCaseSensitive(jb->params, "use");
		rc = gr_api_audit(h, cJSON_IsString(spec) ? spec->valuestring : "", cJSON_IsString(use) ? use->valuestring : NULL,
				  result);
	} else if (!strcmp(jb->kind, "remove")) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(jb->params, "request");
		const cJSON *who = cJSON_GetObjectItemCaseSensitive(jb->params, "author");
		rc = gr_api_remove(h, cJSON_IsNumber(id) ? (int64_t)id->valuedouble : 0,
				   cJSON_IsString(who) ? who->valuestring : NULL,
				   cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jb->params, "full_check")), &ctl, result);
	} else {
		rc = gr_error_set(GR_EINVAL, "unknown job kind '%s'", jb->kind);
	}
	gr_hub_close(h);
	return rc;
}

struct runner_arg {
	gr_jobs *j;
	bool write;
};

static void *runner(void *arg)
{
	struct runner_arg *ra = arg;
	gr_jobs *j = ra->j;
	bool write = ra->write;
	free(ra);
	/* jobs yield to the small requests the daemon answers meanwhile (nice
	 * 10: about a tenth of the CPU against busy readers, so a flood of reads
	 * slows a job but never stops it); the ingest's workers inherit it */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	pthread_mutex_lock(&j->mu);
	for (;;) {
		struct job *jb = NULL;
		for (struct job *k = j->jobs; k && !jb; k = k->next)
			if (k->write == write && !strcmp(k->state, "queued"))
				jb = k;
		if (!jb) {
			if (j->stopping)
				break;
			pthread_cond_wait(&j->cv, &j->mu);
			continue;
		}
		strcpy(jb->state, "running");
		jb->t_start = gr_time_mono();
		jb->seq++;
		pthread_cond_broadcast(&j->cv);
		pthread_mutex_unlock(&j->mu);
		gr_access_job_set(j->acc, jb->id, "running", NULL, NULL);

		cJSON *result = NULL;
		int rc = run_job(j, jb, &result);
		char *res = result ? cJSON_PrintUnformatted(result) : NULL;
		char *err = rc ? error_json(rc, gr_error_last()) : NULL;
		const char *state = !rc ? "done" : rc == GR_EINTR ? "cancelled" : "failed";
		gr_access_job_set(j->acc, jb->id, state, res, err);
		free(res);
		free(err);
		drop_spool(jb);

		pthread_mutex_lock(&j->mu);
		jb->result = result;
		jb->t_end = gr_time_mono();
		strcpy(jb->state, state);
		jb->seq++;
		trim(j);
		pthread_cond_broadcast(&j->cv);
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

int gr_jobs_start(gr_jobs **out, const char *hub_dir, gr_access *acc)
{
	gr_jobs *j = calloc(1, sizeof *j);
	if (!j || !(j->hub = gr_strdup(hub_dir))) {
		free(j);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	j->acc = acc;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	for (int i = 0; i < 2; i++) {
		struct runner_arg *ra = malloc(sizeof *ra);
		if (ra) {
			ra->j = j;
			ra->write = i == 0;
		}
		if (!ra || pthread_create(&j->runner[i], NULL, runner, ra)) {
			free(ra);
			gr_jobs_free(j);
			return gr_error_set(GR_ENOMEM, "cannot start the job runners");
		}
		j->nrunners++;
	}
	*out = j;
	return 0;
}

void gr_jobs_stop(gr_jobs *j)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->mu);
	j->stopping = true;
	for (struct job *jb = j->jobs; jb; jb = jb->next) {
		jb->cancel = 1;
		if (!strcmp(jb->state, "queued")) {
			strcpy(jb->state, "cancelled");
			drop_spool(jb);
			char *err = error_json(GR_EINTR, "the daemon stopped before the job ran");
			gr_access_job_set(j->acc, jb->id, "cancelled", NULL, err);
			free(err);
		}
	}
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
	for (int i = 0; i < j->nrunners; i++)
		pthread_join(j->runner[i], NULL);
	j->nrunners = 0;
}

void gr_jobs_free(gr_jobs *j)
{
	if (!j)
		return;
	gr_jobs_stop(j);
	while (j->jobs) {
		struct job *n = j->jobs->next;
		job_free(j->jobs);
		j->jobs = n;
	}
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	free(j->hub);
	free(j);
}

int gr_jobs_submit(gr_jobs *j, const char *kind, uid_t uid, cJSON *params, int64_t *id_out)
{
	struct job *jb = calloc(1, sizeof *jb);
	char *p = cJSON_PrintUnformatted(params);
	int rc;
	if (!jb || !p) {
		rc = gr_error_set(GR_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = gr_access_job_add(j->acc, kind, uid, p, &jb->id)))
		goto fail;
	free(p);
	p = NULL;
	snprintf(jb->kind, sizeof jb->kind, "%s", kind);
	jb->uid = uid;
	jb->write = strcmp(kind, "verify") != 0 && strcmp(kind, "audit") != 0; /* readers: beside the writes */
	jb->params = params;
	strcpy(jb->state, "queued");
	pthread_mutex_lock(&j->mu);
	if (j->stopping) {
		pthread_mutex_unlock(&j->mu);
		char *err = error_json(GR_EBUSY, "the daemon is stopping");
		gr_access_job_set(j->acc, jb->id, "cancelled", NULL, err);
		free(err);
		drop_spool(jb);
		jb->params = NULL;
		rc = gr_error_set(GR_EBUSY, "the daemon is stopping");
		goto fail;
	}
	struct job **pp = &j->jobs;
	while (*pp)
		pp = &(*pp)->next;
	*pp = jb;
	*id_out = jb->id;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
	return 0;
fail:
	free(p);
	free(jb);
	cJSON_Delete(params);
	return rc;
}

int gr_jobs_owner(gr_jobs *j, int64_t id, uid_t *owner)
{
	pthread_mutex_lock(&j->mu);
	struct job *jb = find(j, id);
	if (jb)
		*owner = jb->uid;
	pthread_mutex_unlock(&j->mu);
	if (jb)
		return 0;
	gr_job_row r;
	int rc = gr_access_job_get(j->acc, id, &r);
	if (!rc) {
		*owner = r.uid;
		gr_job_row_release(&r);
	}
	return rc;
}

int gr_jobs_cancel(gr_jobs *j, int64_t id, uid_t *owner_out)
{
	pthread_mutex_lock(&j->mu);
	struct job *jb = find(j, id);
	int rc = 0;
	if (!jb) {
		rc = gr_error_set(GR_ENOTFOUND, "job %lld is not running", (long long)id);
	} else if (finished(jb)) {
		rc = gr_error_set(GR_EINVAL, "job %lld has already finished (%s)", (long long)id, jb->state);
	} else if (!strcmp(jb->kind, "gc")) {
		rc = gr_error_set(GR_EBUSY, "gc cannot be cancelled (it is short, and stopping it halfway would gain nothing)");
	} else if (!strcmp(jb->state, "queued")) {
		strcpy(jb->state, "cancelled");
		drop_spool(jb);
		char *err = error_json(GR_EINTR, "cancelled before it ran");
		gr_access_job_set(j->acc, jb->id, "cancelled", NULL, err);
		free(err);
		jb->seq++;
		pthread_cond_broadcast(&j->cv);
	} else {
		jb->cancel = 1;
	}
	if (jb && owner_out)
		*owner_out = jb->uid;
	pthread_mutex_unlock(&j->mu);
	return rc;
}

static cJSON *parse_or_null(const char *s)
{
	cJSON *o = s ? cJSON_Parse(s) : NULL;
	return o ? o : cJSON_CreateNull();
}

/* A job row as JSON, with live progress when jb (locked by the caller) is given. */
static cJSON *job_json(const gr_job_row *r, const struct job *jb)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)r->id);
	cJSON_AddStringToObject(o, "kind", r->kind);
	cJSON_AddStringToObject(o, "state", jb ? jb->state : r->state);
	cJSON_AddNumberToObject(o, "uid", r->uid);
	cJSON_AddItemToObject(o, "params", parse_or_null(r->params));
	cJSON_AddItemToObject(o, "created", r->created ? cJSON_CreateString(r->created) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "started", r->started ? cJSON_CreateString(r->started) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "finished", r->finished ? cJSON_CreateString(r->finished) : cJSON_CreateNull());
	if (jb) {
		cJSON *p = cJSON_AddObjectToObject(o, "progress");
		double el = !jb->t_start ? 0 : (jb->t_end ? jb->t_end : gr_time_mono()) - jb->t_start;
		double rate = el > 0 ? (double)jb->prog.bytes_done / el : 0;
		cJSON_AddNumberToObject(p, "records_done", (double)jb->prog.records_done);
		cJSON_AddNumberToObject(p, "records_total", (double)jb->prog.records_total);
		cJSON_AddNumberToObject(p, "bytes_done", (double)jb->prog.bytes_done);
		cJSON_AddNumberToObject(p, "bytes_total", (double)jb->prog.bytes_total);
		cJSON_AddNumberToObject(p, "elapsed_seconds", el);
		cJSON_AddNumberToObject(p, "bytes_per_second", rate);
		cJSON_AddNumberToObject(p, "records_per_second", el > 0 ? (double)jb->prog.records_done / el : 0);
		if (!jb->t_end && rate > 0 && jb->prog.bytes_total >= jb->prog.bytes_done)
			cJSON_AddNumberToObject(p, "eta_seconds", (double)(jb->prog.bytes_total - jb->prog.bytes_done) / rate);
		else
			cJSON_AddNullToObject(p, "eta_seconds");
	}
	cJSON_AddItemToObject(o, "result",
			      jb && jb->result ? cJSON_Duplicate(jb->result, true) : parse_or_null(r->result));
	cJSON_AddItemToObject(o, "error", parse_or_null(r->error));
	return o;
}

int gr_jobs_get(gr_jobs *j, int64_t id, cJSON **out)
{
	gr_job_row r;
	int rc = gr_access_job_get(j->acc, id, &r);
	if (rc)
		return rc;
	pthread_mutex_lock(&j->mu);
	*out = job_json(&r, find(j, id));
	pthread_mutex_unlock(&j->mu);
	gr_job_row_release(&r);
	return *out ? 0 : gr_error_set(GR_ENOMEM, "out of memory");
}

struct list_ctx {
	gr_jobs *j;
	cJSON *arr;
};

static int list_one(const gr_job_row *r, void *ctx)
{
	struct list_ctx *l = ctx;
	cJSON_AddItemToArray(l->arr, job_json(r, find(l->j, r->id)));
	return 0;
}

int gr_jobs_list(gr_jobs *j, int limit, cJSON **out)
{
	struct list_ctx l = {j, cJSON_CreateArray()};
	pthread_mutex_lock(&j->mu);
	int rc = gr_access_jobs_each(j->acc, limit, list_one, &l);
	pthread_mutex_unlock(&j->mu);
	if (rc) {
		cJSON_Delete(l.arr);
		return rc;
	}
	*out = l.arr;
	return 0;
}

int gr_jobs_wait(gr_jobs *j, int64_t id, uint64_t *seq, int timeout_ms, bool *done)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&j->mu);
	struct job *jb;
	while ((jb = find(j, id)) && jb->seq == *seq && !finished(jb) && !j->stopping)
		if (pthread_cond_timedwait(&j->cv, &j->mu, &until))
			break;
	int rc = 0;
	if (!jb) {
		/* not in memory: finished long ago, or never ran here */
		*done = true;
	} else {
		*seq = jb->seq;
		*done = finished(jb);
	}
	pthread_mutex_unlock(&j->mu);
	return rc;
}
