/*
 * Rewriting a pack without some of its chunks (a removal): frames that hold
 * none of them are copied byte for byte — their table and data frame, no
 * recompression — and the others are decompressed and compressed again with
 * only the chunks kept (a frame left with none is dropped). So the cost is
 * reading and writing the pack once plus recompressing the frames touched,
 * not recompressing the whole pack. The new pack is written like any other
 * (temp file, fsync, rename under its SHA-256 name); the old one is left for
 * the caller to delete once its catalog no longer names it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "store/pack_int.h"
#include "store/store.h"

struct out {
	int fd;
	gr_sha256_ctx *hash;
	uint64_t size;
	const char *path;
};

static int out_write(struct out *o, const void *p, size_t n)
{
	int rc = gr_write_all(o->fd, p, n);
	if (rc)
		return gr_error_wrap(rc, "write %s", o->path);
	gr_sha256_update(o->hash, p, n);
	o->size += n;
	return 0;
}

static int out_skippable(struct out *o, uint32_t magic, const void *payload, uint32_t n)
{
	uint8_t h[8];
	gr_le32_put(h, magic);
	gr_le32_put(h + 4, n);
	int rc = out_write(o, h, 8);
	return rc ? rc : out_write(o, payload, n);
}

static void check8(uint8_t out[PACK_CHECK_LEN], const void *a, size_t na, const void *b, size_t nb)
{
	uint8_t h[GR_HASH_LEN];
	gr_sha256_ctx *c = gr_sha256_new();
	if (!c) {
		memset(out, 0, PACK_CHECK_LEN);
		return;
	}
	gr_sha256_update(c, a, na);
	if (nb)
		gr_sha256_update(c, b, nb);
	gr_sha256_final(c, h);
	gr_sha256_free(c);
	memcpy(out, h, PACK_CHECK_LEN);
}

int gr_store_pack_rewrite(gr_store *s, const char *name, const gr_pack_rewrite *rw, char new_name[GR_PACK_NAME_LEN + 1],
			  uint64_t *new_size)
{
	gr_backend *be = gr_store_backend(s);
	uint64_t size;
	int rc = be->stat(be, name, &size);
	if (rc)
		return rc;
	gr_buf pack = GR_BUF_INIT, raw = GR_BUF_INIT, table = GR_BUF_INIT, tmp = GR_BUF_INIT;
	void *cbuf = NULL;
	size_t ccap = 0;
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_CCtx *c = gr_pack_cctx(GR_ZSTD_LEVEL);
	struct out o = {.fd = -1, .hash = gr_sha256_new()};
	uint32_t nframes = 0, index = 0;
	uint64_t nchunks = 0, ndata = 0;
	if (!d || !c || !o.hash) {
		rc = gr_error_set(GR_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = gr_buf_grow_huge(&pack, size)) || (rc = be->read(be, name, 0, pack.ptr, size)))
		goto out;
	pack.len = size;
	static unsigned long seq;
	if ((rc = gr_buf_printf(&tmp, "%s/rewrite-%ld-%lu.tmp", gr_store_tmpdir(s), (long)getpid(),
				__atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED))))
		goto out;
	o.path = tmp.ptr;
	if ((o.fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
		rc = gr_error_errno(GR_EIO, "create %s", tmp.ptr);
		goto out;
	}
	const uint8_t *p = (const uint8_t *)pack.ptr;
	uint64_t off = 8 + PACK_HEADER_PAYLOAD;
	if (size < off || gr_le32_get(p) != PACK_MAGIC_HEADER) {
		rc = gr_error_set(GR_ECORRUPT, "pack %.12s: bad header", name);
		goto out;
	}
	if ((rc = out_write(&o, p, off)))
		goto out;
	bool ended = false;
	while (!rc && off + 8 <= size && !ended) {
		uint32_t magic = gr_le32_get(p + off), plen = gr_le32_get(p + off + 4);
		if (plen > size - off - 8) {
			rc = gr_error_set(GR_ECORRUPT, "pack %.12s: frame at %llu runs past the end", name,
					  (unsigned long long)off);
			break;
		}
		if (magic == PACK_MAGIC_TRAILER) {
			ended = true;
			break;
		}
		if (magic != PACK_MAGIC_TABLE || plen < PACK_TABLE_FIXED + PACK_CHECK_LEN) {
			rc = gr_error_set(GR_ECORRUPT, "pack %.12s: expected a frame table at %llu", name,
					  (unsigned long long)off);
			break;
		}
		const uint8_t *t = p + off + 8;
		uint32_t n = gr_le32_get(t + 4), ulen = gr_le32_get(t + 8), clen = gr_le32_get(t + 12);
		uint64_t dataoff = off + 8 + plen;
		if ((uint64_t)n * PACK_TABLE_ENTRY + PACK_TABLE_FIXED + PACK_CHECK_LEN != plen || clen > size - dataoff ||
		    ulen > GR_FRAME_MAX) {
			rc = gr_error_set(GR_ECORRUPT, "pack %.12s: malformed frame table at %llu", name,
					  (unsigned long long)off);
			break;
		}
		const uint8_t *ents = t + PACK_TABLE_FIXED;
		uint32_t dropped = 0;
		for (uint32_t i = 0; i < n; i++)
			dropped += !rw->keep(ents + (size_t)i * PACK_TABLE_ENTRY, rw->ctx);
		gr_rewrite_frame f = {.index = index};
		index++;
		if (!dropped) {
			/* untouched: the same bytes, at a new offset */
			f.loc.off = o.size + 8 + plen;
			f.loc.clen = clen;
			f.loc.ulen = ulen;
			f.nchunks = n;
			if ((rc = out_write(&o, p + off, 8 + plen + clen)))
				break;
		} else if (dropped == n) {
			f.dropped = true;
		} else {
			/* the kept chunks, in order, compressed again */
			gr_buf_reset(&raw);
			gr_buf_reset(&table);
			if ((rc = gr_buf_grow_huge(&raw, ulen)))
				break;
			size_t r = ZSTD_decompressDCtx(d, raw.ptr, ulen, p + dataoff, clen);
			if (ZSTD_isError(r) || r != ulen) {
				rc = gr_error_set(GR_ECORRUPT, "pack %.12s: frame at %llu does not decompress", name,
						  (unsigned long long)dataoff);
				break;
			}
			uint32_t in = 0, kept = 0, w = 0;
			f.rebuilt = true;
			for (uint32_t i = 0; i < n && !rc; i++) {
				const uint8_t *e = ents + (size_t)i * PACK_TABLE_ENTRY;
				uint32_t len = gr_le32_get(e + GR_HASH_LEN);
				if (len > ulen - in) {
					rc = gr_error_set(GR_ECORRUPT, "pack %.12s: chunk lengths exceed the frame", name);
					break;
				}
				if (rw->keep(e, rw->ctx)) {
					memmove(raw.ptr + w, raw.ptr + in, len);
					if (!(rc = gr_buf_put(&table, e, PACK_TABLE_ENTRY)) && rw->on_chunk)
						rc = rw->on_chunk(f.index, e, w, rw->ctx);
					w += len;
					kept++;
				}
				in += len;
			}
			if (rc)
				break;
			size_t bound = ZSTD_compressBound(w);
			if (bound > ccap) {
				void *nb = realloc(cbuf, bound);
				if (!nb) {
					rc = gr_error_set(GR_ENOMEM, "out of memory");
					break;
				}
				cbuf = nb;
				ccap = bound;
			}
			size_t cl = ZSTD_compress2(c, cbuf, ccap, raw.ptr, w);
			if (ZSTD_isError(cl)) {
				rc = gr_error_set(GR_ERROR, "zstd compression failed: %s", ZSTD_getErrorName(cl));
				break;
			}
			uint8_t fixed[PACK_TABLE_FIXED], chk[PACK_CHECK_LEN], hdr[8];
			memcpy(fixed, "GRFT", 4);
			gr_le32_put(fixed + 4, kept);
			gr_le32_put(fixed + 8, w);
			gr_le32_put(fixed + 12, (uint32_t)cl);
			check8(chk, fixed, sizeof fixed, table.ptr, table.len);
			uint32_t np = (uint32_t)(PACK_TABLE_FIXED + table.len + PACK_CHECK_LEN);
			gr_le32_put(hdr, PACK_MAGIC_TABLE);
			gr_le32_put(hdr + 4, np);
			f.loc.off = o.size + 8 + np;
			f.loc.clen = (uint32_t)cl;
			f.loc.ulen = w;
			f.nchunks = kept;
			if ((rc = out_write(&o, hdr, 8)) || (rc = out_write(&o, fixed, sizeof fixed)) ||
			    (rc = out_write(&o, table.ptr, table.len)) || (rc = out_write(&o, chk, sizeof chk)) ||
			    (rc = out_write(&o, cbuf, cl)))
				break;
		}
		if (!f.dropped) {
			nframes++;
			nchunks += f.nchunks;
			ndata += f.loc.ulen;
		}
		if (rw->on_frame && (rc = rw->on_frame(&f, rw->ctx)))
			break;
		off = dataoff + clen;
	}
	if (!rc && !ended)
		rc = gr_error_set(GR_ECORRUPT, "pack %.12s: no trailer", name);
	if (rc)
		goto out;
	uint8_t tr[PACK_TRAILER_PAYLOAD];
	memcpy(tr, "GREN", 4);
	gr_le32_put(tr + 4, nframes);
	gr_le64_put(tr + 8, nchunks);
	gr_le64_put(tr + 16, ndata);
	check8(tr + 24, tr, 24, NULL, 0);
	if ((rc = out_skippable(&o, PACK_MAGIC_TRAILER, tr, sizeof tr)))
		goto out;
	if (fsync(o.fd) != 0) {
		rc = gr_error_errno(GR_EIO, "fsync %s", tmp.ptr);
		goto out;
	}
	close(o.fd);
	o.fd = -1;
	uint8_t h[GR_HASH_LEN];
	gr_sha256_final(o.hash, h);
	gr_hex(new_name, h, GR_HASH_LEN);
	if ((rc = be->put(be, new_name, tmp.ptr)))
		goto out;
	*new_size = o.size;
out:
	if (o.fd >= 0) {
		close(o.fd);
		unlink(tmp.ptr);
	} else if (rc && tmp.ptr) {
		unlink(tmp.ptr);
	}
	gr_sha256_free(o.hash);
	ZSTD_freeDCtx(d);
	ZSTD_freeCCtx(c);
	free(cbuf);
	gr_buf_free(&pack);
	gr_buf_free(&raw);
	gr_buf_free(&table);
	gr_buf_free(&tmp);
	return rc;
}
