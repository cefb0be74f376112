/*
 * piifile — personal data in a JSON Lines file, without a hub (`granary pii
 * --jsonl FILE`): every line's text field is scanned on the pool, both
 * cores, and the counts are summed. The file may be compressed (gzip, zstd,
 * xz, bzip2), as for ingest.
 */
#ifndef GR_INGEST_PIIFILE_H
#define GR_INGEST_PIIFILE_H

#include <stdint.h>

#include "scan/pii.h"

typedef struct {
	uint64_t records, bytes;         /* lines scanned, and their text bytes */
	uint64_t skipped;                /* lines that are not objects with the text field */
	uint64_t refused;                /* texts over the scanner's limits */
	uint64_t spans[GR_PII_NTYPES];   /* spans per type (IP addresses: global ones) */
	uint64_t records_with[GR_PII_NTYPES];
	uint64_t records_with_any;
} gr_pii_file_stats;

/* path "-": standard input. text_field NULL: "text". threads 0: one per CPU. 0, GR_ENOTFOUND, GR_EIO,
 * GR_ELIMIT (a line over 64 MiB), GR_ENOMEM. */
int gr_pii_scan_jsonl(const char *path, const char *text_field, const gr_pii_db *db, int threads,
		      gr_pii_file_stats *out);

#endif
