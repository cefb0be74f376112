/*
 * Tests for src/ingest/jsonl: valid and invalid lines with their error
 * offsets, limits, UTF-8 edge cases around the 16/64-byte block boundaries
 * of the vector scan, unescaping, key comparison, and a cross-check against
 * cJSON on real corpora (tests/data/, see tests/data/SOURCES.md).
 *
 * Every line is parsed from an exact-size heap copy with no terminator, so
 * under AddressSanitizer any read past line[len) fails the test.
 * Run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "ingest/jsonl.h"

#define DATA_DIR "tests/data/"

static gr_json_member mem[GR_JSON_MAX_MEMBERS];
static gr_json_member mem2[GR_JSON_MAX_MEMBERS];

/*
 * Parses copy[0..len) with gr_json_parse_object and with the portable path
 * and checks that both give the same result, offsets and members.
 */
static int parse_both(const char *copy, size_t len, size_t *n, size_t *off)
{
	size_t n1 = 0xbad, off1 = 0xbad, n2 = 0xbad, off2 = 0xbad;
	int rc2 = gr_json_parse_object_portable(copy, len, mem2, GR_JSON_MAX_MEMBERS, &n2, &off2);
	char msg2[256];
	snprintf(msg2, sizeof msg2, "%s", gr_error_last());
	int rc1 = gr_json_parse_object(copy, len, mem, GR_JSON_MAX_MEMBERS, &n1, &off1);
	assert_int_equal(rc1, rc2);
	assert_int_equal(n1, n2);
	if (rc1) {
		assert_int_equal(off1, off2);
		assert_string_equal(gr_error_last(), msg2);
		assert_true(off1 <= len);
	} else {
		assert_int_equal(off1, 0xbad);
		for (size_t i = 0; i < n1; i++) {
			assert_ptr_equal(mem[i].key, mem2[i].key);
			assert_int_equal(mem[i].key_len, mem2[i].key_len);
			assert_ptr_equal(mem[i].val, mem2[i].val);
			assert_int_equal(mem[i].val_len, mem2[i].val_len);
			assert_int_equal(mem[i].type, mem2[i].type);
			assert_int_equal(mem[i].key_escaped, mem2[i].key_escaped);
			assert_int_equal(mem[i].val_escaped, mem2[i].val_escaped);
		}
	}
	if (n && !rc1)
		*n = n1;
	if (off && rc1)
		*off = off1;
	return rc1;
}

/* Parses an exact-size copy of line[0..len), so ASan catches reads past the end. */
static int parse_n(const char *line, size_t len, size_t *n, size_t *off)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, line, len);
	int rc = parse_both(copy, len, n, off);
	free(copy);
	return rc;
}

static int parse(const char *line, size_t *n, size_t *off)
{
	return parse_n(line, strlen(line), n, off);
}

/* Like parse_n but the copy stays alive for mem[] to point into (caller frees *keep). */
static int parse_keep(const char *line, size_t len, size_t *n, size_t *off, char **keep)
{
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, line, len);
	*keep = copy;
	return parse_both(copy, len, n, off);
}

static void assert_valid(const char *line)
{
	size_t n = 0, off = 0;
	int rc = parse(line, &n, &off);
	if (rc)
		fail_msg("rejected %s: %s", line, gr_error_last());
}

static void test_valid_lines(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"{}",
		" {} ",
		"{}\r",
		"\t{ }\r",
		"{\"a\":1}",
		"{\"a\":-0}",
		"{\"a\":0}",
		"{\"a\":1e5}",
		"{\"a\":1E+5}",
		"{\"a\":0.5E-3}",
		"{\"a\":-12.75e-0}",
		"{\"a\":123456789012345678901234567890}",
		"{\"a\":true,\"b\":false,\"c\":null}",
		"{\"a\":[]}",
		"{\"a\":[1,[2,[3,{}]],{\"x\":[true]}]}",
		"{\"a\":{\"b\":{\"c\":{\"d\":\"e\"}}}}",
		"{ \"a\" : [ 1 , 2 ] , \"b\" : { } }",
		"{\"a\":\"\"}",
		"{\"\":\"\"}",
		"{\"a\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf\"}",
		"{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
		"{\"a\":\"\\u0000\\u00e9\\uFFFF\\ud83d\\ude00\\uDBFF\\uDFFF\"}",
		"{\"a\":\"\x7f\"}",
		"{\"a\":1,\"a\":2}",
		"{\"k\\u00e9y\":\"v\"}",
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
		assert_valid(ok[i]);
}

static void test_members(void **state)
{
	(void)state;
	const char *line = " {\"text\":\"a\\nb\", \"n\" : -1.5e3 ,\"o\":{\"x\":[1]},\"a\":[],"
			   "\"t\":true,\"f\":false,\"z\":null,\"k\\\"q\":\"v\",\"text\":\"dup\"}\r";
	size_t n = 0, off = 0;
	char *keep;
	assert_int_equal(parse_keep(line, strlen(line), &n, &off, &keep), 0);
	assert_int_equal(n, 9);
	static const struct {
		const char *key, *val;
		enum gr_json_type type;
		bool kesc, vesc;
	} want[] = {
		{"text", "\"a\\nb\"", GR_JSON_STRING, false, true},
		{"n", "-1.5e3", GR_JSON_NUMBER, false, false},
		{"o", "{\"x\":[1]}", GR_JSON_OBJECT, false, false},
		{"a", "[]", GR_JSON_ARRAY, false, false},
		{"t", "true", GR_JSON_TRUE, false, false},
		{"f", "false", GR_JSON_FALSE, false, false},
		{"z", "null", GR_JSON_NULL, false, false},
		{"k\\\"q", "\"v\"", GR_JSON_STRING, true, false},
		{"text", "\"dup\"", GR_JSON_STRING, false, false},
	};
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(mem[i].key_len, strlen(want[i].key));
		assert_memory_equal(mem[i].key, want[i].key, mem[i].key_len);
		assert_int_equal(mem[i].val_len, strlen(want[i].val));
		assert_memory_equal(mem[i].val, want[i].val, mem[i].val_len);
		assert_int_equal(mem[i].type, want[i].type);
		assert_int_equal(mem[i].key_escaped, want[i].kesc);
		assert_int_equal(mem[i].val_escaped, want[i].vesc);
	}
	assert_true(gr_json_key_eq(&mem[0], "text"));
	assert_false(gr_json_key_eq(&mem[0], "tex"));
	assert_false(gr_json_key_eq(&mem[0], "texts"));
	assert_true(gr_json_key_eq(&mem[7], "k\"q"));
	assert_false(gr_json_key_eq(&mem[7], "k\\\"q"));
	assert_false(gr_json_key_eq(&mem[7], "k\""));
	free(keep);

	/* n_out and err_off untouched on failure */
	n = 77;
	off = 0;
	assert_int_equal(parse("{\"a\":1,}", &n, &off), GR_EINVAL);
	assert_int_equal(n, 77);
	/* NULLs allowed */
	assert_int_equal(gr_json_parse_object("{}", 2, NULL, 0, NULL, NULL), 0);
	assert_int_equal(gr_json_parse_object("{\"a\":1}", 7, NULL, 0, NULL, NULL), GR_ELIMIT);
}

static void test_invalid_lines(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		size_t len; /* 0: strlen */
		int rc;
		size_t off;
	} bad[] = {
		{"{\"a\":1,}", 0, GR_EINVAL, 7},                 /* trailing comma */
		{"{\"a\":[1,]}", 0, GR_EINVAL, 8},               /* trailing comma in array */
		{"{\"a\":{\"b\":1,}}", 0, GR_EINVAL, 12},        /* nested trailing comma */
		{"{,}", 0, GR_EINVAL, 1},
		{"{\"a\":01}", 0, GR_EINVAL, 6},                 /* leading zero */
		{"{\"a\":-01}", 0, GR_EINVAL, 7},
		{"{\"a\":00}", 0, GR_EINVAL, 6},
		{"{\"a\":NaN}", 0, GR_EINVAL, 5},                /* bare NaN */
		{"{\"a\":Infinity}", 0, GR_EINVAL, 5},
		{"{\"a\":-Infinity}", 0, GR_EINVAL, 6},
		{"{\"a\":+1}", 0, GR_EINVAL, 5},
		{"{\"a\":.5}", 0, GR_EINVAL, 5},
		{"{\"a\":1.}", 0, GR_EINVAL, 7},
		{"{\"a\":1.e5}", 0, GR_EINVAL, 7},
		{"{\"a\":1e}", 0, GR_EINVAL, 7},
		{"{\"a\":1e+}", 0, GR_EINVAL, 8},
		{"{\"a\":-}", 0, GR_EINVAL, 6},
		{"{\"a\":0x10}", 0, GR_EINVAL, 6},
		{"{\"a\":tru}", 0, GR_EINVAL, 5},
		{"{\"a\":True}", 0, GR_EINVAL, 5},
		{"{\"a\":nul", 0, GR_EINVAL, 5},
		{"{\"a\":\"abc", 0, GR_EINVAL, 5},               /* unterminated string */
		{"{\"abc", 0, GR_EINVAL, 1},                     /* unterminated key */
		{"{\"a\":\"abc\\\"}", 0, GR_EINVAL, 5},          /* escaped quote does not close */
		{"{\"a\":\"a\x01z\"}", 0, GR_EINVAL, 7},         /* raw control char */
		{"{\"a\":\"\t\"}", 0, GR_EINVAL, 6},
		{"{\"a\":\"\n\"}", 0, GR_EINVAL, 6},
		{"{\"a\":\"x\0y\"}", 11, GR_EINVAL, 7},          /* raw NUL */
		{"{\"a\":\"\\x\"}", 0, GR_EINVAL, 6},            /* bad escape */
		{"{\"a\":\"\\u12G4\"}", 0, GR_EINVAL, 6},        /* bad \u */
		{"{\"a\":\"\\u12\"}", 0, GR_EINVAL, 6},
		{"{\"a\":\"\\U0041\"}", 0, GR_EINVAL, 6},
		{"{\"a\":\"\\ud800\"}", 0, GR_EINVAL, 6},        /* lone high surrogate */
		{"{\"a\":\"\\udc00\"}", 0, GR_EINVAL, 6},        /* lone low surrogate */
		{"{\"a\":\"\\ud800\\u0041\"}", 0, GR_EINVAL, 6}, /* high + non-surrogate */
		{"{\"a\":\"\\ud800\\ud800\"}", 0, GR_EINVAL, 6}, /* high + high */
		{"{\"a\":\"x\\udc00\\ud800\"}", 0, GR_EINVAL, 7},/* reversed pair */
		{"{\"a\":\"\xff\"}", 0, GR_EINVAL, 6},           /* invalid UTF-8 bytes */
		{"{\"a\":\"\x80\"}", 0, GR_EINVAL, 6},           /* lone continuation */
		{"{\"a\":\"ab\xc3\"}", 0, GR_EINVAL, 8},         /* truncated sequence */
		{"{\"a\":\"\xe2\x82\"}", 0, GR_EINVAL, 6},
		{"{\"a\":\"\xc0\xaf\"}", 0, GR_EINVAL, 6},       /* overlong '/' */
		{"{\"a\":\"\xc1\xbf\"}", 0, GR_EINVAL, 6},       /* overlong */
		{"{\"a\":\"\xe0\x80\xaf\"}", 0, GR_EINVAL, 6},   /* overlong 3-byte */
		{"{\"a\":\"\xe0\x9f\xbf\"}", 0, GR_EINVAL, 6},
		{"{\"a\":\"\xf0\x8f\xbf\xbf\"}", 0, GR_EINVAL, 6},/* overlong 4-byte */
		{"{\"a\":\"\xed\xa0\x80\"}", 0, GR_EINVAL, 6},   /* encoded surrogate U+D800 */
		{"{\"a\":\"\xed\xbf\xbf\"}", 0, GR_EINVAL, 6},   /* U+DFFF */
		{"{\"a\":\"\xf4\x90\x80\x80\"}", 0, GR_EINVAL, 6},/* U+110000 */
		{"{\"a\":\"\xf5\x80\x80\x80\"}", 0, GR_EINVAL, 6},
		{"{\"a\":\"\xf8\x88\x80\x80\x80\"}", 0, GR_EINVAL, 6},
		{"{\"\xff\":1}", 0, GR_EINVAL, 2},               /* bad UTF-8 in a key */
		{"{\"a\":1} x", 0, GR_EINVAL, 8},                /* text after the object */
		{"{\"a\":1}{}", 0, GR_EINVAL, 7},
		{"{\"a\":1}\n{}", 0, GR_EINVAL, 8},
		{"{\"a\":1}\0", 8, GR_EINVAL, 7},
		{"[1,2]", 0, GR_EINVAL, 0},                      /* non-object top level */
		{"\"str\"", 0, GR_EINVAL, 0},
		{"  42", 0, GR_EINVAL, 2},
		{"null", 0, GR_EINVAL, 0},
		{"", 0, GR_EINVAL, 0},
		{"   ", 0, GR_EINVAL, 3},
		{"{", 0, GR_EINVAL, 1},
		{"{\"a\":1", 0, GR_EINVAL, 6},
		{"{\"a\":", 0, GR_EINVAL, 5},
		{"{\"a\"", 0, GR_EINVAL, 4},
		{"{\"a\" 1}", 0, GR_EINVAL, 5},                  /* expected ':' */
		{"{a:1}", 0, GR_EINVAL, 1},
		{"{'a':1}", 0, GR_EINVAL, 1},
		{"{\"a\":1 \"b\":2}", 0, GR_EINVAL, 7},
		{"{\"a\":1;\"b\":2}", 0, GR_EINVAL, 6},
		{"{\"a\":[1 2]}", 0, GR_EINVAL, 8},
		{"{\"a\":[1}", 0, GR_EINVAL, 7},
		{"{\"a\":{\"b\":1]}", 0, GR_EINVAL, 11},
		{"{\"a\":{\"b\"}}", 0, GR_EINVAL, 9},
		{"{\"a\":{1:2}}", 0, GR_EINVAL, 6},
		{"{\"a\":[1,2]]}", 0, GR_EINVAL, 10},
		{"{\"a\":\"x\" , }", 0, GR_EINVAL, 11},
		{"\xef\xbb\xbf{}", 0, GR_EINVAL, 0},             /* BOM is not JSON whitespace */
		{"{\"a\":1}\v", 0, GR_EINVAL, 7},                /* \v is not JSON whitespace */
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].line);
		size_t n = 12345, off = 99999;
		gr_error_clear();
		int rc = parse_n(bad[i].line, len, &n, &off);
		if (rc != bad[i].rc || off != bad[i].off)
			fail_msg("case %zu (%s): rc %d off %zu, want rc %d off %zu; message: %s", i, bad[i].line, rc,
				 off, bad[i].rc, bad[i].off, gr_error_last());
		assert_int_equal(n, 12345);
		assert_int_equal(gr_error_code(), rc);
		char at[64];
		snprintf(at, sizeof at, "at byte %zu", off);
		assert_non_null(strstr(gr_error_last(), at));
	}
}

static void test_error_message(void **state)
{
	(void)state;
	size_t off = 0;
	assert_int_equal(parse("{\"text\":\"abc\",\"url\" \"x\"}", NULL, &off), GR_EINVAL);
	assert_int_equal(off, 20);
	assert_string_equal(gr_error_last(), "expected ':' after key at byte 20");
}

/* {"a":[[...]]} with n arrays: depth n + 1 */
static char *nested(size_t n)
{
	size_t len = 5 + 2 * n + 1;
	char *s = malloc(len + 1);
	assert_non_null(s);
	memcpy(s, "{\"a\":", 5);
	memset(s + 5, '[', n);
	memset(s + 5 + n, ']', n);
	s[5 + 2 * n] = '}';
	s[len] = '\0';
	return s;
}

static void test_depth(void **state)
{
	(void)state;
	size_t off = 0;
	char *s = nested(GR_JSON_MAX_DEPTH - 1); /* depth 64 */
	assert_int_equal(parse(s, NULL, &off), 0);
	free(s);
	s = nested(GR_JSON_MAX_DEPTH); /* depth 65 */
	assert_int_equal(parse(s, NULL, &off), GR_ELIMIT);
	assert_int_equal(off, 5 + GR_JSON_MAX_DEPTH - 1);
	free(s);
	s = nested(100000);
	assert_int_equal(parse(s, NULL, &off), GR_ELIMIT);
	free(s);

	/* objects count too: {"a":{"a":{"a": ... }}} */
	gr_buf b = GR_BUF_INIT;
	for (int d = 63; d <= 65; d++) {
		gr_buf_reset(&b);
		for (int i = 0; i < d; i++)
			assert_int_equal(gr_buf_puts(&b, i + 1 < d ? "{\"a\":" : "{\"a\":1"), 0);
		for (int i = 0; i < d; i++)
			assert_int_equal(gr_buf_putc(&b, '}'), 0);
		int rc = parse_n(b.ptr, b.len, NULL, &off);
		assert_int_equal(rc, d <= GR_JSON_MAX_DEPTH ? 0 : GR_ELIMIT);
	}
	/* a mix of closing brackets at depth: wrong closer deep inside */
	gr_buf_reset(&b);
	assert_int_equal(gr_buf_puts(&b, "{\"a\":[{\"b\":[{}]}]}"), 0);
	assert_int_equal(parse_n(b.ptr, b.len, NULL, &off), 0);
	assert_int_equal(parse("{\"a\":[{\"b\":[{}}]}]}", NULL, &off), GR_EINVAL);
	assert_int_equal(off, 14);
	gr_buf_free(&b);
}

static void test_member_limit(void **state)
{
	(void)state;
	gr_buf b = GR_BUF_INIT;
	size_t n = 0, off = 0;
	for (int count = GR_JSON_MAX_MEMBERS; count <= GR_JSON_MAX_MEMBERS + 1; count++) {
		gr_buf_reset(&b);
		assert_int_equal(gr_buf_putc(&b, '{'), 0);
		for (int i = 0; i < count; i++)
			assert_int_equal(gr_buf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i, i), 0);
		assert_int_equal(gr_buf_putc(&b, '}'), 0);
		int rc = parse_n(b.ptr, b.len, &n, &off);
		if (count <= GR_JSON_MAX_MEMBERS) {
			assert_int_equal(rc, 0);
			assert_int_equal(n, count);
		} else {
			assert_int_equal(rc, GR_ELIMIT);
			assert_int_equal(b.ptr[off], '"');
		}
	}
	/* a smaller caller limit */
	assert_int_equal(gr_json_parse_object("{\"a\":1,\"b\":2}", 13, mem, 2, &n, &off), 0);
	assert_int_equal(gr_json_parse_object("{\"a\":1,\"b\":2,\"c\":3}", 19, mem, 2, &n, &off), GR_ELIMIT);
	assert_int_equal(off, 13);
	gr_buf_free(&b);
}

/* Control bytes, quotes and non-ASCII at every offset of strings of many lengths. */
static void test_block_boundaries(void **state)
{
	(void)state;
	char line[300];
	for (size_t body = 0; body < 150; body++) {
		for (size_t k = 0; k <= body; k++) {
			/* {"a":"<body bytes>"} with something special at k */
			size_t len = 0;
			memcpy(line, "{\"a\":\"", 6);
			len = 6;
			memset(line + len, 'x', body);
			len += body;
			memcpy(line + len, "\"}", 2);
			len += 2;
			size_t n = 0, off = 0;
			char *keep;

			assert_int_equal(parse_n(line, len, &n, &off), 0);
			if (k == body)
				continue;
			line[6 + k] = 0x1f;
			assert_int_equal(parse_n(line, len, &n, &off), GR_EINVAL);
			assert_int_equal(off, 6 + k);
			line[6 + k] = '"';
			assert_int_equal(parse_n(line, len, &n, &off), GR_EINVAL);
			assert_int_equal(off, 7 + k); /* "expected ',' or '}'" right after the early close */
			line[6 + k] = (char)0xe9;         /* Latin-1, not UTF-8 */
			assert_int_equal(parse_n(line, len, &n, &off), GR_EINVAL);
			assert_int_equal(off, 6 + k);
			line[6 + k] = 0x7f;
			assert_int_equal(parse_n(line, len, &n, &off), 0);
			if (k + 1 < body) {
				/* a 2-byte character and an escape */
				line[6 + k] = (char)0xc3;
				line[7 + k] = (char)0xa9;
				assert_int_equal(parse_keep(line, len, &n, &off, &keep), 0);
				assert_int_equal(mem[0].val_len, body + 2);
				assert_false(mem[0].val_escaped);
				free(keep);
				line[6 + k] = '\\';
				line[7 + k] = 'n';
				assert_int_equal(parse_keep(line, len, &n, &off, &keep), 0);
				assert_true(mem[0].val_escaped);
				gr_buf out = GR_BUF_INIT;
				assert_int_equal(gr_json_unescape(&out, mem[0].val, mem[0].val_len), 0);
				assert_int_equal(out.len, body - 1);
				assert_int_equal(out.ptr[k], '\n');
				gr_buf_free(&out);
				free(keep);
				line[7 + k] = 'x';
				assert_int_equal(parse_n(line, len, &n, &off), GR_EINVAL);
				assert_int_equal(off, 6 + k);
				line[7 + k] = 'x';
			}
			if (k + 3 < body) {
				memcpy(line + 6 + k, "\xf0\x9f\x98\x80", 4);
				assert_int_equal(parse_n(line, len, &n, &off), 0);
				line[9 + k] = 'x'; /* truncated 4-byte sequence */
				assert_int_equal(parse_n(line, len, &n, &off), GR_EINVAL);
				assert_int_equal(off, 6 + k);
				memset(line + 6 + k, 'x', 4);
			}
			line[6 + k] = 'x';
		}
	}
}

/* Every 2-byte prefix of a multi-byte sequence, against util's independent validator. */
static void test_utf8_exhaustive(void **state)
{
	(void)state;
	static const unsigned char tails[] = {0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0x41};
	char line[32];
	for (unsigned b0 = 0x80; b0 <= 0xff; b0++) {
		for (unsigned b1 = 0; b1 <= 0xff; b1++) {
			for (size_t t2 = 0; t2 < sizeof tails; t2++) {
				for (size_t t3 = 0; t3 < sizeof tails; t3++) {
					unsigned char seq[4] = {(unsigned char)b0, (unsigned char)b1, tails[t2], tails[t3]};
					bool plain = true; /* ASCII bytes that may sit raw in a string */
					for (int i = 1; i < 4; i++)
						if (seq[i] < 0x20 || seq[i] == '"' || seq[i] == '\\')
							plain = false;
					bool want = plain && gr_utf8_valid((const char *)seq, 4);
					memcpy(line, "{\"a\":\"", 6);
					memcpy(line + 6, seq, 4);
					memcpy(line + 10, "\"}", 2);
					size_t off = 0;
					int rc = parse_both(line, 12, NULL, &off);
					if ((rc == 0) != want)
						fail_msg("%02x %02x %02x %02x: rc %d, want %s", seq[0], seq[1], seq[2],
							 seq[3], rc, want ? "valid" : "invalid");
				}
			}
		}
	}
	/* every code point, encoded, as one string: all accepted */
	gr_buf b = GR_BUF_INIT;
	assert_int_equal(gr_buf_puts(&b, "{\"a\":\""), 0);
	for (uint32_t cp = 0x20; cp <= 0x10ffff; cp++) {
		if (cp == '"' || cp == '\\' || (cp >= 0xd800 && cp <= 0xdfff))
			continue;
		unsigned char u[4];
		size_t n;
		if (cp < 0x80) {
			u[0] = (unsigned char)cp;
			n = 1;
		} else if (cp < 0x800) {
			u[0] = (unsigned char)(0xc0 | cp >> 6);
			u[1] = (unsigned char)(0x80 | (cp & 0x3f));
			n = 2;
		} else if (cp < 0x10000) {
			u[0] = (unsigned char)(0xe0 | cp >> 12);
			u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
			u[2] = (unsigned char)(0x80 | (cp & 0x3f));
			n = 3;
		} else {
			u[0] = (unsigned char)(0xf0 | cp >> 18);
			u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
			u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
			u[3] = (unsigned char)(0x80 | (cp & 0x3f));
			n = 4;
		}
		assert_int_equal(gr_buf_put(&b, u, n), 0);
	}
	assert_int_equal(gr_buf_puts(&b, "\"}"), 0);
	size_t off = 0;
	assert_int_equal(parse_n(b.ptr, b.len, NULL, &off), 0);
	gr_buf_free(&b);
}

static void unescape_eq(const char *raw, const char *want, size_t want_len)
{
	gr_buf out = GR_BUF_INIT;
	assert_int_equal(gr_buf_puts(&out, "pre"), 0);
	assert_int_equal(gr_json_unescape(&out, raw, strlen(raw)), 0);
	assert_int_equal(out.len, 3 + want_len);
	assert_memory_equal(out.ptr, "pre", 3);
	assert_memory_equal(out.ptr + 3, want, want_len);
	assert_int_equal(out.ptr[out.len], '\0');
	gr_buf_free(&out);
	/* in place: the same bytes, over the raw text; nothing after it touched */
	size_t n = strlen(raw), got = 0;
	char *buf = malloc(n + 8);
	assert_non_null(buf);
	memcpy(buf, raw, n);
	memcpy(buf + n, "GUARD!!", 8);
	assert_int_equal(gr_json_unescape_inplace(buf, n, &got), 0);
	assert_int_equal(got, want_len);
	assert_memory_equal(buf, want, want_len);
	assert_memory_equal(buf + n, "GUARD!!", 8);
	free(buf);
}

static void test_unescape(void **state)
{
	(void)state;
	unescape_eq("\"\"", "", 0);
	unescape_eq("\"plain text\"", "plain text", 10);
	unescape_eq("\"a\\nb\"", "a\nb", 3);
	unescape_eq("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8);
	unescape_eq("\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00\"", "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10);
	unescape_eq("\"x\\u0000y\"", "x\0y", 3);
	unescape_eq("\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4);
	unescape_eq("\"0123456789abcdef0123456789\\tabcdef0123456789abcdef\\\\\"",
		    "0123456789abcdef0123456789\tabcdef0123456789abcdef\\", 50);

	static const char *const bad[] = {
		"", "\"", "x", "\"abc", "abc\"", "\"\\\"", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"",
		"\"\\udc00\"", "\"\\ud800\\u0041\"", "\"0123456789abcdef0123456789abcdef\\q\"",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		gr_buf out = GR_BUF_INIT;
		assert_int_equal(gr_buf_puts(&out, "keep"), 0);
		assert_int_equal(gr_json_unescape(&out, bad[i], strlen(bad[i])), GR_EINVAL);
		assert_string_equal(out.ptr, "keep");
		assert_int_equal(out.len, 4);
		gr_buf_free(&out);
		char *copy = strdup(bad[i]);
		size_t got = 0;
		assert_non_null(copy);
		assert_int_equal(gr_json_unescape_inplace(copy, strlen(copy), &got), GR_EINVAL);
		free(copy);
	}
}

/* Random byte strings escaped by util's gr_buf_put_json_str, parsed, and decoded back. */
static void test_unescape_roundtrip(void **state)
{
	(void)state;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	gr_buf line = GR_BUF_INIT, out = GR_BUF_INIT, text = GR_BUF_INIT;
	static const char *const pieces[] = {"a", " ", "\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f", "/",
					     "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xed\x9f\xbf",
					     "0123456789abcdef"};
	for (int iter = 0; iter < 3000; iter++) {
		gr_buf_reset(&text);
		size_t npieces = (size_t)(iter % 97);
		for (size_t i = 0; i < npieces; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			const char *pc = pieces[(seed >> 33) % (sizeof pieces / sizeof *pieces)];
			assert_int_equal(gr_buf_puts(&text, pc), 0);
		}
		gr_buf_reset(&line);
		assert_int_equal(gr_buf_puts(&line, "{"), 0);
		assert_int_equal(gr_buf_put_json_str(&line, text.ptr ? text.ptr : "", text.len), 0);
		assert_int_equal(gr_buf_puts(&line, ":"), 0);
		assert_int_equal(gr_buf_put_json_str(&line, text.ptr ? text.ptr : "", text.len), 0);
		assert_int_equal(gr_buf_puts(&line, "}"), 0);
		size_t n = 0, off = 0;
		char *keep;
		int rc = parse_keep(line.ptr, line.len, &n, &off, &keep);
		if (rc)
			fail_msg("iter %d: %s", iter, gr_error_last());
		assert_int_equal(n, 1);
		gr_buf_reset(&out);
		assert_int_equal(gr_json_unescape(&out, mem[0].val, mem[0].val_len), 0);
		assert_int_equal(out.len, text.len);
		if (text.len)
			assert_memory_equal(out.ptr, text.ptr, text.len);
		gr_buf_reset(&out);
		assert_int_equal(gr_json_unescape_key(&out, &mem[0]), 0);
		assert_int_equal(out.len, text.len);
		if (text.len)
			assert_memory_equal(out.ptr, text.ptr, text.len);
		assert_true(gr_json_key_eq(&mem[0], text.ptr ? text.ptr : ""));
		if (text.len)
			assert_false(gr_json_key_eq(&mem[0], "definitely-not"));
		/* in place, over the value's bytes in the line */
		size_t got = 0;
		assert_int_equal(gr_json_unescape_inplace((char *)mem[0].val, mem[0].val_len, &got), 0);
		assert_int_equal(got, text.len);
		if (text.len)
			assert_memory_equal(mem[0].val, text.ptr, text.len);
		free(keep);
	}
	gr_buf_free(&line);
	gr_buf_free(&out);
	gr_buf_free(&text);
}

static void test_key_eq(void **state)
{
	(void)state;
	const char *line = "{\"\\u0075rl\":1,\"a\\u0000b\":2,\"\\ud83d\\ude00\":3,\"\":4,\"\\/\":5}";
	size_t n = 0, off = 0;
	char *keep;
	assert_int_equal(parse_keep(line, strlen(line), &n, &off, &keep), 0);
	assert_int_equal(n, 5);
	assert_true(gr_json_key_eq(&mem[0], "url"));
	assert_false(gr_json_key_eq(&mem[0], "ur"));
	assert_false(gr_json_key_eq(&mem[0], "urls"));
	assert_false(gr_json_key_eq(&mem[1], "a"));  /* decoded key holds a NUL */
	assert_false(gr_json_key_eq(&mem[1], "ab"));
	assert_true(gr_json_key_eq(&mem[2], "\xf0\x9f\x98\x80"));
	assert_true(gr_json_key_eq(&mem[3], ""));
	assert_false(gr_json_key_eq(&mem[3], "x"));
	assert_true(gr_json_key_eq(&mem[4], "/"));
	free(keep);
}

/* ---- cross-check against cJSON on real files ---- */

static void compare_with_cjson(const char *line, size_t len, const char *where)
{
	size_t n = 0, off = 0;
	char *keep;
	int rc = parse_keep(line, len, &n, &off, &keep);
	if (rc)
		fail_msg("%s: %s", where, gr_error_last());
	cJSON *doc = cJSON_ParseWithLength(line, len);
	assert_non_null(doc);
	assert_true(cJSON_IsObject(doc));
	assert_int_equal((size_t)cJSON_GetArraySize(doc), n);
	gr_buf b = GR_BUF_INIT;
	size_t i = 0;
	for (cJSON *c = doc->child; c; c = c->next, i++) {
		const gr_json_member *m = &mem[i];
		gr_buf_reset(&b);
		assert_int_equal(gr_json_unescape_key(&b, m), 0);
		assert_string_equal(b.ptr ? b.ptr : "", c->string);
		assert_true(gr_json_key_eq(m, c->string));
		switch (m->type) {
		case GR_JSON_STRING:
			assert_true(cJSON_IsString(c));
			gr_buf_reset(&b);
			assert_int_equal(gr_json_unescape(&b, m->val, m->val_len), 0);
			assert_string_equal(b.ptr ? b.ptr : "", c->valuestring);
			assert_true(gr_utf8_valid(b.ptr ? b.ptr : "", b.len));
			break;
		case GR_JSON_NUMBER: {
			assert_true(cJSON_IsNumber(c));
			char *num = strndup(m->val, m->val_len);
			assert_non_null(num);
			assert_true(strtod(num, NULL) == c->valuedouble);
			free(num);
			break;
		}
		case GR_JSON_OBJECT:
		case GR_JSON_ARRAY: {
			assert_true(m->type == GR_JSON_OBJECT ? cJSON_IsObject(c) : cJSON_IsArray(c));
			/* the span alone must parse to the same tree */
			cJSON *sub = cJSON_ParseWithLength(m->val, m->val_len);
			assert_non_null(sub);
			assert_true(cJSON_Compare(sub, c, true));
			cJSON_Delete(sub);
			break;
		}
		case GR_JSON_TRUE: assert_true(cJSON_IsTrue(c)); break;
		case GR_JSON_FALSE: assert_true(cJSON_IsFalse(c)); break;
		case GR_JSON_NULL: assert_true(cJSON_IsNull(c)); break;
		}
	}
	gr_buf_free(&b);
	cJSON_Delete(doc);
	free(keep);
}

static void check_file(const char *path, size_t want_lines)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	gr_buf data = GR_BUF_INIT;
	char chunk[8192];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(gr_buf_put(&data, chunk, got), 0);
	fclose(f);
	size_t lines = 0;
	const char *p = data.ptr, *end = data.ptr + data.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char where[256];
		snprintf(where, sizeof where, "%s line %zu", path, lines + 1);
		compare_with_cjson(p, len, where);
		/* every proper prefix is an unclosed object; a few cuts per line */
		for (size_t cut = 0; cut < len; cut += 1 + cut / 3) {
			size_t off = 0;
			if (parse_n(p, cut, NULL, &off) == 0)
				fail_msg("%s: prefix of %zu bytes accepted", where, cut);
			assert_true(off <= cut);
		}
		lines++;
		p = nl ? nl + 1 : end;
	}
	assert_int_equal(lines, want_lines);
	gr_buf_free(&data);
}

static void test_ccnet_vs_cjson(void **state)
{
	(void)state;
	check_file(DATA_DIR "ccnet-cc_en_head-0091.jsonl", 10);
}

static void test_c4_vs_cjson(void **state)
{
	(void)state;
	check_file(DATA_DIR "c4-sample.01.jsonl", 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_lines),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_invalid_lines),
		cmocka_unit_test(test_error_message),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_member_limit),
		cmocka_unit_test(test_block_boundaries),
		cmocka_unit_test(test_utf8_exhaustive),
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_unescape_roundtrip),
		cmocka_unit_test(test_key_eq),
		cmocka_unit_test(test_ccnet_vs_cjson),
		cmocka_unit_test(test_c4_vs_cjson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
