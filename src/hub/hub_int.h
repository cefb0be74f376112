/* The hub's internals, shared by the files of src/hub only. */
#ifndef GR_HUB_INT_H
#define GR_HUB_INT_H

#include <pthread.h>

#include "granary.h"
#include "history/history.h"
#include "ingest/jsonl.h"
#include "scan/pii.h"
#include "store/store.h"

struct gr_hub {
	char *dir;
	gr_catalog *cat;
	gr_store *store;
	gr_history *hist; /* opened on first use: gr_hub_history() */
	pthread_t hist_opener; /* opens it beside an ingest (libgit2's start-up is not free) */
	bool hist_opening;
	gr_store_reader *reader;
	int lock_fd; /* holds the flock on DIR/lock while writing, else -1 */
	gr_json_member *members; /* export's parse buffer, made on first use */
	gr_pii_db *pii;          /* compiled on first use: gr_hub_pii_db() */
	gr_pii_scanner *pii_scanner; /* export's redaction */
	/* the progress callback of the query running (gr_hub_query_open) */
	void (*qprogress)(uint64_t done, uint64_t total, void *ctx);
	void *qprogress_ctx;
};

/* The hub's history repository, opened on first use. */
int gr_hub_history(gr_hub *h, gr_history **out);
/* The N of the DATASET@vN whose MANIFEST.json a history commit holds, or 0
 * when it holds none for that dataset. */
int gr_hub_commit_version(gr_history *hist, const char *commit, const char *dataset);

/* Takes the hub's writer lock (GR_EBUSY when another process holds it);
 * then finishes what an interrupted removal left (gr_hub_removals_resume). */
int gr_hub_lock(gr_hub *h);
/* Deletes the packs the catalog does not know; counts them and their bytes. */
int gr_hub_delete_orphans(gr_hub *h, uint64_t *n, uint64_t *bytes);
/* Under the lock: for each applied removal whose work after its commit did
 * not finish (a crash), deletes the orphan packs (the old ones, still holding
 * removed text), empties the WAL and the store's temp files, and stores a
 * result saying so. Best effort: what fails is tried again by the next writer. */
void gr_hub_removals_resume(gr_hub *h);
void gr_hub_unlock(gr_hub *h);

/* Creates the next version of dataset name (made when missing) holding the
 * sorted ids, with parent as its one parent, in one transaction; then its
 * history commit (a failure there goes to warning, see gr_hub_publish). */
int gr_hub_commit_ids(gr_hub *h, const char *name, const gr_version_info *parent, const char *operation,
		      const char *message, const char *author, const char *stats, const int64_t *ids, size_t n,
		      uint64_t bytes, gr_version_info *out, char *warning, size_t wsize);

/* Work on the texts of many contents, on the pool (src/hub/texts.c). */
typedef struct {
	const uint8_t (*contents)[GR_HASH_LEN]; /* the contents, in the order done() sees them */
	size_t n;
	size_t out_size; /* bytes of result per content */
	int threads;     /* 0: one per CPU */
	/* per batch slot (one thread at a time): made once, freed at the end */
	int (*state_new)(void **state, void *ctx);
	void (*state_free)(void *state);
	/* on a worker: text -> out (out_size bytes) */
	int (*work)(void *state, const char *text, size_t n, void *out, void *ctx);
	/* on the calling thread, in order */
	int (*done)(size_t i, const void *out, void *ctx);
	void (*progress)(uint64_t done, uint64_t total, uint64_t bytes, void *ctx);
	void *ctx;
	volatile int *cancel;
} gr_texts_job;
int gr_hub_texts_run(gr_hub *h, const gr_texts_job *j);

/* A store writer's on_pack callback: adds the pack and its frames to the
 * catalog; ctx points to the gr_catalog pointer. */
int gr_hub_on_pack(const gr_pack_info *p, void *ctx);

/* Rolls the catalog's transaction back, keeping the error (and its code)
 * that made the caller give up; returns that code. */
int gr_hub_rollback(gr_hub *h, int rc);

/* This process's user as a commit author: name and e-mail. */
void gr_hub_author(char *name, size_t nn, char *email, size_t en);

/* After the catalog commit of a new version: writes its history commit and
 * refreshes v (its commit id). A history failure does not undo the version:
 * it is described in warning (empty otherwise) and gc writes it later. */
void gr_hub_publish(gr_hub *h, gr_version_info *v, char *warning, size_t wsize);

#endif
