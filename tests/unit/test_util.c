/*
 * Unit tests for src/util: growable buffers, JSON string escaping, varints,
 * hex, UTF-8 validation, crash-safe file writes, error messages, the worker
 * pool and SHA-256.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define TEST_NAME "util"
#include "testlib.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/pool.h"
#include "util/util.h"


/* Every entry name in dir except . and .., sorted, joined with '|'. */
static char *dir_listing(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	char *names[256];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		assert_true(n < 256);
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	gr_buf b = GR_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (i)
			gr_buf_putc(&b, '|');
		gr_buf_puts(&b, names[i]);
		free(names[i]);
	}
	return gr_buf_detach(&b);
}

/* ---- gr_buf ---- */

static void test_buf_grow_huge(void **state)
{
	(void)state;
	const size_t huge = 2u << 20;
	gr_buf b = GR_BUF_INIT;
	assert_int_equal(gr_buf_puts(&b, "kept"), 0);
	/* whole huge pages, aligned, the contents copied */
	assert_int_equal(gr_buf_grow_huge(&b, 5u << 20), 0);
	assert_int_equal((uintptr_t)b.ptr % huge, 0);
	assert_int_equal(b.cap % huge, 0);
	assert_true(b.cap >= 4 + (5u << 20) + 1);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.ptr, "kept");
	/* an ordinary buffer from then on */
	size_t cap = b.cap;
	char *blk = malloc(5u << 20);
	assert_non_null(blk);
	memset(blk, 'x', 5u << 20);
	assert_int_equal(gr_buf_put(&b, blk, 5u << 20), 0);
	assert_int_equal(b.cap, cap);
	assert_int_equal(b.ptr[b.len], '\0');
	assert_int_equal(gr_buf_put(&b, blk, 5u << 20), 0); /* grows by realloc */
	assert_int_equal(b.len, 4 + (10u << 20));
	assert_memory_equal(b.ptr + 4 + (5u << 20), blk, 5u << 20);
	free(blk);
	gr_buf_free(&b);
	/* an empty buffer, and an absurd size refused */
	assert_int_equal(gr_buf_grow_huge(&b, 1), 0);
	assert_int_equal(b.cap, huge);
	assert_int_equal(b.ptr[0], '\0');
	assert_int_equal(gr_buf_grow_huge(&b, SIZE_MAX - 10), GR_ENOMEM);
	assert_int_equal(b.cap, huge);
	gr_buf_free(&b);
	size_t got = 0;
	assert_null(gr_alloc_huge(SIZE_MAX - 1, &got));
	assert_int_equal(gr_error_code(), GR_ENOMEM);
}

static void test_buf_growth(void **state)
{
	(void)state;
	gr_buf b = GR_BUF_INIT;
	assert_null(b.ptr);
	/* many small appends, the buffer stays NUL-terminated and keeps every byte */
	for (int i = 0; i < 20000; i++) {
		char c = (char)('a' + i % 26);
		assert_int_equal(gr_buf_putc(&b, c), 0);
		assert_int_equal(b.len, (size_t)i + 1);
		assert_true(b.cap > b.len);
		assert_int_equal(b.ptr[b.len], '\0');
	}
	for (int i = 0; i < 20000; i++)
		assert_int_equal(b.ptr[i], 'a' + i % 26);
	/* one big append after the small ones */
	size_t big = 3u << 20;
	char *blk = malloc(big);
	assert_non_null(blk);
	for (size_t i = 0; i < big; i++)
		blk[i] = (char)(i * 7 + 3);
	assert_int_equal(gr_buf_put(&b, blk, big), 0);
	assert_int_equal(b.len, 20000 + big);
	assert_memory_equal(b.ptr + 20000, blk, big);
	assert_int_equal(b.ptr[b.len], '\0');
	assert_true(b.cap > b.len);
	free(blk);
	/* grow reserves room without changing the contents */
	size_t len = b.len;
	assert_int_equal(gr_buf_grow(&b, 1000000), 0);
	assert_true(b.cap >= len + 1000000 + 1);
	assert_int_equal(b.len, len);
	/* absurd growth is refused, the buffer is untouched */
	assert_int_equal(gr_buf_grow(&b, SIZE_MAX - 10), GR_ENOMEM);
	assert_int_equal(gr_error_code(), GR_ENOMEM);
	assert_int_equal(b.len, len);
	/* reset keeps the allocation, empties the string */
	size_t cap = b.cap;
	gr_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap);
	assert_string_equal(b.ptr, "");
	/* printf appends, including at large sizes */
	assert_int_equal(gr_buf_printf(&b, "%s-%d-%05x", "x", -42, 0xbeef), 0);
	assert_string_equal(b.ptr, "x--42-0beef");
	assert_int_equal(gr_buf_printf(&b, "%*s", 100000, "y"), 0);
	assert_int_equal(b.len, 11 + 100000);
	assert_int_equal(b.ptr[b.len - 1], 'y');
	assert_int_equal(b.ptr[b.len - 2], ' ');
	assert_int_equal(b.ptr[b.len], '\0');
	/* detach hands over the string and leaves the buffer empty */
	char *s = gr_buf_detach(&b);
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(strlen(s), 11 + 100000);
	free(s);
	/* detach of a never-used buffer gives an empty string, not NULL */
	s = gr_buf_detach(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	/* puts, put of zero bytes, put_hex */
	assert_int_equal(gr_buf_put(&b, NULL, 0), 0);
	assert_non_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_int_equal(gr_buf_puts(&b, "ab"), 0);
	static const uint8_t raw[] = {0x00, 0x7f, 0x80, 0xff};
	assert_int_equal(gr_buf_put_hex(&b, raw, sizeof raw), 0);
	assert_string_equal(b.ptr, "ab007f80ff");
	gr_buf_free(&b);
	assert_null(b.ptr);
	gr_buf_free(&b); /* twice is fine */
	gr_buf_free(NULL);
}

static char *json(const char *s, size_t n)
{
	gr_buf b = GR_BUF_INIT;
	assert_int_equal(gr_buf_put_json_str(&b, s, n), 0);
	assert_int_equal(strlen(b.ptr), b.len);
	return gr_buf_detach(&b);
}

static void check_json(const char *in, size_t n, const char *want)
{
	char *got = json(in, n);
	if (strcmp(got, want) != 0)
		fail_msg("json escape: got [%s], want [%s]", got, want);
	free(got);
}

static void test_json_escape(void **state)
{
	(void)state;
	check_json("", 0, "\"\"");
	check_json("plain text", 10, "\"plain text\"");
	check_json("a\"b", 3, "\"a\\\"b\"");
	check_json("a\\b", 3, "\"a\\\\b\"");
	check_json("\\\"", 2, "\"\\\\\\\"\"");
	check_json("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
	check_json("\x01\x1f", 2, "\"\\u0001\\u001f\"");
	check_json("a\0b", 3, "\"a\\u0000b\"");
	check_json("\x0b\x1b", 2, "\"\\u000b\\u001b\"");
	/* DEL and '/' need no escaping */
	check_json("\x7f/", 2, "\"\x7f/\"");
	/* UTF-8 passes through byte for byte: é, €, U+1F600 */
	const char *u = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
	char want[64];
	snprintf(want, sizeof want, "\"%s\"", u);
	check_json(u, strlen(u), want);
	/* only n bytes are read */
	check_json("abcdef", 3, "\"abc\"");
	/* every control character is escaped, nothing below 0x20 survives raw */
	char all[32];
	for (int i = 0; i < 32; i++)
		all[i] = (char)i;
	char *got = json(all, sizeof all);
	for (const char *p = got; *p; p++)
		assert_true((unsigned char)*p >= 0x20);
	assert_non_null(strstr(got, "\\u0000\\u0001"));
	assert_non_null(strstr(got, "\\u001e\\u001f"));
	free(got);
	/* appends after existing contents, worst case (all \u00XX) fits */
	gr_buf b = GR_BUF_INIT;
	gr_buf_puts(&b, "x=");
	char ctl[1000];
	memset(ctl, 0x01, sizeof ctl);
	assert_int_equal(gr_buf_put_json_str(&b, ctl, sizeof ctl), 0);
	assert_int_equal(b.len, 2 + 2 + 6 * sizeof ctl);
	assert_memory_equal(b.ptr, "x=\"\\u0001", 9);
	assert_int_equal(b.ptr[b.len - 1], '"');
	assert_int_equal(b.ptr[b.len], '\0');
	gr_buf_free(&b);
}

/* ---- varints ---- */

static void test_varint(void **state)
{
	(void)state;
	const uint64_t vals[] = {0,
				 1,
				 127,
				 128,
				 255,
				 300,
				 16383,
				 16384,
				 (1ull << 21) - 1,
				 1ull << 21,
				 0xffffffffull,
				 1ull << 32,
				 (1ull << 56) - 1,
				 1ull << 56,
				 (1ull << 63) - 1,
				 1ull << 63,
				 UINT64_MAX - 1,
				 UINT64_MAX};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		uint8_t b[16];
		memset(b, 0xaa, sizeof b);
		size_t n = gr_varint_put(b, vals[i]);
		/* minimal length: ceil(bits / 7), at least 1 */
		size_t want = 1;
		for (uint64_t v = vals[i] >> 7; v; v >>= 7)
			want++;
		assert_int_equal(n, want);
		assert_true(n <= 10);
		assert_int_equal(b[n], 0xaa); /* nothing written past n */
		for (size_t k = 0; k + 1 < n; k++)
			assert_true(b[k] & 0x80);
		assert_false(b[n - 1] & 0x80);
		uint64_t out = 12345;
		assert_int_equal(gr_varint_get(b, n, &out), n);
		assert_true(out == vals[i]);
		/* trailing bytes are not consumed */
		assert_int_equal(gr_varint_get(b, sizeof b, &out), n);
		assert_true(out == vals[i]);
		/* every truncation is rejected */
		for (size_t k = 0; k < n; k++)
			assert_int_equal(gr_varint_get(b, k, &out), 0);
	}
	uint8_t b[16];
	assert_int_equal(gr_varint_put(b, UINT64_MAX), 10);
	assert_int_equal(b[9], 0x01);
	/* pseudo-random round trips */
	uint64_t x = 0x243f6a8885a308d3ull;
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t v = x >> (x & 63);
		size_t n = gr_varint_put(b, v);
		uint64_t out;
		assert_int_equal(gr_varint_get(b, n, &out), n);
		assert_true(out == v);
	}
	uint64_t out;
	/* overlong: more than 10 bytes */
	uint8_t ol[12];
	memset(ol, 0x80, sizeof ol);
	ol[11] = 0x00;
	assert_int_equal(gr_varint_get(ol, sizeof ol, &out), 0);
	memset(ol, 0xff, sizeof ol);
	assert_int_equal(gr_varint_get(ol, sizeof ol, &out), 0);
	/* 10 bytes whose last byte carries more than bit 63 overflow */
	uint8_t of[10];
	memset(of, 0xff, 9);
	of[9] = 0x02;
	assert_int_equal(gr_varint_get(of, 10, &out), 0);
	of[9] = 0x7f;
	assert_int_equal(gr_varint_get(of, 10, &out), 0);
	of[9] = 0x01;
	assert_int_equal(gr_varint_get(of, 10, &out), 10);
	assert_true(out == UINT64_MAX);
	/* a continuation bit on the 10th byte is overlong */
	of[9] = 0x81;
	uint8_t of11[11];
	memcpy(of11, of, 10);
	of11[10] = 0x00;
	assert_int_equal(gr_varint_get(of11, 11, &out), 0);
	/* empty input */
	assert_int_equal(gr_varint_get(of, 0, &out), 0);
}

/* ---- hex ---- */

static void test_hex(void **state)
{
	(void)state;
	uint8_t data[256], back[256];
	for (int i = 0; i < 256; i++)
		data[i] = (uint8_t)i;
	char hex[513];
	memset(hex, 'Z', sizeof hex);
	gr_hex(hex, data, 256);
	assert_int_equal(strlen(hex), 512);
	assert_memory_equal(hex, "000102", 6);
	assert_memory_equal(hex + 2 * 0xab, "ab", 2);
	assert_string_equal(hex + 2 * 0xfe, "feff");
	memset(back, 0, sizeof back);
	assert_true(gr_unhex(back, hex, 256));
	assert_memory_equal(back, data, 256);
	/* upper case is accepted */
	uint8_t two[2];
	assert_true(gr_unhex(two, "ABcd", 2));
	assert_int_equal(two[0], 0xab);
	assert_int_equal(two[1], 0xcd);
	/* malformed: non-hex digits, too short, too long */
	assert_false(gr_unhex(two, "abcg", 2));
	assert_false(gr_unhex(two, "g0cd", 2));
	assert_false(gr_unhex(two, "a cd", 2));
	assert_false(gr_unhex(two, "abc", 2));
	assert_false(gr_unhex(two, "", 2));
	assert_false(gr_unhex(two, "abcde", 2));
	assert_false(gr_unhex(two, "abcdef", 2));
	assert_false(gr_unhex(two, "0x12", 2));
	/* zero bytes from the empty string */
	assert_true(gr_unhex(two, "", 0));
	assert_false(gr_unhex(two, "00", 0));
	char e[1];
	gr_hex(e, two, 0);
	assert_int_equal(e[0], '\0');
}

/* ---- UTF-8 ---- */

static void test_utf8(void **state)
{
	(void)state;
#define V(s) assert_true(gr_utf8_valid(s, sizeof(s) - 1))
#define X(s)                                                                       \
	do {                                                                       \
		if (gr_utf8_valid(s, sizeof(s) - 1))                               \
			fail_msg("accepted invalid UTF-8 %s", #s);                 \
	} while (0)
	V("");
	V("hello, world");
	V("\x7f");
	V("a\0b"); /* NUL is a valid code point */
	V("\xc2\x80");                 /* U+0080 */
	V("\xdf\xbf");                 /* U+07FF */
	V("\xe0\xa0\x80");             /* U+0800 */
	V("\xed\x9f\xbf");             /* U+D7FF */
	V("\xee\x80\x80");             /* U+E000 */
	V("\xef\xbf\xbf");             /* U+FFFF */
	V("\xf0\x90\x80\x80");         /* U+10000 */
	V("\xf0\x9f\x98\x80");         /* U+1F600 */
	V("\xf4\x8f\xbf\xbf");         /* U+10FFFF */
	V("caf\xc3\xa9 \xe2\x82\xac"); /* mixed */
	/* overlong encodings */
	X("\xc0\x80");
	X("\xc1\xbf");
	X("\xe0\x80\x80");
	X("\xe0\x9f\xbf");
	X("\xf0\x80\x80\x80");
	X("\xf0\x8f\xbf\xbf");
	/* UTF-16 surrogates */
	X("\xed\xa0\x80"); /* U+D800 */
	X("\xed\xbf\xbf"); /* U+DFFF */
	X("\xed\xa0\xbd\xed\xb8\x80");
	/* above U+10FFFF */
	X("\xf4\x90\x80\x80");
	X("\xf5\x80\x80\x80");
	X("\xf7\xbf\xbf\xbf");
	X("\xf8\x88\x80\x80\x80");
	X("\xff");
	X("\xfe");
	/* truncated sequences, at the end and in the middle */
	X("\xc3");
	X("\xe2\x82");
	X("\xf0\x9f\x98");
	X("ab\xe2\x82");
	X("\xc3 a");
	X("\xe2\x82x");
	X("\xf0\x9f\x98x");
	/* stray continuation bytes */
	X("\x80");
	X("a\xbf");
	X("\xc3\xa9\xa9");
#undef V
#undef X
	/* the ASCII fast path must not skip a bad byte at any alignment */
	char buf[64];
	for (size_t pos = 0; pos < 40; pos++) {
		memset(buf, 'a', sizeof buf);
		buf[pos] = (char)0x80;
		assert_false(gr_utf8_valid(buf, sizeof buf));
		assert_true(gr_utf8_valid(buf, pos));
		/* a valid 4-byte sequence at every alignment */
		memset(buf, 'a', sizeof buf);
		memcpy(buf + pos, "\xf0\x9f\x98\x80", 4);
		assert_true(gr_utf8_valid(buf, sizeof buf));
		/* cut short by the length */
		assert_false(gr_utf8_valid(buf, pos + 3));
	}
}

/* ---- files ---- */

static void test_write_file_atomic(void **state)
{
	(void)state;
	char dir[128], path[160];
	snprintf(dir, sizeof dir, "%s/atomic", tmpdir);
	assert_int_equal(gr_mkdir_p(dir, 0755), 0);
	snprintf(path, sizeof path, "%s/file.json", dir);
	const char *a = "first version, somewhat longer than the second";
	assert_int_equal(gr_write_file_atomic(path, a, strlen(a)), 0);
	gr_buf b = GR_BUF_INIT;
	assert_int_equal(gr_read_file(path, 1 << 20, &b), 0);
	assert_int_equal(b.len, strlen(a));
	assert_memory_equal(b.ptr, a, b.len);
	char *ls = dir_listing(dir);
	assert_string_equal(ls, "file.json");
	free(ls);
	/* replacing with shorter content leaves no tail of the old */
	const char *c = "second";
	assert_int_equal(gr_write_file_atomic(path, c, strlen(c)), 0);
	gr_buf_reset(&b);
	assert_int_equal(gr_read_file(path, 1 << 20, &b), 0);
	assert_string_equal(b.ptr, "second");
	ls = dir_listing(dir);
	assert_string_equal(ls, "file.json");
	free(ls);
	/* binary content with NULs, and an empty file */
	uint8_t bin[5000];
	for (size_t i = 0; i < sizeof bin; i++)
		bin[i] = (uint8_t)(i % 251);
	assert_int_equal(gr_write_file_atomic(path, bin, sizeof bin), 0);
	gr_buf_reset(&b);
	assert_int_equal(gr_read_file(path, 1 << 20, &b), 0);
	assert_int_equal(b.len, sizeof bin);
	assert_memory_equal(b.ptr, bin, sizeof bin);
	assert_int_equal(gr_write_file_atomic(path, "", 0), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	/* a directory that does not exist: an error, nothing created */
	char bad[200];
	snprintf(bad, sizeof bad, "%s/missing/file", dir);
	assert_int_equal(gr_write_file_atomic(bad, "x", 1), GR_EIO);
	ls = dir_listing(dir);
	assert_string_equal(ls, "file.json");
	free(ls);
	/* the target is a directory: rename fails, the temp file is removed */
	char sub[200];
	snprintf(sub, sizeof sub, "%s/sub", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	char inner[220];
	snprintf(inner, sizeof inner, "%s/x", sub);
	assert_int_equal(gr_write_file_atomic(inner, "1", 1), 0);
	assert_int_equal(gr_write_file_atomic(sub, "x", 1), GR_EIO);
	ls = dir_listing(dir);
	assert_string_equal(ls, "file.json|sub");
	free(ls);
	/* read limits */
	gr_buf_reset(&b);
	assert_int_equal(gr_write_file_atomic(path, bin, sizeof bin), 0);
	assert_int_equal(gr_read_file(path, 100, &b), GR_ELIMIT);
	gr_buf_reset(&b);
	assert_int_equal(gr_read_file(bad, 100, &b), GR_ENOTFOUND);
	gr_buf_free(&b);
}

static void test_fs_misc(void **state)
{
	(void)state;
	char *p = gr_path_join("a", "b");
	assert_string_equal(p, "a/b");
	free(p);
	p = gr_path_join("a/", "b");
	assert_string_equal(p, "a/b");
	free(p);
	p = gr_path_join("", "b");
	assert_string_equal(p, "b");
	free(p);
	char deep[200];
	snprintf(deep, sizeof deep, "%s/m/n/o/p", tmpdir);
	assert_int_equal(gr_mkdir_p(deep, 0755), 0);
	assert_true(gr_is_dir(deep));
	assert_int_equal(gr_mkdir_p(deep, 0755), 0); /* idempotent */
	char file[220];
	snprintf(file, sizeof file, "%s/f", deep);
	assert_int_equal(gr_write_file_atomic(file, "x", 1), 0);
	assert_false(gr_is_dir(file));
	assert_int_not_equal(gr_mkdir_p(file, 0755), 0);
	char t[32];
	gr_time_iso(t, 0);
	assert_string_equal(t, "1970-01-01T00:00:00Z");
	gr_time_iso(t, 1700000000);
	assert_string_equal(t, "2023-11-14T22:13:20Z");
	double m0 = gr_time_mono(), m1 = gr_time_mono();
	assert_true(m1 >= m0);
	assert_true(gr_time_now() > 1700000000);
}

/* The writeback helper only hints: whatever it does, the file holds what
 * was written; stopping it ends its thread and closes its descriptor, and a
 * helper given no descriptor starts no thread. */
static void test_writeback(void **state)
{
	(void)state;
	gr_writeback none;
	gr_writeback_start(&none, -1);
	assert_false(none.running);
	gr_writeback_stop(&none);
	char path[256];
	snprintf(path, sizeof path, "%s/wb", tmpdir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	int ro = open(path, O_RDONLY);
	assert_true(ro >= 0);
	gr_writeback wb;
	gr_writeback_start(&wb, ro);
	assert_true(wb.running);
	static char block[65536];
	for (int i = 0; i < 128; i++) {
		memset(block, 'a' + i % 26, sizeof block);
		assert_int_equal(gr_write_all(fd, block, sizeof block), 0);
		if (i % 32 == 0)
			usleep(2000); /* let it run a few rounds */
	}
	gr_writeback_stop(&wb);
	assert_false(wb.running);
	errno = 0;
	assert_int_equal(fcntl(ro, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	gr_writeback_stop(&wb); /* again: nothing */
	assert_int_equal(fsync(fd), 0);
	close(fd);
	gr_buf got = GR_BUF_INIT;
	assert_int_equal(gr_read_file(path, 16u << 20, &got), 0);
	assert_int_equal(got.len, 128 * sizeof block);
	for (int i = 0; i < 128; i++)
		assert_true(got.ptr[(size_t)i * sizeof block] == 'a' + i % 26 &&
			    got.ptr[(size_t)i * sizeof block + sizeof block - 1] == 'a' + i % 26);
	gr_buf_free(&got);
}

/* ---- errors ---- */

static void test_error_wrap(void **state)
{
	(void)state;
	gr_error_clear();
	assert_int_equal(gr_error_code(), 0);
	assert_string_equal(gr_error_last(), "unknown error");
	assert_int_equal(gr_error_set(GR_ENOTFOUND, "no such %s %d", "thing", 7), GR_ENOTFOUND);
	assert_string_equal(gr_error_last(), "no such thing 7");
	assert_int_equal(gr_error_wrap(GR_ENOTFOUND, "open %s", "x.jsonl"), GR_ENOTFOUND);
	assert_string_equal(gr_error_last(), "open x.jsonl: no such thing 7");
	assert_int_equal(gr_error_code(), GR_ENOTFOUND);
	/* wrapping again prefixes again; the code given is the one kept */
	assert_int_equal(gr_error_wrap(GR_EIO, "ingest"), GR_EIO);
	assert_string_equal(gr_error_last(), "ingest: open x.jsonl: no such thing 7");
	assert_int_equal(gr_error_code(), GR_EIO);
	/* wrapping an empty message gives just the prefix */
	gr_error_clear();
	gr_error_wrap(GR_ERROR, "context");
	assert_string_equal(gr_error_last(), "context");
	/* a very long message is truncated, still NUL-terminated, prefix intact */
	char longmsg[3000];
	memset(longmsg, 'm', sizeof longmsg - 1);
	longmsg[sizeof longmsg - 1] = '\0';
	gr_error_set(GR_EINVAL, "%s", longmsg);
	gr_error_wrap(GR_EINVAL, "outer");
	const char *m = gr_error_last();
	assert_memory_equal(m, "outer: mmm", 10);
	assert_true(strlen(m) < 1024);
	assert_true(strlen(m) > 1000);
	/* errno variant appends strerror */
	errno = ENOENT;
	gr_error_errno(GR_EIO, "open %s", "f");
	char want[256];
	snprintf(want, sizeof want, "open f: %s", strerror(ENOENT));
	assert_string_equal(gr_error_last(), want);
	assert_int_equal(gr_error_code(), GR_EIO);
	/* names */
	assert_string_equal(gr_err_name(GR_ECORRUPT), "ECORRUPT");
	assert_string_equal(gr_err_name(GR_EINVAL), "EINVAL");
	assert_string_equal(gr_err_name(GR_OK), "OK");
	assert_string_equal(gr_err_name(-999), "ERROR");
	gr_error_clear();
}

static void *error_thread(void *arg)
{
	(void)arg;
	gr_error_set(GR_EBUSY, "from the thread");
	return NULL;
}

static void test_error_thread_local(void **state)
{
	(void)state;
	gr_error_set(GR_EPERM, "main thread");
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, error_thread, NULL), 0);
	pthread_join(t, NULL);
	assert_string_equal(gr_error_last(), "main thread");
	assert_int_equal(gr_error_code(), GR_EPERM);
	gr_error_clear();
}

/* ---- pool ---- */

typedef struct {
	gr_task task;
	int index;
	int runs;
	pthread_t ran_on;
	uint64_t result;
} job;

static int pool_counter;

static void job_fn(gr_task *t)
{
	job *j = (job *)t;
	j->runs++;
	j->ran_on = pthread_self();
	/* a little work so tasks overlap */
	uint64_t x = (uint64_t)j->index + 1;
	for (int i = 0; i < 2000; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	j->result = x;
	__atomic_add_fetch(&pool_counter, 1, __ATOMIC_RELAXED);
}

static uint64_t job_expect(int index)
{
	uint64_t x = (uint64_t)index + 1;
	for (int i = 0; i < 2000; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	return x;
}

static void run_pool(int nthreads)
{
	enum { N = 3000 };
	job *jobs = calloc(N, sizeof *jobs);
	assert_non_null(jobs);
	gr_pool *p = NULL;
	assert_int_equal(gr_pool_new(&p, nthreads), 0);
	assert_non_null(p);
	pool_counter = 0;
	pthread_t self = pthread_self();
	for (int i = 0; i < N; i++) {
		jobs[i].index = i;
		gr_pool_submit(p, &jobs[i].task, job_fn);
		if (nthreads == 0) /* inline: done before submit returns */
			assert_int_equal(jobs[i].runs, 1);
	}
	for (int i = N - 1; i >= 0; i--)
		gr_pool_wait(p, &jobs[i].task);
	assert_int_equal(__atomic_load_n(&pool_counter, __ATOMIC_RELAXED), N);
	int on_self = 0;
	for (int i = 0; i < N; i++) {
		assert_int_equal(jobs[i].runs, 1);
		assert_true(jobs[i].result == job_expect(i));
		on_self += pthread_equal(jobs[i].ran_on, self) ? 1 : 0;
	}
	/* inline pool runs on the caller; a threaded pool never does */
	assert_int_equal(on_self, nthreads == 0 ? N : 0);
	/* reuse of the same task structs */
	for (int i = 0; i < N; i++)
		gr_pool_submit(p, &jobs[i].task, job_fn);
	for (int i = 0; i < N; i++) {
		gr_pool_wait(p, &jobs[i].task);
		assert_int_equal(jobs[i].runs, 2);
	}
	/* free waits for tasks still queued */
	for (int i = 0; i < N; i++)
		gr_pool_submit(p, &jobs[i].task, job_fn);
	gr_pool_free(p);
	for (int i = 0; i < N; i++)
		assert_int_equal(jobs[i].runs, 3);
	assert_int_equal(__atomic_load_n(&pool_counter, __ATOMIC_RELAXED), 3 * N);
	free(jobs);
}

static void test_pool_inline(void **state)
{
	(void)state;
	run_pool(0);
}

static void test_pool_threads(void **state)
{
	(void)state;
	run_pool(2);
	assert_true(gr_ncpu() >= 1);
	gr_pool_free(NULL);
}

/* ---- SHA-256 ---- */

static void hexeq(const uint8_t h[GR_HASH_LEN], const char *want)
{
	char hex[GR_HEX_LEN + 1];
	gr_hex(hex, h, GR_HASH_LEN);
	assert_string_equal(hex, want);
}

static void test_sha256(void **state)
{
	(void)state;
	uint8_t h[GR_HASH_LEN];
	gr_sha256(h, "abc", 3);
	hexeq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	gr_sha256(h, "", 0);
	hexeq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	gr_sha256(h, two, strlen(two));
	hexeq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* streaming, split at every position, gives the same */
	gr_sha256_ctx *c = gr_sha256_new();
	assert_non_null(c);
	for (size_t cut = 0; cut <= strlen(two); cut++) {
		gr_sha256_update(c, two, cut);
		gr_sha256_update(c, two + cut, strlen(two) - cut);
		gr_sha256_final(c, h); /* resets for reuse */
		hexeq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	}
	/* one million 'a' */
	char *m = malloc(1000000);
	assert_non_null(m);
	memset(m, 'a', 1000000);
	for (int i = 0; i < 10; i++)
		gr_sha256_update(c, m + i * 100000, 100000);
	gr_sha256_final(c, h);
	hexeq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	gr_sha256(h, m, 1000000);
	hexeq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(m);
	gr_sha256_final(c, h); /* nothing since the reset */
	hexeq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	gr_sha256_free(c);
	gr_sha256_free(NULL);
}

static void *sha_thread(void *arg)
{
	int *bad = arg;
	uint8_t h[GR_HASH_LEN];
	char hex[GR_HEX_LEN + 1];
	for (int i = 0; i < 2000; i++) {
		gr_sha256(h, "abc", 3);
		gr_hex(hex, h, GR_HASH_LEN);
		if (strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
			(*bad)++;
	}
	return NULL;
}

static void test_sha256_threads(void **state)
{
	(void)state;
	pthread_t t[4];
	int bad[4] = {0};
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, sha_thread, &bad[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(bad[i], 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_buf_grow_huge),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_write_file_atomic),
		cmocka_unit_test(test_fs_misc),
		cmocka_unit_test(test_writeback),
		cmocka_unit_test(test_error_wrap),
		cmocka_unit_test(test_error_thread_local),
		cmocka_unit_test(test_pool_inline),
		cmocka_unit_test(test_pool_threads),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_sha256_threads),
	};
	return cmocka_run_group_tests_name("util", tests, group_setup, group_teardown);
}
