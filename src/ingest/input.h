/*
 * input — reading one input file, plain or compressed (gzip, zstd, xz,
 * bzip2, found by magic bytes). Plain files may also be read by range
 * through fd (in->a is NULL then).
 */
#ifndef GR_INGEST_INPUT_H
#define GR_INGEST_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct archive;

typedef struct {
	const char *path;
	int fd;
	struct archive *a; /* the decompressor, NULL for a plain file */
	uint64_t size;     /* on disk */
	uint64_t consumed; /* bytes read from disk (approx. for compressed input) */
	uint64_t out;      /* bytes produced */
	gr_buf peek;       /* read ahead to detect the format; gr_input_read serves it first */
	size_t peek_off;
} gr_input;

/* 0, GR_ENOTFOUND, GR_EIO, GR_EINVAL (not a regular file, or not decodable), GR_ENOMEM. */
int gr_input_open(gr_input *in, const char *path);
/* Standard input, plain or compressed (any filter libarchive knows), read as
 * a stream. */
int gr_input_open_stdin(gr_input *in);
/* Reads up to n bytes; *got = 0 at the end. GR_EINVAL when decompression
 * fails, GR_ELIMIT past GR_INGEST_MAX_DECOMPRESSED, GR_EIO. */
int gr_input_read(gr_input *in, char *buf, size_t n, size_t *got);
/* The first bytes of the (decompressed) content, served again by gr_input_read. */
int gr_input_peek(gr_input *in, size_t want, const uint8_t **p, size_t *n);
void gr_input_close(gr_input *in);

#endif
