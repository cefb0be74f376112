/*
 * libFuzzer target for src/ingest/jsonl.
 *
 * Each input is one line. Besides "no crash, no out-of-bounds read" (the
 * parser gets an exact-size heap copy, so ASan sees any read past the end),
 * it checks the parser against a deliberately naive reference validator
 * written below (byte at a time, recursive, UTF-8 via util's gr_utf8_valid):
 * both must accept or reject the same lines, and on acceptance report the
 * same members, spans, types and escape flags. gr_json_parse_object (AVX2
 * UTF-8 pre-check) and gr_json_parse_object_portable must agree exactly,
 * error offsets included. Accepted string members must
 * decode to valid UTF-8 and compare equal to their own decoded keys.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Isrc \
 *       tests/fuzz/fuzz_jsonl.c src/ingest/jsonl.c src/util/buf.c src/util/error.c \
 *       src/util/fs.c src/util/hash.c -lcrypto -lpthread -o build/fuzz_jsonl
 *   build/fuzz_jsonl -max_total_time=180 tests/fuzz/corpus/jsonl
 *
 * Built with -DGR_FUZZ_REPLAY and no -fsanitize=fuzzer (any compiler), it is
 * a plain program that runs every file named on its command line through the
 * same checks, so the corpus replays as an ordinary test:
 *
 *   cc -DGR_FUZZ_REPLAY ... -o build/fuzz_jsonl_replay && build/fuzz_jsonl_replay tests/fuzz/corpus/jsonl/[0-9]*
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/jsonl.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_jsonl: check failed: %s (line %d)\n", #cond, __LINE__); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* ---- reference validator: simple rather than fast ---- */

struct ref {
	const unsigned char *p, *end;
	size_t n;
	gr_json_member m[GR_JSON_MAX_MEMBERS];
};

static void ref_ws(struct ref *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int ref_hex4(struct ref *r)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		if (r->p >= r->end)
			return -1;
		unsigned char c = *r->p++;
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static bool ref_string(struct ref *r, bool *escaped)
{
	r->p++; /* opening quote */
	const unsigned char *body = r->p;
	*escaped = false;
	while (r->p < r->end) {
		unsigned char c = *r->p;
		if (c == '"') {
			bool ok = gr_utf8_valid((const char *)body, (size_t)(r->p - body));
			r->p++;
			return ok;
		}
		if (c < 0x20)
			return false;
		r->p++;
		if (c != '\\')
			continue;
		*escaped = true;
		if (r->p >= r->end)
			return false;
		c = *r->p++;
		if (strchr("\"\\/bfnrt", c) && c)
			continue;
		if (c != 'u')
			return false;
		int u = ref_hex4(r);
		if (u < 0 || (u >= 0xdc00 && u <= 0xdfff))
			return false;
		if (u >= 0xd800 && u <= 0xdbff) {
			if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
				return false;
			r->p += 2;
			int lo = ref_hex4(r);
			if (lo < 0xdc00 || lo > 0xdfff)
				return false;
		}
	}
	return false;
}

static bool ref_digits(struct ref *r)
{
	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		return false;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return true;
}

static bool ref_number(struct ref *r)
{
	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p < r->end && *r->p == '0') {
		r->p++;
	} else {
		if (r->p >= r->end || *r->p < '1' || *r->p > '9')
			return false;
		ref_digits(r);
	}
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (!ref_digits(r))
			return false;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (!ref_digits(r))
			return false;
	}
	return true;
}

static bool ref_word(struct ref *r, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return false;
	r->p += n;
	return true;
}

/* depth: nesting of the container this value would open */
static bool ref_value(struct ref *r, int depth, enum gr_json_type *type, bool *escaped)
{
	*escaped = false;
	if (r->p >= r->end)
		return false;
	switch (*r->p) {
	case '"':
		*type = GR_JSON_STRING;
		return ref_string(r, escaped);
	case 't': *type = GR_JSON_TRUE; return ref_word(r, "true");
	case 'f': *type = GR_JSON_FALSE; return ref_word(r, "false");
	case 'n': *type = GR_JSON_NULL; return ref_word(r, "null");
	case '[':
	case '{': {
		bool obj = *r->p == '{';
		*type = obj ? GR_JSON_OBJECT : GR_JSON_ARRAY;
		if (depth > GR_JSON_MAX_DEPTH)
			return false;
		r->p++;
		ref_ws(r);
		if (r->p < r->end && *r->p == (obj ? '}' : ']')) {
			r->p++;
			return true;
		}
		for (;;) {
			enum gr_json_type t;
			bool e;
			if (obj) {
				if (r->p >= r->end || *r->p != '"' || !ref_string(r, &e))
					return false;
				ref_ws(r);
				if (r->p >= r->end || *r->p != ':')
					return false;
				r->p++;
				ref_ws(r);
			}
			if (!ref_value(r, depth + 1, &t, &e))
				return false;
			ref_ws(r);
			if (r->p < r->end && *r->p == ',') {
				r->p++;
				ref_ws(r);
				continue;
			}
			if (r->p < r->end && *r->p == (obj ? '}' : ']')) {
				r->p++;
				return true;
			}
			return false;
		}
	}
	default:
		*type = GR_JSON_NUMBER;
		return ref_number(r);
	}
}

static bool ref_line(struct ref *r)
{
	ref_ws(r);
	if (r->p >= r->end || *r->p != '{')
		return false;
	r->p++;
	ref_ws(r);
	r->n = 0;
	if (r->p < r->end && *r->p == '}') {
		r->p++;
	} else {
		for (;;) {
			if (r->n == GR_JSON_MAX_MEMBERS)
				return false;
			gr_json_member *m = &r->m[r->n];
			if (r->p >= r->end || *r->p != '"')
				return false;
			const unsigned char *k = r->p;
			if (!ref_string(r, &m->key_escaped))
				return false;
			m->key = (const char *)k + 1;
			m->key_len = (size_t)(r->p - k) - 2;
			ref_ws(r);
			if (r->p >= r->end || *r->p != ':')
				return false;
			r->p++;
			ref_ws(r);
			const unsigned char *v = r->p;
			if (!ref_value(r, 2, &m->type, &m->val_escaped))
				return false;
			m->val = (const char *)v;
			m->val_len = (size_t)(r->p - v);
			r->n++;
			ref_ws(r);
			if (r->p < r->end && *r->p == ',') {
				r->p++;
				ref_ws(r);
				continue;
			}
			if (r->p < r->end && *r->p == '}') {
				r->p++;
				break;
			}
			return false;
		}
	}
	ref_ws(r);
	return r->p == r->end;
}

/* ---- the target ---- */

static bool same_member(const gr_json_member *a, const gr_json_member *b)
{
	return a->key == b->key && a->key_len == b->key_len && a->val == b->val && a->val_len == b->val_len &&
	       a->type == b->type && a->key_escaped == b->key_escaped && a->val_escaped == b->val_escaped;
}

static gr_json_member members[GR_JSON_MAX_MEMBERS], members2[GR_JSON_MAX_MEMBERS];
static struct ref ref;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size ? size : 1);
	if (!line)
		return 0;
	if (size)
		memcpy(line, data, size);

	size_t n = (size_t)-1, off = (size_t)-1;
	size_t n2 = (size_t)-1, off2 = (size_t)-1;
	int rc2 = gr_json_parse_object_portable(line, size, members2, GR_JSON_MAX_MEMBERS, &n2, &off2);
	int rc = gr_json_parse_object(line, size, members, GR_JSON_MAX_MEMBERS, &n, &off);

	/* the AVX2 path and the portable path agree on everything */
	CHECK(rc == rc2 && n == n2 && off == off2);
	for (size_t i = 0; !rc && i < n; i++)
		CHECK(same_member(&members[i], &members2[i]));

	ref.p = (const unsigned char *)line;
	ref.end = ref.p + size;
	bool ref_ok = ref_line(&ref);
	if ((rc == 0) != ref_ok) {
		fprintf(stderr, "fuzz_jsonl: parser %s (%s), reference %s\n", rc ? "rejects" : "accepts",
			rc ? gr_error_last() : "", ref_ok ? "accepts" : "rejects");
		abort();
	}

	gr_buf out = GR_BUF_INIT;
	if (rc) {
		CHECK(rc == GR_EINVAL || rc == GR_ELIMIT);
		CHECK(off <= size);
		CHECK(n == (size_t)-1);
	} else {
		CHECK(n == ref.n);
		for (size_t i = 0; i < n; i++) {
			const gr_json_member *m = &members[i], *w = &ref.m[i];
			CHECK(same_member(m, w));

			gr_buf_reset(&out);
			CHECK(gr_json_unescape_key(&out, m) == 0);
			CHECK(out.len <= m->key_len);
			CHECK(gr_utf8_valid(out.ptr ? out.ptr : "", out.len));
			if (!out.ptr || strlen(out.ptr) == out.len)
				CHECK(gr_json_key_eq(m, out.ptr ? out.ptr : ""));
			if (m->type == GR_JSON_STRING) {
				gr_buf_reset(&out);
				CHECK(gr_json_unescape(&out, m->val, m->val_len) == 0);
				CHECK(out.len + 2 <= m->val_len);
				CHECK(gr_utf8_valid(out.ptr ? out.ptr : "", out.len));
				CHECK(m->val_escaped || out.len + 2 == m->val_len);
			}
		}
	}

	/* a caller limit one below the member count stops at the opening quote of the extra key */
	if (rc == 0 && n > 0) {
		size_t lim_off = 0;
		CHECK(gr_json_parse_object(line, size, members2, n - 1, NULL, &lim_off) == GR_ELIMIT);
		CHECK(lim_off == (size_t)(members[n - 1].key - 1 - line));
	}

	/* unescape on arbitrary bytes must be safe */
	gr_buf_reset(&out);
	int urc = gr_json_unescape(&out, line, size);
	CHECK(urc == 0 || urc == GR_EINVAL);
	if (urc == 0)
		CHECK(out.len + 2 <= size);
	else
		CHECK(out.len == 0);

	gr_buf_free(&out);
	free(line);
	return 0;
}

#ifdef GR_FUZZ_REPLAY
#include "replay.h"

int main(int argc, char **argv)
{
	int rc = gr_fuzz_replay("fuzz_jsonl", argc, argv);
	return rc;
}
#endif
