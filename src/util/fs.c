/*
 * Files the crash-safe way: a file that must survive a crash is written under
 * a temporary name in its final directory, fsynced, renamed over its final
 * name, and the directory is fsynced so the rename itself is durable.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

char *gr_path_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = gr_malloc(la + lb + 2);
	if (!p)
		return NULL;
	memcpy(p, a, la);
	size_t n = la;
	if (n && p[n - 1] != '/')
		p[n++] = '/';
	memcpy(p + n, b, lb + 1);
	return p;
}

bool gr_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int gr_mkdir_p(const char *path, unsigned mode)
{
	char *p = gr_strdup(path);
	if (!p)
		return GR_ENOMEM;
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, mode) != 0 && errno != EEXIST) {
				int rc = gr_error_errno(GR_EIO, "mkdir %s", p);
				free(p);
				return rc;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	if (!gr_is_dir(path))
		return gr_error_set(GR_EIO, "%s exists and is not a directory", path);
	return 0;
}

static void *early_sync_run(void *arg)
{
	gr_early_sync *e = arg;
	(void)fdatasync(e->fd); /* advisory: the durable fsync comes later */
	return NULL;
}

void gr_early_sync_start(gr_early_sync *e, int fd)
{
	gr_early_sync_wait(e);
	e->fd = fd;
	if (fd < 0)
		return;
	if (pthread_create(&e->th, NULL, early_sync_run, e) == 0) {
		e->running = true;
	} else {
		close(fd);
		e->fd = -1;
	}
}

void gr_early_sync_wait(gr_early_sync *e)
{
	if (!e->running)
		return;
	pthread_join(e->th, NULL);
	close(e->fd);
	e->fd = -1;
	e->running = false;
}

static void *writeback_run(void *arg)
{
	gr_writeback *wb = arg;
	pthread_mutex_lock(&wb->mu);
	while (!wb->stop) {
		pthread_mutex_unlock(&wb->mu);
		(void)sync_file_range(wb->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		struct timespec t;
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 1000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		pthread_mutex_lock(&wb->mu);
		if (!wb->stop)
			pthread_cond_timedwait(&wb->cv, &wb->mu, &t);
	}
	pthread_mutex_unlock(&wb->mu);
	return NULL;
}

void gr_writeback_start(gr_writeback *wb, int fd)
{
	memset(wb, 0, sizeof *wb);
	wb->fd = fd;
	if (fd < 0)
		return;
	pthread_mutex_init(&wb->mu, NULL);
	pthread_cond_init(&wb->cv, NULL);
	if (pthread_create(&wb->th, NULL, writeback_run, wb) == 0) {
		wb->running = true;
		return;
	}
	pthread_cond_destroy(&wb->cv);
	pthread_mutex_destroy(&wb->mu);
	close(fd);
	wb->fd = -1;
}

void gr_writeback_stop(gr_writeback *wb)
{
	if (!wb->running)
		return;
	pthread_mutex_lock(&wb->mu);
	wb->stop = true;
	pthread_cond_signal(&wb->cv);
	pthread_mutex_unlock(&wb->mu);
	pthread_join(wb->th, NULL);
	pthread_cond_destroy(&wb->cv);
	pthread_mutex_destroy(&wb->mu);
	close(wb->fd);
	wb->fd = -1;
	wb->running = false;
}

int gr_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return gr_error_errno(GR_EIO, "open directory %s", dir);
	int rc = 0;
	if (fsync(fd) != 0)
		rc = gr_error_errno(GR_EIO, "fsync directory %s", dir);
	close(fd);
	return rc;
}

int gr_write_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return gr_error_errno(GR_EIO, "write");
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int gr_pread_all(int fd, void *data, size_t n, uint64_t off)
{
	char *p = data;
	while (n) {
		ssize_t r = pread(fd, p, n, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return gr_error_errno(GR_EIO, "read");
		}
		if (r == 0)
			return gr_error_set(GR_ECORRUPT, "unexpected end of file at offset %llu",
					    (unsigned long long)off);
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return gr_strdup(".");
	if (slash == path)
		return gr_strdup("/");
	return gr_strndup(path, (size_t)(slash - path));
}

int gr_write_file_atomic(const char *path, const void *data, size_t n)
{
	int rc = 0, fd = -1;
	char *dir = dir_of(path);
	gr_buf tmp = GR_BUF_INIT;
	if (!dir)
		return GR_ENOMEM;
	if ((rc = gr_buf_printf(&tmp, "%s.tmp-%ld", path, (long)getpid())))
		goto out;
	fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = gr_error_errno(GR_EIO, "create %s", tmp.ptr);
		goto out;
	}
	if ((rc = gr_write_all(fd, data, n)))
		goto out_unlink;
	if (fsync(fd) != 0) {
		rc = gr_error_errno(GR_EIO, "fsync %s", tmp.ptr);
		goto out_unlink;
	}
	close(fd);
	fd = -1;
	if (rename(tmp.ptr, path) != 0) {
		rc = gr_error_errno(GR_EIO, "rename %s", path);
		goto out_unlink;
	}
	rc = gr_fsync_dir(dir);
	goto out;
out_unlink:
	unlink(tmp.ptr);
out:
	if (fd >= 0)
		close(fd);
	gr_buf_free(&tmp);
	free(dir);
	return rc;
}

int gr_read_file(const char *path, size_t max, gr_buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gr_error_errno(errno == ENOENT ? GR_ENOTFOUND : GR_EIO, "open %s", path);
	int rc = 0;
	char tmp[65536];
	for (;;) {
		ssize_t r = read(fd, tmp, sizeof tmp);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = gr_error_errno(GR_EIO, "read %s", path);
			break;
		}
		if (r == 0)
			break;
		if (out->len + (size_t)r > max) {
			rc = gr_error_set(GR_ELIMIT, "%s is larger than %zu bytes", path, max);
			break;
		}
		if ((rc = gr_buf_put(out, tmp, (size_t)r)))
			break;
	}
	close(fd);
	return rc;
}

void gr_time_iso(char *out, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t gr_time_now(void)
{
	return (int64_t)time(NULL);
}

double gr_time_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool gr_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		/* ASCII fast path, 8 bytes at a time */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		uint32_t cp;
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}
