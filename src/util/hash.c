/*
 * SHA-256 via OpenSSL EVP, hex and varints. The EVP_MD is fetched once; each
 * thread keeps one digest context for the one-shot gr_sha256().
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>

#include "util/util.h"

struct gr_sha256_ctx {
	EVP_MD_CTX *md;
};

static EVP_MD *sha_md;
static pthread_once_t sha_once = PTHREAD_ONCE_INIT;

static void sha_init(void)
{
	sha_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!sha_md)
		abort(); /* libcrypto without SHA-256 cannot run Granary at all */
}

static _Thread_local EVP_MD_CTX *tls_ctx;

static void tls_ctx_free(void *p)
{
	EVP_MD_CTX_free(p);
}

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static void tls_key_init(void)
{
	pthread_key_create(&tls_key, tls_ctx_free);
}

void gr_sha256(uint8_t out[GR_HASH_LEN], const void *data, size_t n)
{
	pthread_once(&sha_once, sha_init);
	if (!tls_ctx) {
		pthread_once(&tls_once, tls_key_init);
		tls_ctx = EVP_MD_CTX_new();
		if (!tls_ctx)
			abort();
		pthread_setspecific(tls_key, tls_ctx);
	}
	unsigned int len = 0;
	if (EVP_DigestInit_ex(tls_ctx, sha_md, NULL) != 1 ||
	    EVP_DigestUpdate(tls_ctx, data, n) != 1 ||
	    EVP_DigestFinal_ex(tls_ctx, out, &len) != 1)
		abort();
}

gr_sha256_ctx *gr_sha256_new(void)
{
	pthread_once(&sha_once, sha_init);
	gr_sha256_ctx *c = gr_malloc(sizeof *c);
	if (!c)
		return NULL;
	c->md = EVP_MD_CTX_new();
	if (!c->md || EVP_DigestInit_ex(c->md, sha_md, NULL) != 1) {
		EVP_MD_CTX_free(c->md);
		free(c);
		gr_error_set(GR_ENOMEM, "cannot create a SHA-256 context");
		return NULL;
	}
	return c;
}

void gr_sha256_update(gr_sha256_ctx *c, const void *data, size_t n)
{
	if (EVP_DigestUpdate(c->md, data, n) != 1)
		abort();
}

void gr_sha256_final(gr_sha256_ctx *c, uint8_t out[GR_HASH_LEN])
{
	unsigned int len = 0;
	if (EVP_DigestFinal_ex(c->md, out, &len) != 1 || EVP_DigestInit_ex(c->md, sha_md, NULL) != 1)
		abort();
}

void gr_sha256_free(gr_sha256_ctx *c)
{
	if (!c)
		return;
	EVP_MD_CTX_free(c->md);
	free(c);
}

void gr_hex(char *out, const uint8_t *data, size_t n)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[data[i] >> 4];
		out[2 * i + 1] = d[data[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool gr_unhex(uint8_t *out, const char *hex, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(hex[2 * i]), lo = hi < 0 ? -1 : hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return hex[2 * n] == '\0';
}

size_t gr_varint_put(uint8_t *out, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

size_t gr_varint_get(const uint8_t *p, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n && i < 10; i++) {
		uint64_t b = p[i] & 0x7f;
		if (i == 9 && b > 1)
			return 0; /* overflows 64 bits */
		v |= b << (7 * i);
		if (!(p[i] & 0x80)) {
			*out = v;
			return i + 1;
		}
	}
	return 0;
}
