/*
 * libFuzzer target for src/scan/pii.
 *
 * Each input is one text. Besides "no crash, no out-of-bounds read" (the
 * scanner gets an exact-size heap copy, so ASan sees any read past the end)
 * it checks what every result must satisfy:
 *  - spans lie inside the text, start < end, sorted, not overlapping;
 *  - every span is ASCII (so cutting at span edges keeps UTF-8 valid) and
 *    `global` is false only for IP addresses;
 *  - each span re-validates with a simple independent check of its type:
 *    one '@' with text on both sides (EMAIL), Luhn over 12-19 digits
 *    (CREDIT_CARD), mod 97 == 1 over 15-34 characters (IBAN), 9 digits with a
 *    valid area (US_SSN), inet_pton (IP_ADDRESS, without its /prefix),
 *    7-15 digits without a "00" prefix or "x" extension (PHONE), a known
 *    prefix (SECRET);
 *  - the counts equal gr_pii_count() of the spans, and a second scan gives
 *    the same spans;
 *  - redaction output is valid UTF-8 when the input was, and has the length
 *    that the replaced spans imply.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Isrc \
 *       $(pkg-config --cflags libhs) tests/fuzz/fuzz_pii.c src/scan/pii.c src/scan/rules.c \
 *       src/util/buf.c src/util/error.c src/util/fs.c src/util/hash.c \
 *       -o build/fuzz_pii $(pkg-config --libs libhs libcrypto) -lpthread
 *   build/fuzz_pii -max_len=8192 -dict=tests/tools/fuzz_pii.dict CORPUS tests/fuzz/corpus/pii
 *
 * Built with -DGR_FUZZ_REPLAY and no -fsanitize=fuzzer (any compiler), it is
 * a plain program that runs every file named on its command line through the
 * same checks, so the corpus replays as an ordinary test.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan/pii.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_pii: check failed: %s (line %d)\n", #cond, __LINE__); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static gr_pii_db *db;
static gr_pii_scanner *sc;

static bool dig(int c) { return c >= '0' && c <= '9'; }

static bool luhn_ok(const char *p, size_t n)
{
	char d[32];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (dig(p[i])) {
			if (k == sizeof d)
				return false;
			d[k++] = p[i];
		} else if (p[i] != ' ' && p[i] != '-') {
			return false;
		}
	}
	if (k < 12 || k > 19)
		return false;
	unsigned sum = 0;
	for (size_t i = 0; i < k; i++) {
		unsigned v = (unsigned)(d[k - 1 - i] - '0');
		if (i & 1)
			v = v * 2 > 9 ? v * 2 - 9 : v * 2;
		sum += v;
	}
	return sum % 10 == 0;
}

static bool iban_ok(const char *p, size_t n)
{
	char s[40];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == ' ')
			continue;
		if (k == sizeof s || !(dig(p[i]) || (p[i] >= 'A' && p[i] <= 'Z')))
			return false;
		s[k++] = p[i];
	}
	if (k < 15 || k > 34)
		return false;
	unsigned r = 0;
	for (size_t i = 0; i < k; i++) {
		char c = s[(i + 4) % k];
		r = dig(c) ? (r * 10 + (unsigned)(c - '0')) % 97 : (r * 100 + (unsigned)(c - 'A' + 10)) % 97;
	}
	return r == 1;
}

static size_t digits(const char *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += dig(p[i]);
	return k;
}

static bool ip_ok(const char *p, size_t n)
{
	char buf[64];
	const char *slash = memchr(p, '/', n);
	if (slash)
		n = (size_t)(slash - p);
	if (n >= sizeof buf)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	unsigned char b[16];
	return inet_pton(AF_INET, buf, b) == 1 || inet_pton(AF_INET6, buf, b) == 1;
}

static bool secret_ok(const char *p, size_t n)
{
	static const char *const prefixes[] = {"AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
					       "github_pat_", "glpat-", "xox", "xapp-", "AIza", "sk_live_",
					       "rk_live_", "eyJ", "-----BEGIN"};
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (n > strlen(prefixes[i]) && memcmp(p, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static void check_span(const char *t, const gr_pii_span *s)
{
	const char *p = t + s->start;
	size_t n = s->end - s->start;
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)p[i] < 0x80);
	CHECK(s->global || s->type == GR_PII_IP_ADDRESS);
	switch (s->type) {
	case GR_PII_EMAIL: {
		const char *at = memchr(p, '@', n);
		CHECK(at && at > p && at < p + n - 3 && !memchr(at + 1, '@', (size_t)(p + n - at - 1)));
		CHECK(n <= 254);
		break;
	}
	case GR_PII_PHONE: {
		size_t d = digits(p, n) - (n > 2 && p[0] == '0' && p[1] == '0' ? 2 : 0); /* 00 for '+' */
		const char *x = memchr(p, 'x', n);
		if (x)
			d -= digits(x, (size_t)(p + n - x)); /* an extension */
		CHECK(d >= 7 && d <= 16); /* "(0)" may add one */
		CHECK(dig(p[n - 1]) || p[n - 1] == ')');
		break;
	}
	case GR_PII_IP_ADDRESS: CHECK(ip_ok(p, n)); break;
	case GR_PII_CREDIT_CARD: CHECK(luhn_ok(p, n)); break;
	case GR_PII_IBAN: CHECK(iban_ok(p, n)); break;
	case GR_PII_US_SSN:
		CHECK(digits(p, n) == 9 && (n == 9 || n == 11));
		CHECK(memcmp(p, "000", 3) != 0 && memcmp(p, "666", 3) != 0 && p[0] != '9');
		break;
	case GR_PII_SECRET: CHECK(secret_ok(p, n)); break;
	default: CHECK(!"span type out of range");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!db)
		CHECK(gr_pii_db_new(&db) == 0 && gr_pii_scanner_new(&sc, db) == 0);
	char *t = malloc(size ? size : 1);
	CHECK(t);
	if (size)
		memcpy(t, data, size);

	const gr_pii_span *sp;
	size_t ns = 0;
	uint32_t counts[GR_PII_NTYPES], again[GR_PII_NTYPES];
	CHECK(gr_pii_scan(sc, t, size, &sp, &ns, counts) == 0);
	for (size_t i = 0; i < ns; i++) {
		CHECK((unsigned)sp[i].type < GR_PII_NTYPES);
		CHECK(sp[i].start < sp[i].end && sp[i].end <= size);
		if (i)
			CHECK(sp[i - 1].end <= sp[i].start);
		check_span(t, &sp[i]);
	}
	gr_pii_count(sp, ns, GR_PII_ALL_TYPES, again);
	CHECK(memcmp(counts, again, sizeof again) == 0);

	gr_pii_span *copy = malloc((ns ? ns : 1) * sizeof *copy);
	CHECK(copy);
	if (ns)
		memcpy(copy, sp, ns * sizeof *copy);
	size_t ns2 = 0;
	CHECK(gr_pii_scan(sc, t, size, &sp, &ns2, NULL) == 0);
	CHECK(ns2 == ns);
	for (size_t i = 0; i < ns; i++) /* field by field: the struct has padding */
		CHECK(copy[i].type == sp[i].type && copy[i].start == sp[i].start && copy[i].end == sp[i].end &&
		      copy[i].global == sp[i].global);

	gr_buf out = GR_BUF_INIT;
	uint32_t mask = GR_PII_ALL_TYPES | GR_PII_NONGLOBAL_IPS;
	CHECK(gr_pii_redact(t, size, copy, ns, mask, &out) == 0);
	size_t want = size;
	for (size_t i = 0; i < ns; i++)
		want = want - (copy[i].end - copy[i].start) + strlen(gr_pii_type_name(copy[i].type)) + 2;
	CHECK(out.len == want);
	if (gr_utf8_valid(t, size))
		CHECK(gr_utf8_valid(out.ptr ? out.ptr : "", out.len));
	gr_buf_reset(&out);
	CHECK(gr_pii_redact(t, size, copy, ns, 0, &out) == 0);
	CHECK(out.len == size && (size == 0 || memcmp(out.ptr, t, size) == 0));

	gr_buf_free(&out);
	free(copy);
	free(t);
	return 0;
}

#ifdef GR_FUZZ_REPLAY
#include "replay.h"

int main(int argc, char **argv)
{
	int rc = gr_fuzz_replay("fuzz_pii", argc, argv);
	gr_pii_scanner_free(sc);
	gr_pii_db_free(db);
	return rc;
}
#endif
