/*
 * dedup/minhash — MinHash signatures, LSH clustering and exact shingle sets
 * (the definitions are in minhash.h).
 *
 * Invariants:
 *  1. Every constant below (the word-byte table, the shingle-hash constants,
 *     the separator characters, the permutation tables A, B, C and the
 *     band-hash constants) is frozen for GR_MINHASH_VERSION 2. test_minhash regenerates A, B, C from their
 *     generator and pins signature and band values of fixed texts.
 *  2. The SIMD paths compute exactly the portable formula (32-bit wrapping
 *     multiply-add and unsigned minimum), so a signature does not depend on
 *     the CPU it was made on.
 *  3. Shingles are produced in text order by a resumable scanner that stops
 *     only between words; gr_minhash_compute and gr_shingle_set read the
 *     same sequence.
 *  4. In gr_lsh_cluster the union-find parent of a record is never larger
 *     than the record (the smaller root wins every union), so a root is the
 *     smallest index of its cluster and one pass in index order resolves
 *     every record to it.
 *
 * Tables A, B, C: splitmix64 from the state 0x6772616E6D683031 ("granmh01");
 * for i = 0..111 draw a, r, c (in that order) and set
 *     A[i] = lo32(a) | 1,  B[i] = A[i] * (i + (lo32(r) << 7)),  C[i] = lo32(c)
 * (32-bit wrapping arithmetic). R[i] = B[i] / A[i] is i modulo 128, so
 * A[i]B[j] - A[j]B[i] = A[i]A[j](R[j] - R[i]) has at most 6 factors of two.
 */
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MH_X86 1
#endif

#include "dedup/minhash.h"

/* Word and shingle hashes (minhash.h): multiply-xorshift chains over the
 * word's 8-byte chunks, then over the words, and the splitmix64 finalizer. */
#define WORD_SEED 0x776f726473303031ull /* "words001" */
#define SHINGLE_SEED 0x6772616e6172796dull /* "granarym" */
#define MIX_M 0xd6e8feb86659fd93ull
#define BAND_SEED 0x62616e6473303031ull /* "bands001" */
#define GOLDEN 0x9e3779b97f4a7c15ull

/* Shingle hashes gathered before each signature update: amortises the
 * update's setup (loading 112 minima into registers) over many shingles. */
#define BATCH 256

/* 0 for a byte that separates words; otherwise the byte, ASCII lowercased. */
static const uint8_t word_byte[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf,
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
	0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
};

/* Version 2: these characters separate words too (minhash.h), read from
 * their UTF-8 bytes: a lead byte C2, E2, E3 or EF starts the check. */
static bool sep_cp(uint32_t cp)
{
	return cp == 0xA0 || cp == 0xA1 || cp == 0xAB || cp == 0xBB || cp == 0xBF ||
	       (cp >= 0x2000 && cp <= 0x200B) || (cp >= 0x2010 && cp <= 0x2029) || (cp >= 0x202F && cp <= 0x205F) ||
	       (cp >= 0x3000 && cp <= 0x3003) || (cp >= 0x3008 && cp <= 0x3011) || cp == 0xFEFF ||
	       (cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
	       (cp >= 0xFF5B && cp <= 0xFF65);
}

static inline bool sep_lead(unsigned c)
{
	return c == 0xC2 || c == 0xE2 || c == 0xE3 || c == 0xEF;
}

/* Bytes of the separator character starting at p (n > 0 bytes left), or 0. */
static size_t sep_len(const uint8_t *p, size_t n)
{
	if (p[0] == 0xC2)
		return n >= 2 && sep_cp(p[1]) && p[1] >= 0x80 ? 2 : 0;
	if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
		return 0;
	uint32_t cp = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
	return sep_cp(cp) ? 3 : 0;
}

/* The permutation tables (generator above). */
_Alignas(64) static const uint32_t A[GR_MINHASH_HASHES] = {
	0xd42d33d7u, 0xa27ab097u, 0x7c1251f9u, 0x71e87fa5u, 0xf485870du, 0xb2b29a15u, 0x4fbbff79u, 0x9aefd577u,
	0xb007301du, 0x1134966du, 0x6a166a31u, 0xcbe6e225u, 0xd2555c1du, 0xb79b846du, 0x07e05e4fu, 0x511ce5d1u,
	0xf173c723u, 0xc615c209u, 0x2344dd57u, 0x998bf243u, 0x1f320467u, 0x1eb5585fu, 0xe06af3ffu, 0x152d0809u,
	0x88081a8bu, 0x1a4c508bu, 0xac11ed35u, 0x7f75d61bu, 0x2a55517bu, 0x22eaa49du, 0x88ccc44fu, 0x332e700bu,
	0xb921228du, 0xce316471u, 0x32fd5c3bu, 0xde01894fu, 0xf8f6a7adu, 0x2b30ed8fu, 0x576406c5u, 0x7b924481u,
	0x96895e5fu, 0xc0a91d17u, 0x40f42ed1u, 0x9c208e2bu, 0x2de748dbu, 0x0510dc7du, 0x831d1c4du, 0x7590f059u,
	0x08b87c81u, 0x2ef18cf7u, 0x7f0aa7cdu, 0x3137df8fu, 0x812449d1u, 0xfa67800fu, 0x9680c169u, 0x8199730bu,
	0xeee95d13u, 0xc7b17337u, 0xe105dc69u, 0xcd5bc8cbu, 0x5758c0f9u, 0x97a93067u, 0x81ae979du, 0x67827c19u,
	0xbb75523bu, 0x09bdef1bu, 0xc59e92d5u, 0x7069461du, 0xbd7bfe4du, 0x3b877a4bu, 0x7d496319u, 0xa2fd4c77u,
	0x36630019u, 0x6f3891a3u, 0x92a6e2ddu, 0xd999a509u, 0x1a689ea7u, 0xd23dff9du, 0xaf4e797fu, 0x19ae0223u,
	0x91c02efbu, 0xf0f930fdu, 0x3495c0b1u, 0xc47c9961u, 0xf8b462b1u, 0xedfa4143u, 0xcdfa44a1u, 0xf9063f1fu,
	0x874fcfc5u, 0xb202a64du, 0x22bc45adu, 0x0a3e885bu, 0xd18d9469u, 0xdcf50d0du, 0x6e116985u, 0x02de00f3u,
	0x36027227u, 0xc467bc5fu, 0xd85662b3u, 0x03a4f125u, 0x78078e53u, 0x7eddc0e3u, 0xdcfec617u, 0x41cdd6a7u,
	0x18798533u, 0xb63f3cf3u, 0xac2cf22bu, 0x729ae91du, 0xb4ffec41u, 0x26c53bc7u, 0x3e8049a9u, 0x93c5a35bu,
};
_Alignas(64) static const uint32_t B[GR_MINHASH_HASHES] = {
	0x5707a600u, 0xe812cd97u, 0xf6050772u, 0xba3809efu, 0x92abd3b4u, 0x40ea17e9u, 0xfff96d56u, 0x47af43c1u,
	0x8359f0e8u, 0xc1f837d5u, 0xa707ce6au, 0x46a12117u, 0x639daadcu, 0x4ab4c109u, 0x464c55d2u, 0x27bc923fu,
	0x68155730u, 0x27bcd619u, 0xfdf4531eu, 0xa404a5f9u, 0xb7096f0cu, 0x08272f4bu, 0x7e00fbeau, 0x167b2ccfu,
	0x9c9d7888u, 0xe91a0893u, 0xf9822f62u, 0x18b09059u, 0x939e9d74u, 0x2c47be49u, 0xa3558842u, 0xdca4c555u,
	0xb7f165a0u, 0x39bb1e91u, 0xd2984e56u, 0x89629a4du, 0x4954a4d4u, 0x8c764babu, 0xcb6eed3eu, 0xb0e445a7u,
	0x67306a58u, 0xed221aafu, 0xd53f0b4au, 0x03d0e0b9u, 0x014411a4u, 0x5dd1ba79u, 0x0c86a1d6u, 0xe144c457u,
	0xbe590430u, 0xcde0a7c7u, 0x21cc978au, 0xed9ca1fdu, 0x8745fa74u, 0x0422489bu, 0x589c56a6u, 0xf3d669ddu,
	0x0092bea8u, 0xe9afbcbfu, 0xcb007fcau, 0x0f8f4e49u, 0xe0132adcu, 0x15be0a0bu, 0x77291b06u, 0x6f582c27u,
	0x7ccde940u, 0x1173935bu, 0xf070a76au, 0x6f7b5097u, 0xc33574f4u, 0xbcf3eeb7u, 0x041c14d6u, 0xdcf00c01u,
	0x30cfbb08u, 0x5d908a7bu, 0x9b757162u, 0xbce5a723u, 0x1bcde194u, 0x852a6539u, 0x3b612732u, 0x15db1ccdu,
	0x27697e70u, 0x60db628du, 0xcee4d132u, 0x29bd2173u, 0x0e2a8f94u, 0xdcebb53fu, 0x08d37096u, 0x78249f09u,
	0xa95206b8u, 0x60fe0ac5u, 0x70a6fed2u, 0x96147e59u, 0x5705373cu, 0xa725dbb9u, 0x9a0e07d6u, 0xf737ecadu,
	0x3f27ada0u, 0x2cd518ffu, 0xb9288a86u, 0x455d53cfu, 0x2d3e1c6cu, 0xeb567d8fu, 0x5ecce4aau, 0xe17c2031u,
	0xf4be56b8u, 0x7a12dd2bu, 0xf8595cceu, 0x80ddca9fu, 0x0f411decu, 0xfd7dba3bu, 0x65567a1eu, 0x70b2e175u,
};
_Alignas(64) static const uint32_t C[GR_MINHASH_HASHES] = {
	0xe206201eu, 0x2d0fbb86u, 0x072a97dfu, 0x6b15c513u, 0x5610a606u, 0xa839b773u, 0xe382c44cu, 0xf59adb56u,
	0x31cd4886u, 0x3acf2587u, 0x271aee9au, 0x90f913e4u, 0x8f50a28fu, 0xe9e64a29u, 0xadd2cf55u, 0xb5d1b517u,
	0xe556293eu, 0xcb7e53b9u, 0xfaf385c4u, 0xe3ad19ebu, 0x0d18530du, 0xd7eb4c2du, 0x0842e566u, 0xa6a0f1beu,
	0x48032ef6u, 0x17e6f1d7u, 0xc1238143u, 0xba2b6cd3u, 0x4f380783u, 0x3d9cff63u, 0xe0c2e07cu, 0xddd208b4u,
	0x1625d873u, 0x559ea85au, 0xe4ac0a55u, 0x4ef36e9du, 0x62281185u, 0xb1735b54u, 0x9254a646u, 0xa5418d5cu,
	0x885e46d8u, 0x0ba19397u, 0x68a90e66u, 0x646c3c95u, 0xb1b89dc4u, 0x886a4acbu, 0x40bb00e5u, 0x8495e564u,
	0x4c64fd41u, 0x1817783bu, 0x9efd87d4u, 0x5219f40cu, 0x0204fd51u, 0xa454e175u, 0x2f09f89cu, 0x01c69b05u,
	0x4ddeb241u, 0xe9e0f976u, 0x8976de28u, 0x03711910u, 0xeddcc280u, 0x8681a3beu, 0x5539e348u, 0x34a8b758u,
	0x39b61747u, 0x4f39533bu, 0x6602e775u, 0x2598b748u, 0xfc2bbdb2u, 0x6caba17bu, 0xed9f4ca4u, 0xf6795bc8u,
	0x4a87bcdbu, 0xd5a46de4u, 0x104958c1u, 0xafe5be49u, 0xe38bc047u, 0xf7da5a53u, 0x0cfa082eu, 0x4241c9c0u,
	0xd54d7884u, 0x5121ab10u, 0x97795597u, 0xba20437cu, 0x015a9d02u, 0x7f2f00aau, 0x39496e0fu, 0xed20036au,
	0x6b7a9182u, 0x31874a99u, 0x63efdedcu, 0xe286fe96u, 0xfdbbc54cu, 0x43d85aeau, 0x39a97012u, 0xb392617du,
	0x6044c18du, 0xb3de1fbcu, 0x652edfe3u, 0x19f4de4bu, 0x2a435d96u, 0xe1ff5ddfu, 0xc3e55ddcu, 0x0e6d100cu,
	0xbc9c657bu, 0x2ed1080du, 0x039e3f3du, 0x77a19e57u, 0xc7780c14u, 0x214a4952u, 0xa4670a0cu, 0x728daf4cu,
};

static inline uint64_t fmix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Hash of the k words whose hashes are w[0..k), in order. */
static inline uint64_t shingle_hash(const uint64_t *w, unsigned k)
{
	uint64_t s = SHINGLE_SEED ^ k;
	for (unsigned j = 0; j < k; j++) {
		s = (s ^ w[j]) * MIX_M;
		s ^= s >> 32;
	}
	return fmix64(s);
}

/* The shingles of one text, produced in order a batch at a time. */
typedef struct {
	const uint8_t *p;
	size_t n, i;
	uint64_t win[GR_MINHASH_SHINGLE]; /* hashes of the last words, oldest first */
	uint64_t nwords;
	bool tail_done; /* the text's end has been handled */
} shingler;

static void shingler_init(shingler *s, const char *text, size_t n)
{
	memset(s, 0, sizeof *s);
	s->p = (const uint8_t *)text;
	s->n = text ? n : 0;
}

/* Writes up to cap (>= 1) next shingle hashes to out; returns how many, 0
 * once the text is exhausted. */
static size_t shingler_next(shingler *s, uint64_t *out, size_t cap)
{
	const uint8_t *p = s->p;
	const size_t n = s->n;
	size_t i = s->i, k = 0;
	uint64_t nw = s->nwords;
	uint64_t w[GR_MINHASH_SHINGLE]; /* a local copy the compiler keeps in registers */
	memcpy(w, s->win, sizeof w);

	while (k < cap) {
		for (;;) {
			while (i < n && !word_byte[p[i]])
				i++;
			size_t l;
			if (i < n && sep_lead(p[i]) && (l = sep_len(p + i, n - i)) != 0) {
				i += l;
				continue;
			}
			break;
		}
		if (i == n)
			break;
		/* the word's bytes as little-endian 8-byte chunks (minhash.h) */
		uint64_t h = WORD_SEED, chunk = 0;
		size_t len = 0;
		unsigned c;
		while (i < n && (c = word_byte[p[i]]) != 0) {
			if (sep_lead(c) && sep_len(p + i, n - i))
				break;
			chunk |= (uint64_t)c << (8 * (len & 7));
			i++;
			if ((++len & 7) == 0) {
				h = (h ^ chunk) * MIX_M;
				h ^= h >> 29;
				chunk = 0;
			}
		}
		if (len & 7) {
			h = (h ^ chunk) * MIX_M;
			h ^= h >> 29;
		}
		h ^= len;
		for (int j = 0; j < GR_MINHASH_SHINGLE - 1; j++)
			w[j] = w[j + 1];
		w[GR_MINHASH_SHINGLE - 1] = h;
		if (++nw >= GR_MINHASH_SHINGLE)
			out[k++] = shingle_hash(w, GR_MINHASH_SHINGLE);
	}
	s->i = i;
	s->nwords = nw;
	memcpy(s->win, w, sizeof w);
	if (i == n && k < cap && !s->tail_done) {
		/* 1..4 words: one shingle of them all */
		s->tail_done = true;
		if (nw > 0 && nw < GR_MINHASH_SHINGLE)
			out[k++] = shingle_hash(s->win + (GR_MINHASH_SHINGLE - nw), (unsigned)nw);
	}
	return k;
}

/* sig[i] = min(sig[i], p_i(h)) for each of the k hashes h. */
typedef void update_fn(uint32_t *sig, const uint64_t *h, size_t k);

static void update_portable(uint32_t *sig, const uint64_t *h, size_t k)
{
	for (size_t j = 0; j < k; j++) {
		const uint32_t x = (uint32_t)h[j], y = (uint32_t)(h[j] >> 32);
		for (int i = 0; i < GR_MINHASH_HASHES; i++) {
			uint32_t v = A[i] * x + B[i] * y + C[i];
			sig[i] = v < sig[i] ? v : sig[i];
		}
	}
}

#ifdef MH_X86
_Static_assert(GR_MINHASH_HASHES % 16 == 0, "whole AVX-512 vectors");

__attribute__((target("avx2"))) static void update_avx2(uint32_t *sig, const uint64_t *h, size_t k)
{
	enum { NV = GR_MINHASH_HASHES / 8 };
	__m256i s[NV];
	for (int v = 0; v < NV; v++)
		s[v] = _mm256_loadu_si256((const __m256i *)(sig + 8 * v));
	for (size_t j = 0; j < k; j++) {
		const __m256i x = _mm256_set1_epi32((int)(uint32_t)h[j]);
		const __m256i y = _mm256_set1_epi32((int)(uint32_t)(h[j] >> 32));
		for (int v = 0; v < NV; v++) {
			__m256i a = _mm256_loadu_si256((const __m256i *)(A + 8 * v));
			__m256i b = _mm256_loadu_si256((const __m256i *)(B + 8 * v));
			__m256i c = _mm256_loadu_si256((const __m256i *)(C + 8 * v));
			__m256i t = _mm256_add_epi32(_mm256_mullo_epi32(a, x), _mm256_mullo_epi32(b, y));
			t = _mm256_add_epi32(t, c);
			s[v] = _mm256_min_epu32(s[v], t);
		}
	}
	for (int v = 0; v < NV; v++)
		_mm256_storeu_si256((__m256i *)(sig + 8 * v), s[v]);
}

__attribute__((target("avx512f"))) static void update_avx512(uint32_t *sig, const uint64_t *h, size_t k)
{
	enum { NV = GR_MINHASH_HASHES / 16 };
	__m512i s[NV], a[NV], b[NV], c[NV];
	for (int v = 0; v < NV; v++) {
		s[v] = _mm512_loadu_si512(sig + 16 * v);
		a[v] = _mm512_loadu_si512(A + 16 * v);
		b[v] = _mm512_loadu_si512(B + 16 * v);
		c[v] = _mm512_loadu_si512(C + 16 * v);
	}
	for (size_t j = 0; j < k; j++) {
		const __m512i x = _mm512_set1_epi32((int)(uint32_t)h[j]);
		const __m512i y = _mm512_set1_epi32((int)(uint32_t)(h[j] >> 32));
		for (int v = 0; v < NV; v++) {
			__m512i t = _mm512_add_epi32(_mm512_mullo_epi32(a[v], x), _mm512_mullo_epi32(b[v], y));
			t = _mm512_add_epi32(t, c[v]);
			s[v] = _mm512_min_epu32(s[v], t);
		}
	}
	for (int v = 0; v < NV; v++)
		_mm512_storeu_si512(sig + 16 * v, s[v]);
}
#endif

/* libgcc fills the CPU model (including the OS's AVX state support) in a
 * constructor, before any caller can reach us. */
static update_fn *pick_update(void)
{
#ifdef MH_X86
	if (__builtin_cpu_supports("avx512f"))
		return update_avx512;
	if (__builtin_cpu_supports("avx2"))
		return update_avx2;
#endif
	return update_portable;
}

static void compute_with(gr_minhash *out, const char *text, size_t n, update_fn *update)
{
	uint64_t batch[BATCH];
	shingler s;
	size_t k;

	memset(out->v, 0xff, sizeof out->v);
	shingler_init(&s, text, n);
	while ((k = shingler_next(&s, batch, BATCH)) > 0)
		update(out->v, batch, k);
}

void gr_minhash_compute(gr_minhash *out, const char *text, size_t n)
{
	compute_with(out, text, n, pick_update());
}

bool gr_minhash_compute_impl(gr_minhash *out, const char *text, size_t n, int impl)
{
	update_fn *update = NULL;
	if (impl == 0)
		update = update_portable;
#ifdef MH_X86
	else if (impl == 1 && __builtin_cpu_supports("avx2"))
		update = update_avx2;
	else if (impl == 2 && __builtin_cpu_supports("avx512f"))
		update = update_avx512;
#endif
	if (!update)
		return false;
	compute_with(out, text, n, update);
	return true;
}

bool gr_minhash_is_empty(const gr_minhash *m)
{
	uint32_t all = UINT32_MAX;
	for (int i = 0; i < GR_MINHASH_HASHES; i++)
		all &= m->v[i];
	return all == UINT32_MAX;
}

static unsigned count_equal(const gr_minhash *a, const gr_minhash *b)
{
	unsigned eq = 0;
	for (int i = 0; i < GR_MINHASH_HASHES; i++)
		eq += a->v[i] == b->v[i];
	return eq;
}

double gr_minhash_jaccard(const gr_minhash *a, const gr_minhash *b)
{
	if (gr_minhash_is_empty(a) || gr_minhash_is_empty(b))
		return 0.0;
	return (double)count_equal(a, b) / GR_MINHASH_HASHES;
}

uint64_t gr_minhash_band(const gr_minhash *m, int band)
{
	if (band < 0 || band >= GR_MINHASH_BANDS)
		return 0;
	const uint32_t *r = m->v + (size_t)band * GR_MINHASH_ROWS;
	uint64_t h = BAND_SEED ^ ((uint64_t)band * GOLDEN);
	for (int j = 0; j < GR_MINHASH_ROWS; j += 2) {
		h = (h ^ ((uint64_t)r[j] | (uint64_t)r[j + 1] << 32)) * MIX_M;
		h ^= h >> 32;
	}
	return fmix64(h);
}

/* ---- clustering ---------------------------------------------------------- */

/* Root of x, halving the path (parents stay <= their children). */
static inline uint32_t uf_find(uint32_t *parent, uint32_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

/* Joins the trees of roots ra != rb under the smaller. */
static inline void uf_link(uint32_t *parent, uint32_t ra, uint32_t rb)
{
	if (ra < rb)
		parent[rb] = ra;
	else
		parent[ra] = rb;
}

/* Sorts items[0..m) by their high 32 bits, stably (LSD radix, 3 passes of
 * 11/11/10 bits); returns the array (items or tmp) holding the result. */
static uint64_t *sort_by_key(uint64_t *items, uint64_t *tmp, size_t m)
{
	static const int shift[3] = {32, 43, 54};
	size_t count[3][2048];
	memset(count, 0, sizeof count);
	for (size_t i = 0; i < m; i++)
		for (int p = 0; p < 3; p++)
			count[p][(items[i] >> shift[p]) & 2047]++;
	for (int p = 0; p < 3; p++) {
		size_t sum = 0;
		for (int d = 0; d < 2048; d++) {
			size_t c = count[p][d];
			count[p][d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < m; i++)
			tmp[count[p][(items[i] >> shift[p]) & 2047]++] = items[i];
		uint64_t *t = items;
		items = tmp;
		tmp = t;
	}
	return items;
}

/* One bucket: run[0..len) are records (low 32 bits) sharing a band key, in
 * index order. Each is compared with the first record of every cluster met
 * earlier in the bucket ("heads") and joined to those it matches. */
static void cluster_bucket(uint32_t *parent, const gr_minhash *sigs, const uint64_t *run, size_t len,
			   unsigned min_eq)
{
	uint32_t heads[GR_LSH_MAX_HEADS];
	size_t nh = 0;
	for (size_t t = 0; t < len; t++) {
		const uint32_t j = (uint32_t)run[t];
		bool joined = false;
		for (size_t h = 0; h < nh; h++) {
			uint32_t rj = uf_find(parent, j), rh = uf_find(parent, heads[h]);
			if (rj == rh) {
				joined = true;
			} else if (count_equal(&sigs[j], &sigs[heads[h]]) >= min_eq) {
				uf_link(parent, rj, rh);
				joined = true;
			}
		}
		if (!joined && nh < GR_LSH_MAX_HEADS)
			heads[nh++] = j;
	}
}

int gr_lsh_cluster(uint32_t *rep_out, const gr_minhash *sigs, size_t n, double threshold)
{
	if (n > UINT32_MAX)
		return gr_error_set(GR_EINVAL, "lsh cluster: %zu records (at most %u)", n, UINT32_MAX);
	if (!(threshold >= 0.0 && threshold <= 1.0))
		return gr_error_set(GR_EINVAL, "lsh cluster: threshold %g is not in [0, 1]", threshold);
	if (n == 0)
		return 0;

	int rc = GR_ENOMEM;
	uint64_t *items = gr_malloc(n * sizeof *items);
	uint64_t *tmp = gr_malloc(n * sizeof *tmp);
	uint32_t *live = gr_malloc(n * sizeof *live);
	if (!items || !tmp || !live)
		goto out;

	/* the same comparison as gr_minhash_jaccard(a, b) >= threshold */
	unsigned min_eq = 0;
	while (min_eq < GR_MINHASH_HASHES && (double)min_eq / GR_MINHASH_HASHES < threshold)
		min_eq++;

	/* Nothing can fail from here on: rep_out becomes the union-find forest. */
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		rep_out[i] = (uint32_t)i;
		if (!gr_minhash_is_empty(&sigs[i]))
			live[m++] = (uint32_t)i;
	}
	for (int band = 0; band < GR_MINHASH_BANDS; band++) {
		/* Key: the top 32 bits of the band hash. Two band values sharing a
		 * key only add candidates, which still have to pass min_eq. */
		for (size_t j = 0; j < m; j++)
			items[j] = (gr_minhash_band(&sigs[live[j]], band) & 0xffffffff00000000ull) | live[j];
		const uint64_t *sorted = sort_by_key(items, tmp, m);
		for (size_t s = 0, e; s < m; s = e) {
			const uint64_t key = sorted[s] >> 32;
			for (e = s + 1; e < m && sorted[e] >> 32 == key; e++)
				;
			if (e - s > 1)
				cluster_bucket(rep_out, sigs, sorted + s, e - s, min_eq);
		}
	}
	/* parent[i] <= i, so in index order each parent is already resolved */
	for (size_t i = 0; i < n; i++)
		rep_out[i] = rep_out[rep_out[i]];
	rc = 0;
out:
	free(items);
	free(tmp);
	free(live);
	return rc;
}

/* ---- exact shingle sets -------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

int gr_shingle_set(uint64_t **out, size_t *nout, const char *text, size_t n)
{
	uint64_t *set = NULL;
	size_t len = 0, cap = 0, k;
	shingler s;

	shingler_init(&s, text, n);
	for (;;) {
		if (cap - len < BATCH) {
			size_t ncap = cap ? 2 * cap : 4 * BATCH;
			uint64_t *p = gr_realloc(set, ncap * sizeof *set);
			if (!p) {
				free(set);
				return GR_ENOMEM;
			}
			set = p;
			cap = ncap;
		}
		if ((k = shingler_next(&s, set + len, BATCH)) == 0)
			break;
		len += k;
	}
	if (len == 0) {
		free(set);
		*out = NULL;
		*nout = 0;
		return 0;
	}
	qsort(set, len, sizeof *set, cmp_u64);
	size_t u = 1;
	for (size_t i = 1; i < len; i++)
		if (set[i] != set[u - 1])
			set[u++] = set[i];
	*out = set;
	*nout = u;
	return 0;
}

double gr_shingle_jaccard(const char *a, size_t na, const char *b, size_t nb)
{
	uint64_t *sa = NULL, *sb = NULL;
	size_t la = 0, lb = 0;
	double r = -1.0;

	if (gr_shingle_set(&sa, &la, a, na) || gr_shingle_set(&sb, &lb, b, nb))
		goto out;
	r = 0.0;
	if (la == 0 || lb == 0)
		goto out;
	size_t i = 0, j = 0, both = 0;
	while (i < la && j < lb) {
		if (sa[i] < sb[j]) {
			i++;
		} else if (sa[i] > sb[j]) {
			j++;
		} else {
			both++;
			i++;
			j++;
		}
	}
	r = (double)both / (double)(la + lb - both);
out:
	free(sa);
	free(sb);
	return r;
}
