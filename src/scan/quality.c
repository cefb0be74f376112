/*
 * scan/quality — the attributes defined in quality.h, in one pass over the
 * text.
 *
 * Invariants:
 *  1. The main loop visits each byte once. Runs of plain ASCII (letters,
 *     digits, punctuation but '#' and '.') are taken 16 bytes at a time
 *     with SSE2 (the x86-64 baseline; a table loop elsewhere, same
 *     classes); every other byte is classified alone. Only bytes >= 0x80
 *     look ahead (Unicode whitespace, ellipsis, curly quotes, General
 *     Punctuation), and a sequence is consumed whole only when it is
 *     complete inside the text.
 *  2. A line is finished when its '\n' (or the text's end) is reached: its
 *     trimmed bytes [first, end) are then measured, checked for terminal
 *     punctuation and looked up in the line set, reading only inside the
 *     text.
 *  3. The line set holds one entry per distinct non-empty line of the
 *     current text (hash, offset, length into the text) and a power-of-two
 *     open-addressing index of them, at most half full; a hash match is
 *     confirmed with memcmp, so duplicates are exact.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "scan/quality.h"

/* Byte classes. A byte without C_STOP is plain: ASCII 0x21-0x7F other
 * than '#' and '.' (letters, digits, most punctuation), which the fast path
 * takes in runs; the rest goes through the general path one character at a
 * time. */
enum {
	C_WS = 1,      /* ASCII whitespace */
	C_ALPHA = 2,   /* ASCII letter */
	C_SPECIAL = 4, /* '\n', '#', '.': bookkeeping beyond the word rules */
	C_HIGH = 8,    /* >= 0x80: decided in code */
	C_CTRL = 16,   /* other bytes <= 0x20: neither whitespace nor letters */
	C_STOP = C_WS | C_SPECIAL | C_HIGH | C_CTRL,
};

#define W C_WS
#define A C_ALPHA
#define S C_SPECIAL
#define K C_CTRL
#define H C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH, C_HIGH
#define H16 H, H
static const uint8_t cls[256] = {
	K, K, K, K, K, K, K, K, K, W, W | S, W, W, W, K, K, /* \t \n \v \f \r */
	K, K, K, K, K, K, K, K, K, K, K,     K, W, W, W, W, /* 0x1C-0x1F */
	W, 0, 0, S, 0, 0, 0, 0, 0, 0, 0,     0, 0, 0, S, 0, /* ' ' '#' '.' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,     0, 0, 0, 0, 0,
	0, A, A, A, A, A, A, A, A, A, A,     A, A, A, A, A,
	A, A, A, A, A, A, A, A, A, A, A,     0, 0, 0, 0, 0,
	0, A, A, A, A, A, A, A, A, A, A,     A, A, A, A, A,
	A, A, A, A, A, A, A, A, A, A, A,     0, 0, 0, 0, 0,
	H16, H16, H16, H16, H16, H16, H16, H16,
};
#undef H16
#undef H
#undef K
#undef W
#undef A
#undef S

#define LINE_SEED 0x6c696e6573303031ull /* "lines001" */
#define MIX_M 0xd6e8feb86659fd93ull
#define MIN_SLOTS 64

struct line_entry {
	uint64_t h;
	size_t off, len;
};

struct gr_quality_state {
	struct line_entry *lines; /* distinct lines of the current text */
	size_t nlines, lines_cap;
	uint32_t *slots; /* 0 empty, else index into lines + 1 */
	size_t mask;     /* slots in use - 1 */
	size_t slots_cap;
};

int gr_quality_state_new(gr_quality_state **out)
{
	gr_quality_state *st = gr_malloc(sizeof *st);
	if (!st)
		return GR_ENOMEM;
	memset(st, 0, sizeof *st);
	*out = st;
	return 0;
}

void gr_quality_state_free(gr_quality_state *st)
{
	if (!st)
		return;
	free(st->lines);
	free(st->slots);
	free(st);
}

/* Uses the first `slots` index entries (a power of two), cleared. */
static int set_reset(gr_quality_state *st, size_t slots)
{
	if (slots > st->slots_cap) {
		uint32_t *p = gr_malloc(slots * sizeof *p);
		if (!p)
			return GR_ENOMEM;
		free(st->slots);
		st->slots = p;
		st->slots_cap = slots;
	}
	memset(st->slots, 0, slots * sizeof *st->slots);
	st->mask = slots - 1;
	return 0;
}

static uint64_t line_hash(const uint8_t *p, size_t len)
{
	uint64_t h = LINE_SEED ^ len;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t x;
		memcpy(&x, p + i, 8);
		h = (h ^ x) * MIX_M;
		h ^= h >> 29;
	}
	if (i < len) {
		uint64_t x = 0;
		memcpy(&x, p + i, len - i);
		h = (h ^ x) * MIX_M;
	}
	h ^= h >> 32;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 29);
}

/* Characters (non-continuation bytes) in p[0..len). */
static size_t count_chars(const uint8_t *p, size_t len)
{
	size_t cont = 0, i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t x;
		memcpy(&x, p + i, 8);
		/* 0x80 in each continuation byte (10xxxxxx), summed across bytes
		 * without a popcount instruction (not in the x86-64 baseline) */
		uint64_t m = (x & ~(x << 1) & 0x8080808080808080ull) >> 7;
		cont += (size_t)((m * 0x0101010101010101ull) >> 56);
	}
	for (; i < len; i++)
		cont += (p[i] & 0xc0) == 0x80;
	return len - cont;
}

static void set_insert_slot(gr_quality_state *st, uint64_t h, uint32_t idx)
{
	size_t s = (size_t)h & st->mask;
	while (st->slots[s])
		s = (s + 1) & st->mask;
	st->slots[s] = idx + 1;
}

/* True when text[off..off+len) (hash h) was seen before; else remembers
 * it. GR_ENOMEM (negative) when it could not be remembered. */
static int set_seen(gr_quality_state *st, const uint8_t *text, size_t off, size_t len)
{
	const uint64_t h = line_hash(text + off, len);
	size_t s = (size_t)h & st->mask;
	for (uint32_t e; (e = st->slots[s]) != 0; s = (s + 1) & st->mask) {
		const struct line_entry *le = &st->lines[e - 1];
		if (le->h == h && le->len == len && memcmp(text + le->off, text + off, len) == 0)
			return 1;
	}
	if (st->nlines >= UINT32_MAX - 1)
		return gr_error_set(GR_ELIMIT, "quality: more than %u distinct lines", UINT32_MAX - 2);
	if (st->nlines == st->lines_cap) {
		size_t cap = st->lines_cap ? 2 * st->lines_cap : MIN_SLOTS / 2;
		struct line_entry *p = gr_realloc(st->lines, cap * sizeof *p);
		if (!p)
			return GR_ENOMEM;
		st->lines = p;
		st->lines_cap = cap;
	}
	st->lines[st->nlines] = (struct line_entry){h, off, len};
	if (2 * (st->nlines + 1) > st->mask + 1) {
		int rc = set_reset(st, 2 * (st->mask + 1));
		if (rc)
			return rc;
		for (size_t i = 0; i < st->nlines; i++)
			set_insert_slot(st, st->lines[i].h, (uint32_t)i);
	}
	set_insert_slot(st, h, (uint32_t)st->nlines);
	st->nlines++;
	return 0;
}

/* Length of the whitespace sequence at p[0..avail) starting with a byte
 * >= 0x80, or 0 (see quality.h for the list). */
static size_t unicode_ws(const uint8_t *p, size_t avail)
{
	if (p[0] == 0xc2)
		return avail >= 2 && (p[1] == 0x85 || p[1] == 0xa0) ? 2 : 0;
	if (avail < 3)
		return 0;
	if (p[0] == 0xe2 && p[1] == 0x80)
		return (p[2] >= 0x80 && p[2] <= 0x8a) || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf ? 3 : 0;
	if (p[0] == 0xe2 && p[1] == 0x81)
		return p[2] == 0x9f ? 3 : 0;
	if (p[0] == 0xe1)
		return p[1] == 0x9a && p[2] == 0x80 ? 3 : 0;
	if (p[0] == 0xe3)
		return p[1] == 0x80 && p[2] == 0x80 ? 3 : 0;
	return 0;
}

/* Does the trimmed line t[0..len) (len >= 1) end in terminal punctuation? */
static bool terminal(const uint8_t *t, size_t len)
{
	const uint8_t c = t[len - 1];
	if (c == '.')
		return !(len >= 3 && t[len - 2] == '.' && t[len - 3] == '.');
	if (c == '!' || c == '?' || c == '"' || c == '\'')
		return true;
	/* U+201D, U+2019 yes; U+2026 no */
	return len >= 3 && t[len - 3] == 0xe2 && t[len - 2] == 0x80 && (c == 0x9d || c == 0x99);
}

/* Per-line totals (the per-word ones stay in compute's registers). */
struct line_counts {
	size_t lines, punct, dup, chars, dup_chars;
};

static double frac(size_t a, size_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static uint32_t sat32(size_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int line_done(struct line_counts *lc, gr_quality_state *st, const uint8_t *t, size_t first, size_t end)
{
	const size_t len = end - first;
	const size_t chars = count_chars(t + first, len);
	lc->lines++;
	lc->chars += chars;
	lc->punct += terminal(t + first, len);
	int seen = set_seen(st, t, first, len);
	if (seen < 0)
		return seen;
	if (seen) {
		lc->dup++;
		lc->dup_chars += chars;
	}
	return 0;
}

/* The end of the run of plain bytes (C_STOP clear) that starts at t[i];
 * sets *alpha when the run holds an ASCII letter. */
static inline size_t plain_run(const uint8_t *t, size_t i, size_t n, bool *alpha)
{
#ifdef __SSE2__
	/* 16 bytes at a time: the same classes as the table, computed */
	while (i + 16 <= n) {
		const __m128i v = _mm_loadu_si128((const __m128i *)(t + i));
		/* signed: bytes >= 0x80 are negative, so "< 0x21" also catches them */
		__m128i stop = _mm_cmplt_epi8(v, _mm_set1_epi8(0x21));
		stop = _mm_or_si128(stop, _mm_cmpeq_epi8(v, _mm_set1_epi8('#')));
		stop = _mm_or_si128(stop, _mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
		/* letters: (v | 0x20) - 'a' < 26, shifted so 'a'..'z' become -128..-103 */
		const __m128i low = _mm_add_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8((char)(0x80 - 'a')));
		const unsigned letters = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(low, _mm_set1_epi8(-102)));
		const unsigned sm = (unsigned)_mm_movemask_epi8(stop);
		const unsigned run = sm ? (unsigned)__builtin_ctz(sm) : 16;
		*alpha |= (letters & ((1u << run) - 1)) != 0;
		i += run;
		if (sm)
			return i;
	}
#endif
	uint8_t acc = 0;
	while (i < n && !(cls[t[i]] & C_STOP))
		acc |= cls[t[i++]];
	*alpha |= (acc & C_ALPHA) != 0;
	return i;
}

static int compute(gr_quality *out, gr_quality_state *st, const uint8_t *t, size_t n)
{
	struct line_counts lc = {0};
	size_t words = 0, word_chars = 0, alpha_words = 0, symbols = 0;
	bool in_word = false, word_alpha = false, line_has = false;
	size_t line_first = 0, line_end = 0, dots = 0;
	int rc;

	st->nlines = 0;
	if ((rc = set_reset(st, MIN_SLOTS)) != 0)
		return rc;

	for (size_t i = 0; i < n;) {
		const uint8_t b = t[i];
		if (!(cls[b] & C_STOP)) {
			/* a run of plain bytes: inside one word, one line, no dots */
			if (dots) {
				symbols += dots / 3;
				dots = 0;
			}
			if (!in_word) {
				in_word = true;
				word_alpha = false;
				words++;
			}
			if (!line_has) {
				line_has = true;
				line_first = i;
			}
			const size_t j = plain_run(t, i, n, &word_alpha);
			word_chars += j - i;
			line_end = j;
			i = j;
			continue;
		}

		size_t len = 1;             /* bytes in this character */
		bool ws, alpha, chr = true; /* chr: starts a character */
		if (b < 0x80) {
			const uint8_t k = cls[b];
			ws = k & C_WS;
			alpha = false;
			if (b == '.') {
				dots++;
			} else {
				symbols += (b == '#') + dots / 3;
				dots = 0;
			}
		} else {
			symbols += dots / 3;
			dots = 0;
			len = unicode_ws(t + i, n - i);
			ws = len > 0;
			alpha = false;
			if (!ws) {
				len = 1;
				if (b == 0xe2 && i + 2 < n && (t[i + 1] == 0x80 || (t[i + 1] == 0x81 && t[i + 2] < 0xb0)) &&
				    (t[i + 2] & 0xc0) == 0x80) {
					/* General Punctuation, U+2000-U+206F: not a letter */
					len = 3;
					symbols += t[i + 1] == 0x80 && t[i + 2] == 0xa6; /* U+2026 */
				} else {
					alpha = true;
					chr = (b & 0xc0) != 0x80;
				}
			}
		}

		if (ws) {
			if (in_word) {
				alpha_words += word_alpha;
				in_word = false;
			}
			if (b == '\n') {
				if (line_has && (rc = line_done(&lc, st, t, line_first, line_end)) != 0)
					return rc;
				line_has = false;
			}
		} else {
			if (!in_word) {
				in_word = true;
				word_alpha = false;
				words++;
			}
			word_alpha |= alpha;
			word_chars += chr;
			if (!line_has) {
				line_has = true;
				line_first = i;
			}
			line_end = i + len;
		}
		i += len;
	}
	symbols += dots / 3;
	if (in_word)
		alpha_words += word_alpha;
	if (line_has && (rc = line_done(&lc, st, t, line_first, line_end)) != 0)
		return rc;

	out->words = sat32(words);
	out->lines = sat32(lc.lines);
	out->mean_word_len = frac(word_chars, words);
	out->symbol_ratio = frac(symbols, words);
	out->punct_line_frac = frac(lc.punct, lc.lines);
	out->alpha_word_frac = frac(alpha_words, words);
	out->dup_line_frac = frac(lc.dup, lc.lines);
	out->dup_line_char_frac = frac(lc.dup_chars, lc.chars);
	return 0;
}

int gr_quality_compute(gr_quality *out, gr_quality_state *st, const char *text, size_t n)
{
	gr_quality_state *own = NULL;
	int rc;
	if (!text)
		n = 0;
	if (!st) {
		if ((rc = gr_quality_state_new(&own)) != 0)
			return rc;
		st = own;
	}
	rc = compute(out, st, (const uint8_t *)text, n);
	gr_quality_state_free(own);
	return rc;
}
