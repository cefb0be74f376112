/*
 * textscan — what a scan learns from one text: personal data counts per
 * entity type (src/scan/pii.h; IP addresses only when global) and the
 * quality attributes (src/scan/quality.h), as the catalog's gr_scan_row.
 * Used by `granary scan` and by `ingest --scan`, on worker threads: a
 * gr_textscan belongs to one thread at a time.
 */
#ifndef GR_INGEST_TEXTSCAN_H
#define GR_INGEST_TEXTSCAN_H

#include "catalog/catalog.h"

/* The version of what a scan computes (the PII rules and the quality
 * definitions). Rows of an older version are scanned again. */
#define GR_SCAN_VERSION 1

struct gr_pii_db;
typedef struct gr_textscan gr_textscan;

int gr_textscan_new(gr_textscan **out, const struct gr_pii_db *db);
void gr_textscan_free(gr_textscan *t);
/* GR_ELIMIT for texts the scanner refuses (see pii.h), GR_ENOMEM. */
int gr_textscan_run(gr_textscan *t, const char *text, size_t n, gr_scan_row *out);

#endif
