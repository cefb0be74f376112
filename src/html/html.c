/*
 * html — HTML page to text, title and signals (see html.h for what the text
 * is, the charset rules and the limits).
 *
 * Invariants this file keeps:
 *  1. Every read of the page is inside [s, end): scanners take an explicit
 *     end, look-aheads check the bytes left first, and the page need not be
 *     NUL-terminated.
 *  2. Linear time. Each scanner moves forward only; the stack walks of the
 *     tree rules are bounded by GR_HTML_MAX_DEPTH; a character reference
 *     looks at most HTML_ENTITY_MAX_NAME + 2 bytes ahead.
 *  3. Output goes through a sink (struct sink): whitespace and line breaks
 *     are never written when they happen, only remembered (pend, sep,
 *     prefix) and written by flush() just before the next visible byte, so
 *     the text never starts or ends with whitespace, never has two spaces or
 *     more than one blank line in a row -- except for verbatim text of pre,
 *     which is written as it comes.
 *  4. emit() reserves n + n/4 + 64 bytes for n input bytes before its loop:
 *     one input byte gives at most one output byte, a character reference at
 *     most 6 bytes for at least 5 input bytes (&nGt; is the worst), and one
 *     flush at most 29 bytes (two newlines and a 24-byte prefix, or " | ").
 *  5. Nothing is emitted while c->drop > 0 (inside a dropped element); the
 *     stack is still maintained, so the drop ends with its element.
 *  6. On failure the caller's buffers get their old length back and the
 *     signals are freed (outputs untouched on failure, STYLE.md).
 *  7. The tokenizer reads valid UTF-8 only: the page is converted (iconv) or
 *     repaired first. Everything it cuts at is ASCII, what it drops is whole
 *     characters, and references decode to whole characters, so every output
 *     is valid UTF-8 without a second pass -- and no U+00A0 or C1 control can
 *     be assembled from the pieces of a broken sequence.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html/html.h"

/* ---- the named character reference table (generated) ---- */

struct html_entity {
	uint16_t off;    /* name in html_entity_pool */
	uint8_t len;     /* name length, without ';' */
	uint8_t legacy;  /* also valid without ';' */
	uint8_t vlen;    /* value length in bytes */
	char val[7];     /* value, UTF-8 */
};
#include "html/entities.inc"

/* ---- tags ---- */

#define F_VOID (1u << 0)      /* no end tag, never on the stack */
#define F_LINE (1u << 1)      /* starts and ends a line */
#define F_PARA (1u << 2)      /* set apart by a blank line */
#define F_SPECIAL (1u << 3)   /* the standard's "special" category: stops the any-other-end-tag walk */
#define F_SCOPE (1u << 4)     /* bounds the default scope (and list-item and button scope) */
#define F_SCOPE_LIST (1u << 5) /* ol, ul: also bound list-item scope */
#define F_SCOPE_BTN (1u << 6) /* button: also bounds button scope */
#define F_SCOPE_TBL (1u << 7) /* table, template: bound table scope */
#define F_PCLOSE (1u << 8)    /* its start tag closes an open p */
#define F_DROP (1u << 9)      /* its content is never text */
#define F_BOILER (1u << 10)   /* page furniture: dropped unless GR_HTML_KEEP_BOILERPLATE */
#define F_PRE (1u << 11)      /* whitespace inside is verbatim */
#define F_BREAKOUT (1u << 12) /* its start tag ends foreign (SVG/MathML) content */
#define F_NOPUSH (1u << 13)   /* html, head, body: not tracked, end tag ignored */
#define F_TEXTMODE (1u << 14) /* script, raw text, RCDATA, plaintext: content read with the start tag */
#define F_HEADING (1u << 15)
#define F_CELL (1u << 16)     /* td, th */
#define F_LIST (1u << 17)     /* ul, ol, menu, dir, dl: container of items */

/* Bits only stack entries have. */
#define E_FOREIGN (1u << 24)  /* an SVG or MathML element */
#define E_IPOINT (1u << 25)   /* foreign element whose content is HTML again (foreignObject, mi, ...) */
#define E_DROP (1u << 26)     /* this entry counts in c->drop */

#define SPECIAL_BLOCK (F_LINE | F_SPECIAL | F_PCLOSE)
#define SPECIAL_PARA (F_PARA | F_SPECIAL | F_PCLOSE)

/* name, flags; the ids are T_<first column>. */
#define TAG_LIST(X)                                                                                \
	X(A, "a", 0)                                                                               \
	X(ADDRESS, "address", SPECIAL_BLOCK)                                                       \
	X(ANNOTATION, "annotation", 0)                                                             \
	X(ANNOTATION_XML, "annotation-xml", 0)                                                     \
	X(APPLET, "applet", F_SPECIAL | F_SCOPE)                                                   \
	X(AREA, "area", F_VOID | F_SPECIAL)                                                        \
	X(ARTICLE, "article", SPECIAL_BLOCK)                                                       \
	X(ASIDE, "aside", SPECIAL_BLOCK | F_BOILER)                                                \
	X(B, "b", F_BREAKOUT)                                                                      \
	X(BASE, "base", F_VOID | F_SPECIAL)                                                        \
	X(BASEFONT, "basefont", F_VOID | F_SPECIAL)                                                \
	X(BGSOUND, "bgsound", F_VOID | F_SPECIAL)                                                  \
	X(BIG, "big", F_BREAKOUT)                                                                  \
	X(BLOCKQUOTE, "blockquote", SPECIAL_PARA | F_BREAKOUT)                                     \
	X(BODY, "body", F_NOPUSH | F_SPECIAL | F_BREAKOUT)                                         \
	X(BR, "br", F_VOID | F_SPECIAL | F_BREAKOUT)                                               \
	X(BUTTON, "button", F_SPECIAL | F_SCOPE_BTN)                                               \
	X(CAPTION, "caption", F_LINE | F_SPECIAL | F_SCOPE)                                        \
	X(CENTER, "center", SPECIAL_BLOCK | F_BREAKOUT)                                            \
	X(CODE, "code", F_BREAKOUT)                                                                \
	X(COL, "col", F_VOID | F_SPECIAL)                                                          \
	X(COLGROUP, "colgroup", F_SPECIAL)                                                         \
	X(DD, "dd", SPECIAL_BLOCK | F_BREAKOUT)                                                    \
	X(DESC, "desc", 0)                                                                         \
	X(DETAILS, "details", SPECIAL_BLOCK)                                                       \
	X(DIALOG, "dialog", SPECIAL_BLOCK)                                                         \
	X(DIR, "dir", SPECIAL_BLOCK | F_LIST)                                                      \
	X(DIV, "div", SPECIAL_BLOCK | F_BREAKOUT)                                                  \
	X(DL, "dl", SPECIAL_PARA | F_BREAKOUT | F_LIST)                                            \
	X(DT, "dt", SPECIAL_BLOCK | F_BREAKOUT)                                                    \
	X(EM, "em", F_BREAKOUT)                                                                    \
	X(EMBED, "embed", F_VOID | F_SPECIAL | F_BREAKOUT)                                         \
	X(FIELDSET, "fieldset", SPECIAL_BLOCK)                                                     \
	X(FIGCAPTION, "figcaption", SPECIAL_BLOCK)                                                 \
	X(FIGURE, "figure", SPECIAL_PARA)                                                          \
	X(FOOTER, "footer", SPECIAL_BLOCK | F_BOILER)                                              \
	X(FOREIGNOBJECT, "foreignobject", 0)                                                       \
	X(FORM, "form", SPECIAL_BLOCK)                                                             \
	X(FRAME, "frame", F_VOID | F_SPECIAL)                                                      \
	X(FRAMESET, "frameset", F_SPECIAL)                                                         \
	X(H1, "h1", SPECIAL_PARA | F_HEADING | F_BREAKOUT)                                         \
	X(H2, "h2", SPECIAL_PARA | F_HEADING | F_BREAKOUT)                                         \
	X(H3, "h3", SPECIAL_PARA | F_HEADING | F_BREAKOUT)                                         \
	X(H4, "h4", SPECIAL_PARA | F_HEADING | F_BREAKOUT)                                         \
	X(H5, "h5", SPECIAL_PARA | F_HEADING | F_BREAKOUT)                                         \
	X(H6, "h6", SPECIAL_PARA | F_HEADING | F_BREAKOUT)                                         \
	X(HEAD, "head", F_NOPUSH | F_SPECIAL | F_BREAKOUT)                                         \
	X(HEADER, "header", SPECIAL_BLOCK | F_BOILER)                                              \
	X(HGROUP, "hgroup", SPECIAL_BLOCK)                                                         \
	X(HR, "hr", F_VOID | SPECIAL_PARA | F_BREAKOUT)                                            \
	X(HTML, "html", F_NOPUSH | F_SPECIAL)                                                      \
	X(I, "i", F_BREAKOUT)                                                                      \
	X(IFRAME, "iframe", F_SPECIAL | F_TEXTMODE)                                                \
	X(IMG, "img", F_VOID | F_SPECIAL | F_BREAKOUT)                                             \
	X(INPUT, "input", F_VOID | F_SPECIAL)                                                      \
	X(KEYGEN, "keygen", F_VOID | F_SPECIAL)                                                    \
	X(LI, "li", SPECIAL_BLOCK | F_BREAKOUT)                                                    \
	X(LINK, "link", F_VOID | F_SPECIAL)                                                        \
	X(LISTING, "listing", SPECIAL_PARA | F_PRE | F_BREAKOUT)                                   \
	X(MAIN, "main", SPECIAL_BLOCK)                                                             \
	X(MARQUEE, "marquee", F_SPECIAL | F_SCOPE)                                                 \
	X(MATH, "math", 0)                                                                         \
	X(MENU, "menu", SPECIAL_BLOCK | F_BREAKOUT | F_LIST)                                       \
	X(META, "meta", F_VOID | F_SPECIAL | F_BREAKOUT)                                           \
	X(MI, "mi", 0)                                                                             \
	X(MN, "mn", 0)                                                                             \
	X(MO, "mo", 0)                                                                             \
	X(MS, "ms", 0)                                                                             \
	X(MTEXT, "mtext", 0)                                                                       \
	X(NAV, "nav", SPECIAL_BLOCK | F_BOILER)                                                    \
	X(NOBR, "nobr", F_BREAKOUT)                                                                \
	X(NOEMBED, "noembed", F_SPECIAL | F_TEXTMODE)                                              \
	X(NOFRAMES, "noframes", F_SPECIAL | F_TEXTMODE)                                            \
	X(NOSCRIPT, "noscript", F_SPECIAL | F_TEXTMODE)                                            \
	X(OBJECT, "object", F_SPECIAL | F_SCOPE)                                                   \
	X(OL, "ol", SPECIAL_PARA | F_SCOPE_LIST | F_BREAKOUT | F_LIST)                             \
	X(OPTGROUP, "optgroup", F_LINE)                                                            \
	X(OPTION, "option", F_LINE)                                                                \
	X(P, "p", SPECIAL_PARA | F_BREAKOUT)                                                       \
	X(PARAM, "param", F_VOID | F_SPECIAL)                                                      \
	X(PLAINTEXT, "plaintext", SPECIAL_PARA | F_TEXTMODE)                                       \
	X(PRE, "pre", SPECIAL_PARA | F_PRE | F_BREAKOUT)                                           \
	X(RUBY, "ruby", F_BREAKOUT)                                                                \
	X(S, "s", F_BREAKOUT)                                                                      \
	X(SCRIPT, "script", F_SPECIAL | F_TEXTMODE)                                                \
	X(SEARCH, "search", SPECIAL_BLOCK)                                                         \
	X(SECTION, "section", SPECIAL_BLOCK)                                                       \
	X(SELECT, "select", F_LINE | F_SPECIAL)                                                    \
	X(SMALL, "small", F_BREAKOUT)                                                              \
	X(SOURCE, "source", F_VOID | F_SPECIAL)                                                    \
	X(SPAN, "span", F_BREAKOUT)                                                                \
	X(STRIKE, "strike", F_BREAKOUT)                                                            \
	X(STRONG, "strong", F_BREAKOUT)                                                            \
	X(STYLE, "style", F_SPECIAL | F_TEXTMODE)                                                  \
	X(SUB, "sub", F_BREAKOUT)                                                                  \
	X(SUMMARY, "summary", SPECIAL_BLOCK)                                                       \
	X(SUP, "sup", F_BREAKOUT)                                                                  \
	X(SVG, "svg", 0)                                                                           \
	X(TABLE, "table", SPECIAL_PARA | F_SCOPE | F_SCOPE_TBL | F_BREAKOUT)                       \
	X(TBODY, "tbody", F_SPECIAL)                                                               \
	X(TD, "td", F_SPECIAL | F_SCOPE | F_CELL)                                                  \
	X(TEMPLATE, "template", F_SPECIAL | F_SCOPE | F_SCOPE_TBL | F_DROP)                        \
	X(TEXTAREA, "textarea", F_LINE | F_SPECIAL | F_TEXTMODE)                                   \
	X(TFOOT, "tfoot", F_SPECIAL)                                                               \
	X(TH, "th", F_SPECIAL | F_SCOPE | F_CELL)                                                  \
	X(THEAD, "thead", F_SPECIAL)                                                               \
	X(TITLE, "title", F_SPECIAL | F_TEXTMODE)                                                  \
	X(TR, "tr", F_LINE | F_SPECIAL)                                                            \
	X(TRACK, "track", F_VOID | F_SPECIAL)                                                      \
	X(TT, "tt", F_BREAKOUT)                                                                    \
	X(U, "u", F_BREAKOUT)                                                                      \
	X(UL, "ul", SPECIAL_PARA | F_SCOPE_LIST | F_BREAKOUT | F_LIST)                             \
	X(VAR, "var", F_BREAKOUT)                                                                  \
	X(WBR, "wbr", F_VOID | F_SPECIAL)                                                          \
	X(XMP, "xmp", SPECIAL_PARA | F_TEXTMODE)

enum tag_id {
	T_UNKNOWN = 0,
#define X(id, name, flags) T_##id,
	TAG_LIST(X)
#undef X
	T_COUNT
};

static const struct tag_info {
	const char *name;
	uint8_t len;
	uint32_t flags;
} tags[T_COUNT] = {
	[T_UNKNOWN] = {"", 0, 0},
#define X(id, name, flags) [T_##id] = {name, sizeof name - 1, flags},
	TAG_LIST(X)
#undef X
};

_Static_assert(T_COUNT < 256, "tag ids are stored in a byte");

#define TAG_SLOTS 512 /* open-addressing table of the known names, under half full */

/* Break levels a sink can have pending, weakest first. */
enum { BRK_NONE, BRK_SPACE, BRK_LINE, BRK_PARA };

/* ---- bytes ---- */

enum { C_TEXT, C_WS, C_CR, C_AMP, C_CTRL, C_C2 };

/* How emit() treats each byte of text. 0xC2 is the lead byte of U+0080..U+00BF
 * (C1 controls and U+00A0 are among them). */
static const uint8_t byte_class[256] = {
	[0x00 ... 0x08] = C_CTRL, ['\t'] = C_WS, ['\n'] = C_WS, [0x0b] = C_CTRL, ['\f'] = C_WS,
	['\r'] = C_CR, [0x0e ... 0x1f] = C_CTRL, [' '] = C_WS, ['&'] = C_AMP, [0x7f] = C_CTRL,
	[0xc2] = C_C2,
};

/* Bytes that end a tag name: HTML whitespace, '/' and '>'. */
static const uint8_t tag_stop[256] = {
	['\t'] = 1, ['\n'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1, ['/'] = 1, ['>'] = 1,
};

static inline bool is_ws(unsigned char b)
{
	return b == ' ' || b == '\t' || b == '\n' || b == '\f' || b == '\r';
}

static inline bool is_alpha(unsigned char b)
{
	return (unsigned char)((b | 0x20) - 'a') < 26;
}

static inline bool is_alnum(unsigned char b)
{
	return is_alpha(b) || (unsigned char)(b - '0') < 10;
}

static inline unsigned char lower(unsigned char b)
{
	return (unsigned char)(b - 'A') < 26 ? (unsigned char)(b | 0x20) : b;
}

/* s[0..n) equals the lower-case ASCII word w, ignoring ASCII case. */
static bool ci_eq(const unsigned char *s, const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != (unsigned char)w[i])
			return false;
	return true;
}

/* The lower-case word w occurs in s[0..n), ignoring ASCII case. */
static bool ci_contains(const unsigned char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);
	for (size_t i = 0; i + wl <= n; i++)
		if (ci_eq(s + i, w, wl))
			return true;
	return false;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Bytes of x below n (n <= 0x80): the lowest flagged byte is exact, bytes
 * above it may be flagged falsely (borrow), which is all tag_name needs. */
static inline uint64_t swar_below(uint64_t x, unsigned n)
{
	return (x - ONES * n) & ~x & HIGHS;
}

static inline uint64_t swar_eq(uint64_t x, unsigned char c)
{
	return swar_below(x ^ (ONES * c), 1);
}

/* ASCII upper-case letters of x to lower case. */
static inline uint64_t swar_lower(uint64_t x)
{
	uint64_t h = x & ~HIGHS;
	uint64_t upper = ((h + ONES * (0x80 - 'A')) ^ (h + ONES * (0x80 - 'Z' - 1))) & ~x & HIGHS;
	return x | upper >> 2;
}

/* Exactly the bytes of x equal to c (high bit of each such byte set). */
static inline uint64_t swar_eq_exact(uint64_t x, unsigned char c)
{
	uint64_t t = x ^ (ONES * c);
	return ~(((t & ~HIGHS) + ~HIGHS) | t) & HIGHS;
}

/*
 * The bytes of a word of text that the byte loop of emit() must see: controls
 * and whitespace other than a single space, '&', DEL, 0xC2 (U+0080..U+00BF:
 * C1 controls, U+00A0). A space is plain only between two plain bytes, so one
 * next to another space or at the end of the word is flagged too.
 */
static inline uint64_t text_stops(uint64_t x)
{
	uint64_t below = ~(((x & ~HIGHS) + ONES * (0x80 - 0x21)) | x) & HIGHS; /* bytes < 0x21, exact */
	uint64_t sp = swar_eq_exact(x, ' ');
	return (below & ~sp) | swar_eq_exact(x, '&') | swar_eq_exact(x, 0x7f) | swar_eq_exact(x, 0xc2) |
	       (sp & (sp >> 8)) | (sp & HIGHS << 56);
}

static size_t put_utf8(unsigned char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* ---- state ---- */

/* Where text goes, with the whitespace it still owes (invariant 3). */
struct sink {
	gr_buf *b;
	size_t base;     /* b->len when this page started */
	uint8_t pend;    /* BRK_* to write before the next visible byte */
	bool sep;        /* " | " to write instead (next cell of a row) */
	bool started;    /* something was written: leading whitespace is dropped until then */
	bool dirty;      /* pend, sep or prefix set, or not started: flush() first */
	uint8_t prefix_len;
	char prefix[24]; /* "- " or "12. " of a list item */
};

struct elem {
	uint32_t flags; /* the tag's F_* plus E_* */
	uint32_t hash;  /* name hash, to match the end tags of unknown elements */
	uint8_t id;
	uint8_t brk;    /* BRK_* written at its start and end */
	size_t aux;     /* lists: items so far; tr: text length when the row started */
};

struct gr_html {
	unsigned flags;
	gr_buf conv;    /* the page converted to UTF-8 */
	gr_buf fixed;   /* the page with ill-formed UTF-8 replaced */
	gr_buf scratch; /* attribute values */
	iconv_t cd;     /* (iconv_t)-1 when none */
	char cd_name[48];
	uint64_t key0[T_COUNT], key1[T_COUNT]; /* known names packed, zero padded */
	uint8_t slots[TAG_SLOTS];              /* tag ids by hash of the packed name */
	struct elem stack[GR_HTML_MAX_DEPTH];
};

struct ctx {
	gr_html *x;
	const unsigned char *end;
	struct sink text, title;
	bool want_title, have_title, seen_html, license_mapped;
	unsigned depth;  /* entries on x->stack */
	unsigned drop;   /* open entries with E_DROP */
	unsigned pre;    /* open entries with F_PRE */
	uint32_t open[T_COUNT]; /* open entries per tag id */
	gr_html_signals sig;
	int rc;
};

struct attr {
	const unsigned char *name, *val; /* val NULL when the attribute has no value */
	size_t name_len, val_len;
};

/* ---- character references ---- */

static const struct html_entity *entity_find(const unsigned char *name, size_t len)
{
	size_t lo = 0, hi = HTML_ENTITY_COUNT;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct html_entity *e = &html_entities[mid];
		size_t m = e->len < len ? e->len : len;
		int r = memcmp(html_entity_pool + e->off, name, m);
		if (r == 0)
			r = (int)e->len - (int)len;
		if (r == 0)
			return e;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* What &#128;..&#159; mean (the standard's table; 0: left as the C1 control). */
static const uint16_t c1_remap[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
	0x2039, 0x0152, 0, 0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
	0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

/*
 * Decodes the character reference at p[0] == '&' (p < q). Returns the bytes
 * it takes (0: not a reference, the '&' is text) and writes its value, at most
 * 6 bytes of UTF-8, to val. attr: the attribute-value rule (a legacy name
 * without ';' followed by an alphanumeric or '=' is not decoded).
 */
static size_t decode_ref(const unsigned char *p, const unsigned char *q, bool attr, unsigned char val[8],
			 size_t *vlen)
{
	size_t n = (size_t)(q - p);
	if (n < 2)
		return 0;
	if (p[1] == '#') {
		size_t i = 2;
		uint32_t base = 10;
		if (i < n && (p[i] | 0x20) == 'x') {
			base = 16;
			i++;
		}
		size_t first = i;
		uint32_t v = 0;
		for (; i < n; i++) {
			unsigned char b = p[i];
			uint32_t d;
			if ((unsigned char)(b - '0') < 10)
				d = b - '0';
			else if (base == 16 && (unsigned char)((b | 0x20) - 'a') < 6)
				d = (uint32_t)((b | 0x20) - 'a' + 10);
			else
				break;
			if (v <= 0x10ffff) /* saturate: stays above the limit, never overflows */
				v = v * base + d;
		}
		if (i == first)
			return 0;
		if (i < n && p[i] == ';')
			i++;
		if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			v = 0xfffd;
		else if (v >= 0x80 && v <= 0x9f && c1_remap[v - 0x80])
			v = c1_remap[v - 0x80];
		*vlen = put_utf8(val, v);
		return i;
	}
	size_t len = 0;
	while (1 + len < n && len <= HTML_ENTITY_MAX_NAME && is_alnum(p[1 + len]))
		len++;
	if (!len)
		return 0;
	if (len <= HTML_ENTITY_MAX_NAME && 1 + len < n && p[1 + len] == ';') {
		const struct html_entity *e = entity_find(p + 1, len);
		if (e) {
			memcpy(val, e->val, e->vlen);
			*vlen = e->vlen;
			return len + 2;
		}
	}
	/* the longest legacy name that is a prefix of the run */
	for (size_t k = len < HTML_ENTITY_MAX_LEGACY ? len : HTML_ENTITY_MAX_LEGACY; k >= 2; k--) {
		const struct html_entity *e = entity_find(p + 1, k);
		if (!e || !e->legacy)
			continue;
		if (attr && 1 + k < n && (is_alnum(p[1 + k]) || p[1 + k] == '='))
			return 0;
		memcpy(val, e->val, e->vlen);
		*vlen = e->vlen;
		return k + 1;
	}
	return 0;
}

/* ---- sinks ---- */

static void sink_init(struct sink *s, gr_buf *b)
{
	memset(s, 0, sizeof *s);
	s->b = b;
	s->base = b ? b->len : 0;
	s->dirty = true;
}

/* Writes what s owes before the next visible byte (invariant 3). */
static char *flush(struct sink *s, char *o)
{
	if (s->started) {
		const char *b0 = s->b->ptr + s->base;
		if (s->sep) {
			memcpy(o, " | ", 3);
			o += 3;
		} else if (s->pend >= BRK_LINE) {
			int nl = s->pend - 1;
			/* newlines that verbatim (pre) text already ended with count */
			if (o > b0 && o[-1] == '\n') {
				nl--;
				if (nl && o - 1 > b0 && o[-2] == '\n')
					nl--;
			}
			for (; nl > 0; nl--)
				*o++ = '\n';
		} else if (s->pend == BRK_SPACE && !(o > b0 && (o[-1] == ' ' || o[-1] == '\n' || o[-1] == '\t'))) {
			*o++ = ' ';
		}
	}
	if (s->prefix_len) {
		memcpy(o, s->prefix, s->prefix_len);
		o += s->prefix_len;
	}
	s->started = true;
	s->pend = BRK_NONE;
	s->sep = false;
	s->prefix_len = 0;
	s->dirty = false;
	return o;
}

/* One whitespace byte ch of text: owed, or written as is in verbatim text. */
static inline char *space(struct sink *s, char *o, char ch, bool pre)
{
	if (!pre) {
		if (s->pend == BRK_NONE) {
			s->pend = BRK_SPACE;
			s->dirty = true;
		}
		return o;
	}
	if (!s->started)
		return o;
	if (s->dirty)
		o = flush(s, o);
	*o++ = ch == '\f' ? ' ' : ch;
	return o;
}

/* The value of a character reference (valid UTF-8, at most 6 bytes). */
static char *put_decoded(struct sink *s, char *o, const unsigned char *v, size_t n, bool pre)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char b = v[i];
		switch (byte_class[b]) {
		case C_WS:
			o = space(s, o, (char)b, pre);
			continue;
		case C_CR:
			o = space(s, o, '\n', pre);
			continue;
		case C_CTRL:
			continue;
		case C_C2:
			if (v[i + 1] == 0xa0) {
				o = space(s, o, ' ', pre);
				i++;
				continue;
			}
			if (v[i + 1] < 0xa0) { /* C1 control */
				i++;
				continue;
			}
			break;
		default:
			break;
		}
		if (s->dirty)
			o = flush(s, o);
		*o++ = (char)b;
	}
	return o;
}

enum { EM_REFS = 1, EM_PRE = 2 };

/*
 * Appends the text p[0..q) to s: whitespace collapsed (or verbatim with
 * EM_PRE), character references decoded (EM_REFS), controls dropped. The hot
 * loop of the extractor.
 */
static void emit(struct ctx *c, struct sink *s, const unsigned char *p, const unsigned char *q, unsigned mode)
{
	size_t n = (size_t)(q - p), need = n + n / 4 + 64;
	if (!n)
		return;
	if (s->b->cap - s->b->len <= need && gr_buf_grow(s->b, need)) {
		c->rc = GR_ENOMEM;
		return;
	}
	char *o = s->b->ptr + s->b->len;
	const bool pre = mode & EM_PRE, refs = mode & EM_REFS;
	while (p < q) {
		unsigned k = byte_class[*p];
		if (k == C_TEXT) {
			if (s->dirty)
				o = flush(s, o);
			/* a run of text; a single space (or, collapsing, newline) between
			 * two text bytes is what a flush would write, so it is copied here */
			for (;;) {
				*o++ = (char)*p++;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				for (uint64_t w; q - p >= 8; p += 8, o += 8) {
					memcpy(&w, p, 8);
					if (text_stops(w))
						break;
					memcpy(o, &w, 8);
				}
#endif
				if (p == q)
					break;
				unsigned char b = *p;
				if (byte_class[b] == C_TEXT)
					continue;
				if ((b == ' ' || (b == '\n' && !pre)) && q - p >= 2 && byte_class[p[1]] == C_TEXT) {
					*o++ = ' ';
					p++;
					continue;
				}
				break;
			}
			continue;
		}
		switch (k) {
		case C_WS:
			o = space(s, o, (char)*p, pre);
			p++;
			break;
		case C_CR:
			o = space(s, o, '\n', pre);
			p++;
			if (p < q && *p == '\n')
				p++;
			break;
		case C_AMP: {
			unsigned char v[8];
			size_t vl = 0, used = refs ? decode_ref(p, q, false, v, &vl) : 0;
			if (used) {
				o = put_decoded(s, o, v, vl, pre);
				p += used;
			} else {
				if (s->dirty)
					o = flush(s, o);
				*o++ = (char)*p++;
			}
			break;
		}
		case C_C2:
			if (q - p >= 2 && p[1] == 0xa0) {
				o = space(s, o, ' ', pre);
				p += 2;
			} else if (q - p >= 2 && p[1] >= 0x80 && p[1] < 0xa0) {
				p += 2;
			} else {
				if (s->dirty)
					o = flush(s, o);
				*o++ = (char)*p++;
			}
			break;
		default: /* C_CTRL */
			p++;
			break;
		}
	}
	s->b->len = (size_t)(o - s->b->ptr);
	s->b->ptr[s->b->len] = '\0';
}

/* A line or paragraph break; a pending list prefix or cell separator wins
 * (so "<li><p>x" is "- x", not a blank line and then "x"). */
static void apply_break(struct ctx *c, unsigned level)
{
	struct sink *s = &c->text;
	if (c->drop || s->prefix_len || s->sep || level <= s->pend)
		return;
	s->pend = (uint8_t)level;
	s->dirty = true;
}

/* <br>: a line break, and a second one in a row a blank line. */
static void br_break(struct ctx *c)
{
	struct sink *s = &c->text;
	if (c->drop || s->prefix_len || s->sep)
		return;
	s->pend = s->pend < BRK_LINE ? BRK_LINE : BRK_PARA;
	s->dirty = true;
}

/* ---- attributes ---- */

/*
 * Parses the attributes of a tag, from just after its name to its '>', per
 * the tokenizer's attribute states (quotes protect '>', an unquoted value
 * ends at whitespace or '>', a stray '/' is skipped). Records up to max of
 * them in a (max may be 0). Returns the byte after '>', or NULL when the page
 * ends first (the standard then drops the tag).
 */
static const unsigned char *parse_attrs(const unsigned char *p, const unsigned char *end, struct attr *a,
					size_t max, size_t *na, bool *self_closing)
{
	*na = 0;
	*self_closing = false;
	for (;;) {
		while (p < end && is_ws(*p))
			p++;
		if (p >= end)
			return NULL;
		if (*p == '>')
			return p + 1;
		if (*p == '/') {
			p++;
			if (p < end && *p == '>') {
				*self_closing = true;
				return p + 1;
			}
			continue;
		}
		const unsigned char *name = p++;
		while (p < end && !tag_stop[*p] && *p != '=')
			p++;
		size_t name_len = (size_t)(p - name);
		while (p < end && is_ws(*p))
			p++;
		const unsigned char *val = NULL;
		size_t val_len = 0;
		if (p < end && *p == '=') {
			p++;
			while (p < end && is_ws(*p))
				p++;
			if (p >= end)
				return NULL;
			if (*p == '"' || *p == '\'') {
				const unsigned char *close = memchr(p + 1, *p, (size_t)(end - p - 1));
				if (!close)
					return NULL;
				val = p + 1;
				val_len = (size_t)(close - val);
				p = close + 1;
			} else if (*p != '>') {
				val = p;
				while (p < end && !is_ws(*p) && *p != '>')
					p++;
				val_len = (size_t)(p - val);
			} else {
				val = p;
			}
		}
		if (*na < max) {
			a[*na].name = name;
			a[*na].name_len = name_len;
			a[*na].val = val;
			a[*na].val_len = val_len;
			(*na)++;
		}
	}
}

/* The first attribute named name (lower case), or NULL. */
static const struct attr *attr_get(const struct attr *a, size_t na, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < na; i++)
		if (a[i].name_len == len && ci_eq(a[i].name, name, len))
			return &a[i];
	return NULL;
}

/* ---- UTF-8 repair ---- */

/* Length of the well-formed UTF-8 sequence at s[0..n) (Unicode Table 3-7), or
 * 0 with *bad set to the length of its maximal ill-formed subpart (>= 1). */
static size_t u8_seq(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned char b = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		len = 2;
	else if (b >= 0xe0 && b <= 0xef)
		len = 3;
	else if (b >= 0xf0 && b <= 0xf4)
		len = 4;
	else {
		*bad = 1;
		return 0;
	}
	if (b == 0xe0)
		lo = 0xa0;
	else if (b == 0xed)
		hi = 0x9f;
	else if (b == 0xf0)
		lo = 0x90;
	else if (b == 0xf4)
		hi = 0x8f;
	for (size_t i = 1; i < len; i++) {
		if (i >= n || s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf)) {
			*bad = i;
			return 0;
		}
	}
	return len;
}

/* Writes s[0..n) to dst (reset first) with each maximal ill-formed subpart
 * replaced by one U+FFFD, as the WHATWG UTF-8 decoder does. */
static int utf8_repair_copy(const unsigned char *s, size_t n, gr_buf *dst)
{
	size_t out = 0, bad = 0;
	for (size_t i = 0; i < n;) {
		size_t l = u8_seq(s + i, n - i, &bad);
		out += l ? l : 3;
		i += l ? l : bad;
	}
	gr_buf_reset(dst);
	if (gr_buf_grow(dst, out))
		return GR_ENOMEM;
	unsigned char *o = (unsigned char *)dst->ptr;
	for (size_t i = 0; i < n;) {
		size_t l = u8_seq(s + i, n - i, &bad);
		if (l) {
			memcpy(o, s + i, l);
			o += l;
			i += l;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i += bad;
		}
	}
	dst->len = out;
	dst->ptr[out] = '\0';
	return 0;
}

/* ---- signals ---- */

/* Decodes an attribute value (character references, attribute rules) into
 * dst, trimmed of ASCII whitespace. */
static int attr_decode(struct ctx *c, const struct attr *a, gr_buf *dst)
{
	gr_buf_reset(dst);
	const unsigned char *p = a->val, *q = a->val + a->val_len;
	while (p < q && is_ws(*p))
		p++;
	while (q > p && is_ws(q[-1]))
		q--;
	/* a reference decodes to at most 6 bytes for at least 5 (&nGt;) */
	if (gr_buf_grow(dst, (size_t)(q - p) + (size_t)(q - p) / 4 + 8))
		return c->rc = GR_ENOMEM;
	unsigned char *o = (unsigned char *)dst->ptr;
	while (p < q) {
		size_t vl = 0, used = *p == '&' ? decode_ref(p, q, true, o, &vl) : 0;
		if (used) {
			o += vl;
			p += used;
		} else {
			*o++ = *p++;
		}
	}
	dst->len = (size_t)(o - (unsigned char *)dst->ptr);
	dst->ptr[dst->len] = '\0';
	return 0;
}

/* The attribute's decoded value in c->x->scratch; false when absent, too long or out of memory. */
static bool attr_value(struct ctx *c, const struct attr *a)
{
	if (!a || !a->val || a->val_len > GR_HTML_MAX_ATTR_LEN)
		return false;
	return attr_decode(c, a, &c->x->scratch) == 0;
}

/* *field = a copy of scratch (replacing what it held). */
static void save_str(struct ctx *c, char **field)
{
	const gr_buf *s = &c->x->scratch;
	char *copy = gr_strndup(s->ptr ? s->ptr : "", s->len);
	if (!copy) {
		c->rc = GR_ENOMEM;
		return;
	}
	free(*field);
	*field = copy;
}

/* Whether the space- or comma-separated list s[0..n) has the token w (lower case). */
static bool has_token(const char *s, size_t n, const char *w, bool commas)
{
	size_t wl = strlen(w), i = 0;
	while (i < n) {
		while (i < n && (is_ws((unsigned char)s[i]) || (commas && s[i] == ',')))
			i++;
		size_t j = i;
		while (j < n && !is_ws((unsigned char)s[j]) && !(commas && s[j] == ','))
			j++;
		if (j - i == wl && ci_eq((const unsigned char *)s + i, w, wl))
			return true;
		i = j;
	}
	return false;
}

static void meta_signals(struct ctx *c, const struct attr *a, size_t na)
{
	const struct attr *name = attr_get(a, na, "name"), *content = attr_get(a, na, "content");
	if (!content || !attr_value(c, name))
		return;
	gr_buf *s = &c->x->scratch;
	const unsigned char *nm = (const unsigned char *)s->ptr;
	size_t nl = s->len;
	enum { OTHER, RESERVATION, POLICY, ROBOTS } kind = OTHER;
	if (nl == 15 && ci_eq(nm, "tdm-reservation", 15))
		kind = RESERVATION;
	else if (nl == 10 && ci_eq(nm, "tdm-policy", 10))
		kind = POLICY;
	else if (ci_contains(nm, nl, "robots"))
		kind = ROBOTS;
	if (kind == OTHER || !attr_value(c, content))
		return;
	switch (kind) {
	case RESERVATION:
		if (s->len == 1 && s->ptr[0] == '1')
			c->sig.tdm_reservation = true;
		break;
	case POLICY:
		if (!c->sig.tdm_policy && s->len)
			save_str(c, &c->sig.tdm_policy);
		break;
	case ROBOTS:
		if (has_token(s->ptr, s->len, "noai", true))
			c->sig.noai = true;
		if (has_token(s->ptr, s->len, "noimageai", true))
			c->sig.noimageai = true;
		break;
	default:
		break;
	}
}

static void license_signal(struct ctx *c, const struct attr *a, size_t na)
{
	const struct attr *rel = attr_get(a, na, "rel");
	if (c->license_mapped || !rel || !rel->val || !ci_contains(rel->val, rel->val_len, "license"))
		return;
	if (!attr_value(c, rel) || !has_token(c->x->scratch.ptr, c->x->scratch.len, "license", false))
		return;
	if (!attr_value(c, attr_get(a, na, "href")) || !c->x->scratch.len)
		return;
	char spdx[GR_HTML_SPDX_MAX];
	const char *id = gr_html_license_spdx(c->x->scratch.ptr, c->x->scratch.len, spdx);
	if (c->sig.license_url && !id)
		return; /* keep the first unmapped one until a mapped one comes */
	save_str(c, &c->sig.license_url);
	if (id && !c->rc) {
		char *copy = gr_strdup(id);
		if (!copy) {
			c->rc = GR_ENOMEM;
			return;
		}
		c->sig.license_spdx = copy;
		c->license_mapped = true;
	}
}

static void html_signals(struct ctx *c, const struct attr *a, size_t na)
{
	if (c->seen_html)
		return;
	c->seen_html = true;
	const struct attr *lang = attr_get(a, na, "lang");
	if (!lang || !lang->val)
		lang = attr_get(a, na, "xml:lang");
	if (attr_value(c, lang) && c->x->scratch.len && c->x->scratch.len <= 64)
		save_str(c, &c->sig.lang);
}

/* ---- the stack of open elements ---- */

static inline bool same_elem(const struct elem *e, unsigned id, uint32_t hash)
{
	return e->id == id && (id != T_UNKNOWN || e->hash == hash);
}

/* Pops x->stack[i..depth), applying each element's end. */
static void pop_to(struct ctx *c, unsigned i)
{
	while (c->depth > i) {
		const struct elem *e = &c->x->stack[--c->depth];
		c->open[e->id]--;
		if (e->flags & F_PRE)
			c->pre--;
		if (e->flags & E_DROP)
			c->drop--;
		if (c->drop)
			continue;
		if (e->id == T_LI)
			c->text.prefix_len = 0; /* an item that had no text */
		if (e->flags & F_CELL)
			c->text.sep = false; /* a cell that had no text */
		if (e->brk)
			apply_break(c, e->brk);
	}
}

/* Index of the nearest open HTML element id (or, with id 0, with a flag in
 * match) before an element with a flag in bound; -1 when none. */
static int find_scope(const struct ctx *c, unsigned id, uint32_t match, uint32_t bound)
{
	if (id && !c->open[id])
		return -1;
	for (unsigned i = c->depth; i-- > 0;) {
		const struct elem *e = &c->x->stack[i];
		if (!(e->flags & E_FOREIGN) && (id ? e->id == id : (e->flags & match) != 0))
			return (int)i;
		if ((e->flags & bound) || ((e->flags & E_IPOINT) && (bound & F_SCOPE)))
			return -1;
	}
	return -1;
}

static inline const struct elem *top(const struct ctx *c)
{
	return c->depth ? &c->x->stack[c->depth - 1] : NULL;
}

/* The standard's "close a p element" when one is in button scope. */
static void close_p(struct ctx *c)
{
	int i = find_scope(c, T_P, 0, F_SCOPE | F_SCOPE_BTN);
	if (i >= 0)
		pop_to(c, (unsigned)i);
}

/* A new li (or dd/dt) closes the open one, unless a special element other
 * than address, div and p comes first. */
static void close_item(struct ctx *c, unsigned a, unsigned b)
{
	for (unsigned i = c->depth; i-- > 0;) {
		const struct elem *e = &c->x->stack[i];
		if (!(e->flags & E_FOREIGN) && (e->id == a || e->id == b)) {
			pop_to(c, i);
			return;
		}
		if ((e->flags & (F_SPECIAL | E_IPOINT)) && e->id != T_ADDRESS && e->id != T_DIV && e->id != T_P)
			return;
	}
}

static void set_prefix(struct sink *s, const char *p, size_t n)
{
	memcpy(s->prefix, p, n);
	s->prefix_len = (uint8_t)n;
	s->dirty = true;
}

/* Pushes an element and applies its start: break, drop, list prefix, cell separator. */
static void open_elem(struct ctx *c, unsigned id, uint32_t hash, uint32_t extra)
{
	uint32_t f = tags[id].flags | extra;
	if (extra & E_FOREIGN)
		f = extra; /* foreign elements have none of the HTML behaviour */
	uint8_t brk = f & F_PARA ? BRK_PARA : f & F_LINE ? BRK_LINE : BRK_NONE;
	if ((f & F_LIST) && brk == BRK_PARA && (c->open[T_LI] || c->open[T_DD]))
		brk = BRK_LINE; /* a nested list is not a new paragraph */
	bool drop = (f & F_DROP) != 0;
	if ((f & F_BOILER) && !(c->x->flags & GR_HTML_KEEP_BOILERPLATE))
		drop = !(id == T_HEADER && (c->open[T_ARTICLE] || c->open[T_MAIN]));
	struct elem *list = NULL;
	if (id == T_LI) {
		for (unsigned i = c->depth; i-- > 0;) {
			struct elem *l = &c->x->stack[i];
			if ((l->flags & F_LIST) && !(l->flags & E_FOREIGN)) {
				list = l;
				break;
			}
		}
		/* the next item of a list is the next line, even when the previous
		 * item ended with a paragraph (<li><p>..</p></li>) */
		struct sink *s = &c->text;
		if (list && list->aux && !c->drop && s->pend > BRK_LINE && !s->prefix_len && !s->sep)
			s->pend = BRK_LINE;
		if (list)
			list->aux++;
	}
	if (brk)
		apply_break(c, brk);
	if (c->depth == GR_HTML_MAX_DEPTH)
		return; /* not tracked (see GR_HTML_MAX_DEPTH) */
	struct elem *e = &c->x->stack[c->depth++];
	e->id = (uint8_t)id;
	e->hash = hash;
	e->brk = brk;
	e->aux = 0;
	e->flags = f & ~(uint32_t)(F_DROP | E_DROP);
	c->open[id]++;
	if (f & F_PRE)
		c->pre++;
	if (drop) {
		e->flags |= E_DROP;
		c->drop++;
	}
	if (c->drop)
		return;
	struct sink *s = &c->text;
	if (id == T_LI) {
		if (list && list->id == T_OL) {
			char num[24];
			int k = snprintf(num, sizeof num, "%zu. ", list->aux);
			set_prefix(s, num, (size_t)k);
		} else {
			set_prefix(s, "- ", 2);
		}
	} else if (id == T_TR) {
		e->aux = s->b->len;
	} else if (f & F_CELL) {
		int row = find_scope(c, T_TR, 0, F_SCOPE_TBL);
		if (row >= 0 && s->b->len > c->x->stack[row].aux) {
			s->sep = true;
			s->pend = BRK_NONE;
			s->prefix_len = 0;
			s->dirty = true;
		}
	}
}

/* ---- raw text, RCDATA, script ---- */

/* Is p the end tag "</name" followed by whitespace, '/' or '>'? */
static bool is_end_tag(const unsigned char *p, const unsigned char *end, const char *name, size_t nl)
{
	return (size_t)(end - p) >= nl + 3 && p[1] == '/' && ci_eq(p + 2, name, nl) && tag_stop[p[2 + nl]];
}

/* The '<' of the first "</name" end tag at or after p, or NULL. */
static const unsigned char *find_end_tag(const unsigned char *p, const unsigned char *end, const char *name,
					 size_t nl)
{
	while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		if (is_end_tag(p, end, name, nl))
			return p;
		p++;
	}
	return NULL;
}

/*
 * The '<' of the </script> that ends a script, or NULL. Follows the script
 * data states: after "<!--" the script is "escaped" until "-->", and there a
 * "<script" starts a "double escaped" part in which "</script>" does not end
 * the script but only that part (document.write("<script>...</script>")).
 */
static const unsigned char *script_end(const unsigned char *p, const unsigned char *end)
{
	int state = 0; /* 0 data, 1 escaped, 2 double escaped */
	while (p < end) {
		if (state == 0) {
			const unsigned char *lt = memchr(p, '<', (size_t)(end - p));
			if (!lt)
				return NULL;
			if (end - lt >= 4 && lt[1] == '!' && lt[2] == '-' && lt[3] == '-') {
				state = 1;
				p = lt + 2; /* these dashes may be those of "-->" too: <!--> */
				continue;
			}
			if (is_end_tag(lt, end, "script", 6))
				return lt;
			p = lt + 1;
			continue;
		}
		unsigned char b = *p;
		if (b == '-' && end - p >= 3 && p[1] == '-' && p[2] == '>') {
			state = 0;
			p += 3;
			continue;
		}
		if (b == '<') {
			if (is_end_tag(p, end, "script", 6)) {
				if (state == 1)
					return p;
				state = 1;
				p += 8;
				continue;
			}
			if (state == 1 && end - p >= 8 && ci_eq(p + 1, "script", 6) && tag_stop[p[7]]) {
				state = 2;
				p += 7;
				continue;
			}
		}
		p++;
	}
	return NULL;
}

/* Reads the content of a script, raw-text, RCDATA or plaintext element that
 * starts at p; returns the byte after its end tag. */
static const unsigned char *text_mode(struct ctx *c, unsigned id, const unsigned char *p)
{
	const unsigned char *end = c->end, *q = end, *after = end;
	if (id != T_PLAINTEXT) {
		const unsigned char *e = id == T_SCRIPT ? script_end(p, end)
						       : find_end_tag(p, end, tags[id].name, tags[id].len);
		if (e) {
			size_t na;
			bool sc;
			q = e;
			after = parse_attrs(e + 2 + tags[id].len, end, NULL, 0, &na, &sc);
			if (!after)
				after = end;
		}
	}
	switch (id) {
	case T_TITLE:
		if (!c->have_title && !c->open[T_TEMPLATE]) {
			c->have_title = true;
			if (c->want_title)
				emit(c, &c->title, p, q, EM_REFS);
		}
		break;
	case T_TEXTAREA:
		if (!c->drop) {
			if (p < q && *p == '\n')
				p++;
			apply_break(c, BRK_LINE);
			emit(c, &c->text, p, q, EM_REFS | (c->pre ? EM_PRE : 0));
			apply_break(c, BRK_LINE);
		}
		break;
	case T_XMP:
	case T_PLAINTEXT:
		if (!c->drop) {
			apply_break(c, BRK_PARA);
			emit(c, &c->text, p, q, EM_PRE);
			apply_break(c, BRK_PARA);
		}
		break;
	default: /* script, style, iframe, noembed, noframes, noscript: dropped */
		break;
	}
	return after;
}

/* ---- tags ---- */

/* The tree rules of an HTML start tag; returns where the text goes on. */
static const unsigned char *html_start(struct ctx *c, unsigned id, uint32_t hash, const unsigned char *after,
				       bool self_closing)
{
	const uint32_t f = tags[id].flags;
	const struct elem *t;
	if (f & F_NOPUSH)
		return after;
	if (f & F_PCLOSE)
		close_p(c);
	switch (id) {
	case T_LI:
		close_item(c, T_LI, T_LI);
		break;
	case T_DD:
	case T_DT:
		close_item(c, T_DD, T_DT);
		break;
	case T_H1: case T_H2: case T_H3: case T_H4: case T_H5: case T_H6:
		if ((t = top(c)) && (t->flags & F_HEADING))
			pop_to(c, c->depth - 1);
		break;
	case T_TD:
	case T_TH: {
		int i = find_scope(c, 0, F_CELL, F_SCOPE_TBL);
		if (i >= 0)
			pop_to(c, (unsigned)i);
		if (find_scope(c, T_TR, 0, F_SCOPE_TBL) < 0)
			open_elem(c, T_TR, 0, 0);
		break;
	}
	case T_TR: {
		int i = find_scope(c, T_TR, 0, F_SCOPE_TBL);
		if (i >= 0)
			pop_to(c, (unsigned)i);
		break;
	}
	case T_TBODY: case T_THEAD: case T_TFOOT: case T_CAPTION: case T_COLGROUP: {
		int i = find_scope(c, T_TABLE, 0, F_SCOPE_TBL);
		if (i >= 0)
			pop_to(c, (unsigned)i + 1);
		break;
	}
	case T_OPTION:
		if ((t = top(c)) && t->id == T_OPTION)
			pop_to(c, c->depth - 1);
		break;
	case T_OPTGROUP:
		if ((t = top(c)) && t->id == T_OPTION)
			pop_to(c, c->depth - 1);
		if ((t = top(c)) && t->id == T_OPTGROUP)
			pop_to(c, c->depth - 1);
		break;
	case T_SVG:
	case T_MATH:
		open_elem(c, id, hash, E_FOREIGN | (id == T_SVG ? F_DROP : 0));
		if (self_closing)
			pop_to(c, c->depth - 1);
		return after;
	default:
		break;
	}
	if (f & F_TEXTMODE)
		return text_mode(c, id, after);
	if (id == T_BR) {
		br_break(c);
		return after;
	}
	if (f & F_VOID) {
		if (f & F_PARA)
			apply_break(c, BRK_PARA);
		return after;
	}
	open_elem(c, id, hash, 0);
	if (f & F_PRE) { /* a newline right after <pre> is not content */
		if (after < c->end && *after == '\r')
			after++;
		if (after < c->end && *after == '\n')
			after++;
	}
	return after;
}

/* A start tag inside SVG or MathML (the current node is foreign). */
static const unsigned char *foreign_start(struct ctx *c, unsigned id, uint32_t hash, const unsigned char *after,
					  bool self_closing)
{
	if (tags[id].flags & F_BREAKOUT) {
		/* an HTML tag ends the foreign content (broken markup) */
		const struct elem *t;
		while ((t = top(c)) && (t->flags & E_FOREIGN) && !(t->flags & E_IPOINT))
			pop_to(c, c->depth - 1);
		return html_start(c, id, hash, after, self_closing);
	}
	uint32_t ef = E_FOREIGN;
	switch (id) {
	case T_FOREIGNOBJECT: case T_DESC: case T_TITLE:
	case T_MI: case T_MN: case T_MO: case T_MS: case T_MTEXT: case T_ANNOTATION_XML:
		ef |= E_IPOINT;
		break;
	case T_ANNOTATION: /* TeX source of a formula: not text */
		ef |= F_DROP;
		break;
	default:
		break;
	}
	if (!self_closing)
		open_elem(c, id, hash, ef);
	return after;
}

/* The tree rules of an end tag. */
static void end_tag_rules(struct ctx *c, unsigned id, uint32_t hash)
{
	const struct elem *t = top(c);
	if (t && (t->flags & E_FOREIGN)) {
		/* foreign content: the nearest foreign element of that name */
		for (unsigned i = c->depth; i-- > 0;) {
			const struct elem *e = &c->x->stack[i];
			if (!(e->flags & E_FOREIGN))
				break;
			if (same_elem(e, id, hash)) {
				pop_to(c, i);
				return;
			}
		}
	}
	const uint32_t f = tags[id].flags;
	int i = -1;
	if (f & F_NOPUSH)
		return;
	switch (id) {
	case T_SVG:
	case T_MATH: /* wherever it is: an unclosed <svg> must not drop the rest of the page */
		for (unsigned k = c->depth; k-- > 0;)
			if (c->x->stack[k].id == id) {
				pop_to(c, k);
				break;
			}
		return;
	case T_BR:
		br_break(c);
		return;
	case T_P:
		i = find_scope(c, T_P, 0, F_SCOPE | F_SCOPE_BTN);
		if (i < 0)
			apply_break(c, BRK_PARA); /* </p> alone is an empty paragraph */
		break;
	case T_LI:
		i = find_scope(c, T_LI, 0, F_SCOPE | F_SCOPE_LIST);
		break;
	case T_H1: case T_H2: case T_H3: case T_H4: case T_H5: case T_H6:
		i = find_scope(c, 0, F_HEADING, F_SCOPE);
		break;
	case T_TD: case T_TH: case T_TR: case T_TBODY: case T_THEAD: case T_TFOOT: case T_TABLE:
	case T_CAPTION: case T_COLGROUP:
		i = find_scope(c, id, 0, F_SCOPE_TBL);
		break;
	default:
		if (f & F_SPECIAL) {
			i = find_scope(c, id, 0, F_SCOPE);
			break;
		}
		/* any other end tag: the nearest such element, unless a special one comes first */
		if (!c->open[id])
			return;
		for (unsigned k = c->depth; k-- > 0;) {
			const struct elem *e = &c->x->stack[k];
			if (same_elem(e, id, hash) && !(e->flags & E_FOREIGN)) {
				i = (int)k;
				break;
			}
			if (e->flags & (F_SPECIAL | E_IPOINT))
				return;
		}
		break;
	}
	if (i >= 0)
		pop_to(c, (unsigned)i);
}

/* Reads a tag name at p, looks it up among the known names (lower-cased,
 * zero-padded to 16 bytes, as two words); returns the byte after it. */
static const unsigned char *tag_name(const gr_html *x, const unsigned char *p, const unsigned char *end,
				     unsigned *id_out, uint32_t *hash_out)
{
	const unsigned char *name = p;
	uint64_t k0 = 0, k1 = 0;
	size_t len = SIZE_MAX;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* fast path: the name ends within 16 bytes at a space, '/' or '>' */
	if (end - p >= 16) {
		uint64_t w0, w1;
		memcpy(&w0, p, 8);
		memcpy(&w1, p + 8, 8);
		uint64_t m0 = swar_below(w0, 0x21) | swar_eq(w0, '/') | swar_eq(w0, '>');
		uint64_t m1 = swar_below(w1, 0x21) | swar_eq(w1, '/') | swar_eq(w1, '>');
		size_t l = m0 ? (size_t)__builtin_ctzll(m0) / 8 : m1 ? 8 + (size_t)__builtin_ctzll(m1) / 8 : 16;
		if (l < 16 && tag_stop[p[l]]) { /* not a control byte below 0x21 */
			len = l;
			k0 = swar_lower(w0) & (l >= 8 ? ~0ull : (1ull << (8 * l)) - 1);
			k1 = l > 8 ? swar_lower(w1) & ((1ull << (8 * (l - 8))) - 1) : 0;
			p += l;
		}
	}
#endif
	if (len == SIZE_MAX) {
		unsigned char low[16] = {0};
		for (size_t i = 0; p < end && !tag_stop[*p]; p++, i++)
			if (i < 16)
				low[i] = lower(*p);
		len = (size_t)(p - name);
		memcpy(&k0, low, 8); /* as gr_html_new packs the known names */
		memcpy(&k1, low + 8, 8);
	}
	unsigned id = T_UNKNOWN;
	if (len <= 16) {
		uint64_t m = (k0 ^ (k1 * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
		for (unsigned s = (unsigned)(m >> 55);; s = (s + 1) & (TAG_SLOTS - 1)) {
			unsigned cand = x->slots[s];
			if (!cand)
				break;
			if (x->key0[cand] == k0 && x->key1[cand] == k1 && tags[cand].len == len) {
				id = cand;
				break;
			}
		}
	}
	uint32_t h = 0;
	if (id == T_UNKNOWN) { /* only unknown elements are matched by name hash */
		h = 2166136261u;
		for (size_t i = 0; i < len; i++)
			h = (h ^ lower(name[i])) * 16777619u;
	}
	*id_out = id;
	*hash_out = h;
	return p;
}

static const unsigned char *start_tag(struct ctx *c, const unsigned char *lt)
{
	const unsigned char *end = c->end;
	unsigned id;
	uint32_t hash;
	const unsigned char *p = tag_name(c->x, lt + 1, end, &id, &hash);
	struct attr at[GR_HTML_MAX_ATTRS];
	size_t na = 0;
	bool sc = false;
	bool want = id == T_A || id == T_LINK || id == T_META || id == T_HTML;
	const unsigned char *after = parse_attrs(p, end, at, want ? GR_HTML_MAX_ATTRS : 0, &na, &sc);
	if (!after)
		return end; /* the page ends inside the tag: the tag is dropped */
	switch (id) {
	case T_A:
	case T_LINK:
		license_signal(c, at, na);
		break;
	case T_META:
		meta_signals(c, at, na);
		break;
	case T_HTML:
		html_signals(c, at, na);
		break;
	default:
		break;
	}
	const struct elem *t = top(c);
	if (t && (t->flags & E_FOREIGN) && !(t->flags & E_IPOINT))
		return foreign_start(c, id, hash, after, sc);
	return html_start(c, id, hash, after, sc);
}

static const unsigned char *end_tag(struct ctx *c, const unsigned char *lt)
{
	unsigned id;
	uint32_t hash;
	const unsigned char *p = tag_name(c->x, lt + 2, c->end, &id, &hash);
	size_t na;
	bool sc;
	const unsigned char *after = parse_attrs(p, c->end, NULL, 0, &na, &sc);
	if (!after)
		return c->end;
	end_tag_rules(c, id, hash);
	return after;
}

/* Past the first '>' at or after p (bogus comments, doctypes, PIs). */
static const unsigned char *skip_to_gt(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *g = p < end ? memchr(p, '>', (size_t)(end - p)) : NULL;
	return g ? g + 1 : end;
}

/* A comment whose "<!--" ends just before p: up to "-->" or "--!>"; "<!-->"
 * and "<!--->" are complete (empty) comments; an unclosed one runs to the end. */
static const unsigned char *skip_comment(const unsigned char *p, const unsigned char *end)
{
	if (p < end && *p == '>')
		return p + 1;
	if (end - p >= 2 && p[0] == '-' && p[1] == '>')
		return p + 2;
	for (const unsigned char *s = p;;) {
		const unsigned char *g = s < end ? memchr(s, '>', (size_t)(end - s)) : NULL;
		if (!g)
			return end;
		if (g - p >= 2 && g[-1] == '-' && g[-2] == '-')
			return g + 1;
		if (g - p >= 3 && g[-1] == '!' && g[-2] == '-' && g[-3] == '-')
			return g + 1;
		s = g + 1;
	}
}

/* At a '<': a tag, comment, doctype, CDATA section or PI -- or a '<' of text. */
static const unsigned char *markup(struct ctx *c, const unsigned char *p)
{
	const unsigned char *end = c->end;
	size_t left = (size_t)(end - p);
	if (left >= 2) {
		unsigned char b = p[1];
		if (is_alpha(b))
			return start_tag(c, p);
		if (b == '/') {
			if (left >= 3 && is_alpha(p[2]))
				return end_tag(c, p);
			if (left >= 3 && p[2] == '>')
				return p + 3; /* "</>" is nothing */
			if (left >= 3)
				return skip_to_gt(p + 2, end);
		} else if (b == '!') {
			if (left >= 4 && p[2] == '-' && p[3] == '-')
				return skip_comment(p + 4, end);
			if (left >= 9 && memcmp(p + 2, "[CDATA[", 7) == 0) {
				const unsigned char *e = memmem(p + 9, left - 9, "]]>", 3);
				return e ? e + 3 : end;
			}
			return skip_to_gt(p + 2, end);
		} else if (b == '?') {
			return skip_to_gt(p + 2, end);
		}
	}
	/* "<" not followed by a tag: text ("a < b", "<3", "</" at the end) */
	const unsigned char *q = p + 1;
	if (left >= 2 && p[1] == '/')
		q++;
	if (!c->drop)
		emit(c, &c->text, p, q, c->pre ? EM_PRE : 0);
	return q;
}

static void run(struct ctx *c, const unsigned char *p)
{
	const unsigned char *end = c->end;
	while (p < end && !c->rc) {
		const unsigned char *lt = memchr(p, '<', (size_t)(end - p));
		if (!lt)
			lt = end;
		if (lt > p && !c->drop)
			emit(c, &c->text, p, lt, EM_REFS | (c->pre ? EM_PRE : 0));
		if (lt == end)
			break;
		p = markup(c, lt);
	}
}

/* ---- character sets ---- */

/* Labels whose meaning per the WHATWG Encoding standard differs from what
 * iconv would make of them, or that iconv does not know. */
static const struct {
	const char *label, *name;
} charset_alias[] = {
	{"utf-8", "UTF-8"}, {"utf8", "UTF-8"}, {"unicode-1-1-utf-8", "UTF-8"},
	{"unicode11utf8", "UTF-8"}, {"unicode20utf8", "UTF-8"}, {"x-unicode20utf8", "UTF-8"},
	{"utf-16", "UTF-16LE"}, {"utf-16le", "UTF-16LE"}, {"unicode", "UTF-16LE"}, {"ucs-2", "UTF-16LE"},
	{"csunicode", "UTF-16LE"}, {"iso-10646-ucs-2", "UTF-16LE"}, {"unicodefeff", "UTF-16LE"},
	{"utf-16be", "UTF-16BE"}, {"unicodefffe", "UTF-16BE"},
	{"ascii", "WINDOWS-1252"}, {"us-ascii", "WINDOWS-1252"}, {"ansi_x3.4-1968", "WINDOWS-1252"},
	{"iso-8859-1", "WINDOWS-1252"}, {"iso8859-1", "WINDOWS-1252"}, {"iso88591", "WINDOWS-1252"},
	{"iso_8859-1", "WINDOWS-1252"}, {"iso_8859-1:1987", "WINDOWS-1252"}, {"iso-ir-100", "WINDOWS-1252"},
	{"latin1", "WINDOWS-1252"}, {"l1", "WINDOWS-1252"}, {"cp819", "WINDOWS-1252"},
	{"ibm819", "WINDOWS-1252"}, {"csisolatin1", "WINDOWS-1252"}, {"cp1252", "WINDOWS-1252"},
	{"x-cp1252", "WINDOWS-1252"}, {"windows-1252", "WINDOWS-1252"}, {"x-user-defined", "WINDOWS-1252"},
	{"iso-8859-9", "WINDOWS-1254"}, {"iso8859-9", "WINDOWS-1254"}, {"iso88599", "WINDOWS-1254"},
	{"iso_8859-9", "WINDOWS-1254"}, {"latin5", "WINDOWS-1254"}, {"l5", "WINDOWS-1254"},
	{"tis-620", "WINDOWS-874"}, {"iso-8859-11", "WINDOWS-874"}, {"dos-874", "WINDOWS-874"},
	{"gb2312", "GB18030"}, {"gbk", "GB18030"}, {"x-gbk", "GB18030"}, {"chinese", "GB18030"},
	{"csgb2312", "GB18030"}, {"iso-ir-58", "GB18030"}, {"gb_2312-80", "GB18030"}, {"cp936", "GB18030"},
	{"big5", "BIG5-HKSCS"}, {"cn-big5", "BIG5-HKSCS"}, {"x-x-big5", "BIG5-HKSCS"}, {"csbig5", "BIG5-HKSCS"},
	{"shift_jis", "CP932"}, {"shift-jis", "CP932"}, {"sjis", "CP932"}, {"ms932", "CP932"},
	{"ms_kanji", "CP932"}, {"windows-31j", "CP932"}, {"x-sjis", "CP932"}, {"csshiftjis", "CP932"},
	{"euc-kr", "CP949"}, {"ks_c_5601-1987", "CP949"}, {"ks_c_5601-1989", "CP949"}, {"ksc5601", "CP949"},
	{"ksc_5601", "CP949"}, {"korean", "CP949"}, {"windows-949", "CP949"}, {"cseuckr", "CP949"},
	{"iso-ir-149", "CP949"}, {"x-mac-roman", "MACINTOSH"}, {"mac", "MACINTOSH"},
	{"x-mac-cyrillic", "MAC-CYRILLIC"}, {"x-mac-ukrainian", "MAC-CYRILLIC"},
	{"iso-8859-8-i", "ISO-8859-8"}, {"koi8-ru", "KOI8-U"},
};

/* Makes x->cd convert name to UTF-8; false when iconv does not know name. */
static bool iconv_ready(gr_html *x, const char *name)
{
	if (x->cd != (iconv_t)-1 && strcmp(x->cd_name, name) == 0)
		return true;
	if (x->cd != (iconv_t)-1)
		iconv_close(x->cd);
	x->cd = iconv_open("UTF-8", name);
	if (x->cd == (iconv_t)-1) {
		x->cd_name[0] = '\0';
		return false;
	}
	snprintf(x->cd_name, sizeof x->cd_name, "%s", name);
	return true;
}

/* Resolves an encoding label to "UTF-8" or an iconv name in out[48]; false
 * when the label is empty, malformed or unknown. from_meta: a <meta> cannot
 * declare UTF-16 (the page was readable as ASCII), so that means UTF-8. */
static bool resolve_label(gr_html *x, const unsigned char *s, size_t n, bool from_meta, char out[48])
{
	while (n && is_ws(*s)) {
		s++;
		n--;
	}
	while (n && is_ws(s[n - 1]))
		n--;
	if (!n || n >= 40)
		return false;
	char low[40];
	for (size_t i = 0; i < n; i++) {
		unsigned char b = lower(s[i]);
		if (!is_alnum(b) && (!b || !strchr("-_.:()", b)))
			return false;
		low[i] = (char)b;
	}
	low[n] = '\0';
	const char *name = NULL;
	for (size_t i = 0; i < sizeof charset_alias / sizeof charset_alias[0]; i++)
		if (strcmp(low, charset_alias[i].label) == 0) {
			name = charset_alias[i].name;
			break;
		}
	if (name) {
		snprintf(out, 48, "%s", name);
	} else {
		for (size_t i = 0; i <= n; i++)
			out[i] = (char)((unsigned char)(low[i] - 'a') < 26 ? low[i] - 32 : low[i]);
	}
	if (from_meta && strncmp(out, "UTF-16", 6) == 0)
		snprintf(out, 48, "UTF-8");
	return strcmp(out, "UTF-8") == 0 || iconv_ready(x, out);
}

/* The label after "charset=" in a Content-Type value (the standard's
 * "extracting a character encoding from a meta element"); false when none. */
static bool charset_param(const unsigned char *s, size_t n, const unsigned char **lab, size_t *lab_len)
{
	size_t i = 0;
	for (;;) {
		while (i + 7 <= n && !ci_eq(s + i, "charset", 7))
			i++;
		if (i + 7 > n)
			return false;
		i += 7;
		while (i < n && is_ws(s[i]))
			i++;
		if (i < n && s[i] == '=')
			break;
	}
	i++;
	while (i < n && is_ws(s[i]))
		i++;
	if (i >= n)
		return false;
	if (s[i] == '"' || s[i] == '\'') {
		const unsigned char *close = memchr(s + i + 1, s[i], n - i - 1);
		if (!close)
			return false;
		*lab = s + i + 1;
		*lab_len = (size_t)(close - *lab);
		return true;
	}
	size_t j = i;
	while (j < n && !is_ws(s[j]) && s[j] != ';')
		j++;
	*lab = s + i;
	*lab_len = j - i;
	return j > i;
}

/* The charset a <meta> declares, resolved (the standard's prescan rules). */
static bool meta_charset(gr_html *x, const struct attr *a, size_t na, char out[48])
{
	const struct attr *cs = attr_get(a, na, "charset");
	if (cs && cs->val && resolve_label(x, cs->val, cs->val_len, true, out))
		return true;
	const struct attr *he = attr_get(a, na, "http-equiv"), *ct = attr_get(a, na, "content");
	if (!he || !he->val || he->val_len != 12 || !ci_eq(he->val, "content-type", 12) || !ct || !ct->val)
		return false;
	const unsigned char *lab;
	size_t lab_len;
	return charset_param(ct->val, ct->val_len, &lab, &lab_len) && resolve_label(x, lab, lab_len, true, out);
}

/* Looks for a <meta> charset in the first GR_HTML_PRESCAN bytes, skipping
 * comments and the attributes of other tags (quotes hide '>'). */
static bool prescan(gr_html *x, const unsigned char *s, size_t n, char out[48])
{
	const unsigned char *p = s, *end = s + (n < GR_HTML_PRESCAN ? n : GR_HTML_PRESCAN);
	struct attr at[GR_HTML_MAX_ATTRS];
	size_t na;
	bool sc;
	while (p < end) {
		const unsigned char *lt = memchr(p, '<', (size_t)(end - p));
		if (!lt)
			return false;
		size_t left = (size_t)(end - lt);
		if (left >= 4 && lt[1] == '!' && lt[2] == '-' && lt[3] == '-') {
			const unsigned char *e = memmem(lt + 2, left - 2, "-->", 3);
			if (!e)
				return false;
			p = e + 3;
		} else if (left >= 6 && ci_eq(lt + 1, "meta", 4) && (is_ws(lt[5]) || lt[5] == '/')) {
			p = parse_attrs(lt + 5, end, at, GR_HTML_MAX_ATTRS, &na, &sc);
			if (!p)
				return false;
			if (meta_charset(x, at, na, out))
				return true;
		} else if (left >= 3 && (is_alpha(lt[1]) || (lt[1] == '/' && is_alpha(lt[2])))) {
			const unsigned char *q = lt + 2;
			while (q < end && !tag_stop[*q])
				q++;
			p = parse_attrs(q, end, NULL, 0, &na, &sc);
			if (!p)
				return false;
		} else if (left >= 2 && (lt[1] == '!' || lt[1] == '/' || lt[1] == '?')) {
			p = skip_to_gt(lt + 2, end);
		} else {
			p = lt + 1;
		}
	}
	return false;
}

/*
 * Converts s[0..n) with x->cd into x->conv; undecodable bytes become U+FFFD.
 * Returns 0, GR_ENOMEM, or 1 when there were more than GR_HTML_MAX_BAD_BYTES
 * + n/16 of them (the charset is wrong: the caller reads the page as UTF-8).
 */
static int convert(gr_html *x, const unsigned char *s, size_t n)
{
	gr_buf *b = &x->conv;
	gr_buf_reset(b);
	if (gr_buf_grow(b, n + n / 2 + 64))
		return GR_ENOMEM;
	iconv(x->cd, NULL, NULL, NULL, NULL); /* initial shift state */
	char *in = (char *)s;
	size_t in_left = n, bad = 0, max_bad = GR_HTML_MAX_BAD_BYTES + n / 16;
	bool flushing = false; /* input done: the last call writes the final shift sequence */
	for (;;) {
		if (b->cap - b->len < 16 && gr_buf_grow(b, b->cap / 2 + 64))
			return GR_ENOMEM;
		char *out = b->ptr + b->len;
		size_t room = b->cap - b->len - 1, out_left = room;
		size_t r = flushing ? iconv(x->cd, NULL, NULL, &out, &out_left)
				    : iconv(x->cd, &in, &in_left, &out, &out_left);
		int err = errno;
		b->len += room - out_left;
		if (r != (size_t)-1) {
			if (flushing)
				break;
			flushing = true;
			continue;
		}
		if (err == E2BIG) {
			if (gr_buf_grow(b, b->cap / 2 + 64))
				return GR_ENOMEM;
			continue;
		}
		if (flushing)
			break;
		/* EILSEQ, or EINVAL: an incomplete sequence at the end */
		if (++bad > max_bad)
			return 1;
		if (gr_buf_grow(b, 3))
			return GR_ENOMEM;
		memcpy(b->ptr + b->len, "\xef\xbf\xbd", 3);
		b->len += 3;
		if (err == EINVAL || in_left <= 1) {
			in_left = 0;
			flushing = true;
		} else {
			in++;
			in_left--;
		}
	}
	b->ptr[b->len] = '\0';
	return 0;
}

/* ---- public ---- */

int gr_html_new(gr_html **out)
{
	gr_html *x = calloc(1, sizeof *x);
	if (!x)
		return gr_error_set(GR_ENOMEM, "out of memory (HTML extractor)");
	x->cd = (iconv_t)-1;
	for (unsigned id = 1; id < T_COUNT; id++) {
		unsigned char name[16] = {0};
		uint64_t k0, k1;
		memcpy(name, tags[id].name, tags[id].len);
		memcpy(&k0, name, 8); /* packed as tag_name() packs them */
		memcpy(&k1, name + 8, 8);
		x->key0[id] = k0;
		x->key1[id] = k1;
		uint64_t m = (k0 ^ (k1 * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
		unsigned s = (unsigned)(m >> 55);
		while (x->slots[s])
			s = (s + 1) & (TAG_SLOTS - 1);
		x->slots[s] = (uint8_t)id;
	}
	*out = x;
	return 0;
}

void gr_html_free(gr_html *x)
{
	if (!x)
		return;
	if (x->cd != (iconv_t)-1)
		iconv_close(x->cd);
	gr_buf_free(&x->conv);
	gr_buf_free(&x->fixed);
	gr_buf_free(&x->scratch);
	free(x);
}

void gr_html_set_flags(gr_html *x, unsigned flags)
{
	x->flags = flags;
}

void gr_html_signals_release(gr_html_signals *sig)
{
	if (!sig)
		return;
	free(sig->tdm_policy);
	free(sig->license_spdx);
	free(sig->license_url);
	free(sig->lang);
	free(sig->charset);
	memset(sig, 0, sizeof *sig);
}

/* Chooses the charset (see html.h); *skip: bytes of byte-order mark. */
static void choose_charset(gr_html *x, const unsigned char *s, size_t n, const char *declared, char cs[48],
			   size_t *skip)
{
	*skip = 0;
	if (n >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
		*skip = 3;
		snprintf(cs, 48, "UTF-8");
		return;
	}
	if (n >= 2 && ((s[0] == 0xff && s[1] == 0xfe) || (s[0] == 0xfe && s[1] == 0xff))) {
		snprintf(cs, 48, s[0] == 0xff ? "UTF-16LE" : "UTF-16BE");
		if (iconv_ready(x, cs)) {
			*skip = 2;
			return;
		}
	}
	if (declared && *declared) {
		const unsigned char *d = (const unsigned char *)declared, *lab = d;
		size_t dn = strlen(declared), lab_len = dn;
		if (!ci_contains(d, dn, "charset") || charset_param(d, dn, &lab, &lab_len))
			if (resolve_label(x, lab, lab_len, false, cs))
				return;
	}
	if (prescan(x, s, n, cs))
		return;
	snprintf(cs, 48, "UTF-8");
}

int gr_html_extract(gr_html *x, const char *html, size_t n, const char *declared_charset, gr_buf *text,
		    gr_buf *title, gr_html_signals *sig)
{
	if (!x || !text || (!html && n))
		return gr_error_set(GR_EINVAL, "gr_html_extract: no extractor, page or text buffer");
	if (n > GR_HTML_MAX_INPUT)
		return gr_error_set(GR_ELIMIT, "HTML page of %zu bytes is over the %zu-byte limit", n,
				    (size_t)GR_HTML_MAX_INPUT);
	const unsigned char *s = (const unsigned char *)(html ? html : "");
	char cs[48];
	size_t skip;
	choose_charset(x, s, n, declared_charset, cs, &skip);
	s += skip;
	n -= skip;
	if (strcmp(cs, "UTF-8") != 0) {
		int r = convert(x, s, n);
		if (r < 0)
			return r;
		if (r == 0) {
			s = (const unsigned char *)x->conv.ptr;
			n = x->conv.len;
		} else {
			snprintf(cs, sizeof cs, "UTF-8");
		}
	}
	/* The tokenizer sees valid UTF-8 only (invariant 7): a filter that drops
	 * bytes could otherwise join the pieces of a broken sequence. */
	if (!gr_utf8_valid((const char *)s, n)) {
		if (utf8_repair_copy(s, n, &x->fixed))
			return GR_ENOMEM;
		s = (const unsigned char *)x->fixed.ptr;
		n = x->fixed.len;
	}

	struct ctx *c = calloc(1, sizeof *c);
	if (!c)
		return gr_error_set(GR_ENOMEM, "out of memory (HTML extractor)");
	c->x = x;
	c->end = s + n;
	sink_init(&c->text, text);
	sink_init(&c->title, title);
	c->want_title = title != NULL;
	run(c, s);

	int rc = c->rc;
	if (!rc) {
		while (text->len > c->text.base && is_ws((unsigned char)text->ptr[text->len - 1]))
			text->len--;
		if (text->ptr)
			text->ptr[text->len] = '\0';
	}
	if (!rc && title && title->ptr) {
		if (title->len - c->title.base > GR_HTML_MAX_TITLE) {
			title->len = c->title.base + GR_HTML_MAX_TITLE;
			while (title->len > c->title.base && ((unsigned char)title->ptr[title->len] & 0xc0) == 0x80)
				title->len--;
			while (title->len > c->title.base && title->ptr[title->len - 1] == ' ')
				title->len--;
			title->ptr[title->len] = '\0';
		}
	}
	if (!rc && !(c->sig.charset = gr_strdup(cs)))
		rc = GR_ENOMEM;
	if (rc) {
		text->len = c->text.base;
		if (text->ptr)
			text->ptr[text->len] = '\0';
		if (title) {
			title->len = c->title.base;
			if (title->ptr)
				title->ptr[title->len] = '\0';
		}
		gr_html_signals_release(&c->sig);
		if (rc == GR_ENOMEM && gr_error_code() != GR_ENOMEM)
			gr_error_set(GR_ENOMEM, "out of memory extracting HTML");
	} else if (sig) {
		*sig = c->sig;
	} else {
		gr_html_signals_release(&c->sig);
	}
	free(c);
	return rc;
}

/* ---- licences ---- */

/* Ports the SPDX list names, by type and version ("3.0-de"). */
static const struct {
	const char *type, *port;
} cc_ports[] = {
	{"by", "2.5-au"}, {"by", "3.0-at"}, {"by", "3.0-de"}, {"by", "3.0-igo"}, {"by", "3.0-nl"},
	{"by", "3.0-us"}, {"by-sa", "2.0-uk"}, {"by-sa", "2.1-jp"}, {"by-sa", "3.0-at"},
	{"by-sa", "3.0-de"}, {"by-sa", "3.0-igo"}, {"by-nd", "3.0-de"}, {"by-nc", "3.0-de"},
	{"by-nc-sa", "2.0-de"}, {"by-nc-sa", "2.0-fr"}, {"by-nc-sa", "2.0-uk"}, {"by-nc-sa", "3.0-de"},
	{"by-nc-sa", "3.0-igo"}, {"by-nc-nd", "3.0-de"}, {"by-nc-nd", "3.0-igo"},
};

/* The next path segment of u[*i..n), lower-cased into seg (cut at 15 bytes);
 * returns its full length, 0 when the path has ended ('?', '#', the end). */
static size_t url_segment(const char *u, size_t n, size_t *i, char seg[16])
{
	size_t k = 0;
	while (*i < n && u[*i] != '/' && u[*i] != '?' && u[*i] != '#') {
		if (k < 15)
			seg[k] = (char)lower((unsigned char)u[*i]);
		k++;
		(*i)++;
	}
	seg[k < 15 ? k : 15] = '\0';
	if (*i < n && u[*i] == '/')
		(*i)++;
	else
		*i = n;
	return k;
}

const char *gr_html_license_spdx(const char *url, size_t n, char out[GR_HTML_SPDX_MAX])
{
	size_t i = 0;
	while (i < n && is_ws((unsigned char)url[i]))
		i++;
	const unsigned char *u = (const unsigned char *)url;
	if (n - i >= 7 && ci_eq(u + i, "http://", 7))
		i += 7;
	else if (n - i >= 8 && ci_eq(u + i, "https://", 8))
		i += 8;
	else if (n - i >= 2 && u[i] == '/' && u[i + 1] == '/')
		i += 2;
	else
		return NULL;
	if (n - i >= 4 && ci_eq(u + i, "www.", 4))
		i += 4;
	if (n - i < 20 || !ci_eq(u + i, "creativecommons.org/", 20))
		return NULL;
	i += 20;
	char s1[16], s2[16], s3[16], s4[16];
	size_t l1 = url_segment(url, n, &i, s1), l2 = url_segment(url, n, &i, s2);
	size_t l3 = url_segment(url, n, &i, s3), l4 = url_segment(url, n, &i, s4);
	if (l1 == 12 && strcmp(s1, "publicdomain") == 0) {
		if (strcmp(s2, "zero") == 0 && strcmp(s3, "1.0") == 0)
			return strcpy(out, "CC0-1.0");
		if (strcmp(s2, "mark") == 0 && strcmp(s3, "1.0") == 0)
			return strcpy(out, "LicenseRef-CC-PDM-1.0");
		return NULL;
	}
	if (l1 != 8 || strcmp(s1, "licenses") != 0)
		return NULL;
	if (l2 == 12 && strcmp(s2, "publicdomain") == 0)
		return strcpy(out, "CC-PDDC");
	static const char *const types[] = {"by", "by-sa", "by-nd", "by-nc", "by-nc-sa", "by-nc-nd", "by-nd-nc"};
	const char *type = NULL;
	for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
		if (l2 == strlen(types[k]) && strcmp(s2, types[k]) == 0)
			type = types[k];
	if (!type || l3 != 3)
		return NULL;
	if (strcmp(type, "by-nd-nc") == 0)
		type = "by-nc-nd"; /* the 1.0 name of by-nc-nd */
	bool unported = strcmp(s3, "1.0") == 0 || strcmp(s3, "2.0") == 0 || strcmp(s3, "2.5") == 0 ||
			strcmp(s3, "3.0") == 0 || strcmp(s3, "4.0") == 0;
	char port[40] = "";
	/* a jurisdiction is two letters, or "igo"; "deed.de" and "legalcode" are not */
	bool juris = (l4 == 2 && is_alpha((unsigned char)s4[0]) && is_alpha((unsigned char)s4[1])) ||
		     (l4 == 3 && strcmp(s4, "igo") == 0);
	if (juris) {
		char want[40];
		snprintf(want, sizeof want, "%s-%s", s3, s4);
		for (size_t k = 0; k < sizeof cc_ports / sizeof cc_ports[0]; k++)
			if (strcmp(cc_ports[k].type, type) == 0 && strcmp(cc_ports[k].port, want) == 0)
				snprintf(port, sizeof port, "%s", want);
	}
	if (!port[0] && !unported)
		return NULL;
	char up[GR_HTML_SPDX_MAX];
	int len = snprintf(up, sizeof up, "CC-%s-%s", type, port[0] ? port : s3);
	for (int k = 0; k < len; k++)
		out[k] = (char)((unsigned char)(up[k] - 'a') < 26 ? up[k] - 32 : up[k]);
	out[len] = '\0';
	return out;
}
