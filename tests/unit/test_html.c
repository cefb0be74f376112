/*
 * Tests for src/html: every rule of html.h on small inputs with exact
 * expected text (dropped elements, blocks and breaks, lists, tables, pre,
 * character references, tokenizer edge cases, charsets, UTF-8 repair, title,
 * signals, licence URLs, limits, reuse, threads), and one real page: the
 * Common Crawl whirlwind page against Common Crawl's own WET text of it (word
 * overlap, see test_whirlwind_page).
 *
 * Every page is extracted from an exact-size heap copy with no terminator, so
 * under AddressSanitizer any read past the end fails the test.
 * Run from the repository root.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define TEST_NAME "html"
#include "testlib.h"

#include "html/html.h"

#define DATA_DIR "tests/data/"

static gr_html *X;

struct out {
	char *text, *title;
	gr_html_signals sig;
};

/* Extracts html[0..n) from an exact-size heap copy. */
static void run_n(const char *html, size_t n, const char *charset, struct out *o)
{
	char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, html, n);
	gr_buf t = GR_BUF_INIT, ti = GR_BUF_INIT;
	int rc = gr_html_extract(X, copy, n, charset, &t, &ti, &o->sig);
	if (rc)
		print_message("gr_html_extract: %s\n", gr_error_last());
	assert_int_equal(rc, 0);
	o->text = gr_buf_detach(&t);
	o->title = gr_buf_detach(&ti);
	assert_true(gr_utf8_valid(o->text, strlen(o->text)));
	assert_true(gr_utf8_valid(o->title, strlen(o->title)));
	assert_non_null(o->sig.charset);
	free(copy);
}

static void run(const char *html, const char *charset, struct out *o)
{
	run_n(html, strlen(html), charset, o);
}

static void out_free(struct out *o)
{
	free(o->text);
	free(o->title);
	gr_html_signals_release(&o->sig);
}

/* Prints s with \n and \t visible, for failure messages. */
static void show(const char *what, const char *s)
{
	print_message("%s [", what);
	for (; *s; s++) {
		if (*s == '\n')
			print_message("\\n");
		else if (*s == '\t')
			print_message("\\t");
		else
			print_message("%c", *s);
	}
	print_message("]\n");
}

static void expect_n(const char *html, size_t n, const char *charset, const char *want, int line)
{
	struct out o;
	run_n(html, n, charset, &o);
	if (strcmp(o.text, want) != 0) {
		print_message("line %d\n", line);
		show("want", want);
		show("got ", o.text);
		out_free(&o);
		fail();
	}
	out_free(&o);
}

/* TEXT(html, want): the extracted text of html is exactly want. */
#define TEXT(html, want) expect_n(html, strlen(html), NULL, want, __LINE__)
#define TEXT_CS(html, cs, want) expect_n(html, sizeof(html) - 1, cs, want, __LINE__)

/* ---- text rules ---- */

static void test_blocks_and_whitespace(void **state)
{
	(void)state;
	TEXT("", "");
	TEXT("   \n\t ", "");
	TEXT("plain text", "plain text");
	TEXT("<p>Hello   world</p><p>Second\n  line</p>", "Hello world\n\nSecond line");
	TEXT("  <div>a</div>  <div>b</div>  ", "a\nb");
	TEXT("<h1>Title</h1><p>x</p><h2>Sub</h2>y", "Title\n\nx\n\nSub\n\ny");
	TEXT("<p>a<b>b</b><i>c</i> <span>d</span></p>", "abc d");
	TEXT("<p> lead and trail </p>", "lead and trail");
	/* never more than one blank line */
	TEXT("<p>a</p><p></p><p> </p><div></div><br><br><br><p>b</p>", "a\n\nb");
	TEXT("<div><div><div>a</div></div></div><div>b</div>", "a\nb");
	TEXT("a<br>b", "a\nb");
	TEXT("a<br/>b<BR>c", "a\nb\nc");
	TEXT("a<br><br>b", "a\n\nb");
	TEXT("a</br>b", "a\nb");
	TEXT("a</p>b", "a\n\nb");
	TEXT("<blockquote>q</blockquote>r", "q\n\nr");
	TEXT("a<hr>b", "a\n\nb");
	TEXT("<section><article>a</article></section><section>b</section>", "a\nb");
	TEXT("x<div>\n\n   </div>y", "x\ny");
	TEXT("one\r\ntwo\rthree\fx", "one two three x");
	/* implied end tags: a block start closes an open p */
	TEXT("<p>a<div>b</div>c", "a\n\nb\nc");
	TEXT("<p>one<p>two<p>three", "one\n\ntwo\n\nthree");
	TEXT("<dl><dt>term<dd>definition<dt>t2<dd>d2</dl>", "term\ndefinition\nt2\nd2");
}

static void test_dropped(void **state)
{
	(void)state;
	TEXT("<html><head><title>T</title><meta charset=\"utf-8\"><link rel=stylesheet href=a.css>"
	     "<style>p { color: red }</style><script>var x = 1;</script><base href=\"/\"></head>"
	     "<body><p>text</p></body></html>",
	     "text");
	TEXT("a<script>document.write('b')</script>c", "ac");
	TEXT("a<style>b{}</style>c", "ac");
	TEXT("a<noscript><p>Please enable JavaScript</p></noscript>c", "ac");
	TEXT("a<template><p>t</p><template>u</template>v</template>c", "ac");
	TEXT("a<iframe src=x>fallback</iframe>c", "ac");
	TEXT("<p>a<svg viewBox=\"0 0 1 1\"><text>no</text><title>t</title><path d=\"M0\"/></svg>b</p>", "ab");
	TEXT("a<!-- c -->b<!---->c<!-->d<!--->e<!-- x -- y --!>f", "abcdef");
	TEXT("a<!-- <p>not</p> -->b", "ab");
	TEXT("a<![CDATA[ x > y ]]>b", "ab");
	TEXT("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\"><?xml version=\"1.0\"?>x", "x");
	TEXT("a<!bogus comment>b</ bogus>c</>d", "abcd");
	/* MathML is kept, but not its TeX annotation */
	TEXT("<p><math><semantics><mi>x</mi><mo>=</mo><mn>2</mn>"
	     "<annotation encoding=\"application/x-tex\">x = 2</annotation></semantics></math></p>",
	     "x=2");
	/* an HTML tag inside unclosed SVG ends it, so the page is not lost */
	TEXT("<svg><path d=\"M0\"><p>after</p>", "after");
	TEXT("<div><svg><g>x</div>after", "after");
	/* a foreignObject's HTML is still inside the svg (an inline element) */
	TEXT("a<svg><foreignObject><p>in</p></foreignObject></svg>b", "ab");
}

static void test_boilerplate(void **state)
{
	(void)state;
	const char *page = "<header><a href=/>Site</a></header><nav><ul><li>Home<li>About</ul></nav>"
			   "<main><article><header><h1>Headline</h1></header><p>Body.</p>"
			   "<aside>Related</aside><footer>By me</footer></article></main>"
			   "<footer>Copyright</footer>";
	TEXT(page, "Headline\n\nBody.");
	TEXT("<nav>menu<div>more</div>", ""); /* an unclosed nav runs to the end */
	TEXT("<div><nav>menu</div>after", "after"); /* but ends with its parent */
	gr_html_set_flags(X, GR_HTML_KEEP_BOILERPLATE);
	TEXT(page, "Site\n\n- Home\n- About\n\nHeadline\n\nBody.\n\nRelated\nBy me\nCopyright");
	gr_html_set_flags(X, 0);
}

static void test_lists(void **state)
{
	(void)state;
	TEXT("<ul><li>a</li><li>b</li></ul>", "- a\n- b");
	TEXT("<ul><li>a<li>b</ul>", "- a\n- b");
	TEXT("<ol><li>a<li>b<li>c</ol>", "1. a\n2. b\n3. c");
	TEXT("<p>x</p><ul><li>a</ul><p>y</p>", "x\n\n- a\n\ny");
	TEXT("<ul><li><p>a</p></li><li><p>b</p><p>c</p></li></ul>", "- a\n- b\n\nc");
	TEXT("<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>", "- a\n- b\n- c");
	TEXT("<ol><li>a<ol><li>b<li>c</ol><li>d</ol>", "1. a\n1. b\n2. c\n2. d");
	TEXT("<ul><li></li><li> </li><li>b</li></ul>", "- b");
	TEXT("<li>loose</li>", "- loose");
	TEXT("<menu><li>m</li></menu>", "- m");
}

static void test_tables(void **state)
{
	(void)state;
	TEXT("<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>", "A | B\n1 | 2");
	TEXT("<table><tr><td>a<td>b<tr><td>c<td>d</table>", "a | b\nc | d");
	TEXT("<table><tbody><tr><td>a</td><td></td><td>c</td></tr></tbody></table>", "a | c");
	TEXT("<table><td>no tr<td>x</table>", "no tr | x");
	TEXT("<p>x</p><table><tr><td><p>a</p></td><td><div>b</div><div>c</div></td></tr></table><p>y</p>",
	     "x\n\na | b\nc\n\ny");
	TEXT("<table><caption>Cap</caption><thead><tr><th>h</thead><tr><td>1</table>", "Cap\nh\n1");
	/* a cell separator wins over the breaks before it: cells with paragraphs
	 * stay on one line, a nested table runs on into the next cell */
	TEXT("<table><tr><td>a<table><tr><td>i1<td>i2</table></td><td>b</td></tr></table>",
	     "a\n\ni1 | i2 | b");
}

static void test_pre(void **state)
{
	(void)state;
	TEXT("<p>t</p><pre>\n  a  b\n\n\n  c\n</pre><p>x</p>", "t\n\n  a  b\n\n\n  c\n\nx");
	TEXT("<pre>if (a &lt; b) {\n\t<b>return</b>;\n}</pre>", "if (a < b) {\n\treturn;\n}");
	TEXT("<pre>a\r\nb\rc</pre>", "a\nb\nc");
	TEXT("<pre>\n\nx</pre>", "x"); /* one newline is dropped, and the text is trimmed */
	TEXT("<p>t</p><pre>x   </pre><p>y   z</p>", "t\n\nx   \n\ny z");
	TEXT("<listing>a  b</listing>", "a  b");
	TEXT("<xmp><b>x</b> &amp;</xmp>", "<b>x</b> &amp;");
	TEXT("a<plaintext><p>&amp; </p>", "a\n\n<p>&amp; </p>");
	TEXT("<textarea>\na &amp; b</textarea>", "a & b");
}

static void test_entities(void **state)
{
	(void)state;
	TEXT("&copy; &eacute;t&eacute; &amp; &lt;&gt; &quot;&apos;", "\u00a9 \u00e9t\u00e9 & <> \"'");
	TEXT("a&nbsp;b &nbsp; c\xc2\xa0\xc2\xa0" "d", "a b c d");
	TEXT("&#65;&#x42;&#X43;&#0067;&#x1F600;", "ABCC\U0001F600");
	TEXT("&#0;|&#xD800;|&#x110000;|&#99999999999;", "\ufffd|\ufffd|\ufffd|\ufffd");
	TEXT("&#128;&#150;&#x92;&#x81;", "\u20ac\u2013\u2019");
	TEXT("&#9;a&#10;b&#13;c", "a b c");
	TEXT("&notin; &notit; &not", "\u2209 \u00acit; \u00ac");
	TEXT("&ampx &copy2024 &copy 2024 &amp", "&x \u00a92024 \u00a9 2024 &");
	TEXT("&bogus; &#; &#x; &#xg; & x &;", "&bogus; &#; &#x; &#xg; & x &;");
	TEXT("&CounterClockwiseContourIntegral;&nGt;&fjlig;", "\u2233\u226b\u20d2fj");
	TEXT("&AMP; &Amp; &GT", "& &Amp; >");
	TEXT("&#65", "A");
	TEXT("&", "&");
	TEXT("a &#1;&#x7f;&#x81;&#x9d; b", "a b");
	TEXT("<pre>a&#9;b&#10;c</pre>", "a\tb\nc");
}

static void test_tokenizer_edges(void **state)
{
	(void)state;
	TEXT("<P>A</P><SCRIPT>x()</SCRIPT><DiV>B</dIv><STYLE>p{}</STYLE>", "A\n\nB");
	TEXT("<a title=\"a>b\" href='c>d'>link</a>", "link");
	TEXT("<div data-x=\"<p>not</p>\">t</div>", "t");
	TEXT("<a href=x/>in</a>", "in");
	TEXT("<a b=\"c\"d=e f = 'g' h>x</a>", "x");
	TEXT("<div class=a\"b>t</div>", "t");
	TEXT("<script>if (a<b) { x = \"</div>\"; y = '<p>'; }</script><p>t</p>", "t");
	TEXT("<script>a</scriptx>b</script >c", "c");
	TEXT("<script><!-- document.write(\"<script>x</script>\"); --></script>t", "t");
	TEXT("<script><!--</script>t", "t");
	TEXT("<script><!--> x</script>t", "t");
	TEXT("<style>a > b { content: \"</div>\" }</style>t", "t");
	TEXT("<title>a</title >b", "b");
	TEXT("a < b and c<3 and 1<=2", "a < b and c<3 and 1<=2");
	/* unterminated constructs at the end of the page */
	TEXT("<p>a<!-- never closed <p>b", "a");
	TEXT("<p>a<div class=\"x", "a");
	TEXT("<p>a<div", "a");
	TEXT("<p>a<script>var x = 1;", "a");
	TEXT("<p>a<![CDATA[ y", "a");
	TEXT("<p>a<!DOCTYPE", "a");
	TEXT("a</", "a</");
	TEXT("a<", "a<");
	TEXT("a</b", "a");
	TEXT("a&am", "a&am");
	TEXT("a&#x", "a&#x");
	/* stray end tags do not close what they should not */
	TEXT("<div>a</span>b</div>c", "ab\nc");
	TEXT("<div><b>a</div>b", "a\nb");
	TEXT("<custom-el>a</custom-el><my-div>b</my-div>", "ab");
	/* tag names are read a word at a time when 16 bytes remain, else byte by
	 * byte: both ways agree, whatever the length and case */
	const char *names[] = {"<DIV>b</DIV>", "<ListIng>b</LISTING>", "<annotation-xml>b</annotation-xml>",
			       "<abcdefghijklmnop>b</abcdefghijklmnop>", "<pre\x01x>b</pre\x01x>",
			       "<nav\t>b</nav\n>", "<nav/>b</nav/>", "<navx>b</navx>", "<hR>b"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char padded[96];
		snprintf(padded, sizeof padded, "a%s                    ", names[i]);
		struct out o1, o2;
		run(padded, NULL, &o1);
		run_n(padded, strlen(names[i]) + 1, NULL, &o2);
		if (strcmp(o1.text, o2.text) != 0) {
			show("fast", o1.text);
			show("slow", o2.text);
			fail();
		}
		out_free(&o1);
		out_free(&o2);
	}
	TEXT("a<DIV>b</DIV>                    ", "a\nb");
	TEXT("a<nav\t>b</nav\n>c                    ", "a\nc");
	TEXT("a<pre\x01x>  b</pre\x01x>                    ", "a b");
	/* controls are dropped, raw or referenced */
	const char ctl[] = "a\x01" "b\x7f" "c\0d\x0b" "e\xc2\x85" "f";
	expect_n(ctl, sizeof ctl - 1, NULL, "abcdef", __LINE__);
}

static void test_utf8_repair(void **state)
{
	(void)state;
	const char bad[] = "a\xff" "b\xe2\x82" "c\xc0\xaf" "d\xed\xa0\x80" "e\xf4\x90\x80\x80" "f\xe2\x82";
	expect_n(bad, sizeof bad - 1, NULL,
		 "a\ufffd" "b\ufffd" "c\ufffd\ufffd" "d\ufffd\ufffd\ufffd" "e\ufffd\ufffd\ufffd\ufffd" "f\ufffd",
		 __LINE__);
	/* the page is decoded before it is parsed: pieces split by a tag or a
	 * dropped byte do not join (into U+00A0 or a C1 control, say) */
	TEXT("\xe2\x82<b>\xac</b>", "\ufffd\ufffd");
	const char pieces[] = "a\xc2\x01\xa0" "b\xc2<b>\x85</b>c";
	expect_n(pieces, sizeof pieces - 1, NULL, "a\ufffd\ufffd" "b\ufffd\ufffd" "c", __LINE__);
	TEXT("caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80", "caf\u00e9 \u4e2d\u6587 \U0001F600");
	struct out o;
	run("<title>a\xff</title><meta name=tdm-policy content=\"http://x/\xff\">", NULL, &o);
	assert_string_equal(o.title, "a\ufffd");
	assert_string_equal(o.sig.tdm_policy, "http://x/\ufffd");
	out_free(&o);
}

/* ---- charsets ---- */

static void check_charset(const char *html, size_t n, const char *declared, const char *want_text,
			  const char *want_charset, int line)
{
	struct out o;
	run_n(html, n, declared, &o);
	if (strcmp(o.text, want_text) != 0 || strcmp(o.sig.charset, want_charset) != 0) {
		print_message("line %d: charset %s (want %s)\n", line, o.sig.charset, want_charset);
		show("want", want_text);
		show("got ", o.text);
		out_free(&o);
		fail();
	}
	out_free(&o);
}

#define CS(html, declared, text, charset)                                                           \
	check_charset(html, sizeof(html) - 1, declared, text, charset, __LINE__)

static void test_charsets(void **state)
{
	(void)state;
	CS("caf\xe9", NULL, "caf\ufffd", "UTF-8");
	CS("caf\xe9 \x93q\x94", "iso-8859-1", "caf\u00e9 \u201cq\u201d", "WINDOWS-1252");
	CS("caf\xe9", "text/html; charset=\"ISO-8859-1\"", "caf\u00e9", "WINDOWS-1252");
	CS("caf\xe9", "text/html", "caf\ufffd", "UTF-8");
	CS("<meta charset=windows-1252>caf\xe9", NULL, "caf\u00e9", "WINDOWS-1252");
	CS("<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=koi8-r\">\xd4\xc5\xcb\xd3\xd4",
	   NULL, "\u0442\u0435\u043a\u0441\u0442", "KOI8-R");
	CS("<meta content=\"text/html; charset=koi8-r\">\xd4", NULL, "\ufffd", "UTF-8"); /* no http-equiv */
	CS("<!-- <meta charset=koi8-r> --><meta charset=\"latin1\">\xe9", NULL, "\u00e9", "WINDOWS-1252");
	CS("<meta charset=\"utf-16\">caf\xc3\xa9", NULL, "caf\u00e9", "UTF-8");
	CS("<meta charset=\"no-such-charset\"><meta charset=latin1>\xe9", NULL, "\u00e9", "WINDOWS-1252");
	CS("<meta charset=latin1>\xe9", "utf-8", "\ufffd", "UTF-8");             /* declared wins */
	CS("<meta charset=latin1>\xe9", "no-such-charset", "\u00e9", "WINDOWS-1252"); /* unknown: skipped */
	CS("\xef\xbb\xbf<p>caf\xc3\xa9", "iso-8859-1", "caf\u00e9", "UTF-8");     /* BOM wins */
	CS("\xff\xfe<\0p\0>\0\xe9\0!\0", NULL, "\u00e9!", "UTF-16LE");
	CS("\xfe\xff\0<\0p\0>\0\xe9\0!", NULL, "\u00e9!", "UTF-16BE");
	CS("\x93\xfa\x96\x7b", "shift_jis", "\u65e5\u672c", "CP932");
	CS("\xd6\xd0\xce\xc4", "gb2312", "\u4e2d\u6587", "GB18030");
	CS("\xc7\xd1\xb1\xdb", "euc-kr", "\ud55c\uae00", "CP949");
	CS("<p>&eacute;\xe9</p>", "windows-1252", "\u00e9\u00e9", "WINDOWS-1252");
	CS("a\x81" "b", "windows-1252", "a\ufffd" "b", "WINDOWS-1252"); /* a byte windows-1252 lacks */
	/* output three times the input: iconv's buffer grows on the way */
	{
		size_t n = 3000;
		char *page = malloc(n);
		assert_non_null(page);
		memset(page, 0x80, n);
		struct out o;
		run_n(page, n, "windows-1252", &o);
		assert_int_equal(strlen(o.text), 3 * n);
		for (size_t i = 0; i < n; i++)
			assert_memory_equal(o.text + 3 * i, "\u20ac", 3);
		out_free(&o);
		free(page);
	}
	/* a charset declared beyond GR_HTML_PRESCAN bytes is not seen */
	{
		size_t n = GR_HTML_PRESCAN + 64;
		char *page = malloc(n + 1);
		assert_non_null(page);
		memset(page, ' ', n);
		memcpy(page + GR_HTML_PRESCAN + 10, "<meta charset=latin1>", 21);
		struct out o;
		run_n(page, n, NULL, &o);
		assert_string_equal(o.sig.charset, "UTF-8");
		out_free(&o);
		memcpy(page + GR_HTML_PRESCAN - 100, "<meta charset=latin1>", 21);
		run_n(page, n, NULL, &o);
		assert_string_equal(o.sig.charset, "WINDOWS-1252");
		out_free(&o);
		free(page);
	}
	/* mostly undecodable: the declared charset is wrong, the page is read as UTF-8 */
	{
		size_t n = 8192;
		char *page = malloc(n);
		assert_non_null(page);
		for (size_t i = 0; i < n; i += 2)
			memcpy(page + i, "\xc3\xa9", 2);
		struct out o;
		run_n(page, n, "iso-2022-jp", &o);
		assert_string_equal(o.sig.charset, "UTF-8");
		assert_int_equal(strlen(o.text), n);
		out_free(&o);
		free(page);
	}
}

/* ---- title and signals ---- */

static void test_title(void **state)
{
	(void)state;
	struct out o;
	run("<head><title>\n  A &amp;  B\t</title></head><title>second</title><p>body</p>", NULL, &o);
	assert_string_equal(o.title, "A & B");
	assert_string_equal(o.text, "body");
	out_free(&o);
	run("<svg><title>svg</title></svg><template><title>tpl</title></template><title>real</title>x", NULL, &o);
	assert_string_equal(o.title, "real");
	assert_string_equal(o.text, "x");
	out_free(&o);
	run("<TITLE>up<b>not a tag</b></TITLE>", NULL, &o);
	assert_string_equal(o.title, "up<b>not a tag</b>");
	out_free(&o);
	run("<title>unterminated", NULL, &o);
	assert_string_equal(o.title, "unterminated");
	out_free(&o);
	/* capped at GR_HTML_MAX_TITLE bytes, at a character boundary */
	size_t n = 3 * GR_HTML_MAX_TITLE;
	char *page = malloc(n + 20);
	assert_non_null(page);
	memcpy(page, "<title>a", 8);
	for (size_t i = 8; i + 2 <= n; i += 2)
		memcpy(page + i, "\xc3\xa9", 2);
	run_n(page, n, NULL, &o);
	assert_true(strlen(o.title) <= GR_HTML_MAX_TITLE && strlen(o.title) >= GR_HTML_MAX_TITLE - 1);
	assert_true(gr_utf8_valid(o.title, strlen(o.title)));
	out_free(&o);
	free(page);
	/* a NULL title buffer is fine */
	gr_buf t = GR_BUF_INIT;
	assert_int_equal(gr_html_extract(X, "<title>t</title>x", 17, NULL, &t, NULL, NULL), 0);
	assert_string_equal(t.ptr, "x");
	gr_buf_free(&t);
}

static void test_signals(void **state)
{
	(void)state;
	struct out o;
	run("<html lang=\"de-AT\"><head><meta name=\"tdm-reservation\" content=\"1\">"
	    "<meta name=\"tdm-policy\" content=\"https://example.com/policy.json?a=1&amp;b=2&copy=3\">"
	    "<meta name=\"robots\" content=\"index, follow, noai, noimageai\">"
	    "<link rel=\"license\" href=\"https://creativecommons.org/licenses/by-sa/4.0/\"></head><p>x</p>",
	    NULL, &o);
	assert_true(o.sig.tdm_reservation);
	assert_string_equal(o.sig.tdm_policy, "https://example.com/policy.json?a=1&b=2&copy=3");
	assert_true(o.sig.noai);
	assert_true(o.sig.noimageai);
	assert_string_equal(o.sig.license_spdx, "CC-BY-SA-4.0");
	assert_string_equal(o.sig.license_url, "https://creativecommons.org/licenses/by-sa/4.0/");
	assert_string_equal(o.sig.lang, "de-AT");
	out_free(&o);

	run("<p>nothing</p>", NULL, &o);
	assert_false(o.sig.tdm_reservation || o.sig.noai || o.sig.noimageai);
	assert_null(o.sig.tdm_policy);
	assert_null(o.sig.license_spdx);
	assert_null(o.sig.license_url);
	assert_null(o.sig.lang);
	assert_string_equal(o.sig.charset, "UTF-8");
	out_free(&o);

	run("<meta name=tdm-reservation content=0><meta name=ROBOTS content=NoImageAI>"
	    "<meta name=\"x-robots-tag\" content=\"noindex,noai\"><meta name=googlebot content=noai2>"
	    "<html xml:lang=fr>",
	    NULL, &o);
	assert_false(o.sig.tdm_reservation);
	assert_true(o.sig.noai);
	assert_true(o.sig.noimageai);
	assert_string_equal(o.sig.lang, "fr");
	out_free(&o);

	run("<meta name=robots content=\"noaix, imageai\"><meta name=description content=noai>", NULL, &o);
	assert_false(o.sig.noai || o.sig.noimageai);
	out_free(&o);

	/* licence links in the footer (dropped as text) still count; the first mapped one wins */
	run("<a rel=license href=\"/terms\">Terms</a>"
	    "<footer><a rel=\"nofollow LICENSE\" href=\"//creativecommons.org/licenses/by-nc/3.0/de/deed.de\">cc</a>"
	    "<a rel=license href=\"https://creativecommons.org/licenses/by/4.0/\">2</a></footer>",
	    NULL, &o);
	assert_string_equal(o.sig.license_spdx, "CC-BY-NC-3.0-DE");
	assert_string_equal(o.sig.license_url, "//creativecommons.org/licenses/by-nc/3.0/de/deed.de");
	assert_string_equal(o.text, "Terms");
	out_free(&o);

	run("<a rel=license href=\"/terms\">T</a>"
	    "<a rel=licensed href=\"https://creativecommons.org/licenses/by/4.0/\">x</a>",
	    NULL, &o);
	assert_null(o.sig.license_spdx);
	assert_string_equal(o.sig.license_url, "/terms");
	out_free(&o);

	/* attribute values over GR_HTML_MAX_ATTR_LEN are ignored */
	size_t n = GR_HTML_MAX_ATTR_LEN + 100;
	char *page = malloc(n + 64);
	assert_non_null(page);
	int k = sprintf(page, "<meta name=tdm-policy content=\"");
	memset(page + k, 'a', GR_HTML_MAX_ATTR_LEN + 1);
	k += GR_HTML_MAX_ATTR_LEN + 1;
	k += sprintf(page + k, "\">ok");
	run_n(page, (size_t)k, NULL, &o);
	assert_null(o.sig.tdm_policy);
	assert_string_equal(o.text, "ok");
	out_free(&o);
	free(page);
}

static void check_spdx(const char *url, const char *want)
{
	char out[GR_HTML_SPDX_MAX];
	const char *got = gr_html_license_spdx(url, strlen(url), out);
	if (want == NULL ? got != NULL : (got == NULL || strcmp(got, want) != 0)) {
		print_message("%s: want %s, got %s\n", url, want ? want : "NULL", got ? got : "NULL");
		fail();
	}
}

static void test_license_urls(void **state)
{
	(void)state;
	check_spdx("https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0");
	check_spdx("http://creativecommons.org/licenses/by-sa/3.0", "CC-BY-SA-3.0");
	check_spdx("https://www.creativecommons.org/licenses/by-nd/2.5/legalcode", "CC-BY-ND-2.5");
	check_spdx("HTTPS://CreativeCommons.org/Licenses/BY-NC/2.0/deed.fr", "CC-BY-NC-2.0");
	check_spdx("//creativecommons.org/licenses/by-nc-sa/1.0/", "CC-BY-NC-SA-1.0");
	check_spdx("https://creativecommons.org/licenses/by-nc-nd/4.0/?ref=x", "CC-BY-NC-ND-4.0");
	check_spdx("https://creativecommons.org/licenses/by-nd-nc/1.0/", "CC-BY-NC-ND-1.0");
	check_spdx("https://creativecommons.org/licenses/by/3.0/de/", "CC-BY-3.0-DE");
	check_spdx("https://creativecommons.org/licenses/by/3.0/us/legalcode", "CC-BY-3.0-US");
	check_spdx("https://creativecommons.org/licenses/by/3.0/igo/", "CC-BY-3.0-IGO");
	check_spdx("https://creativecommons.org/licenses/by/2.5/au/", "CC-BY-2.5-AU");
	check_spdx("https://creativecommons.org/licenses/by-sa/2.0/uk/", "CC-BY-SA-2.0-UK");
	check_spdx("https://creativecommons.org/licenses/by-sa/2.1/jp/", "CC-BY-SA-2.1-JP");
	check_spdx("https://creativecommons.org/licenses/by-sa/3.0/at/", "CC-BY-SA-3.0-AT");
	check_spdx("https://creativecommons.org/licenses/by-nc-sa/2.0/fr/", "CC-BY-NC-SA-2.0-FR");
	check_spdx("https://creativecommons.org/licenses/by-nc-nd/3.0/igo/", "CC-BY-NC-ND-3.0-IGO");
	check_spdx("https://creativecommons.org/licenses/by/3.0/es/", "CC-BY-3.0");      /* port without id */
	check_spdx("https://creativecommons.org/licenses/by-sa/3.0/deed.es", "CC-BY-SA-3.0");
	check_spdx("https://creativecommons.org/licenses/by-sa/2.1/es/", NULL);       /* no unported 2.1 */
	check_spdx("https://creativecommons.org/licenses/by/5.0/", NULL);
	check_spdx("https://creativecommons.org/licenses/sa/1.0/", NULL);
	check_spdx("https://creativecommons.org/licenses/by", NULL);
	check_spdx("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0");
	check_spdx("https://creativecommons.org/publicdomain/zero/1.0/legalcode", "CC0-1.0");
	check_spdx("https://creativecommons.org/publicdomain/mark/1.0/", "LicenseRef-CC-PDM-1.0");
	check_spdx("http://creativecommons.org/licenses/publicdomain/", "CC-PDDC");
	check_spdx("https://creativecommons.org.evil.example/licenses/by/4.0/", NULL);
	check_spdx("https://example.com/licenses/by/4.0/", NULL);
	check_spdx("creativecommons.org/licenses/by/4.0/", NULL);
	check_spdx("https://opensource.org/licenses/MIT", NULL);
	check_spdx("", NULL);
}

/* ---- limits and reuse ---- */

static void test_limits(void **state)
{
	(void)state;
	/* deep nesting: tracked up to GR_HTML_MAX_DEPTH, then plain text */
	size_t depth = 20000;
	gr_buf page = GR_BUF_INIT;
	for (size_t i = 0; i < depth; i++)
		assert_int_equal(gr_buf_puts(&page, "<div><span>"), 0);
	assert_int_equal(gr_buf_puts(&page, "deep"), 0);
	for (size_t i = 0; i < depth; i++)
		assert_int_equal(gr_buf_puts(&page, "</span></div>"), 0);
	assert_int_equal(gr_buf_puts(&page, "after"), 0);
	expect_n(page.ptr, page.len, NULL, "deep\nafter", __LINE__);
	gr_buf_reset(&page);
	/* many stray end tags and attributes */
	for (size_t i = 0; i < 5000; i++)
		assert_int_equal(gr_buf_puts(&page, "<b></i></x-y><p a=1 b=2 c=3 d e f g h i j k l m n o p q r s t u v w "
						    "x y z aa bb cc dd ee ff gg hh ii jj kk>"),
				 0);
	assert_int_equal(gr_buf_puts(&page, "end"), 0);
	expect_n(page.ptr, page.len, NULL, "end", __LINE__);
	gr_buf_free(&page);

	/* the input limit */
	char *big = malloc(GR_HTML_MAX_INPUT + 1); /* never touched: the size is refused first */
	assert_non_null(big);
	gr_buf t = GR_BUF_INIT, ti = GR_BUF_INIT;
	assert_int_equal(gr_buf_puts(&t, "kept"), 0);
	assert_int_equal(gr_buf_puts(&ti, "title"), 0);
	gr_html_signals sig = {.lang = NULL};
	assert_int_equal(gr_html_extract(X, big, GR_HTML_MAX_INPUT + 1, NULL, &t, &ti, &sig), GR_ELIMIT);
	assert_string_equal(t.ptr, "kept"); /* outputs untouched on failure */
	assert_string_equal(ti.ptr, "title");
	assert_null(sig.charset);
	assert_non_null(strstr(gr_error_last(), "limit"));
	gr_buf_reset(&t);
	gr_buf_free(&ti);
	free(big);
	assert_int_equal(gr_html_extract(NULL, "x", 1, NULL, &t, NULL, NULL), GR_EINVAL);
	assert_int_equal(gr_html_extract(X, NULL, 1, NULL, &t, NULL, NULL), GR_EINVAL);
	assert_int_equal(gr_html_extract(X, "x", 1, NULL, NULL, NULL, NULL), GR_EINVAL);
	assert_int_equal(gr_html_extract(X, NULL, 0, NULL, &t, NULL, NULL), 0);
	assert_int_equal(t.len, 0);
	gr_buf_free(&t);
}

static void test_append_and_reuse(void **state)
{
	(void)state;
	gr_buf t = GR_BUF_INIT, ti = GR_BUF_INIT;
	assert_int_equal(gr_buf_puts(&t, "prev\n"), 0);
	assert_int_equal(gr_buf_puts(&ti, "T:"), 0);
	gr_html_signals sig;
	assert_int_equal(gr_html_extract(X, "<title>x</title><p>  a  </p>", 28, NULL, &t, &ti, &sig), 0);
	assert_string_equal(t.ptr, "prev\na");
	assert_string_equal(ti.ptr, "T:x");
	gr_html_signals_release(&sig);
	assert_null(sig.charset);
	gr_html_signals_release(NULL);
	gr_buf_free(&t);
	gr_buf_free(&ti);

	/* an extractor used for many pages gives what a fresh one gives */
	const char *pages[] = {"<ol><li>a<li>b", "<pre>x", "<nav>n", "<table><tr><td>a<td>b",
			       "<svg>", "<p>last &amp; <b>bold</b></p>"};
	gr_html *fresh;
	assert_int_equal(gr_html_new(&fresh), 0);
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		gr_buf a = GR_BUF_INIT, b = GR_BUF_INIT;
		assert_int_equal(gr_html_extract(X, pages[i], strlen(pages[i]), "latin1", &a, NULL, NULL), 0);
		assert_int_equal(gr_html_extract(fresh, pages[i], strlen(pages[i]), "latin1", &b, NULL, NULL), 0);
		assert_string_equal(a.ptr ? a.ptr : "", b.ptr ? b.ptr : "");
		gr_buf_free(&a);
		gr_buf_free(&b);
	}
	gr_html_free(fresh);
	gr_html_free(NULL);
}

/* One extractor per thread: two threads extracting the same pages at once
 * get what one thread gets. */
struct worker {
	const gr_buf *page;
	char *text;
	int rc;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	gr_html *x;
	if ((w->rc = gr_html_new(&x)) != 0)
		return NULL;
	gr_buf t = GR_BUF_INIT;
	for (int i = 0; i < 50 && !w->rc; i++) {
		gr_buf_reset(&t);
		w->rc = gr_html_extract(x, w->page->ptr, w->page->len, i % 2 ? "windows-1252" : NULL, &t, NULL, NULL);
		if (!w->rc && i == 48)
			w->text = gr_strdup(t.ptr ? t.ptr : "");
	}
	gr_buf_free(&t);
	gr_html_free(x);
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	gr_buf page = GR_BUF_INIT;
	assert_int_equal(gr_read_file(DATA_DIR "whirlwind-page.html", 1 << 20, &page), 0);
	struct worker w[2] = {{&page, NULL, 0}, {&page, NULL, 0}};
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	struct out o;
	run_n(page.ptr, page.len, NULL, &o);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(w[i].rc, 0);
		assert_string_equal(w[i].text, o.text);
		free(w[i].text);
	}
	out_free(&o);
	gr_buf_free(&page);
}

/* ---- a real page ---- */

static int cmp_words(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct words of s: maximal runs of ASCII letters and digits and of
 * bytes >= 0x80 (so a UTF-8 letter is part of a word, and punctuation,
 * whitespace and U+00A0-as-space separate words), ASCII letters lower-cased.
 * Returns them sorted (malloc'd strings, free_words()); *n_out words. */
static char **word_set(const char *s, size_t *n_out)
{
	size_t cap = 0, n = 0;
	char **w = NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		while (*p && !(*p >= 0x80 || (*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
			p++;
		const unsigned char *b = p;
		while (*p && (*p >= 0x80 || (*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
			p++;
		if (p == b)
			continue;
		assert_int_equal(gr_array_reserve(&w, &cap, n, sizeof *w), 0);
		w[n] = gr_strndup((const char *)b, (size_t)(p - b));
		for (char *c = w[n]; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c + 32);
		n++;
	}
	qsort(w, n, sizeof *w, cmp_words);
	size_t u = 0;
	for (size_t i = 0; i < n; i++) {
		if (u && strcmp(w[u - 1], w[i]) == 0)
			free(w[i]);
		else
			w[u++] = w[i];
	}
	*n_out = u;
	return w;
}

/* |want ∩ got| / |want| of two word sets. */
static double overlap(char **want, size_t nw, char **got, size_t ng, bool print_missing)
{
	size_t hit = 0;
	for (size_t i = 0; i < nw; i++) {
		if (bsearch(&want[i], got, ng, sizeof *got, cmp_words))
			hit++;
		else if (print_missing)
			print_message("%s ", want[i]);
	}
	if (print_missing)
		print_message("\n");
	return nw ? (double)hit / (double)nw : 1.0;
}

static void free_words(char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

/*
 * The whirlwind page (an.wikipedia.org, Common Crawl) against Common Crawl's
 * WET text of it (tests/data/SOURCES.md). Overlap = the share of the WET
 * text's distinct words (word_set) that are among the distinct words of our
 * title + text. The WET text keeps the page furniture (menus, the language
 * list, footer links) and starts with the title, so it is compared with
 * GR_HTML_KEEP_BOILERPLATE and the title: at least 90% (measured: 100%). By
 * default the furniture is dropped; then the article itself (the WET lines
 * from "Escopete ye un municipio" through "Obteniu de") must be all there,
 * and the menus must be gone.
 */
static void test_whirlwind_page(void **state)
{
	(void)state;
	gr_buf html = GR_BUF_INIT, wet = GR_BUF_INIT;
	assert_int_equal(gr_read_file(DATA_DIR "whirlwind-page.html", 1 << 20, &html), 0);
	assert_int_equal(gr_read_file(DATA_DIR "whirlwind-page.wet.txt", 1 << 20, &wet), 0);
	size_t nw, ng;
	char **ww = word_set(wet.ptr, &nw);
	assert_true(nw > 300);

	/* with the furniture */
	gr_html_set_flags(X, GR_HTML_KEEP_BOILERPLATE);
	struct out o;
	run_n(html.ptr, html.len, "UTF-8", &o);
	gr_html_set_flags(X, 0);
	gr_buf all = GR_BUF_INIT;
	assert_int_equal(gr_buf_printf(&all, "%s\n%s", o.title, o.text), 0);
	char **gw = word_set(all.ptr, &ng);
	double r = overlap(ww, nw, gw, ng, false);
	print_message("whirlwind: %zu WET words, %.1f%% in title + text (boilerplate kept)\n", nw, 100 * r);
	if (r < 0.90)
		overlap(ww, nw, gw, ng, true);
	assert_true(r >= 0.90);
	free_words(gw, ng);
	gr_buf_free(&all);
	out_free(&o);

	/* by default */
	run_n(html.ptr, html.len, "UTF-8", &o);
	assert_string_equal(o.title, "Escopete - Biquipedia, a enciclopedia libre");
	assert_string_equal(o.sig.lang, "an");
	assert_string_equal(o.sig.charset, "UTF-8");
	assert_string_equal(o.sig.license_spdx, "CC-BY-SA-4.0");
	assert_string_equal(o.sig.license_url, "https://creativecommons.org/licenses/by-sa/4.0/deed.an");
	assert_false(o.sig.tdm_reservation || o.sig.noai || o.sig.noimageai);
	const char *a = strstr(wet.ptr, "Escopete ye un municipio"), *b = strstr(wet.ptr, "Obteniu de");
	assert_non_null(a);
	assert_non_null(b);
	char *article = gr_strndup(a, (size_t)(b - a) + 10);
	size_t na;
	char **aw = word_set(article, &na);
	gw = word_set(o.text, &ng);
	r = overlap(aw, na, gw, ng, false);
	double whole = overlap(ww, nw, gw, ng, false);
	print_message("whirlwind: article %zu words, %.1f%% found; whole WET %.1f%% (boilerplate dropped)\n", na,
		      100 * r, 100 * whole);
	if (r < 1.0)
		overlap(aw, na, gw, ng, true);
	assert_true(r >= 1.0);
	assert_non_null(strstr(o.text, "Escopete ye un municipio d'a provincia de Guadalachara"));
	assert_non_null(strstr(o.text, "2007–2011 | Hilario López Herrer | Partido Socialista Obrero Español"));
	assert_null(strstr(o.text, "Menú principal"));
	assert_null(strstr(o.text, "Creyar cuenta"));
	free_words(aw, na);
	free_words(gw, ng);
	free(article);
	out_free(&o);
	free_words(ww, nw);
	gr_buf_free(&html);
	gr_buf_free(&wet);
}

static int setup(void **state)
{
	if (group_setup(state))
		return -1;
	return gr_html_new(&X);
}

/* Each test starts with the default flags, whatever the one before did. */
static int reset_flags(void **state)
{
	(void)state;
	gr_html_set_flags(X, 0);
	return 0;
}

static int teardown(void **state)
{
	gr_html_free(X);
	return group_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_blocks_and_whitespace, reset_flags),
		cmocka_unit_test_setup(test_dropped, reset_flags),
		cmocka_unit_test_setup(test_boilerplate, reset_flags),
		cmocka_unit_test_setup(test_lists, reset_flags),
		cmocka_unit_test_setup(test_tables, reset_flags),
		cmocka_unit_test_setup(test_pre, reset_flags),
		cmocka_unit_test_setup(test_entities, reset_flags),
		cmocka_unit_test_setup(test_tokenizer_edges, reset_flags),
		cmocka_unit_test_setup(test_utf8_repair, reset_flags),
		cmocka_unit_test_setup(test_charsets, reset_flags),
		cmocka_unit_test_setup(test_title, reset_flags),
		cmocka_unit_test_setup(test_signals, reset_flags),
		cmocka_unit_test_setup(test_license_urls, reset_flags),
		cmocka_unit_test_setup(test_limits, reset_flags),
		cmocka_unit_test_setup(test_append_and_reuse, reset_flags),
		cmocka_unit_test_setup(test_threads, reset_flags),
		cmocka_unit_test_setup(test_whirlwind_page, reset_flags),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
