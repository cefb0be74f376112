/*
 * warc — the streaming WARC record reader (framing, header fields, dates)
 * and its hand-off to the HTTP parser and decoder. The rules it implements
 * are listed in warc.h.
 *
 * Invariants this file keeps:
 *  1. The window buf[pos..end) holds the unconsumed stream bytes; base is
 *     the stream offset of buf[0], so base + pos is the offset of the next
 *     byte to read. buf only grows past WR_BIG_WINDOW to hold one record's
 *     header and block and one read, so cap <= max(WR_BIG_WINDOW,
 *     GR_WARC_MAX_HEADER + max_block + GR_WARC_READ_SIZE) whatever the input.
 *  2. A delivered record's strings point into buf[pos..) or into the arena;
 *     nothing moves the window until the next call, which first consumes
 *     the record (r->consume).
 *  3. Every turn of the loop in gr_warc_next consumes at least one byte,
 *     reads more, or ends: garbage scanning starts one byte after where it
 *     failed, so no input makes it spin.
 *  4. A problem is reported once, where it is found, with the stream offset
 *     of its first byte; a record is either delivered or counted dropped.
 *  5. A read failure ends the input like the end of the stream does: what
 *     the window holds is still read (a record cut by it is reported), then
 *     the error is returned, and from then on every call returns it. Out of
 *     memory is returned at once, the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warc/warc_int.h"

/* The window starts small (cheap for small streams) and doubles up to
 * WR_BIG_WINDOW while a stream goes on, so that reads are large; it grows
 * beyond only to hold a record. Room for less than WR_MIN_READ at its end
 * makes it move its live bytes to the front. */
#define WR_START_WINDOW (64u * 1024)
#define WR_BIG_WINDOW (4u * GR_WARC_READ_SIZE)
#define WR_MIN_READ (16u * 1024)

struct gr_warc_reader {
	gr_warc_read_fn read;
	void *ctx;
	gr_warc_opts o;

	uint8_t *buf;
	size_t cap, pos, end;
	uint64_t base;
	bool eof;
	int fail;      /* no more input because of this error (GR_EIO, GR_ENOMEM) */
	bool finished; /* the error was returned: every call returns it (invariant 5) */
	char fail_msg[1024]; /* as long as util's error messages */
	uint64_t consume; /* bytes of the delivered record, consumed at the next call */

	gr_warc_record rec;
	gr_warc_field *fields;
	size_t fields_cap;
	gr_buf arena;
	gr_warc_http http;
	gr_warc_stats stats;
	char reason[512];
};

static const char *const wr_type_names[GR_WARC_TYPE_COUNT] = {
	"other", "warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion", "continuation",
};

const char *gr_warc_type_name(enum gr_warc_type t)
{
	return (unsigned)t < GR_WARC_TYPE_COUNT ? wr_type_names[t] : "other";
}

static const char *const wr_problem_names[GR_WARC_PROBLEM_COUNT] = {
	"none",
	"garbage",
	"truncated",
	"bad-header",
	"line-too-long",
	"header-too-large",
	"too-many-fields",
	"no-length",
	"bad-length",
	"missing-field",
	"bad-date",
	"block-too-large",
	"http-bad-head",
	"http-limit",
	"http-truncated",
	"http-bad-chunked",
	"http-bad-encoding",
	"http-unknown-encoding",
	"http-too-large",
};

const char *gr_warc_problem_name(enum gr_warc_problem p)
{
	return (unsigned)p < GR_WARC_PROBLEM_COUNT ? wr_problem_names[p] : "unknown";
}

/* ---- dates ---- */

/* n (at most 4) digits at s as a number; -1 when they are not all digits */
static int wr_digits(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!wi_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. Counts
 * in years that start in March, so that February's leap day ends a year. */
static int64_t wr_days(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;                              /* 0..399 */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;         /* 0..146096 */
	return era * 146097 + doe - 719468;
}

static int wr_month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

int gr_warc_parse_date(int64_t *out_sec, uint32_t *out_ns, const char *s, size_t n)
{
	gr_warc_str t = wi_trim(wi_str(s, n));
	s = t.ptr;
	n = t.len;
	int Y, M = 1, D = 1, h = 0, mi = 0, sec = 0, tz = 0;
	uint32_t ns = 0;
	size_t i;
	bool all_digits = n == 14;
	for (size_t k = 0; all_digits && k < n; k++)
		all_digits = wi_digit(s[k]);
	if (all_digits) {
		Y = wr_digits(s, 4);
		M = wr_digits(s + 4, 2);
		D = wr_digits(s + 6, 2);
		h = wr_digits(s + 8, 2);
		mi = wr_digits(s + 10, 2);
		sec = wr_digits(s + 12, 2);
		i = 14;
	} else {
		if (n < 4 || (Y = wr_digits(s, 4)) < 0)
			return GR_EINVAL;
		i = 4;
		if (i < n && s[i] == '-') {
			if (n < 7 || (M = wr_digits(s + 5, 2)) < 0)
				return GR_EINVAL;
			i = 7;
			if (i < n && s[i] == '-') {
				if (n < 10 || (D = wr_digits(s + 8, 2)) < 0)
					return GR_EINVAL;
				i = 10;
				if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
					if (n < 16 || (h = wr_digits(s + 11, 2)) < 0 || s[13] != ':' ||
					    (mi = wr_digits(s + 14, 2)) < 0)
						return GR_EINVAL;
					i = 16;
					if (i < n && s[i] == ':') {
						if (n < 19 || (sec = wr_digits(s + 17, 2)) < 0)
							return GR_EINVAL;
						i = 19;
						if (i < n && s[i] == '.') {
							i++;
							size_t f0 = i;
							uint32_t scale = 100000000;
							while (i < n && wi_digit(s[i])) {
								ns += (uint32_t)(s[i] - '0') * scale;
								scale /= 10;
								i++;
							}
							if (i == f0)
								return GR_EINVAL;
						}
					}
					/* time zone designator */
					if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
						i++;
					} else if (i < n && (s[i] == '+' || s[i] == '-')) {
						int sign = s[i] == '-' ? -1 : 1, th, tm;
						i++;
						if (n - i == 5 && s[i + 2] == ':') {
							th = wr_digits(s + i, 2);
							tm = wr_digits(s + i + 3, 2);
						} else if (n - i == 4) {
							th = wr_digits(s + i, 2);
							tm = wr_digits(s + i + 2, 2);
						} else {
							return GR_EINVAL;
						}
						if (th < 0 || tm < 0 || th > 23 || tm > 59)
							return GR_EINVAL;
						tz = sign * (th * 3600 + tm * 60);
						i = n;
					}
				}
			}
		}
	}
	if (i != n)
		return GR_EINVAL;
	if (M < 1 || M > 12 || D < 1 || D > wr_month_days(Y, M) || h > 23 || mi > 59 || sec > 60)
		return GR_EINVAL;
	*out_sec = wr_days(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec - tz;
	*out_ns = ns;
	return 0;
}

/* ---- reports ---- */

static void wr_report(gr_warc_reader *r, enum gr_warc_problem kind, uint64_t off, uint64_t end, uint64_t rec_off,
		      bool dropped, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void wr_report(gr_warc_reader *r, enum gr_warc_problem kind, uint64_t off, uint64_t end, uint64_t rec_off,
		      bool dropped, const char *fmt, ...)
{
	r->stats.problems[kind]++;
	if (dropped)
		r->stats.dropped++;
	if (!r->o.report)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
	gr_warc_report rep = {kind, off, end, rec_off, dropped, r->reason};
	r->o.report(&rep, r->o.ctx);
}

/* Makes the reader finished (invariant 5) with code and the current message. */
static int wr_finish(gr_warc_reader *r, int code)
{
	r->fail = code;
	snprintf(r->fail_msg, sizeof r->fail_msg, "%s", gr_error_last());
	return code;
}

/* ---- the window ---- */

static uint64_t wr_off(const gr_warc_reader *r)
{
	return r->base + r->pos;
}

static size_t wr_avail(const gr_warc_reader *r)
{
	return r->end - r->pos;
}

static void wr_drop(gr_warc_reader *r, size_t n)
{
	r->pos += n;
	if (r->pos == r->end) {
		r->base += r->pos;
		r->pos = r->end = 0;
	}
}

/*
 * Reads until need bytes are in the window (or the stream ends or fails).
 * need must respect invariant 1. Returns the bytes available, which is
 * less than need only at the end of the stream or after a failure (r->fail
 * set, the message with it).
 */
static size_t wr_fill(gr_warc_reader *r, size_t need)
{
	while (wr_avail(r) < need && !r->eof && !r->fail) {
		if (r->cap - r->end < WR_MIN_READ || r->pos + need > r->cap) {
			/* make room: move the live bytes to the front, and grow the
			 * window for a record that does not fit, or (up to
			 * WR_BIG_WINDOW) for a long stream, so reads stay large */
			size_t cap = r->cap;
			if (need + WR_MIN_READ > cap)
				cap = need + GR_WARC_READ_SIZE;
			else if (cap < WR_BIG_WINDOW)
				cap *= 2;
			if (r->pos) {
				memmove(r->buf, r->buf + r->pos, r->end - r->pos);
				r->base += r->pos;
				r->end -= r->pos;
				r->pos = 0;
			}
			if (cap != r->cap) {
				uint8_t *nb = realloc(r->buf, cap);
				if (!nb) {
					gr_error_set(GR_ENOMEM, "out of memory (%zu bytes of WARC window)", cap);
					wr_finish(r, GR_ENOMEM);
					break;
				}
				r->buf = nb;
				r->cap = cap;
			}
		}
		ssize_t got = r->read(r->ctx, r->buf + r->end, r->cap - r->end);
		if (got < 0 || (size_t)got > r->cap - r->end) {
			gr_error_set(GR_EIO, "reading the WARC stream at byte %llu failed",
				     (unsigned long long)(r->base + r->end));
			wr_finish(r, GR_EIO);
			break;
		}
		if (got == 0)
			r->eof = true;
		r->end += (size_t)got;
	}
	return wr_avail(r);
}

/* After a record that needed a big window, gives the memory back once the
 * window holds little (a huge record must not pin its memory for the rest
 * of the stream). */
static void wr_shrink(gr_warc_reader *r)
{
	if (r->cap <= 4 * WR_BIG_WINDOW || wr_avail(r) > WR_BIG_WINDOW / 2)
		return;
	memmove(r->buf, r->buf + r->pos, r->end - r->pos);
	r->base += r->pos;
	r->end -= r->pos;
	r->pos = 0;
	uint8_t *nb = realloc(r->buf, WR_BIG_WINDOW);
	if (nb) { /* else keep the big one */
		r->buf = nb;
		r->cap = WR_BIG_WINDOW;
	}
}

/* Consumes n bytes, reading and discarding what is not in the window yet.
 * Returns the bytes actually consumed (fewer at the end of the stream). */
static uint64_t wr_skip(gr_warc_reader *r, uint64_t n)
{
	uint64_t done = 0;
	while (done < n) {
		size_t have = wr_avail(r);
		if (have == 0) {
			/* read straight over the whole window: nothing in it is needed */
			r->base += r->pos;
			r->pos = r->end = 0;
			if (wr_fill(r, 1) == 0)
				break;
			have = wr_avail(r);
		}
		size_t take = (uint64_t)have < n - done ? have : (size_t)(n - done);
		wr_drop(r, take);
		done += take;
	}
	return done;
}

/* ---- framing ---- */

/* "WARC/" and a digit at p (n bytes available) */
static bool wr_magic(const uint8_t *p, size_t n)
{
	return n >= 6 && memcmp(p, "WARC/", 5) == 0 && wi_digit((char)p[5]);
}

/*
 * Skips to the next line that starts with "WARC/<digit>", searching from one
 * byte after the window's start (invariant 3), and reports what was skipped
 * from start (a stream offset <= the current one) as kind. At the end of the
 * stream everything left is skipped.
 */
static void wr_resync(gr_warc_reader *r, enum gr_warc_problem kind, uint64_t start, uint64_t rec_off,
		      const char *why)
{
	size_t s = 0; /* where to look for the next line end, from pos */
	bool found = false;
	for (;;) {
		size_t have = wr_avail(r);
		const uint8_t *p = r->buf + r->pos;
		const uint8_t *nl = s < have ? memchr(p + s, '\n', have - s) : NULL;
		bool ended = r->eof || r->fail;
		if (nl) {
			size_t at = (size_t)(nl - p) + 1;
			if (have - at >= 6 || ended) {
				if (wr_magic(p + at, have - at)) {
					wr_drop(r, at);
					found = true;
					break;
				}
				s = at;
				continue;
			}
			/* too few bytes after the line end to decide: keep them, read more */
			wr_drop(r, at - 1);
			s = 0;
			wr_fill(r, have - (at - 1) + 1);
			continue;
		}
		wr_drop(r, have);
		s = 0;
		if (ended || wr_fill(r, 1) == 0)
			break;
	}
	uint64_t end = wr_off(r);
	if (kind == GR_WARC_GARBAGE)
		r->stats.garbage_bytes += end - start;
	wr_report(r, kind, start, end, rec_off, rec_off != UINT64_MAX, "%s; skipped bytes %llu to %llu%s", why,
		  (unsigned long long)start, (unsigned long long)end, found ? "" : " (end of stream)");
}

/* A blank line (only SP, HT, CR before its LF) at the window's start: its
 * length with the LF; 0 when the line is not blank; SIZE_MAX at the end of
 * the stream with only blanks left. */
static size_t wr_blank_line(gr_warc_reader *r)
{
	size_t i = 0;
	for (;;) {
		size_t have = wr_avail(r);
		const uint8_t *p = r->buf + r->pos;
		while (i < have && i < GR_WARC_MAX_LINE && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
			i++;
		if (i == GR_WARC_MAX_LINE)
			return 0; /* a very long run of blanks is garbage */
		if (i < have)
			return p[i] == '\n' ? i + 1 : 0;
		if (wr_fill(r, i + 1) <= i)
			return SIZE_MAX;
	}
}

/* Content-Length in the header line [s, e) (no line end); true when it is one */
static bool wr_length_line(const char *s, const char *e, gr_warc_str *value)
{
	static const char name[] = "content-length";
	size_t n = sizeof name - 1;
	if ((size_t)(e - s) <= n || wi_lower(s[0]) != 'c' || !wi_ieq(s, n, name))
		return false;
	const char *c = s + n;
	while (c < e && wi_ws(*c))
		c++;
	if (c >= e || *c != ':')
		return false;
	*value = wi_trim(wi_str(c + 1, (size_t)(e - c - 1)));
	return true;
}

enum wr_hdr { WR_HDR_OK, WR_HDR_EOF, WR_HDR_LONG_LINE, WR_HDR_TOO_LARGE };

/*
 * Finds the end of the header that starts at the window's start, reading as
 * needed: *len is its size through the blank line. On the way, picks up
 * Content-Length lines (*cl, *cl_state: 0 none, 1 one value, 2 malformed or
 * conflicting).
 */
static enum wr_hdr wr_header_end(gr_warc_reader *r, size_t *len, uint64_t *cl, int *cl_state)
{
	size_t line = 0; /* offset of the current line from pos */
	*cl_state = 0;
	for (;;) {
		size_t have = wr_avail(r);
		const char *p = (const char *)r->buf + r->pos;
		/* The line may run to lim (exclusive of its LF): past it, the limit
		 * crossed first wins, whatever the reads' sizes were. */
		size_t line_lim = line + GR_WARC_MAX_LINE;
		size_t lim = line_lim < GR_WARC_MAX_HEADER ? line_lim : GR_WARC_MAX_HEADER;
		enum wr_hdr over = line_lim <= GR_WARC_MAX_HEADER ? WR_HDR_LONG_LINE : WR_HDR_TOO_LARGE;
		size_t look = have < lim ? have : lim;
		const char *nl = line < look ? memchr(p + line, '\n', look - line) : NULL;
		if (!nl) {
			if (have >= lim)
				return over;
			size_t want = have + WR_MIN_READ;
			if (want > lim)
				want = lim;
			if (wr_fill(r, want) == have)
				return WR_HDR_EOF;
			continue;
		}
		size_t next = (size_t)(nl - p) + 1;
		const char *ls = p + line, *le = nl;
		if (le > ls && le[-1] == '\r')
			le--;
		if (line > 0 && le == ls) {
			*len = next;
			return WR_HDR_OK;
		}
		gr_warc_str v;
		if (line > 0 && wr_length_line(ls, le, &v)) {
			uint64_t n;
			if (!wi_decimal(v, &n) || (*cl_state == 1 && *cl != n))
				*cl_state = 2;
			else if (*cl_state == 0) {
				*cl = n;
				*cl_state = 1;
			}
		}
		line = next;
	}
}

/* ---- fields ---- */

static enum gr_warc_type wr_type(gr_warc_str t)
{
	for (int i = 1; i < GR_WARC_TYPE_COUNT; i++)
		if (gr_warc_str_ieq(t, wr_type_names[i]))
			return (enum gr_warc_type)i;
	if (gr_warc_str_ieq(t, "revist")) /* Heritrix 1.12's spelling */
		return GR_WARC_REVISIT;
	return GR_WARC_OTHER;
}

/* wget writes "<uri>" where WARC 1.1 wants a bare URI */
static gr_warc_str wr_unwrap(gr_warc_str s)
{
	if (s.len >= 2 && s.ptr[0] == '<' && s.ptr[s.len - 1] == '>')
		return wi_str(s.ptr + 1, s.len - 2);
	return s;
}

static void wr_set(gr_warc_str *dst, gr_warc_str v)
{
	if (!dst->ptr)
		*dst = v;
}

static void wr_assign(gr_warc_record *rec, gr_warc_str name, gr_warc_str v)
{
	if (name.len < 5 || !wi_ieq(name.ptr, 5, "warc-")) {
		if (gr_warc_str_ieq(name, "content-type"))
			wr_set(&rec->content_type, v);
		return;
	}
	gr_warc_str n = wi_str(name.ptr + 5, name.len - 5);
	if (gr_warc_str_ieq(n, "type"))
		wr_set(&rec->type_name, v);
	else if (gr_warc_str_ieq(n, "record-id"))
		wr_set(&rec->record_id, v);
	else if (gr_warc_str_ieq(n, "date"))
		wr_set(&rec->date_raw, v);
	else if (gr_warc_str_ieq(n, "target-uri"))
		wr_set(&rec->target_uri, wr_unwrap(v));
	else if (gr_warc_str_ieq(n, "payload-digest"))
		wr_set(&rec->payload_digest, v);
	else if (gr_warc_str_ieq(n, "block-digest"))
		wr_set(&rec->block_digest, v);
	else if (gr_warc_str_ieq(n, "ip-address"))
		wr_set(&rec->ip_address, v);
	else if (gr_warc_str_ieq(n, "concurrent-to"))
		wr_set(&rec->concurrent_to, v);
	else if (gr_warc_str_ieq(n, "refers-to"))
		wr_set(&rec->refers_to, v);
	else if (gr_warc_str_ieq(n, "refers-to-target-uri"))
		wr_set(&rec->refers_to_target_uri, wr_unwrap(v));
	else if (gr_warc_str_ieq(n, "refers-to-date"))
		wr_set(&rec->refers_to_date_raw, v);
	else if (gr_warc_str_ieq(n, "identified-content-language"))
		wr_set(&rec->identified_language, v);
	else if (gr_warc_str_ieq(n, "identified-payload-type"))
		wr_set(&rec->identified_payload_type, v);
	else if (gr_warc_str_ieq(n, "profile"))
		wr_set(&rec->profile, v);
	else if (gr_warc_str_ieq(n, "truncated"))
		wr_set(&rec->truncated, v);
	else if (gr_warc_str_ieq(n, "warcinfo-id"))
		wr_set(&rec->warcinfo_id, v);
	else if (gr_warc_str_ieq(n, "filename"))
		wr_set(&rec->filename, v);
}

const gr_warc_str *gr_warc_field_get(const gr_warc_record *rec, const char *name)
{
	for (size_t i = 0; i < rec->n_fields; i++)
		if (gr_warc_str_ieq(rec->fields[i].name, name))
			return &rec->fields[i].value;
	return NULL;
}

bool gr_warc_record_is_http(const gr_warc_record *rec)
{
	if (rec->type != GR_WARC_RESPONSE && rec->type != GR_WARC_REQUEST && rec->type != GR_WARC_REVISIT)
		return false;
	if (rec->content_type.ptr) {
		gr_warc_str ct = rec->content_type;
		return ct.len >= 16 && wi_ieq(ct.ptr, 16, "application/http");
	}
	const char *b = (const char *)rec->block;
	size_t n = (size_t)rec->block_len;
	if (n >= 5 && wi_ieq(b, 5, "HTTP/"))
		return true;
	/* a request line: a method of capitals, a space */
	size_t i = 0;
	while (i < n && i < 16 && b[i] >= 'A' && b[i] <= 'Z')
		i++;
	return rec->type == GR_WARC_REQUEST && i >= 3 && i < n && b[i] == ' ';
}

/* The version line "WARC/M.m[ positional fields]" [s, e): sets version,
 * and for 0.9/0.10 style lines the positional fields. false: not understood. */
static bool wr_version_line(gr_warc_record *rec, const char *s, const char *e, uint64_t *legacy_len)
{
	const char *p = s + 5;
	unsigned major = 0, minor = 0;
	const char *d = p;
	while (p < e && wi_digit(*p) && p - d < 4)
		major = major * 10 + (unsigned)(*p++ - '0');
	if (p < e && *p == '.') {
		p++;
		d = p;
		while (p < e && wi_digit(*p) && p - d < 4)
			minor = minor * 10 + (unsigned)(*p++ - '0');
		if (p == d)
			return false;
	}
	rec->version = major * 100 + minor;
	gr_warc_str rest = wi_trim(wi_str(p, (size_t)(e - p)));
	if (rest.len == 0)
		return true;
	if (!wi_ws(*p))
		return false;
	/* positional: data-length type uri date id content-type */
	gr_warc_str tok[6];
	size_t nt = 0;
	const char *t = rest.ptr, *te = rest.ptr + rest.len;
	while (t < te && nt < 6) {
		const char *ts = t;
		while (t < te && !wi_ws(*t))
			t++;
		tok[nt++] = wi_str(ts, (size_t)(t - ts));
		while (t < te && wi_ws(*t))
			t++;
	}
	if (nt < 6 || t < te || !wi_decimal(tok[0], legacy_len))
		return false;
	rec->legacy_header = true;
	rec->type_name = tok[1];
	rec->target_uri = wr_unwrap(tok[2]);
	rec->date_raw = tok[3];
	bool ct4 = memchr(tok[4].ptr, '/', tok[4].len) && !memchr(tok[4].ptr, ':', tok[4].len);
	rec->content_type = ct4 ? tok[4] : tok[5];
	rec->record_id = ct4 ? tok[5] : tok[4];
	return true;
}

/* ---- records ---- */

enum { WR_NEXT, WR_DONE }; /* what wr_record tells gr_warc_next */

/*
 * Reads the record at the window's start (which starts with "WARC/<digit>")
 * into r->rec; WR_DONE with *out set when it is delivered, WR_NEXT when it
 * was skipped (and reported) and the caller should go on, or a negative
 * gr_err (reader finished).
 */
static int wr_record(gr_warc_reader *r, const gr_warc_record **out)
{
	uint64_t off = wr_off(r);
	size_t hlen = 0;
	uint64_t cl = 0;
	int cl_state;
	enum wr_hdr h = wr_header_end(r, &hlen, &cl, &cl_state);
	switch (h) {
	case WR_HDR_EOF:
		wr_report(r, GR_WARC_TRUNCATED, off, off + wr_avail(r), off, true,
			  "record at byte %llu: the stream %s inside its header", (unsigned long long)off,
			  r->fail ? "fails" : "ends");
		wr_drop(r, wr_avail(r));
		return WR_NEXT;
	case WR_HDR_LONG_LINE:
		wr_resync(r, GR_WARC_LINE_TOO_LONG, off, off, "record header line longer than the limit");
		return WR_NEXT;
	case WR_HDR_TOO_LARGE:
		wr_resync(r, GR_WARC_HEADER_TOO_LARGE, off, off, "record header larger than the limit");
		return WR_NEXT;
	case WR_HDR_OK:
		break;
	}

	/* the version line, for positional lengths */
	gr_warc_record *rec = &r->rec;
	memset(rec, 0, sizeof *rec);
	const char *hs = (const char *)r->buf + r->pos;
	size_t vl_len; /* the version line without its line end */
	{
		const char *nl = memchr(hs, '\n', hlen);
		vl_len = nl ? (size_t)(nl - hs) : hlen;
		if (vl_len && hs[vl_len - 1] == '\r')
			vl_len--;
	}
	uint64_t legacy_len = 0;
	bool version_ok = wr_version_line(rec, hs, hs + vl_len, &legacy_len);
	if (cl_state == 0 && rec->legacy_header) {
		cl = legacy_len >= hlen ? legacy_len - hlen : legacy_len;
		cl_state = 1;
	}
	if (cl_state == 0) {
		wr_resync(r, GR_WARC_NO_LENGTH, off, off, "record has no Content-Length");
		return WR_NEXT;
	}
	if (cl_state == 2) {
		wr_resync(r, GR_WARC_BAD_LENGTH, off, off, "record has a malformed Content-Length");
		return WR_NEXT;
	}
	uint64_t max_block = r->o.max_block;
	if (cl > max_block) {
		uint64_t got = wr_skip(r, hlen + cl);
		wr_report(r, GR_WARC_BLOCK_TOO_LARGE, off, off + got, off, true,
			  "record at byte %llu: block of %llu bytes is over the limit of %llu%s",
			  (unsigned long long)off, (unsigned long long)cl, (unsigned long long)max_block,
			  got < hlen + cl ? "; the stream ends inside it" : "");
		return WR_NEXT;
	}

	/* the whole record in the window (invariant 1: cl <= max_block) */
	size_t need = hlen + (size_t)cl;
	size_t have = wr_fill(r, need);
	bool cut = have < need;
	if (cut) {
		bool keep = (r->o.flags & GR_WARC_KEEP_DAMAGED) && !r->fail;
		wr_report(r, GR_WARC_TRUNCATED, off, off + have, off, !keep,
			  "record at byte %llu: the stream %s after %zu of its %llu block bytes",
			  (unsigned long long)off, r->fail ? "fails" : "ends", have - hlen, (unsigned long long)cl);
		if (!keep) {
			wr_drop(r, have);
			return WR_NEXT;
		}
		cl = have - hlen;
	}

	/* the header's fields (the window does not move from here on) */
	memset(rec, 0, sizeof *rec);
	hs = (const char *)r->buf + r->pos;
	wr_version_line(rec, hs, hs + vl_len, &legacy_len);
	rec->offset = off;
	rec->header_len = hlen;
	rec->block_len = cl;
	rec->block = r->buf + r->pos + hlen;
	r->consume = hlen + cl;

	const char *fs = memchr(hs, '\n', hlen);
	fs = fs ? fs + 1 : hs + hlen;
	size_t stored = 0, seen = 0, bad = 0;
	const char *first_bad = NULL;
	int rc = wi_arena_reset(&r->arena, hlen + 64);
	if (!rc)
		rc = gr_warc_int_fields(&r->fields, &r->fields_cap, &stored, &seen, GR_WARC_MAX_FIELDS, fs, hs + hlen,
					&r->arena, &bad, &first_bad);
	if (rc)
		return wr_finish(r, rc);
	rec->fields = r->fields;
	rec->n_fields = stored;
	for (size_t i = 0; i < stored; i++)
		wr_assign(rec, r->fields[i].name, r->fields[i].value);
	rec->type = wr_type(rec->type_name);

	if (!version_ok)
		wr_report(r, GR_WARC_BAD_HEADER, off, off, off, false,
			  "record at byte %llu: version line not understood (read as WARC/%u.%u)",
			  (unsigned long long)off, rec->version / 100, rec->version % 100);
	if (bad)
		wr_report(r, GR_WARC_BAD_HEADER, off + (uint64_t)(first_bad - hs), off + (uint64_t)(first_bad - hs), off,
			  false, "record at byte %llu: %zu header line(s) without a colon ignored",
			  (unsigned long long)off, bad);
	if (seen > GR_WARC_MAX_FIELDS) {
		wr_report(r, GR_WARC_TOO_MANY_FIELDS, off, off + hlen + cl, off, true,
			  "record at byte %llu: %zu header fields, over the limit of %d", (unsigned long long)off, seen,
			  GR_WARC_MAX_FIELDS);
		return WR_NEXT;
	}
	if (!rec->type_name.ptr || !rec->record_id.ptr) {
		wr_report(r, GR_WARC_MISSING_FIELD, off, off + hlen + cl, off, true, "record at byte %llu: no %s",
			  (unsigned long long)off, !rec->type_name.ptr ? "WARC-Type" : "WARC-Record-ID");
		return WR_NEXT;
	}
	if (!rec->date_raw.ptr)
		wr_report(r, GR_WARC_BAD_DATE, off, off, off, false, "record at byte %llu: no WARC-Date",
			  (unsigned long long)off);
	else if (gr_warc_parse_date(&rec->date, &rec->date_ns, rec->date_raw.ptr, rec->date_raw.len) == 0)
		rec->has_date = true;
	else
		wr_report(r, GR_WARC_BAD_DATE, off, off, off, false, "record at byte %llu: invalid WARC-Date \"%.*s\"",
			  (unsigned long long)off, (int)(rec->date_raw.len < 64 ? rec->date_raw.len : 64),
			  rec->date_raw.ptr);
	if (rec->refers_to_date_raw.ptr &&
	    gr_warc_parse_date(&rec->refers_to_date, &rec->refers_to_date_ns, rec->refers_to_date_raw.ptr,
			       rec->refers_to_date_raw.len) == 0)
		rec->has_refers_to_date = true;

	rec->payload = rec->block;
	rec->payload_len = (size_t)rec->block_len;
	rec->payload_truncated = rec->truncated.ptr != NULL || cut;
	rec->damaged = cut;

	if ((r->o.flags & GR_WARC_HTTP) && gr_warc_record_is_http(rec)) {
		bool keep = r->o.flags & GR_WARC_KEEP_DAMAGED;
		uint64_t boff = off + hlen;
		gr_warc_http_error e = {0, 0};
		rc = gr_warc_http_parse(&r->http, rec->block, (size_t)rec->block_len, &e);
		if (rc == GR_ENOMEM)
			return wr_finish(r, rc);
		if (rc) {
			wr_report(r, e.kind, boff + e.offset, boff + e.offset, off, !keep, "record at byte %llu: %s",
				  (unsigned long long)off, gr_error_last());
			if (!keep)
				return WR_NEXT;
			rec->damaged = true;
		} else if (rec->type == GR_WARC_REVISIT) {
			rec->http = &r->http;
			rec->payload = rec->block + r->http.head_len;
			rec->payload_len = (size_t)rec->block_len - r->http.head_len;
		} else {
			rec->http = &r->http;
			rc = gr_warc_http_decode(&r->http, rec->block, (size_t)rec->block_len, r->o.max_decoded, &e);
			if (rc == GR_ENOMEM)
				return wr_finish(r, rc);
			rec->payload = r->http.body;
			rec->payload_len = r->http.body_len;
			if (rc && e.kind == GR_WARC_HTTP_TRUNCATED && (rec->truncated.ptr || cut)) {
				rec->payload_truncated = true; /* cut on purpose, or already reported */
			} else if (rc) {
				wr_report(r, e.kind, boff + e.offset, boff + e.offset, off, !keep,
					  "record at byte %llu: %s", (unsigned long long)off, gr_error_last());
				if (!keep)
					return WR_NEXT;
				rec->damaged = true;
				rec->payload_truncated |= e.kind == GR_WARC_HTTP_TRUNCATED;
			}
		}
	}
	r->stats.records++;
	r->stats.by_type[rec->type]++;
	*out = rec;
	return WR_DONE;
}

int gr_warc_next(const gr_warc_record **out, gr_warc_reader *r)
{
	*out = NULL;
	if (r->finished)
		return gr_error_set(r->fail, "%s", r->fail_msg);
	if (r->consume) {
		uint64_t c = r->consume;
		r->consume = 0;
		wr_skip(r, c);
	}
	wr_shrink(r);
	int rc = 0;
	for (;;) {
		/* blank lines between records */
		size_t blank = wr_blank_line(r);
		if (blank == SIZE_MAX) {
			wr_drop(r, wr_avail(r));
			break; /* the end */
		}
		if (blank) {
			wr_drop(r, blank);
			continue;
		}
		size_t have = wr_fill(r, 6);
		if (have == 0)
			break;
		if (!wr_magic(r->buf + r->pos, have)) {
			wr_resync(r, GR_WARC_GARBAGE, wr_off(r), UINT64_MAX, "bytes between records are no record");
			continue;
		}
		rc = wr_record(r, out);
		if (rc < 0) {
			*out = NULL;
			break;
		}
		if (rc == WR_DONE) {
			rc = 0;
			break;
		}
		/* a skipped record: its bytes are consumed, go on */
		if (r->consume) {
			uint64_t c = r->consume;
			r->consume = 0;
			wr_skip(r, c);
		}
		rc = 0;
	}
	if (rc == 0 && !*out && r->fail)
		rc = gr_error_set(r->fail, "%s", r->fail_msg); /* the window is used up: now it shows */
	if (rc < 0)
		r->finished = true;
	r->stats.bytes = wr_off(r);
	return rc;
}

/* ---- lifecycle ---- */

int gr_warc_reader_new(gr_warc_reader **out, gr_warc_read_fn read, void *ctx, const gr_warc_opts *opts)
{
	gr_warc_reader *r = calloc(1, sizeof *r);
	if (!r)
		return gr_error_set(GR_ENOMEM, "out of memory");
	r->read = read;
	r->ctx = ctx;
	if (opts)
		r->o = *opts;
	if (r->o.max_block == 0 || r->o.max_block > GR_WARC_MAX_BLOCK)
		r->o.max_block = GR_WARC_MAX_BLOCK;
	if (r->o.max_decoded == 0 || r->o.max_decoded > GR_WARC_HTTP_MAX_DECODED)
		r->o.max_decoded = GR_WARC_HTTP_MAX_DECODED;
	r->cap = WR_START_WINDOW;
	r->buf = malloc(r->cap);
	if (!r->buf) {
		free(r);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	gr_warc_http_init(&r->http);
	*out = r;
	return 0;
}

const gr_warc_stats *gr_warc_reader_stats(const gr_warc_reader *r)
{
	return &r->stats;
}

void gr_warc_reader_free(gr_warc_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r->fields);
	gr_buf_free(&r->arena);
	gr_warc_http_release(&r->http);
	free(r);
}
