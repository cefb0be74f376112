/*
 * http — the head of an HTTP message inside a WARC record: start line,
 * header fields, and what the reader acts on or reports (length, codings,
 * media type and charset, opt-out signals). The body is decode.c's.
 *
 * Invariants this file keeps:
 *  1. Every read is inside the data given; nothing is assumed NUL-terminated.
 *  2. Strings in the result point into the data or into priv_arena, which is
 *     reserved before parsing to twice the head's size: unfolded values are
 *     never longer than their raw lines, nor the lower-cased media type and
 *     charset than the Content-Type value, so the arena never moves.
 *  3. The head is bounded before anything is stored: line length, head size
 *     and field count are checked against the GR_WARC_HTTP_MAX_* limits.
 *  4. A failed parse leaves the struct describing no message (n_fields 0,
 *     body NULL), never a half-filled one.
 */
#include <stdlib.h>
#include <string.h>

#include "warc/warc_int.h"

bool gr_warc_str_eq(gr_warc_str s, const char *lit)
{
	size_t n = strlen(lit);
	return s.ptr && s.len == n && memcmp(s.ptr, lit, n) == 0;
}

bool gr_warc_str_ieq(gr_warc_str s, const char *lit)
{
	return s.ptr && wi_ieq(s.ptr, s.len, lit);
}

/* ---- header fields (shared with warc.c) ---- */

/* The line starting at q: its end without the line break (*eol), and where the next begins. */
static const char *hp_line(const char *q, const char *end, const char **eol)
{
	const char *nl = memchr(q, '\n', (size_t)(end - q));
	const char *e = nl ? nl : end;
	if (e > q && e[-1] == '\r')
		e--;
	*eol = e;
	return nl ? nl + 1 : end;
}

int gr_warc_int_fields(gr_warc_field **fields, size_t *cap, size_t *n_stored, size_t *n_seen, size_t max,
		       const char *p, const char *end, gr_buf *arena, size_t *bad_lines, const char **first_bad)
{
	size_t stored = 0, seen = 0, bad = 0;
	const char *q = p;
	if (first_bad)
		*first_bad = NULL;
	while (q < end) {
		const char *eol;
		const char *next = hp_line(q, end, &eol);
		if (eol == q)
			break; /* the blank line */
		if (wi_ws(q[0])) {
			/* a continuation with no field before it */
			if (seen == 0 && !wi_trim(wi_str(q, (size_t)(eol - q))).len) {
				q = next;
				continue;
			}
			if (seen == 0) {
				bad++;
				if (first_bad && !*first_bad)
					*first_bad = q;
			}
			q = next;
			continue;
		}
		const char *colon = memchr(q, ':', (size_t)(eol - q));
		gr_warc_str name = colon ? wi_trim(wi_str(q, (size_t)(colon - q))) : wi_str(NULL, 0);
		if (!colon || name.len == 0) {
			bad++;
			if (first_bad && !*first_bad)
				*first_bad = q;
			q = next;
			continue;
		}
		gr_warc_str value = wi_trim(wi_str(colon + 1, (size_t)(eol - colon - 1)));
		/* continuation lines belong to this field */
		const char *after = next;
		bool folded = false;
		while (after < end && wi_ws(after[0])) {
			const char *ceol;
			const char *cnext = hp_line(after, end, &ceol);
			if (ceol == after)
				break;
			folded = true;
			after = cnext;
		}
		if (folded) {
			/* unfold: the parts, trimmed, joined by one SP; empty parts dropped */
			char *dst = arena->ptr ? arena->ptr + arena->len : NULL;
			size_t len = 0;
			bool ok = true;
			if (value.len) {
				ok = wi_arena_put(arena, value.ptr, value.len) != NULL;
				len = value.len;
			}
			const char *c = next;
			while (ok && c < after) {
				const char *ceol;
				const char *cnext = hp_line(c, end, &ceol);
				gr_warc_str part = wi_trim(wi_str(c, (size_t)(ceol - c)));
				if (part.len) {
					if (len)
						ok = wi_arena_put(arena, " ", 1) != NULL;
					ok = ok && wi_arena_put(arena, part.ptr, part.len) != NULL;
					len += (len ? 1 : 0) + part.len;
				}
				c = cnext;
			}
			if (ok && dst)
				value = wi_str(dst, len);
		}
		if (seen < max) {
			int rc = gr_array_reserve(fields, cap, stored, sizeof **fields);
			if (rc)
				return rc;
			(*fields)[stored].name = name;
			(*fields)[stored].value = value;
			stored++;
		}
		seen++;
		q = after;
	}
	*n_stored = stored;
	*n_seen = seen;
	*bad_lines = bad;
	return 0;
}

/* ---- start line ---- */

static bool hp_tchar(char c)
{
	/* RFC 9110 token characters */
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || wi_digit(c))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* "HTTP/d[.d]" at s[0..n): its 10*major+minor, or 0 (also for versions below 0.9) */
static unsigned hp_version(const char *s, size_t n)
{
	if (n < 6 || !wi_ieq(s, 5, "HTTP/") || !wi_digit(s[5]))
		return 0;
	unsigned v = (unsigned)(s[5] - '0') * 10;
	if (n == 8 && s[6] == '.' && wi_digit(s[7]))
		v += (unsigned)(s[7] - '0');
	else if (n != 6)
		return 0;
	return v >= 9 ? v : 0;
}

static int hp_start_line(gr_warc_http *h, const char *p, const char *eol)
{
	size_t n = (size_t)(eol - p);
	if (n >= 5 && wi_ieq(p, 5, "HTTP/")) {
		const char *sp = memchr(p, ' ', n);
		if (!sp)
			return -1;
		h->response = true;
		h->version = hp_version(p, (size_t)(sp - p));
		if (!h->version)
			return -1;
		const char *s = sp;
		while (s < eol && *s == ' ')
			s++;
		if (eol - s < 3 || !wi_digit(s[0]) || !wi_digit(s[1]) || !wi_digit(s[2]))
			return -1;
		h->status = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
		s += 3;
		if (s < eol && !wi_ws(*s))
			return -1;
		h->reason = wi_trim(wi_str(s, (size_t)(eol - s)));
		return 0;
	}
	/* request: method SP target [SP HTTP/d.d] */
	const char *s = p;
	while (s < eol && hp_tchar(*s))
		s++;
	if (s == p || s == eol || *s != ' ')
		return -1;
	h->method = wi_str(p, (size_t)(s - p));
	while (s < eol && *s == ' ')
		s++;
	const char *t = s;
	while (s < eol && *s != ' ' && *s != '\t')
		s++;
	if (s == t)
		return -1;
	h->target = wi_str(t, (size_t)(s - t));
	gr_warc_str rest = wi_trim(wi_str(s, (size_t)(eol - s)));
	if (rest.len == 0) {
		h->version = 9;
		return 0;
	}
	h->version = hp_version(rest.ptr, rest.len);
	return h->version ? 0 : -1;
}

/* ---- what the fields mean ---- */

/* The next comma-separated element of [*p, e), trimmed; empty ones are
 * skipped. false when none is left. */
static bool hp_element(const char **p, const char *e, gr_warc_str *el)
{
	while (*p < e) {
		const char *c = memchr(*p, ',', (size_t)(e - *p));
		if (!c)
			c = e;
		*el = wi_trim(wi_str(*p, (size_t)(c - *p)));
		*p = c < e ? c + 1 : e;
		if (el->len)
			return true;
	}
	return false;
}

enum { HP_CODING_IGNORE = 100, HP_CODING_CHUNKED = 101 };

static int hp_coding(gr_warc_str c)
{
	const char *semi = memchr(c.ptr, ';', c.len); /* parameters are not ours */
	if (semi)
		c = wi_trim(wi_str(c.ptr, (size_t)(semi - c.ptr)));
	if (gr_warc_str_ieq(c, "gzip") || gr_warc_str_ieq(c, "x-gzip"))
		return GR_WARC_CODING_GZIP;
	if (gr_warc_str_ieq(c, "deflate"))
		return GR_WARC_CODING_DEFLATE;
	if (gr_warc_str_ieq(c, "br"))
		return GR_WARC_CODING_BR;
	if (gr_warc_str_ieq(c, "chunked"))
		return HP_CODING_CHUNKED;
	static const char *const unsupported[] = {"compress", "x-compress", "zstd", "sdch", "xz", "lzma",
						  "bzip2", "x-bzip2", "exi", "pack200-gzip", "aes128gcm"};
	for (size_t i = 0; i < sizeof unsupported / sizeof *unsupported; i++)
		if (gr_warc_str_ieq(c, unsupported[i]))
			return GR_WARC_CODING_UNSUPPORTED;
	return HP_CODING_IGNORE; /* identity, and names that are no compression */
}

static void hp_lower_into(gr_buf *arena, gr_warc_str s, gr_warc_str *out)
{
	char *dst = wi_arena_put(arena, s.ptr, s.len);
	if (!dst)
		return;
	for (size_t i = 0; i < s.len; i++)
		dst[i] = wi_lower(dst[i]);
	*out = wi_str(dst, s.len);
}

/* From just after an opening '"', the closing quote (or e when none);
 * a backslash escapes the next byte. */
static const char *quoted_end(const char *p, const char *e)
{
	while (p < e && *p != '"') {
		if (*p == '\\' && p + 1 < e)
			p++;
		p++;
	}
	return p;
}

/* The value of parameter s (token or quoted string, quotes removed) */
static gr_warc_str hp_param_value(gr_warc_str v)
{
	v = wi_trim(v);
	if (v.len && v.ptr[0] == '"') {
		const char *q = v.ptr + 1;
		return wi_str(q, (size_t)(quoted_end(q, v.ptr + v.len) - q));
	}
	return v;
}

static void hp_content_type(gr_warc_http *h, gr_warc_str v)
{
	const char *e = v.ptr + v.len;
	const char *semi = memchr(v.ptr, ';', v.len);
	gr_warc_str mt = wi_trim(wi_str(v.ptr, (size_t)((semi ? semi : e) - v.ptr)));
	bool ok = mt.len && memchr(mt.ptr, '/', mt.len);
	for (size_t i = 0; ok && i < mt.len; i++)
		ok = mt.ptr[i] == '/' || hp_tchar(mt.ptr[i]);
	if (ok)
		hp_lower_into(&h->priv_arena, mt, &h->media_type);
	/* parameters: ; name=value, values may be quoted (and hold ';') */
	if (!semi)
		return;
	const char *p = semi;
	while (p < e) {
		p++;
		while (p < e && (wi_ws(*p) || *p == ';'))
			p++;
		const char *eq = p;
		while (eq < e && *eq != '=' && *eq != ';')
			eq++;
		gr_warc_str name = wi_trim(wi_str(p, (size_t)(eq - p)));
		if (eq >= e || *eq == ';') {
			p = eq;
			continue;
		}
		const char *vs = eq + 1, *ve = vs;
		while (ve < e && wi_ws(*ve))
			ve++;
		if (ve < e && *ve == '"') {
			ve = quoted_end(ve + 1, e);
			if (ve < e)
				ve++;
		}
		while (ve < e && *ve != ';')
			ve++;
		if (gr_warc_str_ieq(name, "charset") && !h->charset.ptr) {
			gr_warc_str cs = wi_trim(hp_param_value(wi_str(vs, (size_t)(ve - vs))));
			if (cs.len)
				hp_lower_into(&h->priv_arena, cs, &h->charset);
		}
		p = ve;
	}
}

static unsigned hp_robots_directive(gr_warc_str d)
{
	if (gr_warc_str_ieq(d, "noai"))
		return GR_WARC_ROBOTS_NOAI;
	if (gr_warc_str_ieq(d, "noimageai"))
		return GR_WARC_ROBOTS_NOIMAGEAI;
	if (gr_warc_str_ieq(d, "noindex"))
		return GR_WARC_ROBOTS_NOINDEX;
	if (gr_warc_str_ieq(d, "nofollow"))
		return GR_WARC_ROBOTS_NOFOLLOW;
	if (gr_warc_str_ieq(d, "noarchive"))
		return GR_WARC_ROBOTS_NOARCHIVE;
	if (gr_warc_str_ieq(d, "none"))
		return GR_WARC_ROBOTS_NONE | GR_WARC_ROBOTS_NOINDEX | GR_WARC_ROBOTS_NOFOLLOW;
	return 0;
}

/* directives that take a value after a colon (so their name is no agent) */
static bool hp_robots_valued(gr_warc_str d)
{
	return gr_warc_str_ieq(d, "unavailable_after") || gr_warc_str_ieq(d, "max-snippet") ||
	       gr_warc_str_ieq(d, "max-image-preview") || gr_warc_str_ieq(d, "max-video-preview");
}

static void hp_robots_apply(gr_warc_optout *o, gr_warc_str agent, unsigned flags)
{
	if (!flags)
		return;
	if (!agent.ptr) {
		o->robots |= flags;
		return;
	}
	o->robots_agents |= flags;
	for (size_t i = 0; i < o->n_agents; i++) {
		gr_warc_str a = o->agents[i].agent;
		bool same = a.len == agent.len;
		for (size_t k = 0; same && k < a.len; k++)
			same = wi_lower(a.ptr[k]) == wi_lower(agent.ptr[k]);
		if (same) {
			o->agents[i].flags |= flags;
			return;
		}
	}
	if (o->n_agents < GR_WARC_HTTP_MAX_AGENTS) {
		o->agents[o->n_agents].agent = agent;
		o->agents[o->n_agents].flags = flags;
		o->n_agents++;
	}
}

static void hp_robots(gr_warc_optout *o, gr_warc_str v)
{
	gr_warc_str agent = {NULL, 0}, el;
	const char *it = v.ptr;
	while (hp_element(&it, v.ptr + v.len, &el)) {
		const char *colon = memchr(el.ptr, ':', el.len);
		if (colon) {
			gr_warc_str pre = wi_trim(wi_str(el.ptr, (size_t)(colon - el.ptr)));
			if (!hp_robots_valued(pre)) {
				agent = pre.len ? pre : wi_str(NULL, 0);
				el = wi_trim(wi_str(colon + 1, (size_t)(el.ptr + el.len - colon - 1)));
			}
		}
		hp_robots_apply(o, agent, hp_robots_directive(el));
	}
}

/* Link: <uri>; rel="license", <uri2>; rel=next ... — the first license target */
static void hp_link(gr_warc_optout *o, gr_warc_str v)
{
	const char *p = v.ptr, *e = v.ptr + v.len;
	while (p < e && !o->license.ptr) {
		while (p < e && (wi_ws(*p) || *p == ','))
			p++;
		if (p >= e || *p != '<')
			return; /* not a link-value list we understand */
		const char *us = p + 1;
		const char *ue = memchr(us, '>', (size_t)(e - us));
		if (!ue)
			return;
		gr_warc_str uri = wi_str(us, (size_t)(ue - us));
		p = ue + 1;
		/* parameters up to the next top-level comma */
		while (p < e && *p != ',') {
			if (*p != ';') {
				p++;
				continue;
			}
			p++;
			const char *ns = p;
			while (p < e && *p != '=' && *p != ';' && *p != ',')
				p++;
			gr_warc_str name = wi_trim(wi_str(ns, (size_t)(p - ns)));
			if (p >= e || *p != '=')
				continue;
			p++;
			while (p < e && wi_ws(*p))
				p++;
			const char *vs = p;
			if (p < e && *p == '"') {
				p = quoted_end(p + 1, e);
				if (p < e)
					p++;
			} else {
				while (p < e && *p != ';' && *p != ',')
					p++;
			}
			if (!gr_warc_str_ieq(name, "rel"))
				continue;
			gr_warc_str rel = hp_param_value(wi_str(vs, (size_t)(p - vs)));
			/* a space-separated list of relation types */
			const char *r = rel.ptr, *re = rel.ptr + rel.len;
			while (r < re) {
				while (r < re && wi_ws(*r))
					r++;
				const char *rs = r;
				while (r < re && !wi_ws(*r))
					r++;
				if (wi_ieq(rs, (size_t)(r - rs), "license") && !o->license.ptr)
					o->license = uri;
			}
		}
	}
}

static int hp_interpret(gr_warc_http *h, gr_warc_http_error *err)
{
	bool cl_bad = false;
	size_t n_te = 0, n_ce = 0;
	bool te_chunked_last = false, too_many = false;
	const char *too_many_at = NULL;

	for (size_t i = 0; i < h->n_fields; i++) {
		gr_warc_str name = h->fields[i].name, v = h->fields[i].value;
		switch (wi_lower(name.ptr[0])) {
		case 'c':
			if (gr_warc_str_ieq(name, "content-length")) {
				uint64_t n;
				if (!wi_decimal(v, &n) || (h->content_length >= 0 && (uint64_t)h->content_length != n))
					cl_bad = true;
				else
					h->content_length = (int64_t)n;
			} else if (gr_warc_str_ieq(name, "content-encoding")) {
				const char *it = v.ptr;
				gr_warc_str el;
				while (hp_element(&it, v.ptr + v.len, &el)) {
					int c = hp_coding(el);
					if (c == HP_CODING_IGNORE || c == HP_CODING_CHUNKED) {
						if (c == HP_CODING_IGNORE && !gr_warc_str_ieq(el, "identity") &&
						    !h->unknown_coding.ptr)
							h->unknown_coding = el;
						continue;
					}
					if (c == GR_WARC_CODING_UNSUPPORTED && !h->unknown_coding.ptr)
						h->unknown_coding = el;
					if (n_ce + n_te >= GR_WARC_HTTP_MAX_CODINGS) {
						too_many = true;
						too_many_at = name.ptr; /* in the data, unlike a folded value */
						continue;
					}
					/* content codings come first: shift transfer codings up */
					memmove(h->codings + n_ce + 1, h->codings + n_ce, n_te);
					h->codings[n_ce++] = (uint8_t)c;
				}
			} else if (gr_warc_str_ieq(name, "content-type") && !h->content_type.ptr) {
				h->content_type = v;
				hp_content_type(h, v);
			}
			break;
		case 't':
			if (gr_warc_str_ieq(name, "transfer-encoding")) {
				const char *it = v.ptr;
				gr_warc_str el;
				while (hp_element(&it, v.ptr + v.len, &el)) {
					int c = hp_coding(el);
					te_chunked_last = c == HP_CODING_CHUNKED;
					if (c == HP_CODING_CHUNKED)
						continue;
					if (c == HP_CODING_IGNORE) {
						if (!gr_warc_str_ieq(el, "identity") && !h->unknown_coding.ptr)
							h->unknown_coding = el;
						continue;
					}
					if (c == GR_WARC_CODING_UNSUPPORTED && !h->unknown_coding.ptr)
						h->unknown_coding = el;
					if (n_ce + n_te >= GR_WARC_HTTP_MAX_CODINGS) {
						too_many = true;
						too_many_at = name.ptr; /* in the data, unlike a folded value */
						continue;
					}
					h->codings[n_ce + n_te] = (uint8_t)c;
					n_te++;
				}
			} else if (gr_warc_str_ieq(name, "tdm-reservation")) {
				if (gr_warc_str_eq(v, "1"))
					h->optout.tdm_reservation = 1;
				else if (gr_warc_str_eq(v, "0") && h->optout.tdm_reservation < 0)
					h->optout.tdm_reservation = 0;
			} else if (gr_warc_str_ieq(name, "tdm-policy") && !h->optout.tdm_policy.ptr) {
				h->optout.tdm_policy = v;
			}
			break;
		case 'x':
			if (gr_warc_str_ieq(name, "x-robots-tag"))
				hp_robots(&h->optout, v);
			else if (gr_warc_str_ieq(name, "x-crawler-content-encoding") ||
				 gr_warc_str_ieq(name, "x-crawler-transfer-encoding") ||
				 gr_warc_str_ieq(name, "x-crawler-content-length"))
				h->cc_renamed = true;
			break;
		case 'l':
			if (gr_warc_str_ieq(name, "link"))
				hp_link(&h->optout, v);
			break;
		default:
			break;
		}
	}
	if (cl_bad)
		h->content_length = -1;
	h->chunked = te_chunked_last;
	h->n_codings = n_ce + n_te;
	if (too_many) {
		if (err) {
			err->kind = GR_WARC_HTTP_LIMIT;
			err->offset = (size_t)(too_many_at - (const char *)h->priv_data);
		}
		return gr_error_set(GR_ELIMIT, "more than %d content and transfer codings",
				    GR_WARC_HTTP_MAX_CODINGS);
	}
	return 0;
}

/* ---- the API ---- */

void gr_warc_http_init(gr_warc_http *h)
{
	memset(h, 0, sizeof *h);
	h->content_length = -1;
	h->optout.tdm_reservation = -1;
}

void gr_warc_http_release(gr_warc_http *h)
{
	if (!h)
		return;
	free(h->priv_fields);
	gr_buf_free(&h->priv_arena);
	gr_buf_free(&h->priv_a);
	gr_buf_free(&h->priv_b);
	gr_warc_http_init(h);
}

/* Buffers larger than this are not kept from one message to the next. */
#define HP_KEEP_MAX ((size_t)8 * 1024 * 1024)

/* Forgets the previous message, keeping the allocations (but not big ones:
 * one huge body must not pin its memory for the rest of a stream). */
static void hp_clear(gr_warc_http *h)
{
	if (h->priv_a.cap > HP_KEEP_MAX)
		gr_buf_free(&h->priv_a);
	if (h->priv_b.cap > HP_KEEP_MAX)
		gr_buf_free(&h->priv_b);
	gr_warc_http keep = *h;
	gr_warc_http_init(h);
	h->priv_fields = keep.priv_fields;
	h->priv_fields_cap = keep.priv_fields_cap;
	h->priv_arena = keep.priv_arena;
	h->priv_a = keep.priv_a;
	h->priv_b = keep.priv_b;
	h->priv_arena.len = 0;
}

static int hp_fail(gr_warc_http *h, gr_warc_http_error *err, enum gr_warc_problem kind, size_t off, int code,
		   const char *what)
{
	hp_clear(h);
	if (err) {
		err->kind = kind;
		err->offset = off;
	}
	return gr_error_set(code, "HTTP %s at byte %zu", what, off);
}

const gr_warc_str *gr_warc_http_get(const gr_warc_http *h, const char *name)
{
	for (size_t i = 0; i < h->n_fields; i++)
		if (gr_warc_str_ieq(h->fields[i].name, name))
			return &h->fields[i].value;
	return NULL;
}

int gr_warc_http_parse(gr_warc_http *h, const void *data, size_t n, gr_warc_http_error *err)
{
	const char *base = data;
	const char *end = base + n;
	hp_clear(h);
	h->priv_data = data;

	/* leading blank lines (RFC 9112 2.2 lets a recipient skip them) */
	const char *p = base;
	while (p < end && (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')))
		p += *p == '\n' ? 1 : 2;
	if (p >= end)
		return hp_fail(h, err, GR_WARC_HTTP_BAD_HEAD, (size_t)(p - base), GR_EINVAL, "message is empty");

	/* bound the head (invariant 3): find the blank line, checking line lengths */
	const char *q = p, *head_end = end;
	bool complete = false;
	for (;;) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		const char *le = nl ? nl : end;
		if ((size_t)(le - q) >= GR_WARC_HTTP_MAX_LINE)
			return hp_fail(h, err, GR_WARC_HTTP_LIMIT, (size_t)(q - base), GR_ELIMIT,
				       "header line longer than the limit");
		if ((size_t)(le - p) >= GR_WARC_HTTP_MAX_HEAD)
			return hp_fail(h, err, GR_WARC_HTTP_LIMIT, (size_t)(q - base), GR_ELIMIT,
				       "head larger than the limit");
		if (!nl)
			break;
		if (q != p && (nl == q || (nl == q + 1 && *q == '\r'))) {
			head_end = nl + 1;
			complete = true;
			break;
		}
		q = nl + 1;
		if (q >= end)
			break;
	}
	h->head_len = (size_t)(head_end - base);
	h->head_complete = complete;

	const char *eol;
	const char *fields_at = hp_line(p, head_end, &eol);
	if (hp_start_line(h, p, eol))
		return hp_fail(h, err, GR_WARC_HTTP_BAD_HEAD, (size_t)(p - base), GR_EINVAL,
			       "start line malformed");

	if (wi_arena_reset(&h->priv_arena, 2 * (size_t)(head_end - p) + 64))
		return hp_fail(h, err, GR_WARC_HTTP_LIMIT, 0, GR_ENOMEM, "head: out of memory");
	size_t stored, seen;
	int rc = gr_warc_int_fields(&h->priv_fields, &h->priv_fields_cap, &stored, &seen, GR_WARC_HTTP_MAX_FIELDS,
				    fields_at, head_end, &h->priv_arena, &h->bad_lines, NULL);
	if (rc)
		return hp_fail(h, err, GR_WARC_HTTP_LIMIT, 0, rc, "head: out of memory");
	if (seen > GR_WARC_HTTP_MAX_FIELDS)
		return hp_fail(h, err, GR_WARC_HTTP_LIMIT, (size_t)(fields_at - base), GR_ELIMIT,
			       "head has more header fields than the limit");
	h->fields = h->priv_fields;
	h->n_fields = stored;
	rc = hp_interpret(h, err);
	if (rc) {
		gr_warc_http_error e = err ? *err : (gr_warc_http_error){0, 0};
		return hp_fail(h, err, e.kind, e.offset, rc, "head has more codings than the limit");
	}
	return 0;
}
