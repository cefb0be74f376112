/*
 * dedup/minhash — near-duplicate detection: MinHash signatures over 5-word
 * shingles, LSH banding, and clustering of the candidate pairs.
 *
 * Words. A word is a maximal run of word bytes: ASCII letters and digits,
 * and every byte >= 0x80 (so non-ASCII letters are part of words: Cyrillic,
 * Greek, CJK... text has words; a CJK text without spaces is one long word
 * per run) — except the bytes of these characters, which separate words like
 * ASCII space and punctuation do (version 2; in version 1 they stuck to the
 * word they touched, so "don’t" and "don't", or "a—b" and "a - b", differed):
 *   U+00A0 no-break space, U+00A1 ¡, U+00AB «, U+00BB », U+00BF ¿;
 *   U+2000..U+200B spaces; U+2010..U+2029 dashes, quotes, bullets, ellipsis,
 *   line and paragraph separators; U+202F..U+205F narrow no-break space and
 *   the rest of General Punctuation up to U+205F (not the joiners U+200C,
 *   U+200D, nor the format marks U+200E..U+200F, U+202A..U+202E, U+2060..);
 *   U+3000..U+3003 ideographic space, 、 。 〃; U+3008..U+3011 CJK brackets;
 *   U+FEFF (byte-order mark); the full-width punctuation U+FF01..U+FF0F,
 *   U+FF1A..U+FF20, U+FF3B..U+FF40, U+FF5B..U+FF65.
 * ASCII letters are lowercased; nothing else is normalised. Everything else
 * that is ASCII (space, punctuation, controls) separates words.
 *
 * Shingles. The shingles of a text are its runs of GR_MINHASH_SHINGLE
 * consecutive words (w words give w - 4 shingles, counting repeats). A text
 * with 1 to 4 words has one shingle, of all its words; a text without words
 * (empty, or only punctuation) has none. A shingle is hashed to 64 bits as a
 * function of its word sequence, which is the same as a function of the
 * words joined by one space (words hold no space):
 *
 *     word       f = WORD_SEED
 *                for each 8-byte chunk c of the lowercased word (little
 *                endian, the last one padded with zero bytes):
 *                    f = (f ^ c) * M;  f ^= f >> 29
 *                f ^= length of the word in bytes
 *     shingle    s = SHINGLE_SEED ^ k            (k = words in it, 1..5)
 *                for each word's f in order:  s = (s ^ f) * M;  s ^= s >> 32
 *                hash = splitmix64-finalizer(s)
 *
 * (constants in minhash.c; chunks rather than bytes so that a word of up
 * to 8 bytes can be hashed with one load and one multiply). gr_shingle_set
 * and gr_shingle_jaccard give the exact shingle sets these hashes stand
 * for; distinct shingles collide with probability 2^-64 per pair.
 *
 * Signature. GR_MINHASH_HASHES = 112 = GR_MINHASH_BANDS 14 x GR_MINHASH_ROWS
 * 8 values; value i is the minimum over the text's shingle hashes h of
 *
 *     p_i(h) = A[i]*lo32(h) + B[i]*hi32(h) + C[i]   (mod 2^32)
 *
 * with frozen 32-bit tables A (odd), B, C generated as written in minhash.c.
 * B[i] = A[i]*R[i] with R[i] = i (mod 128), so for i != j the determinant
 * A[i]B[j] - A[j]B[i] has at most 6 factors of 2: the pair (p_i, p_j) of one
 * random 64-bit h is uniform in its top 26 bits, i.e. any two signature
 * values are independent, and the estimate below has the binomial variance
 * J(1-J)/112 (sd 0.038 at J = 0.8; checked by test_minhash). The 32-bit
 * arithmetic is what makes it fast: 112 values per shingle in a handful of
 * AVX2 / AVX-512 instructions (chosen at run time; the portable C gives the
 * same values). A text without shingles has every value UINT32_MAX
 * (gr_minhash_is_empty).
 *
 * GR_MINHASH_VERSION names all of the above (word rule, shingle hash,
 * tables, band hash): signatures and band values may be stored, and one
 * computed under another version must not be compared with them. Any change
 * to the values is a new version; test_minhash pins the current ones.
 *
 * LSH. Two texts become a candidate pair when all 8 rows of any of the 14
 * bands are equal; for texts of shingle Jaccard s that happens with
 * probability 1 - (1 - s^8)^14:
 *
 *     s          0.3     0.5     0.6     0.7     0.75    0.8     0.85    0.9
 *     P(cand)    0.001   0.053   0.211   0.565   0.772   0.924   0.988   1.000
 *
 * The curve's midpoint is (1/14)^(1/8) = 0.72 (datatrove's and FineWeb's
 * setting). gr_lsh_cluster then accepts a candidate only when the estimated
 * Jaccard is at least the threshold, GR_MINHASH_DEFAULT_THRESHOLD = 0.72
 * (81 of 112 values equal), which drops most of the chance candidates below
 * 0.7 while losing ~2% of true pairs at 0.8.
 *
 * Threads: everything here is a pure function of its arguments.
 */
#ifndef GR_DEDUP_MINHASH_H
#define GR_DEDUP_MINHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

#define GR_MINHASH_VERSION 2
#define GR_MINHASH_SHINGLE 5
#define GR_MINHASH_BANDS 14
#define GR_MINHASH_ROWS 8
#define GR_MINHASH_HASHES (GR_MINHASH_BANDS * GR_MINHASH_ROWS)
#define GR_MINHASH_DEFAULT_THRESHOLD 0.72

/* A bucket of gr_lsh_cluster holding many dissimilar records compares each
 * record with at most this many of them (bounds adversarial input; real
 * buckets are almost all one cluster). */
#define GR_LSH_MAX_HEADS 64

typedef struct gr_minhash {
	uint32_t v[GR_MINHASH_HASHES];
} gr_minhash;

/* The signature of text[0..n) (any bytes; text may be NULL when n == 0).
 * No allocation, no failure. */
void gr_minhash_compute(gr_minhash *out, const char *text, size_t n);

/* For tests: gr_minhash_compute with the signature update forced to impl,
 * 0 portable C, 1 AVX2, 2 AVX-512 (the same values by definition). false,
 * out untouched, when this build or CPU lacks impl. */
bool gr_minhash_compute_impl(gr_minhash *out, const char *text, size_t n, int impl);

/* True when m is the signature of a text without shingles (all UINT32_MAX). */
bool gr_minhash_is_empty(const gr_minhash *m);

/* The fraction of the 112 values that are equal: an estimate of the
 * shingle Jaccard with standard deviation sqrt(J(1-J)/112). 0 when either
 * signature is empty: texts without words are never near-duplicates. */
double gr_minhash_jaccard(const gr_minhash *a, const gr_minhash *b);

/* A 64-bit hash of rows [band*8, band*8 + 8) and of band itself (equal rows
 * in different bands hash differently, so one table can hold all bands).
 * 0 for a band outside [0, GR_MINHASH_BANDS). Empty signatures all share
 * their band values: skip them (gr_minhash_is_empty). */
uint64_t gr_minhash_band(const gr_minhash *m, int band);

/*
 * Near-duplicate clusters of sigs[0..n), records in order (index 0 is the
 * earliest). Candidate pairs are those sharing a band value; a candidate
 * pair is accepted when gr_minhash_jaccard >= threshold; the clusters are
 * the connected components of accepted pairs. On success rep_out[i] is the
 * smallest index in i's cluster, so rep_out[i] == i marks the record to keep
 * and every other record names the kept record of its cluster. Empty
 * signatures are never clustered (rep_out[i] == i).
 *
 * Within one bucket (records sharing a band value) each record is compared
 * with the first record of every distinct cluster met earlier in that
 * bucket, at most GR_LSH_MAX_HEADS of them. A pair is therefore missed only
 * when it is similar to a later member of a cluster but not to that
 * cluster's first member in any shared bucket.
 *
 * Buckets are formed on the top 32 bits of the band values; the rare
 * collisions only add candidates, which still have to pass the threshold.
 * Memory: 20 bytes per record besides sigs and rep_out. Time: 14 radix
 * sorts of n keys (0.7 s for n = 10^6 on one core).
 * Returns 0; GR_EINVAL for n > UINT32_MAX or a threshold outside [0, 1];
 * GR_ENOMEM. On failure rep_out is untouched.
 */
int gr_lsh_cluster(uint32_t *rep_out, const gr_minhash *sigs, size_t n, double threshold);

/*
 * The distinct shingle hashes of text[0..n), sorted ascending, in a new
 * array (*out, *nout; free it with free(); NULL when *nout is 0).
 * 0, or GR_ENOMEM with *out and *nout untouched.
 */
int gr_shingle_set(uint64_t **out, size_t *nout, const char *text, size_t n);

/* The exact Jaccard |A & B| / |A | B| of the shingle sets of a and b (for
 * tests and benchmarks); 0 when either has no shingles (like
 * gr_minhash_jaccard), -1 when out of memory (error set). */
double gr_shingle_jaccard(const char *a, size_t na, const char *b, size_t nb);

#endif
