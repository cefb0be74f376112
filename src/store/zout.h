/*
 * A zstd-compressed output stream (for `export -o FILE.zst`), so that zstd
 * stays inside the store module.
 */
#ifndef GR_ZOUT_H
#define GR_ZOUT_H
#include <stddef.h>

typedef struct gr_zout gr_zout;
/* Writes a standard zstd stream to fd (not closed by the stream). */
int gr_zout_new(gr_zout **out, int fd, int level);
/* The same, handing each compressed piece to sink (its error ends the stream). */
int gr_zout_new_sink(gr_zout **out, int (*sink)(const void *p, size_t n, void *ctx), void *ctx, int level);
int gr_zout_write(gr_zout *z, const void *data, size_t n);
/* Ends the frame and flushes everything to fd. */
int gr_zout_finish(gr_zout *z);
void gr_zout_free(gr_zout *z);
#endif
