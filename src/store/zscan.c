/*
 * Every zstd frame in a buffer, decompressed: what a removal's check reads
 * besides the raw bytes of each file. Frames are found by their magic
 * number; whatever fails to decode from there is skipped (a stray magic in
 * other data). Output is bounded per frame (GR_FRAME_MAX), so a hostile
 * file cannot make it allocate more.
 */
#include <string.h>
#include <zstd.h>

#include "store/store.h"

int gr_store_each_zstd_frame(const void *data, size_t n, int (*cb)(const void *out, size_t len, void *ctx),
			     void *ctx)
{
	static const uint8_t magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
	const uint8_t *p = data, *end = p + n;
	ZSTD_DCtx *d = ZSTD_createDCtx();
	gr_buf out = GR_BUF_INIT;
	int rc = d ? gr_buf_grow(&out, GR_FRAME_MAX) : gr_error_set(GR_ENOMEM, "out of memory");
	while (!rc && p + 4 <= end) {
		const uint8_t *m = memmem(p, (size_t)(end - p), magic, 4);
		if (!m)
			break;
		size_t csize = ZSTD_findFrameCompressedSize(m, (size_t)(end - m));
		if (ZSTD_isError(csize)) {
			p = m + 1;
			continue;
		}
		ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
		ZSTD_inBuffer in = {m, csize, 0};
		ZSTD_outBuffer o = {out.ptr, GR_FRAME_MAX, 0};
		size_t r = ZSTD_decompressStream(d, &o, &in);
		if (!ZSTD_isError(r) && o.pos)
			rc = cb(out.ptr, o.pos, ctx);
		p = m + csize;
	}
	ZSTD_freeDCtx(d);
	gr_buf_free(&out);
	return rc;
}
