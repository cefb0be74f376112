/*
 * Tests for src/dedup/minhash: the word and shingle rules on hand-made
 * texts (counts, case, punctuation, UTF-8, short and empty texts), the
 * signature against an independent implementation of the formulas written
 * in minhash.h / minhash.c plus pinned values (a change to either is a new
 * GR_MINHASH_VERSION), the estimate's error against exact Jaccard, band
 * values, and gr_lsh_cluster on planted duplicates: exact representatives on
 * a small set, and recall / false-merge rates on a generated corpus at the
 * default threshold.
 *
 * Texts are scanned from exact-size heap copies without a terminator, so
 * under AddressSanitizer a read past the end fails the test.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define TEST_NAME "minhash"
#include "testlib.h"

#include "dedup/minhash.h"

/* ---- helpers ------------------------------------------------------------- */

static void sig_of(gr_minhash *out, const char *text)
{
	size_t n = strlen(text);
	char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, text, n);
	gr_minhash_compute(out, copy, n);
	free(copy);
}

/* Distinct shingles of text (from an exact-size copy). */
static size_t nshingles(const char *text)
{
	size_t n = strlen(text), ns = 99;
	char *copy = malloc(n ? n : 1);
	uint64_t *set = NULL;
	assert_non_null(copy);
	memcpy(copy, text, n);
	assert_int_equal(gr_shingle_set(&set, &ns, copy, n), 0);
	for (size_t i = 1; i < ns; i++)
		assert_true(set[i - 1] < set[i]);
	free(set);
	free(copy);
	return ns;
}

static double exact(const char *a, const char *b)
{
	double j = gr_shingle_jaccard(a, strlen(a), b, strlen(b));
	assert_true(j >= 0.0);
	return j;
}

static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
static size_t below(size_t n)
{
	return (size_t)(rnd() % n);
}

/* ---- an independent implementation of the documented definition -------- */

static uint64_t ref_state;
static uint64_t ref_next(void)
{
	uint64_t z = (ref_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t RA[GR_MINHASH_HASHES], RB[GR_MINHASH_HASHES], RC[GR_MINHASH_HASHES];

/* The generator written at the top of minhash.c. */
static void ref_tables(void)
{
	ref_state = 0x6772616e6d683031ull;
	for (uint32_t i = 0; i < GR_MINHASH_HASHES; i++) {
		uint64_t a = ref_next(), r = ref_next(), c = ref_next();
		RA[i] = (uint32_t)a | 1u;
		RB[i] = RA[i] * (i + ((uint32_t)r << 7));
		RC[i] = (uint32_t)c;
	}
}

static uint64_t ref_fmix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int ref_is_word(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The separator characters of version 2, as written in minhash.h: first and
 * last code point of each range. */
static const uint32_t ref_seps[][2] = {
	{0xA0, 0xA1},     {0xAB, 0xAB},     {0xBB, 0xBB},     {0xBF, 0xBF},     {0x2000, 0x200B},
	{0x2010, 0x2029}, {0x202F, 0x205F}, {0x3000, 0x3003}, {0x3008, 0x3011}, {0xFEFF, 0xFEFF},
	{0xFF01, 0xFF0F}, {0xFF1A, 0xFF20}, {0xFF3B, 0xFF40}, {0xFF5B, 0xFF65},
};

/* Length of the separator character at t[i] (a well-formed 2- or 3-byte
 * UTF-8 sequence whose code point is listed), or 0. */
static size_t ref_sep(const char *t, size_t i, size_t n)
{
	const unsigned char *u = (const unsigned char *)t + i;
	uint32_t cp;
	size_t len;
	if (u[0] >= 0xC2 && u[0] <= 0xDF && i + 1 < n && (u[1] & 0xC0) == 0x80) {
		cp = (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
		len = 2;
	} else if (u[0] >= 0xE0 && u[0] <= 0xEF && i + 2 < n && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80) {
		cp = (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
		len = 3;
	} else {
		return 0;
	}
	for (size_t r = 0; r < sizeof ref_seps / sizeof ref_seps[0]; r++)
		if (cp >= ref_seps[r][0] && cp <= ref_seps[r][1])
			return len;
	return 0;
}

/* Word hashes of text, in order; returns the count. */
static size_t ref_words(const char *t, uint64_t *w, size_t max)
{
	size_t nw = 0, n = strlen(t);
	for (size_t i = 0; i < n;) {
		size_t sep = ref_sep(t, i, n);
		if (sep) {
			i += sep;
			continue;
		}
		if (!ref_is_word((unsigned char)t[i])) {
			i++;
			continue;
		}
		uint8_t word[256] = {0};
		size_t len = 0;
		for (; i < n && ref_is_word((unsigned char)t[i]) && !ref_sep(t, i, n); i++) {
			unsigned char c = (unsigned char)t[i];
			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c + 32);
			assert_true(len < sizeof word - 8);
			word[len++] = c;
		}
		uint64_t h = 0x776f726473303031ull;
		for (size_t k = 0; k < len; k += 8) {
			uint64_t chunk = 0;
			for (int b = 0; b < 8; b++) /* little endian, zero padded */
				chunk |= (uint64_t)word[k + b] << (8 * b);
			h = (h ^ chunk) * 0xd6e8feb86659fd93ull;
			h ^= h >> 29;
		}
		assert_true(nw < max);
		w[nw++] = h ^ len;
	}
	return nw;
}

static uint64_t ref_shingle(const uint64_t *w, unsigned k)
{
	uint64_t s = 0x6772616e6172796dull ^ k;
	for (unsigned j = 0; j < k; j++) {
		s = (s ^ w[j]) * 0xd6e8feb86659fd93ull;
		s ^= s >> 32;
	}
	return ref_fmix(s);
}

static void ref_signature(uint32_t *sig, const char *text)
{
	uint64_t w[4096];
	size_t nw = ref_words(text, w, 4096);
	for (int i = 0; i < GR_MINHASH_HASHES; i++)
		sig[i] = UINT32_MAX;
	size_t nsh = nw >= 5 ? nw - 4 : nw > 0;
	for (size_t s = 0; s < nsh; s++) {
		uint64_t h = ref_shingle(w + s, nw >= 5 ? 5 : (unsigned)nw);
		for (int i = 0; i < GR_MINHASH_HASHES; i++) {
			uint32_t v = RA[i] * (uint32_t)h + RB[i] * (uint32_t)(h >> 32) + RC[i];
			if (v < sig[i])
				sig[i] = v;
		}
	}
}

/* ---- tests ---------------------------------------------------------------- */

static void test_shingle_counts(void **state)
{
	(void)state;
	assert_int_equal(nshingles(""), 0);
	assert_int_equal(nshingles("  ... !!! --- ,;: "), 0);
	assert_int_equal(nshingles("one"), 1);
	assert_int_equal(nshingles("one two"), 1);
	assert_int_equal(nshingles("one two three four"), 1);
	assert_int_equal(nshingles("one two three four five"), 1);
	assert_int_equal(nshingles("one two three four five six"), 2);
	/* 10 words, 6 shingles, "a b c d e" twice */
	assert_int_equal(nshingles("a b c d e a b c d e"), 5);
	assert_int_equal(nshingles("x x x x x x x x x x x x"), 1);
	/* punctuation separates, digits are word bytes */
	assert_int_equal(nshingles("a,b;c.d-e/f"), 2);
	assert_int_equal(nshingles("route 66 is 2448 miles long"), 2);
	/* apostrophes split: don't = don + t */
	assert_int_equal(nshingles("don't stop me now"), 1);
	assert_int_equal(nshingles("don't stop me now please"), 2);

	/* case and separators do not matter, word order does */
	assert_true(exact("The Quick brown FOX jumps over", "the quick, brown fox -- jumps over!") == 1.0);
	assert_true(exact("a b c d e f", "f e d c b a") == 0.0);
	/* one shingle of four words vs. a five-word text: different lengths, different shingles */
	assert_true(exact("a b c d", "a b c d e") == 0.0);
	/* {abcde, bcdef} vs {abcde, bcdeg}: 1/3 */
	assert_true(fabs(exact("a b c d e f", "a b c d e g") - 1.0 / 3) < 1e-12);
}

/* Every byte value: a word byte joins "a" and "b" into one word, any other
 * byte separates them. */
static void test_word_bytes(void **state)
{
	(void)state;
	for (int c = 1; c < 256; c++) {
		char t[16] = {'a', (char)c, 'b', ' ', 'c', ' ', 'd', ' ', 'e'};
		double j = gr_shingle_jaccard(t, 9, "a b c d e", 9);
		if (j != (ref_is_word((unsigned char)c) ? 0.0 : 1.0))
			fail_msg("byte 0x%02x: jaccard %g", c, j);
	}
	/* NUL is a separator too */
	assert_true(gr_shingle_jaccard("a\0b c d e", 9, "a b c d e", 9) == 1.0);
}

static void test_utf8(void **state)
{
	(void)state;
	/* every byte >= 0x80 is a word byte: Cyrillic and CJK texts have words */
	assert_int_equal(nshingles("Привет мир как твои дела"), 1);
	assert_int_equal(nshingles("Привет мир как твои дела сегодня"), 2);
	assert_int_equal(nshingles("日本語のテキスト"), 1);
	assert_int_equal(nshingles("naïve café, résumé; über straße"), 1);
	/* only ASCII is lowercased */
	assert_true(exact("ÄRGER im BÜRO heute früh", "ÄRGER IM BÜRO HEUTE früh") == 1.0);
	assert_true(exact("ÄRGER im BÜRO heute früh", "ärger im büro heute früh") == 0.0);
	/* typographic punctuation and spaces separate words (version 2) */
	assert_true(exact("one two—three four five", "one two three four five") == 1.0);
	assert_true(exact("don’t stop “me” now…  please", "don't stop \"me\" now... please") == 1.0);
	assert_true(exact("\xef\xbb\xbf" "a\xc2\xa0" "b c\xe2\x80\xaf" "d e", "a b c d e") == 1.0);
	assert_true(exact("東京、大阪。京都「奈良」神戸", "東京 大阪 京都 奈良 神戸") == 1.0);
	assert_int_equal(nshingles("a—b—c—d—e—f"), 2);
	/* but not the joiners, nor letters that share a lead byte: one word each */
	assert_int_equal(nshingles("a\xe2\x80\x8d" "b"), 1);
	assert_true(exact("x a\xe2\x80\x8d" "b y z w", "x a b y z w") == 0.0);
	assert_int_equal(nshingles("∑ ā ∑ ā ∑ ā"), 2);     /* E2 88 91: a word, not a separator */
	assert_int_equal(nshingles("Ā ā Ā ā Ā ā"), 2);     /* C4 80, C4 81 */
	assert_int_equal(nshingles("x\xc2\xa9 y z w v"), 1); /* © (C2 A9) is not listed: part of x© */
	/* a lead byte cut at the end of the text, or before a non-continuation byte, is a word byte */
	assert_int_equal(nshingles("one two three four\xe2\x80"), 1);
	assert_int_equal(nshingles("one two three four \xe2x\xc2"), 1);

	gr_minhash a, b;
	sig_of(&a, "Съешь же ещё этих мягких французских булок, да выпей чаю.");
	sig_of(&b, "съешь же ещё этих мягких французских булок да выпей чаю");
	assert_false(gr_minhash_is_empty(&a));
	/* "Съешь" keeps its capital (not ASCII), so the first shingle differs */
	double e = exact("Съешь же ещё этих мягких французских булок, да выпей чаю.",
			 "съешь же ещё этих мягких французских булок да выпей чаю");
	assert_true(fabs(e - 5.0 / 7) < 1e-12);
	assert_true(fabs(gr_minhash_jaccard(&a, &b) - e) < 0.2);
}

static void test_empty(void **state)
{
	(void)state;
	gr_minhash e1, e2, x;
	gr_minhash_compute(&e1, NULL, 0);
	sig_of(&e2, " \n\t.,;!? -- ");
	sig_of(&x, "some words here");
	for (int i = 0; i < GR_MINHASH_HASHES; i++)
		assert_int_equal(e1.v[i], UINT32_MAX);
	assert_true(gr_minhash_is_empty(&e1));
	assert_true(gr_minhash_is_empty(&e2));
	assert_false(gr_minhash_is_empty(&x));
	/* two empty texts are not near-duplicates */
	assert_true(gr_minhash_jaccard(&e1, &e2) == 0.0);
	assert_true(gr_minhash_jaccard(&e1, &x) == 0.0);
	assert_true(gr_shingle_jaccard("", 0, "", 0) == 0.0);
	assert_true(gr_shingle_jaccard("", 0, "a b c", 5) == 0.0);
	assert_true(gr_minhash_jaccard(&x, &x) == 1.0);

	uint64_t *set = (uint64_t *)&set;
	size_t ns = 7;
	assert_int_equal(gr_shingle_set(&set, &ns, NULL, 0), 0);
	assert_null(set);
	assert_int_equal(ns, 0);
}

/* The signature is exactly the documented formula: word hash, shingle hash,
 * the table generator, the minimum. */
static void test_definition(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"one",
		"Two words",
		"The quick brown fox jumps over the lazy dog.",
		"a b c d e a b c d e a b c d e f g",
		"Route 66, also known as the Will Rogers Highway, is 2448 miles long; it ran from Chicago to "
		"Santa Monica. It was established on November 11, 1926.",
		"Привет мир как твои дела сегодня вечером",
		"naïve CAFÉ über Straße résumé 東京 tokyo",
		"“Quoted” text — with dashes… and don’t\xc2\xa0stop; 東京、大阪。 «x» ¿y? \xef\xbc\x81z\xe2\x80\x8dw \xe2\x80",
	};
	ref_tables();
	for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
		gr_minhash got;
		uint32_t want[GR_MINHASH_HASHES];
		sig_of(&got, texts[t]);
		ref_signature(want, texts[t]);
		assert_memory_equal(got.v, want, sizeof want);
		/* every update loop this CPU has gives the same values */
		for (int impl = 0; impl < 3; impl++) {
			memset(&got, 0, sizeof got);
			if (gr_minhash_compute_impl(&got, texts[t], strlen(texts[t]), impl))
				assert_memory_equal(got.v, want, sizeof want);
			else
				print_message("update loop %d not available here\n", impl);
		}
	}
	assert_false(gr_minhash_compute_impl(NULL, "", 0, 3));

	/* a long text: many batches of shingles, words longer than one chunk */
	static char longtext[40000];
	size_t len = 0;
	for (int i = 0; i < 3000; i++)
		len += (size_t)snprintf(longtext + len, sizeof longtext - len, "%s%d%s",
					i % 13 ? "w" : "Longerthaneightbytes", i, i % 9 ? " " : ". ");
	gr_minhash got;
	uint32_t want[GR_MINHASH_HASHES];
	sig_of(&got, longtext);
	ref_signature(want, longtext);
	assert_memory_equal(got.v, want, sizeof want);
	for (int impl = 0; impl < 3; impl++)
		if (gr_minhash_compute_impl(&got, longtext, len, impl))
			assert_memory_equal(got.v, want, sizeof want);
	assert_int_equal(nshingles(longtext), 2996);

	/* the tables' promise: any two permutations are independent in their top 26 bits */
	for (int i = 0; i < GR_MINHASH_HASHES; i++)
		for (int j = i + 1; j < GR_MINHASH_HASHES; j++)
			assert_true(__builtin_ctz(RA[i] * RB[j] - RA[j] * RB[i]) <= 6);
}

/* Pinned values for "The quick brown fox jumps over the lazy dog." (ASCII:
 * the same under versions 1 and 2). If they change, signatures stored by
 * earlier builds no longer compare with new ones: that is a new version. */
#define PIN_V0 0x1991be02u
#define PIN_V1 0x8b22a250u
#define PIN_V111 0x4fa1ad2eu
#define PIN_BAND0 0x9637bc7e80b672aeull
#define PIN_BAND13 0x1e1fa0a4ada3a99cull

static void test_pinned(void **state)
{
	(void)state;
	gr_minhash m;
	sig_of(&m, "The quick brown fox jumps over the lazy dog.");
	assert_int_equal(GR_MINHASH_VERSION, 2);
	assert_int_equal(m.v[0], PIN_V0);
	assert_int_equal(m.v[1], PIN_V1);
	assert_int_equal(m.v[111], PIN_V111);
	assert_true(gr_minhash_band(&m, 0) == PIN_BAND0);
	assert_true(gr_minhash_band(&m, 13) == PIN_BAND13);
}

static void test_identical_and_disjoint(void **state)
{
	(void)state;
	const char *t = "It was the best of times, it was the worst of times, it was the age of wisdom, it was "
			"the age of foolishness, it was the epoch of belief, it was the epoch of incredulity.";
	const char *u = "Call me Ishmael. Some years ago, never mind how long precisely, having little or no "
			"money in my purse, and nothing particular to interest me on shore, I thought I would sail.";
	gr_minhash a, b, c;
	sig_of(&a, t);
	sig_of(&b, t);
	sig_of(&c, u);
	assert_memory_equal(&a, &b, sizeof a);
	assert_true(gr_minhash_jaccard(&a, &b) == 1.0);
	assert_true(exact(t, t) == 1.0);
	assert_true(exact(t, u) == 0.0);
	assert_true(gr_minhash_jaccard(&a, &c) <= 0.05);
	for (int band = 0; band < GR_MINHASH_BANDS; band++) {
		assert_true(gr_minhash_band(&a, band) == gr_minhash_band(&b, band));
		assert_true(gr_minhash_band(&a, band) != gr_minhash_band(&c, band));
	}
}

static void test_band(void **state)
{
	(void)state;
	gr_minhash a, b;
	sig_of(&a, "band values depend on their own rows only and on the band number");
	b = a;
	b.v[3 * GR_MINHASH_ROWS + 5] ^= 1;
	for (int band = 0; band < GR_MINHASH_BANDS; band++) {
		if (band == 3)
			assert_true(gr_minhash_band(&a, band) != gr_minhash_band(&b, band));
		else
			assert_true(gr_minhash_band(&a, band) == gr_minhash_band(&b, band));
	}
	/* equal rows in two bands still give two values */
	for (int i = 0; i < GR_MINHASH_HASHES; i++)
		b.v[i] = 42;
	assert_true(gr_minhash_band(&b, 0) != gr_minhash_band(&b, 1));
	assert_true(gr_minhash_band(&a, -1) == 0);
	assert_true(gr_minhash_band(&a, GR_MINHASH_BANDS) == 0);
}

/* ---- generated near-duplicates ---------------------------------------- */

#define VOCAB 4000
static char vocab[VOCAB][12];

static void make_vocab(void)
{
	for (int i = 0; i < VOCAB; i++) {
		int len = 3 + (int)below(7);
		for (int k = 0; k < len; k++)
			vocab[i][k] = (char)('a' + below(26));
		vocab[i][len] = 0;
	}
}

typedef struct {
	int *w;
	size_t n;
} doc;

static char *render(const doc *d, size_t *len)
{
	size_t cap = d->n * 14 + 2, n = 0;
	char *s = malloc(cap);
	assert_non_null(s);
	for (size_t i = 0; i < d->n; i++) {
		size_t l = strlen(vocab[d->w[i]]);
		memcpy(s + n, vocab[d->w[i]], l);
		n += l;
		s[n++] = i % 11 == 10 ? '.' : ' ';
	}
	*len = n;
	return s;
}

static doc random_doc(size_t nwords)
{
	doc d = {malloc(nwords * sizeof(int)), nwords};
	assert_non_null(d.w);
	for (size_t i = 0; i < nwords; i++)
		d.w[i] = (int)below(VOCAB);
	return d;
}

static double doc_jaccard(const doc *a, const doc *b)
{
	size_t la, lb;
	char *sa = render(a, &la), *sb = render(b, &lb);
	double j = gr_shingle_jaccard(sa, la, sb, lb);
	assert_true(j >= 0.0);
	free(sa);
	free(sb);
	return j;
}

/* One random edit: substitute, insert, delete a word, or move a block. */
static void edit_once(doc *d)
{
	size_t r = below(10), p = below(d->n);
	if (r < 4 || d->n < 50) {
		d->w[p] = (int)below(VOCAB);
	} else if (r < 6) {
		int *w = realloc(d->w, (d->n + 1) * sizeof(int));
		assert_non_null(w);
		d->w = w;
		memmove(w + p + 1, w + p, (d->n - p) * sizeof(int));
		w[p] = (int)below(VOCAB);
		d->n++;
	} else if (r < 9) {
		memmove(d->w + p, d->w + p + 1, (d->n - p - 1) * sizeof(int));
		d->n--;
	} else {
		size_t len = 5 + below(20), from = below(d->n - len), to = below(d->n - len);
		int tmp[32];
		memcpy(tmp, d->w + from, len * sizeof(int));
		memmove(d->w + from, d->w + from + len, (d->n - from - len) * sizeof(int));
		memmove(d->w + to + len, d->w + to, (d->n - len - to) * sizeof(int));
		memcpy(d->w + to, tmp, len * sizeof(int));
	}
}

/* A copy of base edited until its exact Jaccard with base is <= target. */
static doc edited_copy(const doc *base, double target)
{
	doc c = {malloc(base->n * sizeof(int)), base->n};
	assert_non_null(c.w);
	memcpy(c.w, base->w, base->n * sizeof(int));
	/* a scattered substitution removes about 5 shared shingles */
	size_t guess = (size_t)(0.7 * (double)base->n * (1 - target) / (5 * (1 + target)));
	for (size_t i = 0; i < guess; i++)
		edit_once(&c);
	while (doc_jaccard(base, &c) > target)
		edit_once(&c);
	return c;
}

/* The estimate against the exact Jaccard: unbiased, with the binomial
 * spread sqrt(J(1-J)/112) that pairwise-independent values give. */
static void test_estimate(void **state)
{
	(void)state;
	rng_state = 7;
	make_vocab();
	double sum_err = 0, sum_z2 = 0;
	int npairs = 0, within = 0;
	for (int t = 0; t < 240; t++) {
		doc a = random_doc(300 + below(300));
		doc b = edited_copy(&a, 0.1 + 0.9 * (double)(t % 40) / 40);
		size_t la, lb;
		char *sa = render(&a, &la), *sb = render(&b, &lb);
		gr_minhash ma, mb;
		gr_minhash_compute(&ma, sa, la);
		gr_minhash_compute(&mb, sb, lb);
		double j = gr_shingle_jaccard(sa, la, sb, lb), est = gr_minhash_jaccard(&ma, &mb);
		double err = est - j;
		assert_true(fabs(err) <= 0.16); /* 3.4 sd at worst */
		within += fabs(err) <= 0.1;
		sum_err += err;
		if (j > 0.05 && j < 0.95) {
			sum_z2 += err * err / (j * (1 - j) / GR_MINHASH_HASHES);
			npairs++;
		}
		free(sa);
		free(sb);
		free(a.w);
		free(b.w);
	}
	double bias = sum_err / 240, rms_z = sqrt(sum_z2 / npairs);
	print_message("estimate: %d/240 within 0.1, bias %+.4f, rms z %.3f over %d pairs\n", within, bias, rms_z,
		      npairs);
	assert_true(within >= 228); /* >= 95% (a sound estimator gives ~98%) */
	assert_true(fabs(bias) < 0.01);
	assert_true(rms_z > 0.85 && rms_z < 1.15);
}

static void test_cluster_small(void **state)
{
	(void)state;
	rng_state = 11;
	make_vocab();
	doc a = random_doc(400), b = random_doc(300), c = random_doc(500);
	doc a1 = edited_copy(&a, 0.95), a2 = edited_copy(&a1, 0.9), b1 = edited_copy(&b, 1.0);
	doc a_far = edited_copy(&a, 0.3);
	/* a1 is a's copy, a2 a copy of a1, b1 an exact copy of b, a_far too far from a */
	const doc *order[] = {&c, &a, &b, NULL, &a1, &b1, &a_far, NULL, &a2};
	const uint32_t want[] = {0, 1, 2, 3, 1, 2, 6, 7, 1};
	enum { N = sizeof order / sizeof order[0] };
	gr_minhash sigs[N];
	for (int i = 0; i < N; i++) {
		if (!order[i]) {
			gr_minhash_compute(&sigs[i], "", 0);
			continue;
		}
		size_t len;
		char *s = render(order[i], &len);
		gr_minhash_compute(&sigs[i], s, len);
		free(s);
	}
	uint32_t rep[N];
	assert_int_equal(gr_lsh_cluster(rep, sigs, N, GR_MINHASH_DEFAULT_THRESHOLD), 0);
	assert_memory_equal(rep, want, sizeof want);

	/* threshold 1: only identical signatures join (b and its unedited copy) */
	const uint32_t want1[] = {0, 1, 2, 3, 4, 2, 6, 7, 8};
	assert_int_equal(gr_lsh_cluster(rep, sigs, N, 1.0), 0);
	assert_memory_equal(rep, want1, sizeof want1);

	/* bad arguments leave rep_out alone */
	uint32_t keep[N];
	memcpy(keep, rep, sizeof rep);
	assert_int_equal(gr_lsh_cluster(rep, sigs, N, 1.5), GR_EINVAL);
	assert_int_equal(gr_lsh_cluster(rep, sigs, N, -0.1), GR_EINVAL);
	assert_int_equal(gr_lsh_cluster(rep, sigs, N, NAN), GR_EINVAL);
	assert_memory_equal(rep, keep, sizeof keep);
	assert_int_equal(gr_lsh_cluster(rep, sigs, 0, 0.5), 0);

	/* A bucket holding two clusters: x and y share band 0 only (y is no
	 * duplicate of x); z is y with one value changed in each other band, so
	 * z meets y in band 0 only, and must be compared with y there, not only
	 * with the bucket's first record x. */
	gr_minhash xyz[3];
	for (int i = 0; i < GR_MINHASH_HASHES; i++) {
		xyz[0].v[i] = (uint32_t)rnd();
		xyz[1].v[i] = i < GR_MINHASH_ROWS ? xyz[0].v[i] : (uint32_t)rnd();
		xyz[2].v[i] = xyz[1].v[i];
	}
	for (int band = 1; band < GR_MINHASH_BANDS; band++)
		xyz[2].v[band * GR_MINHASH_ROWS + 3] ^= 0x5a5a;
	const uint32_t want_xyz[] = {0, 1, 1};
	uint32_t rep_xyz[3];
	assert_int_equal(gr_lsh_cluster(rep_xyz, xyz, 3, GR_MINHASH_DEFAULT_THRESHOLD), 0);
	assert_memory_equal(rep_xyz, want_xyz, sizeof want_xyz);

	/* many identical records: one cluster, the first kept */
	enum { M = 3000 };
	gr_minhash *many = malloc(M * sizeof *many);
	uint32_t *r = malloc(M * sizeof *r);
	assert_non_null(many);
	assert_non_null(r);
	for (int i = 0; i < M; i++)
		many[i] = i % 3 ? sigs[0] : sigs[2];
	assert_int_equal(gr_lsh_cluster(r, many, M, GR_MINHASH_DEFAULT_THRESHOLD), 0);
	for (int i = 0; i < M; i++)
		assert_int_equal(r[i], i % 3 ? 1 : 0);
	free(many);
	free(r);

	free(a.w);
	free(b.w);
	free(c.w);
	free(a1.w);
	free(a2.w);
	free(b1.w);
	free(a_far.w);
}

/* Planted corpus: base documents and edited copies at Jaccard levels spread
 * over 0.3-1.0, records shuffled; every (base, copy) and (copy, copy) pair
 * of one base is scored by exact Jaccard. At the default threshold, pairs
 * above 0.8 must end in one cluster (>= 90%) and pairs below 0.5 must not
 * (<= 5%); the S-curve predicts about 95% and under 1%. */
static void test_cluster_planted(void **state)
{
	(void)state;
	rng_state = 2024;
	make_vocab();
	enum { BASES = 150, MAXC = 3 };
	size_t cap = BASES * (1 + MAXC), n = 0;
	doc *docs = malloc(cap * sizeof *docs);
	int *family = malloc(cap * sizeof(int));
	assert_non_null(docs);
	assert_non_null(family);
	for (int b = 0; b < BASES; b++) {
		doc base = random_doc(150 + below(350));
		int nc = 1 + (int)below(MAXC);
		docs[n] = base;
		family[n++] = b;
		for (int c = 0; c < nc; c++) {
			docs[n] = edited_copy(&base, 0.3 + 0.7 * (double)rnd() / 18446744073709551616.0);
			family[n++] = b;
		}
	}
	/* shuffle, so copies often come before their base */
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = below(i + 1);
		doc td = docs[i];
		docs[i] = docs[j];
		docs[j] = td;
		int tf = family[i];
		family[i] = family[j];
		family[j] = tf;
	}
	gr_minhash *sigs = malloc(n * sizeof *sigs);
	uint32_t *rep = malloc(n * sizeof *rep);
	assert_non_null(sigs);
	assert_non_null(rep);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		char *s = render(&docs[i], &len);
		gr_minhash_compute(&sigs[i], s, len);
		free(s);
	}
	assert_int_equal(gr_lsh_cluster(rep, sigs, n, GR_MINHASH_DEFAULT_THRESHOLD), 0);

	int hi = 0, hi_same = 0, lo = 0, lo_same = 0, mid = 0, mid_same = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n; j++) {
			if (family[i] != family[j]) {
				/* unrelated documents never merge */
				assert_true(rep[i] != rep[j]);
				continue;
			}
			double jac = doc_jaccard(&docs[i], &docs[j]);
			int same = rep[i] == rep[j];
			if (jac > 0.8) {
				hi++;
				hi_same += same;
			} else if (jac < 0.5) {
				lo++;
				lo_same += same;
			} else {
				mid++;
				mid_same += same;
			}
		}
		assert_true(rep[i] <= i);
		assert_int_equal(rep[rep[i]], rep[i]);
	}
	print_message("planted: J>0.8 %d/%d together, 0.5-0.8 %d/%d, J<0.5 %d/%d\n", hi_same, hi, mid_same, mid,
		      lo_same, lo);
	assert_true(hi >= 50 && lo >= 50);
	assert_true(hi_same >= 0.9 * hi);
	assert_true(lo_same <= 0.05 * lo);

	for (size_t i = 0; i < n; i++)
		free(docs[i].w);
	free(docs);
	free(family);
	free(sigs);
	free(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shingle_counts),
		cmocka_unit_test(test_word_bytes),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_definition),
		cmocka_unit_test(test_pinned),
		cmocka_unit_test(test_identical_and_disjoint),
		cmocka_unit_test(test_band),
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_cluster_small),
		cmocka_unit_test(test_cluster_planted),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
