/*
 * jobs — the daemon's long work. Write jobs (ingest, gc) run one at a time,
 * in the order they were submitted; read jobs (verify) run on their own
 * runner beside them. Each job is a row in access.db (so a job outlives the
 * daemon that ran it) and, while the daemon runs, an entry in memory with
 * its progress. Cancelling a running job stops it at its next check and
 * leaves the hub as it was (no partial version).
 */
#ifndef GR_JOBS_H
#define GR_JOBS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "catalog/access.h"

typedef struct gr_jobs gr_jobs;

int gr_jobs_start(gr_jobs **out, const char *hub_dir, gr_access *acc);
/* Cancels what runs and what waits and joins the runners; later submits
 * are refused (GR_EBUSY). The jobs stay readable until gr_jobs_free. */
void gr_jobs_stop(gr_jobs *j);
void gr_jobs_free(gr_jobs *j);

/* kind: "ingest" (params: api ingest params plus "dataset", "spool": a file to
 * delete when done), "verify" ({"full"}), "gc". Takes params. */
int gr_jobs_submit(gr_jobs *j, const char *kind, uid_t uid, cJSON *params, int64_t *id_out);
/* GR_ENOTFOUND; GR_EINVAL when already finished. */
int gr_jobs_cancel(gr_jobs *j, int64_t id, uid_t *owner_out);
/* The owner of a job (GR_ENOTFOUND). */
int gr_jobs_owner(gr_jobs *j, int64_t id, uid_t *owner);
/* A job as JSON: id, kind, state, owner uid, params, created/started/finished,
 * progress {records_done, records_total, bytes_done, bytes_total, rate, eta_seconds},
 * result, error {code, message}. */
int gr_jobs_get(gr_jobs *j, int64_t id, cJSON **out);
/* The newest jobs first. */
int gr_jobs_list(gr_jobs *j, int limit, cJSON **out);
/* Waits until job id changes after *seq (or timeout_ms passes); *seq is
 * updated; *finished tells the job is over. */
int gr_jobs_wait(gr_jobs *j, int64_t id, uint64_t *seq, int timeout_ms, bool *finished);

#endif
