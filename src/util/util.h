/*
 * util — the pieces every module shares: errors, growable buffers, SHA-256,
 * hex, varints, JSON string escaping, crash-safe file writes, time.
 * Depends on libc and OpenSSL's libcrypto only.
 */
#ifndef GR_UTIL_H
#define GR_UTIL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes: 0 is success, failures are negative. Also in granary.h. */
#ifndef GR_ERR_DEFINED
#define GR_ERR_DEFINED
enum gr_err {
	GR_OK = 0,
	GR_ERROR = -1,     /* unclassified failure */
	GR_ENOTFOUND = -2, /* no such dataset, version, record, file */
	GR_EINVAL = -3,    /* bad argument or malformed input */
	GR_ECORRUPT = -4,  /* stored data fails its checks */
	GR_EIO = -5,       /* the operating system refused */
	GR_ELIMIT = -6,    /* a named limit was exceeded */
	GR_EPERM = -7,     /* not allowed */
	GR_EBUSY = -8,     /* another writer holds the hub */
	GR_EEXIST = -9,    /* already exists */
	GR_ENOMEM = -10,   /* out of memory */
	GR_EINTR = -11,    /* cancelled by the caller */
};
#endif

/* Sets the calling thread's error and returns code, so `return gr_error_set(...)`. */
int gr_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like gr_error_set, appending ": strerror(errno)". */
int gr_error_errno(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefixes the current message with more context ("ingest a.jsonl: ..."), keeps the code. */
int gr_error_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *gr_error_last(void);
int gr_error_code(void);
void gr_error_clear(void);
const char *gr_err_name(int code); /* "ENOTFOUND", ... */

/* A growable byte buffer, always NUL-terminated when ptr != NULL. */
typedef struct {
	char *ptr;
	size_t len;
	size_t cap;
} gr_buf;
#define GR_BUF_INIT {NULL, 0, 0}

int gr_buf_grow(gr_buf *b, size_t extra); /* room for len + extra + 1 */
/* gr_buf_grow for a large buffer that is filled over and over: one new
 * allocation from gr_alloc_huge (the contents are copied). */
int gr_buf_grow_huge(gr_buf *b, size_t extra);
int gr_buf_put(gr_buf *b, const void *data, size_t n);
int gr_buf_puts(gr_buf *b, const char *s);
int gr_buf_putc(gr_buf *b, char c);
int gr_buf_printf(gr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int gr_buf_put_json_str(gr_buf *b, const char *s, size_t n); /* quoted, escaped */
int gr_buf_put_hex(gr_buf *b, const uint8_t *data, size_t n);
void gr_buf_reset(gr_buf *b);
void gr_buf_free(gr_buf *b);
char *gr_buf_detach(gr_buf *b);

/* SHA-256 through OpenSSL EVP (SHA-NI where the CPU has it). Thread-safe. */
#define GR_HASH_LEN 32
#define GR_HEX_LEN 64
void gr_sha256(uint8_t out[GR_HASH_LEN], const void *data, size_t n);
typedef struct gr_sha256_ctx gr_sha256_ctx;
gr_sha256_ctx *gr_sha256_new(void);
void gr_sha256_update(gr_sha256_ctx *c, const void *data, size_t n);
void gr_sha256_final(gr_sha256_ctx *c, uint8_t out[GR_HASH_LEN]); /* resets c for reuse */
void gr_sha256_free(gr_sha256_ctx *c);

void gr_hex(char *out, const uint8_t *data, size_t n); /* writes 2n chars + NUL */
/* Parses exactly 2n hex chars; returns false on anything else. */
bool gr_unhex(uint8_t *out, const char *hex, size_t n);

/* LEB128 unsigned varints. */
size_t gr_varint_put(uint8_t *out, uint64_t v); /* out needs 10 bytes */
/* Returns bytes consumed, 0 on truncated/overlong input. */
size_t gr_varint_get(const uint8_t *p, size_t n, uint64_t *out);

static inline void gr_le32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline uint32_t gr_le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void gr_le64_put(uint8_t *p, uint64_t v)
{
	gr_le32_put(p, (uint32_t)v); gr_le32_put(p + 4, (uint32_t)(v >> 32));
}
static inline uint64_t gr_le64_get(const uint8_t *p)
{
	return (uint64_t)gr_le32_get(p) | (uint64_t)gr_le32_get(p + 4) << 32;
}

/* Files. All return 0 or a negative gr_err with the message set. */
int gr_mkdir_p(const char *path, unsigned mode);
int gr_fsync_dir(const char *dir);
/* temp file in the same directory, write, fsync, rename over path, fsync directory. */
int gr_write_file_atomic(const char *path, const void *data, size_t n);
int gr_read_file(const char *path, size_t max, gr_buf *out);
int gr_write_all(int fd, const void *data, size_t n);
int gr_pread_all(int fd, void *data, size_t n, uint64_t off);
char *gr_path_join(const char *a, const char *b); /* malloc'd, NULL on OOM */
bool gr_is_dir(const char *path);

/* An early flush: fdatasync of a file on a thread of its own, so that what is
 * written so far heads for the disk while the caller goes on, and the fsync
 * that makes the file durable later has less to wait for. Advisory only: it
 * never replaces that fsync, and its result is not reported. */
typedef struct {
	pthread_t th;
	int fd;
	bool running;
} gr_early_sync;
/* Starts it on fd, which the early sync then owns (closed when it ends);
 * if one is running it is waited for first. Without a thread, nothing is done. */
void gr_early_sync_start(gr_early_sync *e, int fd);
/* Waits for it to end, if one runs. */
void gr_early_sync_wait(gr_early_sync *e);

/* A thread that keeps starting the writeback of a file's dirty pages
 * (sync_file_range, SYNC_FILE_RANGE_WRITE, every millisecond) while another
 * thread writes it, so the fsync that follows has less left to wait for.
 * Advisory like gr_early_sync. */
typedef struct {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fd;
	bool running, stop;
} gr_writeback;
/* Starts it on fd, which it then owns (closed by gr_writeback_stop). */
void gr_writeback_start(gr_writeback *wb, int fd);
/* Stops it and closes its fd; does nothing when it was not started. */
void gr_writeback_stop(gr_writeback *wb);

/* UTC time as "2026-11-28T00:27:22Z" into out (at least 21 bytes). */
void gr_time_iso(char *out, int64_t unix_seconds);
int64_t gr_time_now(void);
double gr_time_mono(void); /* seconds, monotonic */

/* UTF-8 validation of a whole buffer (fast path for ASCII). */
bool gr_utf8_valid(const char *s, size_t n);

/* Allocates at least n bytes, rounded up to whole 2 MiB and aligned to 2 MiB
 * (*cap_out: the size), and asks for transparent huge pages over all of it,
 * so that a large buffer is first filled with few page faults. Free with
 * free(); NULL (error set) when out of memory. */
void *gr_alloc_huge(size_t n, size_t *cap_out);

/* Makes room for one more element in a growable array (*ptr, n used, *cap):
 * doubles the capacity when n == *cap. 0, or GR_ENOMEM with *ptr unchanged. */
int gr_array_reserve(void *ptr, size_t *cap, size_t n, size_t elem);

void *gr_malloc(size_t n);           /* sets GR_ENOMEM on failure */
void *gr_realloc(void *p, size_t n); /* sets GR_ENOMEM on failure */
char *gr_strdup(const char *s);
char *gr_strndup(const char *s, size_t n);

#endif
