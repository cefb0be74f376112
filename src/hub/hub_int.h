/* The hub's internals, shared by the files of src/hub only. */
#ifndef GR_HUB_INT_H
#define GR_HUB_INT_H

#include <pthread.h>

#include "granary.h"
#include "history/history.h"
#include "ingest/jsonl.h"
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
};

/* The hub's history repository, opened on first use. */
int gr_hub_history(gr_hub *h, gr_history **out);

/* Takes the hub's writer lock (GR_EBUSY when another process holds it). */
int gr_hub_lock(gr_hub *h);
void gr_hub_unlock(gr_hub *h);

#endif
