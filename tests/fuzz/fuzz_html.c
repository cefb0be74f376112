/*
 * libFuzzer target for src/html.
 *
 * Each input is one page. The first byte also picks a declared charset (none,
 * UTF-8, windows-1252, Shift_JIS, GB18030, UTF-16, ISO-2022-JP, a bogus
 * label, a whole Content-Type) and whether boilerplate is kept, so iconv and
 * both modes are reached. Besides "no crash, no hang, no out-of-bounds read"
 * (the extractor gets an exact-size heap copy, so ASan sees any read past the
 * end) it checks what html.h promises of every output:
 *  - extraction succeeds; text, title and every signal string are valid UTF-8;
 *  - the text has no control characters but LF and TAB, does not start or end
 *    with whitespace, and is at most 3n + 64 bytes (a bad byte becomes the
 *    3-byte U+FFFD; nothing else grows more);
 *  - when the page has no verbatim element (pre, listing, xmp, plaintext,
 *    any case) the text has no TAB, no two spaces in a row, no space next to
 *    a newline and no more than one blank line in a row;
 *  - the title has no newline or TAB, no leading, trailing or double space,
 *    and at most GR_HTML_MAX_TITLE bytes;
 *  - a second extraction with the same (reused) extractor gives the same
 *    text, title and signals, and appending to a non-empty buffer leaves the
 *    old contents in front;
 *  - gr_html_license_spdx on the input is NULL or a short "CC..." or
 *    "LicenseRef-..." id.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Isrc \
 *       tests/fuzz/fuzz_html.c src/html/html.c src/util/buf.c src/util/error.c \
 *       src/util/fs.c src/util/hash.c -lcrypto -lpthread -o build/fuzz_html
 *   build/fuzz_html -max_len=16384 -timeout=10 new-corpus/ tests/fuzz/corpus/html
 *
 * Built with -DGR_FUZZ_REPLAY and no -fsanitize=fuzzer (any compiler), it is
 * a plain program that runs every file named on its command line through the
 * same checks, so the corpus replays as an ordinary test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html/html.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_html: check failed: %s (line %d)\n", #cond, __LINE__); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static const char *const charsets[] = {
	NULL, NULL, NULL, "utf-8", "windows-1252", "shift_jis", "gb18030", "utf-16",
	"iso-2022-jp", "no-such-charset", "text/html; charset=koi8-r", "euc-kr",
};
#define NCHARSETS (sizeof charsets / sizeof charsets[0])

static bool has_ci(const uint8_t *s, size_t n, const char *w)
{
	size_t wl = strlen(w);
	for (size_t i = 0; i + wl <= n; i++) {
		size_t k = 0;
		while (k < wl && (s[i + k] | 0x20) == w[k])
			k++;
		if (k == wl)
			return true;
	}
	return false;
}

static bool str_ok(const char *s)
{
	return !s || gr_utf8_valid(s, strlen(s));
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_sig(const gr_html_signals *a, const gr_html_signals *b)
{
	return a->tdm_reservation == b->tdm_reservation && a->noai == b->noai && a->noimageai == b->noimageai &&
	       same_str(a->tdm_policy, b->tdm_policy) && same_str(a->license_spdx, b->license_spdx) &&
	       same_str(a->license_url, b->license_url) && same_str(a->lang, b->lang) &&
	       same_str(a->charset, b->charset);
}

static void check_text(const char *t, size_t len, size_t n, bool verbatim)
{
	CHECK(strlen(t) == len); /* no NUL inside */
	CHECK(gr_utf8_valid(t, len));
	CHECK(len <= 3 * n + 64);
	if (!len)
		return;
	CHECK(t[0] != ' ' && t[0] != '\n' && t[0] != '\t');
	CHECK(t[len - 1] != ' ' && t[len - 1] != '\n' && t[len - 1] != '\t');
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)t[i];
		CHECK(b >= 0x20 || b == '\n' || b == '\t');
		CHECK(b != 0x7f);
		if (b == 0xc2 && i + 1 < len)
			CHECK((unsigned char)t[i + 1] >= 0xa1); /* no C1 control, no U+00A0 */
	}
	if (verbatim)
		return;
	CHECK(!strchr(t, '\t'));
	CHECK(!strstr(t, "  "));
	CHECK(!strstr(t, " \n"));
	CHECK(!strstr(t, "\n "));
	CHECK(!strstr(t, "\n\n\n"));
}

static gr_html *x;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!x && gr_html_new(&x))
		abort();
	char *page = malloc(size ? size : 1);
	if (!page)
		return 0;
	if (size)
		memcpy(page, data, size);
	unsigned pick = size ? data[0] : 0;
	const char *charset = charsets[pick % NCHARSETS];
	gr_html_set_flags(x, (pick & 0x80) ? GR_HTML_KEEP_BOILERPLATE : 0);

	gr_buf text = GR_BUF_INIT, title = GR_BUF_INIT;
	gr_html_signals sig;
	int rc = gr_html_extract(x, page, size, charset, &text, &title, &sig);
	if (rc)
		fprintf(stderr, "fuzz_html: %s\n", gr_error_last());
	CHECK(rc == 0);
	bool verbatim = has_ci(data, size, "pre") || has_ci(data, size, "listing") || has_ci(data, size, "xmp") ||
			has_ci(data, size, "plaintext");
	/* a page read through iconv is not the same bytes: the verbatim names may hide */
	if (!same_str(sig.charset, "UTF-8"))
		verbatim = true;
	check_text(text.ptr ? text.ptr : "", text.len, size, verbatim);

	const char *ti = title.ptr ? title.ptr : "";
	CHECK(strlen(ti) == title.len);
	CHECK(gr_utf8_valid(ti, title.len));
	CHECK(title.len <= GR_HTML_MAX_TITLE);
	CHECK(!strchr(ti, '\n') && !strchr(ti, '\t') && !strstr(ti, "  "));
	CHECK(!title.len || (ti[0] != ' ' && ti[title.len - 1] != ' '));

	CHECK(sig.charset != NULL);
	CHECK(str_ok(sig.tdm_policy) && str_ok(sig.license_spdx) && str_ok(sig.license_url) && str_ok(sig.lang));
	CHECK(!sig.license_spdx || sig.license_url);
	CHECK(!sig.lang || strlen(sig.lang) <= 64);

	/* the same again, appended after some text: same result, old text kept */
	gr_buf text2 = GR_BUF_INIT, title2 = GR_BUF_INIT;
	CHECK(gr_buf_puts(&text2, "old") == 0);
	gr_html_signals sig2;
	CHECK(gr_html_extract(x, page, size, charset, &text2, &title2, &sig2) == 0);
	CHECK(text2.len == 3 + text.len && memcmp(text2.ptr, "old", 3) == 0);
	CHECK(text.len == 0 || memcmp(text2.ptr + 3, text.ptr, text.len) == 0);
	CHECK(title2.len == title.len && (title.len == 0 || memcmp(title2.ptr, title.ptr, title.len) == 0));
	CHECK(same_sig(&sig, &sig2));

	/* licence mapping of arbitrary bytes */
	char spdx[GR_HTML_SPDX_MAX];
	const char *id = gr_html_license_spdx(page, size, spdx);
	CHECK(!id || (id == spdx && strlen(id) < GR_HTML_SPDX_MAX &&
		      (strncmp(id, "CC", 2) == 0 || strncmp(id, "LicenseRef-", 11) == 0)));

	gr_html_signals_release(&sig);
	gr_html_signals_release(&sig2);
	gr_buf_free(&text);
	gr_buf_free(&title);
	gr_buf_free(&text2);
	gr_buf_free(&title2);
	free(page);
	return 0;
}

#ifdef GR_FUZZ_REPLAY
#include "replay.h"

int main(int argc, char **argv)
{
	int rc = gr_fuzz_replay("fuzz_html", argc, argv);
	gr_html_free(x);
	return rc;
}
#endif
