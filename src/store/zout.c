/* Streaming zstd compression to a file descriptor or a sink. */
#include <stdlib.h>
#include <zstd.h>

#include "store/zout.h"
#include "util/util.h"

struct gr_zout {
	ZSTD_CCtx *c;
	int fd;
	int (*sink)(const void *p, size_t n, void *ctx); /* else fd */
	void *ctx;
	void *buf;
	size_t cap;
};

int gr_zout_new(gr_zout **out, int fd, int level)
{
	gr_zout *z = calloc(1, sizeof *z);
	if (!z || !(z->c = ZSTD_createCCtx()) || !(z->buf = malloc(ZSTD_CStreamOutSize()))) {
		gr_zout_free(z);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	z->fd = fd;
	z->cap = ZSTD_CStreamOutSize();
	ZSTD_CCtx_setParameter(z->c, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(z->c, ZSTD_c_checksumFlag, 1);
	*out = z;
	return 0;
}

static int pump(gr_zout *z, const void *data, size_t n, ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = {data, n, 0};
	for (;;) {
		ZSTD_outBuffer o = {z->buf, z->cap, 0};
		size_t left = ZSTD_compressStream2(z->c, &o, &in, mode);
		if (ZSTD_isError(left))
			return gr_error_set(GR_ERROR, "zstd: %s", ZSTD_getErrorName(left));
		int rc = !o.pos ? 0 : z->sink ? z->sink(z->buf, o.pos, z->ctx) : gr_write_all(z->fd, z->buf, o.pos);
		if (rc)
			return rc;
		if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
			return 0;
	}
}

int gr_zout_new_sink(gr_zout **out, int (*sink)(const void *p, size_t n, void *ctx), void *ctx, int level)
{
	int rc = gr_zout_new(out, -1, level);
	if (!rc) {
		(*out)->sink = sink;
		(*out)->ctx = ctx;
	}
	return rc;
}

int gr_zout_write(gr_zout *z, const void *data, size_t n)
{
	return pump(z, data, n, ZSTD_e_continue);
}

int gr_zout_finish(gr_zout *z)
{
	return pump(z, NULL, 0, ZSTD_e_end);
}

void gr_zout_free(gr_zout *z)
{
	if (!z)
		return;
	ZSTD_freeCCtx(z->c);
	free(z->buf);
	free(z);
}
