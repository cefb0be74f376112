/*
 * brotli_vector — prints a text compressed with brotli as a C array, for
 * tests/unit/test_warc.c (the unit tests link only the decoder, so the
 * encoded bytes are recorded there). Not built by the Makefile:
 *
 *   cc tests/tools/brotli_vector.c -lbrotlienc -o /tmp/brotli_vector && /tmp/brotli_vector
 *
 * The text is the one test_warc.c compares the decoded body with.
 */
#include <stdio.h>
#include <string.h>

#include <brotli/encode.h>

int main(void)
{
	const char *text = "<html><body>brotli says hello, hello, hello, hello!</body></html>\n";
	uint8_t out[512];
	size_t n = sizeof out;
	if (!BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, strlen(text),
				   (const uint8_t *)text, &n, out))
		return 1;
	printf("/* %zu bytes: brotli of \"%.*s\\n\" */\nstatic const unsigned char br_hello[] = {", n,
	       (int)strlen(text) - 1, text);
	for (size_t i = 0; i < n; i++)
		printf("%s0x%02x", i ? (i % 12 ? ", " : ",\n\t") : "\n\t", out[i]);
	printf("\n};\n");
	return 0;
}
