/*
 * jsonl — validating, non-allocating parser for one JSON-Lines record.
 *
 * Invariants this file keeps:
 *  1. Every read is inside line[0..len). 16-byte loads happen only while 16
 *     bytes remain; the last partial block of a string is read with one load
 *     that ends exactly at line + len (re-reading bytes already accepted), or
 *     byte by byte when the whole line is shorter than 16 bytes. The AVX2
 *     UTF-8 check loads 32 bytes while 32 remain and copies the tail into a
 *     zero-padded local block.
 *  2. Nothing is allocated. The container stack of nested values is one
 *     64-bit word, one bit per level (object or array), which is why
 *     GR_JSON_MAX_DEPTH is 64.
 *  3. A line is accepted only if it is RFC 8259 JSON whose top-level value is
 *     an object, every string is strict UTF-8 (Unicode Table 3-7: no
 *     overlongs, no encoded surrogates, nothing above U+10FFFF) with no raw
 *     byte < 0x20, and every \u escape of a surrogate is part of a pair.
 *  4. The first error wins: its message is set once (gr_error_set) and its
 *     offset is the first byte that could not be accepted.
 *
 * The hot loop is the string body scan: the text field of a training record
 * is ~95% of the bytes. Two ways through it, chosen per line:
 *  - fast: when the CPU has AVX2, the whole line is first checked as UTF-8
 *    with the Keiser-Lemire lookup algorithm (~1 instruction per byte,
 *    shortcut for ASCII blocks). Since every byte outside a string must be
 *    ASCII JSON syntax, a valid line leaves the parser only '"', '\\' and
 *    control bytes to stop at inside strings.
 *  - strict: without AVX2, or when the line is not valid UTF-8, the parser
 *    also stops at bytes >= 0x80 and validates each sequence itself, which
 *    is what pins the error to the first bad byte.
 * Both are one inline parser specialised by a constant `strict` flag.
 */
#ifndef __SSE2__
#error "src/ingest/jsonl.c needs SSE2 (x86-64)"
#endif
#include <emmintrin.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define JP_AVX2 1
#endif

#include "ingest/jsonl.h"

#define JP_INLINE static inline __attribute__((always_inline))

_Static_assert(GR_JSON_MAX_DEPTH <= 64, "the container stack is one 64-bit word");

struct jp {
	const char *base; /* start of the line, for offsets */
	const char *end;  /* one past its last byte */
	size_t err_off;
	int rc;
};

/* Records the first error; returns NULL so callers can `return jp_fail(...)`. */
__attribute__((cold, noinline)) static const char *jp_fail(struct jp *j, const char *at, int code,
							      const char *what)
{
	j->err_off = (size_t)(at - j->base);
	j->rc = gr_error_set(code, "%s at byte %zu", what, j->err_off);
	return NULL;
}

static inline const char *jp_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

static inline bool jp_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Hex digit value + 1; 0 for a non-hex byte. */
static const unsigned char jp_hexval[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* The 4 hex digits at p as 0..0xffff, or -1 (also when fewer than 4 bytes remain). */
static long jp_hex4(const char *p, const char *end)
{
	if (end - p < 4)
		return -1;
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int d = jp_hexval[(unsigned char)p[i]] - 1;
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* The byte a two-character escape \X stands for, 0 when X is not one of "\\/bfnrt. */
static const char jp_simple_esc[256] = {
	['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
	['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t',
};

/*
 * Decodes the escape at p (p[0] == '\\') into UTF-8 at out (up to 4 bytes,
 * never more than the escape's own length). Returns the bytes consumed (2, 6
 * or 12) and sets *n_out, or returns 0 and sets *why.
 */
static size_t jp_esc_decode(const char *p, const char *end, char *out, size_t *n_out, const char **why)
{
	if (end - p < 2) {
		*why = "unterminated escape";
		return 0;
	}
	char c;
	switch (p[1]) {
	case '"': c = '"'; break;
	case '\\': c = '\\'; break;
	case '/': c = '/'; break;
	case 'b': c = '\b'; break;
	case 'f': c = '\f'; break;
	case 'n': c = '\n'; break;
	case 'r': c = '\r'; break;
	case 't': c = '\t'; break;
	case 'u': goto unicode;
	default:
		*why = "invalid escape";
		return 0;
	}
	out[0] = c;
	*n_out = 1;
	return 2;

unicode:;
	long u = jp_hex4(p + 2, end);
	size_t used = 6;
	if (u < 0) {
		*why = "invalid \\u escape";
		return 0;
	}
	if (u >= 0xdc00 && u <= 0xdfff) {
		*why = "lone low surrogate escape";
		return 0;
	}
	uint32_t cp = (uint32_t)u;
	if (u >= 0xd800 && u <= 0xdbff) {
		long lo = -1;
		if (end - p >= 12 && p[6] == '\\' && p[7] == 'u')
			lo = jp_hex4(p + 8, end);
		if (lo < 0xdc00 || lo > 0xdfff) {
			*why = "lone high surrogate escape";
			return 0;
		}
		cp = 0x10000 + (((uint32_t)u - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
		used = 12;
	}
	unsigned char *o = (unsigned char *)out;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		*n_out = 1;
	} else if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		*n_out = 2;
	} else if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		*n_out = 3;
	} else {
		o[0] = (unsigned char)(0xf0 | cp >> 18);
		o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[3] = (unsigned char)(0x80 | (cp & 0x3f));
		*n_out = 4;
	}
	return used;
}

/*
 * Bit i set when byte i of v is '"', '\\' or < 0x20, and when strict also
 * >= 0x80: a signed compare with 0x20 catches both ranges at once.
 */
JP_INLINE unsigned jp_stop_mask(__m128i v, const bool strict)
{
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i bslash = _mm_set1_epi8('\\');
	__m128i ctl;
	if (strict)
		ctl = _mm_cmplt_epi8(v, _mm_set1_epi8(' '));
	else
		ctl = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
	__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)), ctl);
	return (unsigned)_mm_movemask_epi8(m);
}

/*
 * Stop mask of the block p[0..min(64, end - p)): bit i is set when p[i] is
 * a stop byte (see jp_stop_mask); bits past end are clear.
 */
JP_INLINE uint64_t jp_block(const char *base, const char *p, const char *end, const bool strict)
{
	size_t rem = (size_t)(end - p);
	if (rem >= 64) {
		__m128i v0 = _mm_loadu_si128((const __m128i *)p);
		__m128i v1 = _mm_loadu_si128((const __m128i *)(p + 16));
		__m128i v2 = _mm_loadu_si128((const __m128i *)(p + 32));
		__m128i v3 = _mm_loadu_si128((const __m128i *)(p + 48));
		return (uint64_t)jp_stop_mask(v0, strict) | (uint64_t)jp_stop_mask(v1, strict) << 16 |
		       (uint64_t)jp_stop_mask(v2, strict) << 32 | (uint64_t)jp_stop_mask(v3, strict) << 48;
	}
	uint64_t m = 0;
	size_t i = 0;
	for (; i + 16 <= rem; i += 16)
		m |= (uint64_t)jp_stop_mask(_mm_loadu_si128((const __m128i *)(p + i)), strict) << i;
	if (i == rem)
		return m;
	size_t r = rem - i; /* 1..15 */
	if (end - base >= 16) {
		/* one load ending at end; drop the bytes before p + i */
		unsigned t = jp_stop_mask(_mm_loadu_si128((const __m128i *)(end - 16)), strict) >> (16 - r);
		return m | (uint64_t)t << i;
	}
	for (; i < rem; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\' || c < 0x20 || (strict && c >= 0x80))
			m |= (uint64_t)1 << i;
	}
	return m;
}

/*
 * Validates the run of UTF-8 at p (*p >= 0x80) per Unicode Table 3-7, then
 * keeps going through the plain ASCII that follows as long as non-ASCII
 * keeps turning up within a few bytes (text in most scripts mixes the two
 * densely; going back to the vector scan for every space would cost more).
 * Returns the first byte it did not accept (a stop byte for the caller, or end).
 */
static const char *jp_utf8(struct jp *j, const char *p)
{
	const unsigned char *s = (const unsigned char *)p;
	const unsigned char *e = (const unsigned char *)j->end;
	while (s < e) {
		unsigned c = *s;
		if (c < 0x80) {
			/* plain ASCII: take at most 8 before handing back to the vector scan */
			const unsigned char *stop = e - s > 8 ? s + 8 : e;
			while (s < stop && *s < 0x80 && *s >= 0x20 && *s != '"' && *s != '\\')
				s++;
			if (s == stop || *s < 0x80)
				break;
			continue;
		}
		size_t left = (size_t)(e - s);
		if (c >= 0xc2 && c <= 0xdf) {
			if (left < 2 || (s[1] & 0xc0) != 0x80)
				goto bad;
			s += 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
			if (left < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80)
				goto bad;
			s += 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
			if (left < 4 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80 ||
			    (s[3] & 0xc0) != 0x80)
				goto bad;
			s += 4;
		} else {
			goto bad;
		}
	}
	return (const char *)s;
bad:
	return jp_fail(j, (const char *)s, GR_EINVAL, "invalid UTF-8 in string");
}

/* p at a backslash inside a string; returns the byte after the escape. */
static inline const char *jp_escape(struct jp *j, const char *p)
{
	if (j->end - p >= 2) {
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			return p + 2;
		default:
			break;
		}
	}
	char tmp[4];
	size_t n;
	const char *why = NULL;
	size_t used = jp_esc_decode(p, j->end, tmp, &n, &why);
	if (!used)
		return jp_fail(j, p, GR_EINVAL, why);
	return p + used;
}

/*
 * p at the opening quote; returns the byte after the closing quote. Works
 * through 64-byte blocks, handling each stop byte of a block's mask in turn
 * without reloading; an escape or UTF-8 run that ends inside the block just
 * clears the mask bits it covered.
 */
JP_INLINE const char *jp_string(struct jp *j, const char *p, bool *escaped, const bool strict)
{
	const char *open = p, *end = j->end, *q;
	bool esc = false;
	p++;
	for (;;) {
		if (p >= end)
			return jp_fail(j, open, GR_EINVAL, "unterminated string");
		uint64_t m = jp_block(j->base, p, end, strict);
		while (m) {
			const char *s = p + __builtin_ctzll(m);
			unsigned char c = (unsigned char)*s;
			if (c == '"') {
				*escaped = esc;
				return s + 1;
			}
			if (c == '\\') {
				esc = true;
				/* \n, \" and friends inline; \u and errors out of line */
				if (end - s >= 2 && jp_simple_esc[(unsigned char)s[1]])
					q = s + 2;
				else
					q = jp_escape(j, s);
			} else if (c < 0x20) {
				return jp_fail(j, s, GR_EINVAL, "raw control character in string");
			} else {
				q = jp_utf8(j, s); /* only reached when strict */
			}
			if (!q)
				return NULL;
			size_t k = (size_t)(q - p);
			if (k >= 64)
				goto resume;
			m &= ~(uint64_t)0 << k;
		}
		p = end - p < 64 ? end : p + 64;
		continue;
resume:
		p = q;
	}
}

/* RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static const char *jp_number(struct jp *j, const char *p)
{
	const char *end = j->end;
	if (p < end && *p == '-')
		p++;
	if (p >= end || !jp_digit(*p))
		return jp_fail(j, p, GR_EINVAL, "expected digit in number");
	if (*p == '0') {
		p++;
		if (p < end && jp_digit(*p))
			return jp_fail(j, p, GR_EINVAL, "leading zero in number");
	} else {
		while (p < end && jp_digit(*p))
			p++;
	}
	if (p < end && *p == '.') {
		p++;
		if (p >= end || !jp_digit(*p))
			return jp_fail(j, p, GR_EINVAL, "expected digit after '.' in number");
		while (p < end && jp_digit(*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || !jp_digit(*p))
			return jp_fail(j, p, GR_EINVAL, "expected digit in exponent");
		while (p < end && jp_digit(*p))
			p++;
	}
	return p;
}

static const char *jp_literal(struct jp *j, const char *p, const char *word, size_t n)
{
	if ((size_t)(j->end - p) < n || memcmp(p, word, n) != 0)
		return jp_fail(j, p, GR_EINVAL, "invalid literal");
	return p + n;
}

/* A string, number or literal at p (not '{' or '['). */
JP_INLINE const char *jp_scalar(struct jp *j, const char *p, enum gr_json_type *type, bool *escaped,
			       const bool strict)
{
	*escaped = false;
	if (p >= j->end)
		return jp_fail(j, p, GR_EINVAL, "expected value");
	switch (*p) {
	case '"':
		*type = GR_JSON_STRING;
		return jp_string(j, p, escaped, strict);
	case 't':
		*type = GR_JSON_TRUE;
		return jp_literal(j, p, "true", 4);
	case 'f':
		*type = GR_JSON_FALSE;
		return jp_literal(j, p, "false", 5);
	case 'n':
		*type = GR_JSON_NULL;
		return jp_literal(j, p, "null", 4);
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		*type = GR_JSON_NUMBER;
		return jp_number(j, p);
	default:
		return jp_fail(j, p, GR_EINVAL, "expected value");
	}
}

/*
 * p at '{' or '[' of a container nested at `depth` (2 for the value of a
 * top-level member). Validates it and everything inside without recursion:
 * bit k of is_obj says whether the container k levels down is an object.
 */
JP_INLINE const char *jp_container(struct jp *j, const char *p, unsigned depth, const bool strict)
{
	const char *end = j->end;
	uint64_t is_obj = 0;
	unsigned lvl = 0; /* open containers below the outermost */
	enum gr_json_type type;
	bool esc;

open:
	if (depth + lvl > GR_JSON_MAX_DEPTH)
		return jp_fail(j, p, GR_ELIMIT, "nesting deeper than 64 levels");
	if (*p == '{')
		is_obj |= (uint64_t)1 << lvl;
	else
		is_obj &= ~((uint64_t)1 << lvl);
	p = jp_ws(p + 1, end);
	if (p < end && *p == ((is_obj >> lvl & 1) ? '}' : ']')) {
		p++;
		goto close;
	}
	if (!(is_obj >> lvl & 1))
		goto value;
key:
	if (p >= end || *p != '"')
		return jp_fail(j, p, GR_EINVAL,
			       p < end && *p == '}' ? "trailing comma in object" : "expected string key");
	p = jp_string(j, p, &esc, strict);
	if (!p)
		return NULL;
	p = jp_ws(p, end);
	if (p >= end || *p != ':')
		return jp_fail(j, p, GR_EINVAL, "expected ':' after key");
	p = jp_ws(p + 1, end);
value:
	if (p < end && (*p == '{' || *p == '[')) {
		lvl++;
		goto open;
	}
	if (p < end && *p == ']' && !(is_obj >> lvl & 1))
		return jp_fail(j, p, GR_EINVAL, "trailing comma in array");
	p = jp_scalar(j, p, &type, &esc, strict);
	if (!p)
		return NULL;
after:
	p = jp_ws(p, end);
	if (p < end && *p == ',') {
		p = jp_ws(p + 1, end);
		if (is_obj >> lvl & 1)
			goto key;
		goto value;
	}
	if (is_obj >> lvl & 1) {
		if (p >= end || *p != '}')
			return jp_fail(j, p, GR_EINVAL, "expected ',' or '}' in object");
	} else {
		if (p >= end || *p != ']')
			return jp_fail(j, p, GR_EINVAL, "expected ',' or ']' in array");
	}
	p++;
close:
	if (lvl == 0)
		return p;
	lvl--;
	goto after;
}

JP_INLINE int jp_parse(const char *line, size_t len, gr_json_member *members, size_t max_members,
		       size_t *n_out, size_t *err_off, const bool strict)
{
	struct jp j = {line, line + len, 0, 0};
	const char *end = j.end, *p, *q;
	size_t cap = max_members < GR_JSON_MAX_MEMBERS ? max_members : GR_JSON_MAX_MEMBERS;
	size_t n = 0;

	p = jp_ws(line, end);
	if (p >= end || *p != '{') {
		jp_fail(&j, p, GR_EINVAL,
			p >= end ? "empty line, expected a JSON object" : "expected '{' (top level must be an object)");
		goto fail;
	}
	p = jp_ws(p + 1, end);
	if (p < end && *p == '}') {
		p++;
		goto done;
	}
	for (;;) {
		if (p >= end || *p != '"') {
			jp_fail(&j, p, GR_EINVAL,
				p < end && *p == '}' && n ? "trailing comma in object" : "expected string key");
			goto fail;
		}
		if (n == cap) {
			j.err_off = (size_t)(p - line);
			j.rc = gr_error_set(GR_ELIMIT, "more than %zu members in the object at byte %zu", cap,
					    j.err_off);
			goto fail;
		}
		gr_json_member *m = &members[n];
		m->key = p + 1;
		q = jp_string(&j, p, &m->key_escaped, strict);
		if (!q)
			goto fail;
		m->key_len = (size_t)(q - 1 - m->key);
		p = jp_ws(q, end);
		if (p >= end || *p != ':') {
			jp_fail(&j, p, GR_EINVAL, "expected ':' after key");
			goto fail;
		}
		p = jp_ws(p + 1, end);
		m->val = p;
		if (p < end && (*p == '{' || *p == '[')) {
			m->type = *p == '{' ? GR_JSON_OBJECT : GR_JSON_ARRAY;
			m->val_escaped = false;
			q = jp_container(&j, p, 2, strict);
		} else {
			q = jp_scalar(&j, p, &m->type, &m->val_escaped, strict);
		}
		if (!q)
			goto fail;
		m->val_len = (size_t)(q - p);
		n++;
		p = jp_ws(q, end);
		if (p < end && *p == ',') {
			p = jp_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == '}') {
			p++;
			break;
		}
		jp_fail(&j, p, GR_EINVAL, "expected ',' or '}' after member");
		goto fail;
	}
done:
	p = jp_ws(p, end);
	if (p != end) {
		jp_fail(&j, p, GR_EINVAL, "unexpected text after the object");
		goto fail;
	}
	if (n_out)
		*n_out = n;
	return 0;
fail:
	if (err_off)
		*err_off = j.err_off;
	return j.rc;
}

int gr_json_parse_object_portable(const char *line, size_t len, gr_json_member *members,
				  size_t max_members, size_t *n_out, size_t *err_off)
{
	if (!line)
		line = ""; /* only meaningful with len == 0; keeps the pointer arithmetic defined */
	return jp_parse(line, len, members, max_members, n_out, err_off, true);
}

#ifdef JP_AVX2
__attribute__((noinline)) static int jp_parse_fast(const char *line, size_t len, gr_json_member *members,
						   size_t max_members, size_t *n_out, size_t *err_off)
{
	return jp_parse(line, len, members, max_members, n_out, err_off, false);
}

/*
 * UTF-8 validation of a whole buffer, 32 bytes at a time: the lookup
 * algorithm of Keiser and Lemire, "Validating UTF-8 in less than one
 * instruction per byte" (2021), as in simdjson. Three 16-entry tables,
 * indexed by the high nibble of the previous byte, its low nibble and the
 * high nibble of the current byte, each give the set of errors that pair
 * could be; their AND is nonzero only for a real error. Sequences longer
 * than two bytes are checked by requiring continuation bytes exactly where
 * a 3- or 4-byte lead two or three bytes back says they must be.
 */
enum {
	U8_TOO_SHORT = 1 << 0,  /* lead byte not followed by a continuation */
	U8_TOO_LONG = 1 << 1,   /* ASCII followed by a continuation */
	U8_OVERLONG_3 = 1 << 2, /* E0 80..9F */
	U8_TOO_LARGE = 1 << 3,  /* F4 90..BF, F5..FF */
	U8_SURROGATE = 1 << 4,  /* ED A0..BF */
	U8_OVERLONG_2 = 1 << 5, /* C0, C1 */
	U8_TOO_LARGE_1000 = 1 << 6,
	U8_OVERLONG_4 = 1 << 6, /* F0 80..8F */
	U8_TWO_CONTS = 1 << 7,  /* continuation after continuation, where none is due */
	U8_CARRY = U8_TOO_SHORT | U8_TOO_LONG | U8_TWO_CONTS,
};

#define JP_TABLE16(...) _mm256_setr_epi8(__VA_ARGS__, __VA_ARGS__)

/* in shifted right by n bytes (1..3), the gap filled from the end of prev. */
#define JP_U8_PREV(in, prev, n) _mm256_alignr_epi8((in), _mm256_permute2x128_si256((prev), (in), 0x21), 16 - (n))

/* Error bits for block in, given the block before it. */
__attribute__((target("avx2"))) static inline __m256i jp_u8_block(__m256i in, __m256i prev)
{
	const __m256i nib = _mm256_set1_epi8(0x0f);
	const __m256i byte_1_high_tbl = JP_TABLE16(
		U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
		U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
		(char)U8_TWO_CONTS, (char)U8_TWO_CONTS, (char)U8_TWO_CONTS, (char)U8_TWO_CONTS,
		U8_TOO_SHORT | U8_OVERLONG_2,
		U8_TOO_SHORT,
		U8_TOO_SHORT | U8_OVERLONG_3 | U8_SURROGATE,
		U8_TOO_SHORT | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_OVERLONG_4);
	const __m256i byte_1_low_tbl = JP_TABLE16(
		(char)(U8_CARRY | U8_OVERLONG_3 | U8_OVERLONG_2 | U8_OVERLONG_4),
		(char)(U8_CARRY | U8_OVERLONG_2),
		(char)U8_CARRY,
		(char)U8_CARRY,
		(char)(U8_CARRY | U8_TOO_LARGE),
		(char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
		(char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
		(char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
		(char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
		(char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
		(char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
		(char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
		(char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
		(char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_SURROGATE),
		(char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
		(char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000));
	const __m256i byte_2_high_tbl = JP_TABLE16(
		U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
		U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
		(char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 | U8_TOO_LARGE_1000 |
		       U8_OVERLONG_4),
		(char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 | U8_TOO_LARGE),
		(char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE),
		(char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE),
		U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT);

	__m256i prev1 = JP_U8_PREV(in, prev, 1);
	__m256i b1h = _mm256_shuffle_epi8(byte_1_high_tbl, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nib));
	__m256i b1l = _mm256_shuffle_epi8(byte_1_low_tbl, _mm256_and_si256(prev1, nib));
	__m256i b2h = _mm256_shuffle_epi8(byte_2_high_tbl, _mm256_and_si256(_mm256_srli_epi16(in, 4), nib));
	__m256i special = _mm256_and_si256(_mm256_and_si256(b1h, b1l), b2h);

	/* bytes that must be the 2nd continuation of a 3-byte or the 3rd of a 4-byte sequence */
	__m256i third = _mm256_subs_epu8(JP_U8_PREV(in, prev, 2), _mm256_set1_epi8((char)(0xe0 - 0x80)));
	__m256i fourth = _mm256_subs_epu8(JP_U8_PREV(in, prev, 3), _mm256_set1_epi8((char)(0xf0 - 0x80)));
	__m256i must23 = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
	return _mm256_xor_si256(must23, special);
}

/* Nonzero where the block's last bytes start a sequence it does not finish. */
__attribute__((target("avx2"))) static inline __m256i jp_u8_incomplete(__m256i in)
{
	const __m256i max = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
					     -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
					     (char)(0xf0 - 1), (char)(0xe0 - 1), (char)(0xc0 - 1));
	return _mm256_subs_epu8(in, max);
}

/* True when s[0..n) is strict UTF-8 (same rules as jp_utf8 / gr_utf8_valid). */
__attribute__((target("avx2"))) static bool jp_utf8_valid_avx2(const char *s, size_t n)
{
	__m256i err = _mm256_setzero_si256(), prev = err, incomplete = err;
	size_t i = 0;
	for (;;) {
		__m256i in;
		if (i + 32 <= n) {
			in = _mm256_loadu_si256((const __m256i *)(s + i));
		} else if (i < n) {
			char tail[32] = {0}; /* padded with ASCII */
			memcpy(tail, s + i, n - i);
			in = _mm256_loadu_si256((const __m256i *)tail);
		} else {
			break;
		}
		if (_mm256_movemask_epi8(in) == 0) {
			err = _mm256_or_si256(err, incomplete);
			incomplete = _mm256_setzero_si256();
		} else {
			err = _mm256_or_si256(err, jp_u8_block(in, prev));
			incomplete = jp_u8_incomplete(in);
		}
		prev = in;
		i += 32;
	}
	err = _mm256_or_si256(err, incomplete);
	return _mm256_testz_si256(err, err);
}

/* libgcc fills the CPU model in a constructor; we never run before it. */
static bool jp_have_avx2(void)
{
	return __builtin_cpu_supports("avx2");
}
#endif

int gr_json_parse_object(const char *line, size_t len, gr_json_member *members, size_t max_members,
			 size_t *n_out, size_t *err_off)
{
	if (!line)
		line = "";
#ifdef JP_AVX2
	if (jp_have_avx2() && jp_utf8_valid_avx2(line, len))
		return jp_parse_fast(line, len, members, max_members, n_out, err_off);
#endif
	return gr_json_parse_object_portable(line, len, members, max_members, n_out, err_off);
}

/*
 * Decodes the string body p[0..end) (no quotes, at least one backslash in
 * it) to o, which has room for end - p bytes; returns the end of the output,
 * or NULL with the error set (raw: the body's start, for the offset). Copies
 * 64 (then 16) bytes at a time and stops only at backslashes; output never
 * runs ahead of input, so the unconditional stores stay inside the room.
 * inplace: o lies at or before p in the same buffer; then an unconditional
 * store is used only when it ends before the input not read yet (p - o at
 * least the store's width), else the bytes up to the next backslash move
 * with memmove. Every escape shrinks the text, so the gap soon allows the
 * wide stores.
 */
JP_INLINE char *jp_unescape_run(char *o, const char *p, const char *end, const char *raw, const bool inplace)
{
	const __m128i bslash = _mm_set1_epi8('\\');
	for (;;) {
		while (p < end && *p == '\\') {
			char simple = end - p >= 2 ? jp_simple_esc[(unsigned char)p[1]] : 0;
			if (simple) {
				*o++ = simple;
				p += 2;
				continue;
			}
			size_t k;
			const char *why = NULL;
			size_t used = jp_esc_decode(p, end, o, &k, &why);
			if (!used) {
				gr_error_set(GR_EINVAL, "%s at byte %zu of the string", why, (size_t)(p - raw));
				return NULL;
			}
			o += k;
			p += used;
		}
		/*
		 * Copy 64 (or 16) bytes blindly and keep what comes before the
		 * next backslash; the fixed 64-byte step keeps the loads
		 * independent of each other when there is no backslash.
		 */
		if (end - p >= 64 && (!inplace || p - o >= 64)) {
			__m128i v0 = _mm_loadu_si128((const __m128i *)p);
			__m128i v1 = _mm_loadu_si128((const __m128i *)(p + 16));
			__m128i v2 = _mm_loadu_si128((const __m128i *)(p + 32));
			__m128i v3 = _mm_loadu_si128((const __m128i *)(p + 48));
			_mm_storeu_si128((__m128i *)o, v0);
			_mm_storeu_si128((__m128i *)(o + 16), v1);
			_mm_storeu_si128((__m128i *)(o + 32), v2);
			_mm_storeu_si128((__m128i *)(o + 48), v3);
			__m128i e0 = _mm_cmpeq_epi8(v0, bslash), e1 = _mm_cmpeq_epi8(v1, bslash);
			__m128i e2 = _mm_cmpeq_epi8(v2, bslash), e3 = _mm_cmpeq_epi8(v3, bslash);
			unsigned k = 64;
			if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(e0, e1), _mm_or_si128(e2, e3)))) {
				uint64_t m = (uint64_t)(unsigned)_mm_movemask_epi8(e0) |
					     (uint64_t)(unsigned)_mm_movemask_epi8(e1) << 16 |
					     (uint64_t)(unsigned)_mm_movemask_epi8(e2) << 32 |
					     (uint64_t)(unsigned)_mm_movemask_epi8(e3) << 48;
				k = (unsigned)__builtin_ctzll(m);
			}
			p += k;
			o += k;
		} else if (end - p >= 16 && (!inplace || p - o >= 16)) {
			__m128i v = _mm_loadu_si128((const __m128i *)p);
			_mm_storeu_si128((__m128i *)o, v);
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, bslash));
			unsigned k = m ? (unsigned)__builtin_ctz(m) : 16;
			p += k;
			o += k;
		} else if (inplace && end - p >= 16) {
			const char *nb = memchr(p, '\\', (size_t)(end - p));
			size_t plain = nb ? (size_t)(nb - p) : (size_t)(end - p);
			memmove(o, p, plain);
			o += plain;
			p += plain;
			if (!nb)
				break;
		} else {
			break;
		}
	}
	/* fewer than 16 bytes left */
	while (p < end) {
		const char *nb = memchr(p, '\\', (size_t)(end - p));
		size_t plain = nb ? (size_t)(nb - p) : (size_t)(end - p);
		memmove(o, p, plain);
		o += plain;
		p += plain;
		if (!nb)
			break;
		size_t k;
		const char *why = NULL;
		size_t used = jp_esc_decode(p, end, o, &k, &why);
		if (!used) {
			gr_error_set(GR_EINVAL, "%s at byte %zu of the string", why, (size_t)(p - raw));
			return NULL;
		}
		o += k;
		p += used;
	}
	return o;
}

/* Decodes raw[0..n) (a string body without quotes) onto out; out unchanged on error. */
static int jp_unescape_body(gr_buf *out, const char *raw, size_t n)
{
	const char *bs = memchr(raw, '\\', n);
	if (!bs)
		return gr_buf_put(out, raw, n);
	/* every escape decodes to no more bytes than it occupies */
	int rc = gr_buf_grow(out, n);
	if (rc)
		return rc;
	char *o = out->ptr + out->len;
	memcpy(o, raw, (size_t)(bs - raw));
	o = jp_unescape_run(o + (bs - raw), bs, raw + n, raw, false);
	if (!o) {
		out->ptr[out->len] = '\0';
		return GR_EINVAL;
	}
	out->len = (size_t)(o - out->ptr);
	out->ptr[out->len] = '\0';
	return 0;
}

int gr_json_unescape_inplace(char *raw, size_t raw_len, size_t *len_out)
{
	if (raw_len < 2 || raw[0] != '"' || raw[raw_len - 1] != '"')
		return gr_error_set(GR_EINVAL, "not a quoted JSON string");
	const char *body = raw + 1, *end = raw + raw_len - 1;
	const char *bs = memchr(body, '\\', (size_t)(end - body));
	if (!bs)
		bs = end;
	memmove(raw, body, (size_t)(bs - body));
	char *o = raw + (bs - body);
	if (bs < end && !(o = jp_unescape_run(o, bs, end, body, true)))
		return GR_EINVAL;
	*len_out = (size_t)(o - raw);
	return 0;
}

int gr_json_unescape(gr_buf *out, const char *raw, size_t raw_len)
{
	if (raw_len < 2 || raw[0] != '"' || raw[raw_len - 1] != '"')
		return gr_error_set(GR_EINVAL, "not a quoted JSON string");
	return jp_unescape_body(out, raw + 1, raw_len - 2);
}

int gr_json_unescape_key(gr_buf *out, const gr_json_member *m)
{
	return jp_unescape_body(out, m->key, m->key_len);
}

bool gr_json_key_eq(const gr_json_member *m, const char *key)
{
	if (!m->key_escaped)
		return strlen(key) == m->key_len && memcmp(m->key, key, m->key_len) == 0;
	const char *p = m->key, *end = m->key + m->key_len;
	size_t k = 0;
	while (p < end) {
		char tmp[4];
		size_t n;
		if (*p != '\\') {
			tmp[0] = *p++;
			n = 1;
		} else {
			const char *why;
			size_t used = jp_esc_decode(p, end, tmp, &n, &why);
			if (!used)
				return false;
			p += used;
		}
		for (size_t i = 0; i < n; i++, k++)
			if (key[k] == '\0' || key[k] != tmp[i])
				return false;
	}
	return key[k] == '\0';
}
