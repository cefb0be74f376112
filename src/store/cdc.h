/*
 * cdc — content-defined chunking for large record contents (store format v1).
 *
 * FastCDC-style Gear hash with normalized chunking (level 2), masks on the
 * high bits of the hash. The exact algorithm, the gear table generator and
 * test vectors are in docs/chunking.md; every constant here is frozen for
 * store format v1 (changing one changes chunk identities).
 */
#ifndef GR_STORE_CDC_H
#define GR_STORE_CDC_H

#include <stddef.h>
#include <stdint.h>

#define GR_CDC_MIN (16u * 1024)
#define GR_CDC_AVG (64u * 1024)
#define GR_CDC_MAX (256u * 1024)

/*
 * Returns the length of the first chunk of data[0..n): n when n <= GR_CDC_MIN,
 * else a value in [GR_CDC_MIN, min(n, GR_CDC_MAX)]. Deterministic, no state,
 * no allocation, thread-safe. Reads at most min(n, GR_CDC_MAX) bytes; data may
 * be NULL when n == 0.
 *
 * The decision never looks past the returned length, so a result below
 * min(n, GR_CDC_MAX) is final however much more data follows: a streaming
 * caller with GR_CDC_MAX bytes buffered (or the rest of the content) gets the
 * same boundary as one holding the whole content.
 */
size_t gr_cdc_cut(const uint8_t *data, size_t n);

/*
 * The 256-entry gear table (borrowed, static). Exposed so the conformance
 * test can check it against its generator (docs/chunking.md section 2).
 */
const uint64_t *gr_cdc_gear(void);

#endif
