/*
 * gr_buf: a growable byte string. Invariant: when ptr != NULL, ptr[len] == 0
 * and len < cap, so the contents can always be used as a C string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/util.h"

void *gr_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		gr_error_set(GR_ENOMEM, "out of memory (%zu bytes)", n);
	return p;
}

void *gr_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		gr_error_set(GR_ENOMEM, "out of memory (%zu bytes)", n);
	return q;
}

void *gr_alloc_huge(size_t n, size_t *cap_out)
{
	/* aligned, whole huge pages: a buffer's unaligned ends would fault 4 KiB at a time */
	const size_t huge = 2u << 20;
	size_t cap = n > SIZE_MAX - huge ? 0 : (n + huge - 1) & ~(huge - 1);
	void *p = NULL;
	if (!cap || posix_memalign(&p, huge, cap)) {
		gr_error_set(GR_ENOMEM, "out of memory (%zu bytes)", n);
		return NULL;
	}
	madvise(p, cap, MADV_HUGEPAGE);
	*cap_out = cap;
	return p;
}

int gr_array_reserve(void *ptr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t want = *cap ? *cap * 2 : 64;
	if (want > SIZE_MAX / elem)
		return gr_error_set(GR_ENOMEM, "array too large");
	void **pp = ptr;
	void *q = gr_realloc(*pp, want * elem);
	if (!q)
		return GR_ENOMEM;
	*pp = q;
	*cap = want;
	return 0;
}

char *gr_strndup(const char *s, size_t n)
{
	char *p = gr_malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *gr_strdup(const char *s)
{
	return gr_strndup(s, strlen(s));
}

int gr_buf_grow(gr_buf *b, size_t extra)
{
	if (extra > SIZE_MAX / 2 - b->len)
		return gr_error_set(GR_ENOMEM, "buffer too large");
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap / 2 * 3 + 64;
	char *p = gr_realloc(b->ptr, cap);
	if (!p)
		return GR_ENOMEM;
	b->ptr = p;
	b->cap = cap;
	b->ptr[b->len] = '\0';
	return 0;
}

int gr_buf_grow_huge(gr_buf *b, size_t extra)
{
	if (extra > SIZE_MAX / 2 - b->len)
		return gr_error_set(GR_ENOMEM, "buffer too large");
	size_t cap;
	char *p = gr_alloc_huge(b->len + extra + 1, &cap);
	if (!p)
		return GR_ENOMEM;
	if (b->len)
		memcpy(p, b->ptr, b->len);
	p[b->len] = '\0';
	free(b->ptr);
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int gr_buf_put(gr_buf *b, const void *data, size_t n)
{
	int rc = gr_buf_grow(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->ptr + b->len, data, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

int gr_buf_puts(gr_buf *b, const char *s)
{
	return gr_buf_put(b, s, strlen(s));
}

int gr_buf_putc(gr_buf *b, char c)
{
	return gr_buf_put(b, &c, 1);
}

int gr_buf_printf(gr_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return gr_error_set(GR_EINVAL, "bad format");
	int rc = gr_buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int gr_buf_put_json_str(gr_buf *b, const char *s, size_t n)
{
	static const char hexd[] = "0123456789abcdef";
	/* worst case every byte becomes \u00XX */
	if (n > (SIZE_MAX - 2) / 6)
		return gr_error_set(GR_ENOMEM, "string too large");
	int rc = gr_buf_grow(b, n * 6 + 2);
	if (rc)
		return rc;
	char *o = b->ptr + b->len;
	*o++ = '"';
	size_t i = 0;
	while (i < n) {
		/* find the next byte that needs escaping, 8 bytes at a time (SWAR:
		 * a byte below 0x20, a '"' or a '\\' makes its high bit show) */
		size_t j = i;
		while (j + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + j, 8);
			const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
			uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
			uint64_t t = ((w - ones * 0x20) | (q - ones) | (bs - ones)) & ~w & high;
			if (t)
				break;
			j += 8;
		}
		while (j < n) {
			unsigned char c = (unsigned char)s[j];
			if (c < 0x20 || c == '"' || c == '\\')
				break;
			j++;
		}
		memcpy(o, s + i, j - i);
		o += j - i;
		if (j == n)
			break;
		unsigned char c = (unsigned char)s[j];
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			*o++ = 'u'; *o++ = '0'; *o++ = '0';
			*o++ = hexd[c >> 4]; *o++ = hexd[c & 15];
		}
		i = j + 1;
	}
	*o++ = '"';
	b->len = (size_t)(o - b->ptr);
	b->ptr[b->len] = '\0';
	return 0;
}

int gr_buf_put_hex(gr_buf *b, const uint8_t *data, size_t n)
{
	int rc = gr_buf_grow(b, n * 2);
	if (rc)
		return rc;
	gr_hex(b->ptr + b->len, data, n);
	b->len += n * 2;
	return 0;
}

void gr_buf_reset(gr_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void gr_buf_free(gr_buf *b)
{
	if (!b)
		return;
	free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

char *gr_buf_detach(gr_buf *b)
{
	char *p = b->ptr;
	if (!p)
		p = gr_strdup("");
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}
