/*
 * warc_int.h — helpers shared by warc.c, http.c and decode.c: byte classes,
 * case-insensitive comparison, trimming, and the fixed-capacity arena that
 * unfolded header values are copied into.
 *
 * Every helper here reads only inside the [p, end) or (p, n) it is given.
 * Names start with wi_ so the files can also be compiled as one unit
 * (tests/bench/warcbench.c includes them).
 */
#ifndef GR_WARC_INT_H
#define GR_WARC_INT_H

#include <string.h>

#include "warc/warc.h"

static inline char wi_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

static inline bool wi_ws(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool wi_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* a[0..n) equals the NUL-terminated lit, ASCII case-insensitively */
static inline bool wi_ieq(const char *a, size_t n, const char *lit)
{
	size_t i = 0;
	for (; i < n; i++) {
		if (!lit[i] || wi_lower(a[i]) != wi_lower(lit[i]))
			return false;
	}
	return lit[i] == '\0';
}

static inline gr_warc_str wi_str(const char *p, size_t n)
{
	gr_warc_str s = {p, n};
	return s;
}

/* s without leading and trailing SP/HT (and a trailing CR) */
static inline gr_warc_str wi_trim(gr_warc_str s)
{
	while (s.len && wi_ws(s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len && (wi_ws(s.ptr[s.len - 1]) || s.ptr[s.len - 1] == '\r'))
		s.len--;
	return s;
}

/*
 * Parses a decimal number of at most 18 digits (no sign, no spaces) into
 * *out. false on anything else: an empty string, other bytes, overflow.
 */
static inline bool wi_decimal(gr_warc_str s, uint64_t *out)
{
	if (s.len == 0 || s.len > 18)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < s.len; i++) {
		if (!wi_digit(s.ptr[i]))
			return false;
		v = v * 10 + (uint64_t)(s.ptr[i] - '0');
	}
	*out = v;
	return true;
}

/*
 * Arena: a gr_buf reserved once to its full size before use, so the
 * strings copied into it never move. wi_arena_put returns NULL (and copies
 * nothing) when the reservation would be exceeded: callers size it so that
 * cannot happen, and treat NULL as a bug-safe fallback.
 */
static inline int wi_arena_reset(gr_buf *a, size_t cap)
{
	a->len = 0;
	if (a->cap < cap + 1)
		return gr_buf_grow(a, cap);
	return 0;
}

static inline char *wi_arena_put(gr_buf *a, const char *p, size_t n)
{
	if (!a->ptr || n >= a->cap - a->len)
		return NULL;
	char *dst = a->ptr + a->len;
	if (n)
		memcpy(dst, p, n);
	a->len += n;
	a->ptr[a->len] = '\0';
	return dst;
}

/*
 * Parses header field lines from [p, end) up to the first blank line (or
 * end) into *fields, which grows up to max stored fields; fields beyond max
 * are counted in *n_seen but not stored. A line starting with SP or HT
 * continues the previous field's value: the value is then unfolded (each
 * line break and its surrounding blanks become one SP) into arena, which the
 * caller has reserved with room for end - p bytes. Lines without a colon, or
 * with nothing before it, count in *bad_lines; *first_bad (may be NULL) is
 * set to the first of them. A line end is LF or CRLF. Returns 0 or
 * GR_ENOMEM. Used for WARC headers (warc.c) and HTTP heads (http.c).
 */
int gr_warc_int_fields(gr_warc_field **fields, size_t *cap, size_t *n_stored, size_t *n_seen, size_t max,
		       const char *p, const char *end, gr_buf *arena, size_t *bad_lines, const char **first_bad);

#endif
