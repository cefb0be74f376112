/*
 * Pack format v1, as bytes (docs/formats.md is the prose version).
 *
 *   pack    := header (table frame)* trailer
 *   header  := skippable frame 0x184D2A5A, payload "GRANARYP" u32 version u32 0
 *   table   := skippable frame 0x184D2A5B, payload
 *                "GRFT" u32 nchunks u32 ulen u32 clen
 *                nchunks × (hash[32] u32 len)    chunk i starts at the sum of earlier lens
 *                check[8] = SHA-256 of the payload bytes before it, first 8 bytes
 *   frame   := one standard zstd frame (content size and checksum present) of
 *              exactly clen bytes, decompressing to ulen bytes: the chunks, concatenated
 *   trailer := skippable frame 0x184D2A5C, payload
 *                "GREN" u32 nframes u64 nchunks u64 data_bytes check[8]
 * All integers little-endian. A skippable frame is u32 magic, u32 payload size, payload.
 */
#ifndef GR_PACK_INT_H
#define GR_PACK_INT_H

#define PACK_MAGIC_HEADER 0x184D2A5Au
#define PACK_MAGIC_TABLE 0x184D2A5Bu
#define PACK_MAGIC_TRAILER 0x184D2A5Cu
#define PACK_HEADER_PAYLOAD 16
#define PACK_TABLE_FIXED 16
#define PACK_TABLE_ENTRY (GR_HASH_LEN + 4)
#define PACK_CHECK_LEN 8
#define PACK_TRAILER_PAYLOAD (4 + 4 + 8 + 8 + PACK_CHECK_LEN)

#include <zstd.h>

/* A compression context with the pack parameters (store.h) at this level,
 * or NULL when out of memory. */
ZSTD_CCtx *gr_pack_cctx(int level);

#endif
