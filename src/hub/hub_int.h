/* The hub's internals, shared by the files of src/hub only. */
#ifndef GR_HUB_INT_H
#define GR_HUB_INT_H

#include "granary.h"
#include "history/history.h"
#include "ingest/jsonl.h"
#include "store/store.h"

struct gr_hub {
	char *dir;
	gr_catalog *cat;
	gr_store *store;
	gr_history *hist;
	gr_store_reader *reader;
	int lock_fd; /* holds the flock on DIR/lock while writing, else -1 */
	gr_json_member *members; /* export's parse buffer, made on first use */
};

/* Takes the hub's writer lock (GR_EBUSY when another process holds it). */
int gr_hub_lock(gr_hub *h);
void gr_hub_unlock(gr_hub *h);

#endif
