/* govern/consent: SipHash against the reference vectors, text selectors'
 * normal form, keyed hashes, and the suppression list's matching rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define TEST_NAME "consent"
#include "govern/consent.h"
#include "testlib.h"

static void test_siphash_vectors(void **state)
{
	(void)state;
	/* SipHash-2-4 reference (Aumasson, Bernstein): key 00..0f, message 00..(n-1) */
	uint8_t k[16], m[64];
	for (int i = 0; i < 16; i++)
		k[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		m[i] = (uint8_t)i;
	assert_true(gr_siphash24(k, m, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(gr_siphash24(k, m, 15) == 0xa129ca6149be45e5ull);
	/* the split input path agrees with one buffer */
	uint8_t key[GR_HASH_LEN] = {1, 2, 3}, a[GR_KEYED_LEN], b[GR_KEYED_LEN];
	gr_govern_keyed(key, "url", "https://x.example/p", 19, a);
	gr_govern_keyed(key, "url", "https://x.example/p", 19, b);
	assert_memory_equal(a, b, sizeof a);
	gr_govern_keyed(key, "text", "https://x.example/p", 19, b);
	assert_memory_not_equal(a, b, sizeof a); /* the kind is part of the input */
	key[0] ^= 1;
	gr_govern_keyed(key, "url", "https://x.example/p", 19, b);
	assert_memory_not_equal(a, b, sizeof a); /* and so is the key */
}

static void test_text_norm(void **state)
{
	(void)state;
	gr_buf out = GR_BUF_INIT;
	int w;
	assert_int_equal(gr_govern_text_norm("  Jane.Doe@Example.ORG, ", &out, &w), 0);
	assert_string_equal(out.ptr, "jane.doe@example.org");
	assert_int_equal(w, 1);
	assert_int_equal(gr_govern_text_norm("(Jane   Q. Public)", &out, &w), 0);
	assert_string_equal(out.ptr, "jane q public");
	assert_int_equal(w, 3);
	assert_int_equal(gr_govern_text_norm(" ... , ", &out, &w), GR_EINVAL);
	assert_int_equal(gr_govern_text_norm("a b c d e f g h i j k l m n o p q", &out, &w), GR_ELIMIT);
	gr_buf_free(&out);
}

static void add(gr_suppress *s, const uint8_t key[GR_HASH_LEN], const char *kind, const char *v)
{
	uint8_t k[GR_KEYED_LEN];
	gr_buf n = GR_BUF_INIT;
	int words = 0;
	if (!strcmp(kind, "text")) {
		assert_int_equal(gr_govern_text_norm(v, &n, &words), 0);
		v = n.ptr;
	}
	gr_govern_keyed(key, kind, v, strlen(v), k);
	assert_int_equal(gr_suppress_add(s, k, kind, words), 0);
	gr_buf_free(&n);
}

static bool match(const gr_suppress *s, const char *url, const char *text, const char **why)
{
	uint8_t content[GR_HASH_LEN];
	gr_sha256(content, text, strlen(text));
	return gr_suppress_match(s, content, url, url ? strlen(url) : 0, text, strlen(text), why);
}

static void test_suppress(void **state)
{
	(void)state;
	uint8_t key[GR_HASH_LEN];
	for (int i = 0; i < GR_HASH_LEN; i++)
		key[i] = (uint8_t)(7 * i + 1);
	gr_suppress *s;
	assert_int_equal(gr_suppress_new(&s, key), 0);
	const char *why = NULL;
	assert_false(match(s, "https://a.example/x", "anything", &why));
	add(s, key, "url", "https://a.example/x");
	add(s, key, "url-prefix", "https://b.example/blog/");
	add(s, key, "domain", "c.example");
	add(s, key, "text", "Jane Q. Public");
	uint8_t content[GR_HASH_LEN], k[GR_KEYED_LEN];
	gr_sha256(content, "the removed text", 16);
	gr_govern_keyed(key, "content", content, GR_HASH_LEN, k);
	assert_int_equal(gr_suppress_add(s, k, "content", 0), 0);
	assert_int_equal(gr_suppress_count(s), 5);

	assert_true(match(s, "https://a.example/x", "t", &why));
	assert_string_equal(why, "url");
	assert_false(match(s, "https://a.example/xy", "t", &why));
	assert_true(match(s, "https://b.example/blog/2024/post", "t", &why));
	assert_string_equal(why, "url-prefix");
	assert_false(match(s, "https://b.example/blogger", "t", &why)); /* prefixes end at a '/' */
	assert_true(match(s, "https://www.C.example:8080/p", "t", &why));
	assert_string_equal(why, "domain");
	assert_false(match(s, "https://notc.example/p", "t", &why));
	assert_true(match(s, NULL, "Letters from JANE q public, (1990).", &why));
	assert_string_equal(why, "text");
	assert_false(match(s, NULL, "Jane Q. Publicity", &why));
	assert_true(match(s, NULL, "the removed text", &why));
	assert_string_equal(why, "content");
	/* the window slides past the longest selector: a match late in a long text */
	gr_buf t = GR_BUF_INIT;
	for (int i = 0; i < 500; i++)
		gr_buf_puts(&t, "word ");
	gr_buf_puts(&t, "jane q public");
	assert_true(gr_suppress_match(s, content, NULL, 0, t.ptr, t.len, &why) && !strcmp(why, "content"));
	uint8_t other[GR_HASH_LEN] = {0};
	assert_true(gr_suppress_match(s, other, NULL, 0, t.ptr, t.len, &why));
	assert_string_equal(why, "text");
	gr_buf_free(&t);
	gr_suppress_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_text_norm),
		cmocka_unit_test(test_suppress),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
