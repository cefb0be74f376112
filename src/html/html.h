/*
 * html — one HTML page to clean UTF-8 text, its title and its crawl signals.
 *
 * A hand-written, single-pass tokenizer (no DOM, no libxml2): it follows the
 * HTML Living Standard's tokenizer states where they decide what is text
 * (comments, CDATA, raw-text elements, script escapes, attribute quoting,
 * character references) and keeps a small stack of open elements, with the
 * standard's implied-end-tag rules for p, li, dd/dt, table parts and foreign
 * (SVG/MathML) content, so that dropped and preformatted regions end where a
 * browser would end them. Time is linear in the input; memory is the output
 * plus, for non-UTF-8 pages, one converted copy of the input.
 *
 * What the text is:
 *  - dropped: script, style, noscript, template, iframe, noembed, noframes,
 *    svg, MathML <annotation>, everything in <head> except <title> (head
 *    elements carry no text; <title> goes to title, never to text), comments
 *    (including <!---->), CDATA sections (up to "]]>"), doctypes,
 *    processing instructions, and -- unless GR_HTML_KEEP_BOILERPLATE --
 *    the page furniture: nav, aside, footer, and header except a header
 *    inside <article> or <main> (that one holds the article's title);
 *  - blocks (div, li, tr, dt, dd, section, ...) start and end a line;
 *    paragraph-like blocks (p, h1-h6, pre, blockquote, ul/ol/dl at the top
 *    level, table, figure, hr) are set apart by one blank line; <br> is a
 *    line break (two in a row make a blank line);
 *  - list items start with "- " (inside <ol>: "1. ", "2. ", ...); table
 *    cells of a row are joined by " | " (empty cells are skipped), one row
 *    per line;
 *  - whitespace outside <pre>/<listing>/<xmp>/<plaintext> collapses to one
 *    space, and never more than one blank line in a row; inside them it is
 *    kept verbatim (CR LF and CR become LF; the newline right after <pre> is
 *    dropped, as in HTML). The whole text is trimmed;
 *  - &nbsp; and a raw U+00A0 become an ordinary (collapsible) space, as in
 *    Common Crawl's WET text; control characters (C0 except tab/LF/FF/CR,
 *    DEL, C1), raw or from a reference, are removed;
 *  - character references: the full HTML5 table of named references
 *    (src/html/entities.inc), decimal and hex numeric references, with the
 *    standard's rules: the legacy names (&amp &copy &eacute ...) decode
 *    without ';' -- in attribute values only when not followed by an
 *    alphanumeric or '=' --, &#0;, surrogates and values above U+10FFFF
 *    become U+FFFD, &#128;-&#159; map through windows-1252;
 *  - the output is valid UTF-8: every ill-formed sequence of the (converted)
 *    input becomes U+FFFD.
 *
 * Character set, first that applies: a byte-order mark (UTF-8, UTF-16LE/BE;
 * the standard puts it before everything else, so it beats the declared
 * charset), the declared charset (HTTP Content-Type), a <meta charset> or
 * <meta http-equiv="Content-Type" content="...; charset=..."> in the first
 * GR_HTML_PRESCAN bytes, else UTF-8. Labels map as in the WHATWG Encoding
 * standard where it matters (iso-8859-1/ascii/latin1 -> windows-1252,
 * gb2312/gbk -> GB18030, shift_jis -> CP932, euc-kr -> CP949, big5 ->
 * BIG5-HKSCS, iso-8859-9 -> windows-1254, a meta "utf-16" -> UTF-8); other
 * labels go to iconv (glibc) as given, and a label iconv does not know is
 * skipped like a missing one. Undecodable bytes become U+FFFD; when more
 * than GR_HTML_MAX_BAD_BYTES + n/16 of them show up the declared charset is
 * taken to be wrong and the page is read as UTF-8.
 *
 * Signals (gr_html_signals), read anywhere in the document (also inside
 * dropped regions -- licence links live in footers):
 *  - tdm_reservation: a <meta name="tdm-reservation" content="1"> (TDMRep);
 *    tdm_policy: the first <meta name="tdm-policy" content=URL>;
 *  - noai / noimageai: those tokens in the content of any <meta> whose name
 *    contains "robots" (robots, x-robots, ...), comma or space separated;
 *  - license_url / license_spdx: the href of a <link> or <a> whose rel has
 *    the token "license"; the first one that maps to an SPDX id wins, else
 *    the first one (license_spdx NULL). See gr_html_license_spdx();
 *  - lang: <html lang> (or xml:lang) of the first <html> tag, when at most
 *    64 bytes;
 *  - charset: the encoding the page was read with ("UTF-8", "WINDOWS-1252").
 *
 * Limits (STYLE.md rule 7); none of them makes a page fail except the first:
 *  GR_HTML_MAX_INPUT      larger pages: GR_ELIMIT.
 *  GR_HTML_MAX_DEPTH      open elements tracked; deeper start tags are not
 *                         tracked (their text is kept, their end tags are
 *                         ignored).
 *  GR_HTML_MAX_ATTRS      attributes read per tag for signals and charset
 *                         (later ones are parsed and skipped).
 *  GR_HTML_MAX_ATTR_LEN   longer attribute values are ignored for signals.
 *  GR_HTML_MAX_TITLE      the title is cut (at a character boundary) there.
 *  GR_HTML_PRESCAN        bytes searched for a <meta> charset.
 *
 * Not done: CSS (display:none, hidden, aria-hidden), ARIA roles
 * (role="navigation"), <img alt>, readability-style content scoring.
 */
#ifndef GR_HTML_HTML_H
#define GR_HTML_HTML_H

#include "util/util.h"

#define GR_HTML_MAX_INPUT ((size_t)64 << 20) /* 64 MiB */
#define GR_HTML_MAX_DEPTH 256
#define GR_HTML_MAX_ATTRS 32
#define GR_HTML_MAX_ATTR_LEN 2048
#define GR_HTML_MAX_TITLE 1024
#define GR_HTML_PRESCAN 4096
#define GR_HTML_MAX_BAD_BYTES 1024
#define GR_HTML_SPDX_MAX 32 /* room for the longest SPDX id we return, with its NUL */

/* Flags for gr_html_set_flags(). */
enum {
	GR_HTML_KEEP_BOILERPLATE = 1, /* keep nav, aside, footer and header text */
};

typedef struct {
	bool tdm_reservation;
	bool noai;
	bool noimageai;
	char *tdm_policy;   /* NULL when absent */
	char *license_spdx; /* "CC-BY-SA-4.0", ...; NULL when absent or unknown */
	char *license_url;  /* the rel="license" href, NULL when absent */
	char *lang;         /* NULL when absent */
	char *charset;      /* never NULL after a successful extract */
} gr_html_signals;

/* Reusable extractor state (buffers, an iconv descriptor); one per thread. */
typedef struct gr_html gr_html;

int gr_html_new(gr_html **out);
void gr_html_free(gr_html *x);
void gr_html_set_flags(gr_html *x, unsigned flags);

/*
 * Extracts one page. html[0..n) need not be NUL-terminated; declared_charset
 * is the charset label of the HTTP Content-Type ("ISO-8859-1"; a whole
 * "text/html; charset=..." value is accepted too) or NULL.
 *
 * Appends the text to text and, when title is not NULL, the title (first
 * <title> outside SVG and <template>; whitespace collapsed) to title; either
 * may get nothing appended. When sig is not NULL it is overwritten (release
 * it with gr_html_signals_release before reusing it; its old strings are not
 * freed here).
 *
 * Returns 0; GR_EINVAL for a NULL x or text, or NULL html with n > 0;
 * GR_ELIMIT for n > GR_HTML_MAX_INPUT; GR_ENOMEM. On failure text, title and
 * sig are left as they were (their buffers may have grown).
 */
int gr_html_extract(gr_html *x, const char *html, size_t n, const char *declared_charset, gr_buf *text,
		    gr_buf *title, gr_html_signals *sig);

/* Frees the strings of sig and zeroes it; accepts NULL. */
void gr_html_signals_release(gr_html_signals *sig);

/*
 * The SPDX id of a Creative Commons licence URL, written to out; NULL when the
 * URL is not one we can name. Scheme (http, https, //) and a leading "www."
 * are optional, case does not matter, anything after the version and an
 * optional jurisdiction (deed.de, legalcode, ?query, #frag) is ignored:
 *   creativecommons.org/licenses/by|by-sa|by-nd|by-nc|by-nc-sa|by-nc-nd/V/
 *       with V in 1.0 2.0 2.5 3.0 4.0          -> CC-BY[-..]-V
 *   .../licenses/by-nd-nc/1.0/ (the 1.0 name)  -> CC-BY-NC-ND-1.0
 *   .../licenses/TYPE/V/J/ (jurisdiction port) -> CC-TYPE-V-J when the SPDX
 *       list has it (by 2.5-AU 3.0-AT/DE/IGO/NL/US; by-sa 2.0-UK 2.1-JP
 *       3.0-AT/DE/IGO; by-nd 3.0-DE; by-nc 3.0-DE; by-nc-sa 2.0-DE/FR/UK
 *       3.0-DE/IGO; by-nc-nd 3.0-DE/IGO), else the unported id of the same
 *       version, and NULL for 2.1 ports, which have no unported version
 *   .../publicdomain/zero/1.0/                 -> CC0-1.0
 *   .../licenses/publicdomain/                 -> CC-PDDC
 *   .../publicdomain/mark/1.0/                 -> LicenseRef-CC-PDM-1.0 (the
 *       Public Domain Mark is not a licence and has no SPDX id)
 * Exposed because licences also arrive outside HTML (HTTP Link headers).
 */
const char *gr_html_license_spdx(const char *url, size_t n, char out[GR_HTML_SPDX_MAX]);

#endif
