/* Keyed hashes, text selectors and the suppression list (see consent.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "govern/consent.h"

/* ------------------------------------------------------------------ SipHash-2-4
 * Aumasson and Bernstein, "SipHash: a fast short-input PRF" (2012): 2
 * compression rounds per 8-byte word, 4 finalisation rounds, 64-bit output. */

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

#define SIPROUND                                                                                                 \
	do {                                                                                                     \
		v0 += v1, v1 = rotl(v1, 13), v1 ^= v0, v0 = rotl(v0, 32);                                        \
		v2 += v3, v3 = rotl(v3, 16), v3 ^= v2;                                                           \
		v0 += v3, v3 = rotl(v3, 21), v3 ^= v0;                                                           \
		v2 += v1, v1 = rotl(v1, 17), v1 ^= v2, v2 = rotl(v2, 32);                                        \
	} while (0)

/* SipHash-2-4 of the concatenation a[0..na) b[0..nb) (so "kind:" and the
 * value need no copy). */
static uint64_t siphash2(const uint8_t k[16], const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	uint64_t k0 = le64(k), k1 = le64(k + 8);
	uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
	size_t n = na + nb, i = 0;
	uint8_t w[8];
	for (; i + 8 <= n; i += 8) {
		for (int j = 0; j < 8; j++)
			w[j] = i + (size_t)j < na ? a[i + (size_t)j] : b[i + (size_t)j - na];
		uint64_t m = le64(w);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	uint64_t last = (uint64_t)(n & 0xff) << 56;
	for (size_t j = 0; i + j < n; j++)
		last |= (uint64_t)(i + j < na ? a[i + j] : b[i + j - na]) << (8 * j);
	v3 ^= last;
	SIPROUND;
	SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

#undef SIPROUND

uint64_t gr_siphash24(const uint8_t k[16], const void *data, size_t n)
{
	static const uint8_t none[1];
	return siphash2(k, data, n, none, 0);
}

void gr_govern_keyed(const uint8_t key[GR_HASH_LEN], const char *kind, const void *value, size_t n,
		     uint8_t out[GR_KEYED_LEN])
{
	uint8_t pre[32];
	size_t kn = strlen(kind);
	if (kn > sizeof pre - 1)
		kn = sizeof pre - 1;
	memcpy(pre, kind, kn);
	pre[kn++] = ':';
	/* the two halves of the hub key give two independent 64-bit PRFs */
	uint64_t h0 = siphash2(key, pre, kn, value, n), h1 = siphash2(key + 16, pre, kn, value, n);
	for (int i = 0; i < 8; i++) {
		out[i] = (uint8_t)(h0 >> (8 * i));
		out[8 + i] = (uint8_t)(h1 >> (8 * i));
	}
}

int gr_govern_key(const char *hub_dir, uint8_t key[GR_HASH_LEN])
{
	gr_buf path = GR_BUF_INIT, tmp = GR_BUF_INIT;
	int rc = gr_buf_printf(&path, "%s/%s", hub_dir, GR_GOVERN_KEY_FILE);
	if (rc)
		return rc;
	int fd = open(path.ptr, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t got = read(fd, key, GR_HASH_LEN);
		close(fd);
		rc = got == GR_HASH_LEN ? 0 : gr_error_set(GR_ECORRUPT, "%s: not a 32-byte key", path.ptr);
		goto out;
	}
	if (errno != ENOENT) {
		rc = gr_error_errno(GR_EIO, "%s", path.ptr);
		goto out;
	}
	/* made once: temp file, fsync, rename (another process may race us:
	 * link() then fails and we read the winner's key) */
	if (getrandom(key, GR_HASH_LEN, 0) != GR_HASH_LEN) {
		rc = gr_error_errno(GR_EIO, "getrandom");
		goto out;
	}
	if ((rc = gr_buf_printf(&tmp, "%s.tmp-%ld", path.ptr, (long)getpid())))
		goto out;
	fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, key, GR_HASH_LEN) != GR_HASH_LEN || fsync(fd) != 0) {
		rc = gr_error_errno(GR_EIO, "%s", tmp.ptr);
		if (fd >= 0)
			close(fd);
		unlink(tmp.ptr);
		goto out;
	}
	close(fd);
	if (link(tmp.ptr, path.ptr) != 0) {
		unlink(tmp.ptr);
		if (errno != EEXIST) {
			rc = gr_error_errno(GR_EIO, "%s", path.ptr);
			goto out;
		}
		gr_buf_free(&tmp);
		gr_buf_free(&path);
		return gr_govern_key(hub_dir, key);
	}
	unlink(tmp.ptr);
	rc = gr_fsync_dir(hub_dir);
out:
	gr_buf_free(&path);
	gr_buf_free(&tmp);
	return rc;
}

/* ------------------------------------------------------------------ text selectors */

static bool space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool punct(unsigned char c)
{
	return c < 0x80 && strchr("\"'()[]{}<>,;:.!?*`", c) && c;
}

/* The next word of t[*i..n) in normal form appended to out; false at the end. */
static bool next_word(const char *t, size_t n, size_t *i, gr_buf *out, int *rc)
{
	size_t p = *i;
	for (;;) {
		while (p < n && space((unsigned char)t[p]))
			p++;
		if (p == n) {
			*i = p;
			return false;
		}
		size_t e = p;
		while (e < n && !space((unsigned char)t[e]))
			e++;
		size_t a = p, b = e;
		while (a < b && punct((unsigned char)t[a]))
			a++;
		while (b > a && punct((unsigned char)t[b - 1]))
			b--;
		p = e;
		if (a == b)
			continue; /* punctuation only: not a word */
		for (size_t k = a; k < b && !*rc; k++) {
			char c = t[k];
			*rc = gr_buf_putc(out, c >= 'A' && c <= 'Z' ? (char)(c + 32) : c);
		}
		*i = p;
		return true;
	}
}

int gr_govern_text_norm(const char *text, gr_buf *out, int *words)
{
	size_t n = strlen(text), i = 0;
	int rc = 0, w = 0;
	if (n > GR_TEXT_SELECTOR_MAX_BYTES)
		return gr_error_set(GR_ELIMIT, "a text selector is at most %d bytes", GR_TEXT_SELECTOR_MAX_BYTES);
	gr_buf_reset(out);
	for (;;) {
		size_t before = out->len;
		if (w && (rc = gr_buf_putc(out, ' ')))
			return rc;
		if (!next_word(text, n, &i, out, &rc)) {
			out->len = before;
			break;
		}
		if (rc)
			return rc;
		w++;
	}
	if (!w)
		return gr_error_set(GR_EINVAL, "the text selector has no words");
	if (w > GR_TEXT_SELECTOR_MAX_WORDS)
		return gr_error_set(GR_ELIMIT, "a text selector is at most %d words", GR_TEXT_SELECTOR_MAX_WORDS);
	if (out->ptr)
		out->ptr[out->len] = '\0';
	*words = w;
	return 0;
}

/* ------------------------------------------------------------------ the suppression list */

struct entry {
	uint8_t key[GR_KEYED_LEN];
	uint8_t kind; /* index into kinds[] */
	bool used;
};

static const char *const kinds[] = {"content", "url", "url-prefix", "domain", "text"};
enum { K_CONTENT, K_URL, K_PREFIX, K_DOMAIN, K_TEXT, K_N };

struct gr_suppress {
	uint8_t key[GR_HASH_LEN];
	struct entry *tab;
	size_t cap, n;
	bool has[K_N];
	bool text_words[GR_TEXT_SELECTOR_MAX_WORDS + 1];
};

int gr_suppress_new(gr_suppress **out, const uint8_t key[GR_HASH_LEN])
{
	gr_suppress *s = calloc(1, sizeof *s);
	if (!s)
		return gr_error_set(GR_ENOMEM, "out of memory");
	memcpy(s->key, key, GR_HASH_LEN);
	*out = s;
	return 0;
}

void gr_suppress_free(gr_suppress *s)
{
	if (!s)
		return;
	free(s->tab);
	free(s);
}

size_t gr_suppress_count(const gr_suppress *s)
{
	return s->n;
}

static size_t slot_of(const uint8_t key[GR_KEYED_LEN], size_t cap)
{
	uint64_t h;
	memcpy(&h, key, sizeof h); /* keyed hash bytes are uniform */
	return (size_t)(h & (cap - 1));
}

static int grow(gr_suppress *s)
{
	size_t cap = s->cap ? 2 * s->cap : 64;
	struct entry *t = calloc(cap, sizeof *t);
	if (!t)
		return gr_error_set(GR_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->tab[i].used)
			continue;
		size_t j = slot_of(s->tab[i].key, cap);
		while (t[j].used)
			j = (j + 1) & (cap - 1);
		t[j] = s->tab[i];
	}
	free(s->tab);
	s->tab = t;
	s->cap = cap;
	return 0;
}

int gr_suppress_add(gr_suppress *s, const uint8_t keyed[GR_KEYED_LEN], const char *kind, int words)
{
	int k = 0;
	while (k < K_N && strcmp(kinds[k], kind))
		k++;
	if (k == K_N)
		return gr_error_set(GR_EINVAL, "unknown suppression kind '%s'", kind);
	if (2 * (s->n + 1) > s->cap && grow(s))
		return GR_ENOMEM;
	size_t j = slot_of(keyed, s->cap);
	while (s->tab[j].used) {
		if (!memcmp(s->tab[j].key, keyed, GR_KEYED_LEN))
			return 0;
		j = (j + 1) & (s->cap - 1);
	}
	memcpy(s->tab[j].key, keyed, GR_KEYED_LEN);
	s->tab[j].kind = (uint8_t)k;
	s->tab[j].used = true;
	s->n++;
	s->has[k] = true;
	if (k == K_TEXT && words > 0 && words <= GR_TEXT_SELECTOR_MAX_WORDS)
		s->text_words[words] = true;
	return 0;
}

static bool lookup(const gr_suppress *s, int kind, const void *v, size_t n)
{
	if (!s->has[kind] || !s->cap)
		return false;
	uint8_t k[GR_KEYED_LEN];
	gr_govern_keyed(s->key, kinds[kind], v, n, k);
	for (size_t j = slot_of(k, s->cap); s->tab[j].used; j = (j + 1) & (s->cap - 1))
		if (!memcmp(s->tab[j].key, k, GR_KEYED_LEN))
			return s->tab[j].kind == kind;
	return false;
}

/* The host of a URL, lower-cased into out (at most cap - 1 bytes). */
static size_t url_host(const char *url, size_t n, char *out, size_t cap)
{
	const char *p = memmem(url, n, "://", 3);
	if (!p)
		return 0;
	p += 3;
	const char *end = url + n, *h = p;
	while (p < end && *p != '/' && *p != '?' && *p != '#')
		p++;
	const char *at = memrchr(h, '@', (size_t)(p - h));
	if (at)
		h = at + 1;
	const char *colon = memchr(h, ':', (size_t)(p - h));
	const char *he = colon ? colon : p;
	size_t k = 0;
	for (const char *q = h; q < he && k + 1 < cap; q++)
		out[k++] = *q >= 'A' && *q <= 'Z' ? (char)(*q + 32) : *q;
	out[k] = '\0';
	return k;
}

static bool text_match(const gr_suppress *s, const char *t, size_t n)
{
	/* a window of the last words' normal forms, as offsets into one buffer */
	gr_buf norm = GR_BUF_INIT;
	size_t starts[GR_TEXT_SELECTOR_MAX_WORDS + 1];
	int nw = 0, rc = 0;
	size_t i = 0;
	bool hit = false;
	while (!hit && !rc) {
		/* keep the buffer to the last MAX words */
		if (nw == GR_TEXT_SELECTOR_MAX_WORDS) {
			size_t drop = starts[1];
			memmove(norm.ptr, norm.ptr + drop, norm.len - drop);
			norm.len -= drop;
			for (int k = 0; k + 1 < nw; k++)
				starts[k] = starts[k + 1] - drop;
			nw--;
		}
		size_t before = norm.len, ws = before + (nw ? 1 : 0);
		if (nw && (rc = gr_buf_putc(&norm, ' ')))
			break;
		if (!next_word(t, n, &i, &norm, &rc)) {
			norm.len = before;
			break;
		}
		starts[nw++] = ws;
		/* every window ending at this word whose length a selector has */
		for (int len = 1; len <= nw && !hit; len++) {
			if (!s->text_words[len])
				continue;
			size_t a = starts[nw - len];
			hit = lookup(s, K_TEXT, norm.ptr + a, norm.len - a);
		}
	}
	gr_buf_free(&norm);
	return hit;
}

bool gr_suppress_match(const gr_suppress *s, const uint8_t content[GR_HASH_LEN], const char *url, size_t url_len,
		       const char *text, size_t text_len, const char **why)
{
	if (!s || !s->n)
		return false;
	if (lookup(s, K_CONTENT, content, GR_HASH_LEN)) {
		*why = "content";
		return true;
	}
	if (url && url_len) {
		if (lookup(s, K_URL, url, url_len)) {
			*why = "url";
			return true;
		}
		if (s->has[K_PREFIX]) {
			/* prefixes at '/' boundaries, and the whole URL */
			for (size_t i = 1; i <= url_len; i++)
				if ((i == url_len || url[i] == '/') && lookup(s, K_PREFIX, url, i == url_len ? i : i + 1)) {
					*why = "url-prefix";
					return true;
				}
		}
		if (s->has[K_DOMAIN]) {
			char host[256];
			size_t hn = url_host(url, url_len, host, sizeof host);
			/* the host and each parent domain */
			for (size_t i = 0; i < hn; i++)
				if ((i == 0 || host[i - 1] == '.') && lookup(s, K_DOMAIN, host + i, hn - i)) {
					*why = "domain";
					return true;
				}
		}
	}
	if (text && s->has[K_TEXT] && text_match(s, text, text_len)) {
		*why = "text";
		return true;
	}
	return false;
}
