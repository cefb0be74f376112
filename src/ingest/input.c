/*
 * One input file, plain or compressed: gzip, zstd, xz and bzip2 are detected
 * by their magic bytes and decompressed through libarchive's filters, with
 * the output capped at GR_INGEST_MAX_DECOMPRESSED. Only regular files are
 * opened (a FIFO or device is refused, without waiting on it).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "ingest/input.h"

static bool compressed_magic(const uint8_t *m, size_t n)
{
	return (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) ||                            /* gzip */
	       (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) || /* zstd */
	       (n >= 6 && !memcmp(m, "\xfd" "7zXZ\0", 6)) ||                            /* xz */
	       (n >= 3 && !memcmp(m, "BZh", 3));                                         /* bzip2 */
}

int gr_input_open(gr_input *in, const char *path)
{
	memset(in, 0, sizeof *in);
	in->path = path;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; only regular files are read */
	in->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (in->fd < 0)
		return gr_error_errno(errno == ENOENT ? GR_ENOTFOUND : GR_EIO, "open %s", path);
	struct stat st;
	if (fstat(in->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(in->fd);
		in->fd = -1;
		return gr_error_set(GR_EINVAL, "%s is not a regular file", path);
	}
	in->size = (uint64_t)st.st_size;
	fcntl(in->fd, F_SETFL, 0);
	uint8_t m[8];
	ssize_t n = pread(in->fd, m, sizeof m, 0);
	if (n > 0 && compressed_magic(m, (size_t)n)) {
		in->a = archive_read_new();
		if (!in->a)
			return gr_error_set(GR_ENOMEM, "out of memory");
		archive_read_support_filter_all(in->a);
		archive_read_support_format_raw(in->a);
		struct archive_entry *e;
		if (archive_read_open_fd(in->a, in->fd, 1 << 20) != ARCHIVE_OK ||
		    archive_read_next_header(in->a, &e) != ARCHIVE_OK) {
			int rc = gr_error_set(GR_EINVAL, "%s: cannot decompress: %s", path,
					      archive_error_string(in->a));
			archive_read_free(in->a);
			in->a = NULL;
			return rc;
		}
	}
	return 0;
}

int gr_input_open_stdin(gr_input *in)
{
	memset(in, 0, sizeof *in);
	in->path = "standard input";
	in->fd = dup(STDIN_FILENO);
	if (in->fd < 0)
		return gr_error_errno(GR_EIO, "standard input");
	/* a pipe cannot be peeked: libarchive finds the filter (or none) itself */
	in->a = archive_read_new();
	if (!in->a)
		return gr_error_set(GR_ENOMEM, "out of memory");
	archive_read_support_filter_all(in->a);
	archive_read_support_format_raw(in->a);
	archive_read_support_format_empty(in->a);
	struct archive_entry *e;
	int r = archive_read_open_fd(in->a, in->fd, 1 << 20) != ARCHIVE_OK ? ARCHIVE_FATAL
									     : archive_read_next_header(in->a, &e);
	if (r == ARCHIVE_OK)
		return 0;
	if (r == ARCHIVE_EOF) {
		/* nothing at all: reads return 0 */
		archive_read_free(in->a);
		in->a = NULL;
		close(in->fd);
		in->fd = -1;
		return 0;
	}
	int rc = gr_error_set(GR_EINVAL, "standard input: cannot decompress: %s", archive_error_string(in->a));
	gr_input_close(in);
	return rc;
}

/* Reads up to n bytes; 0 at end of input. */
int gr_input_read(gr_input *in, char *buf, size_t n, size_t *got)
{
	if (in->peek_off < in->peek.len) {
		size_t k = in->peek.len - in->peek_off;
		*got = k < n ? k : n;
		memcpy(buf, in->peek.ptr + in->peek_off, *got);
		in->peek_off += *got;
		return 0;
	}
	if (in->a) {
		la_ssize_t r = archive_read_data(in->a, buf, n);
		if (r < 0)
			return gr_error_set(GR_EINVAL, "%s: decompression failed after %llu bytes: %s", in->path,
					    (unsigned long long)in->out, archive_error_string(in->a));
		*got = (size_t)r;
		in->consumed = (uint64_t)archive_filter_bytes(in->a, -1);
		if (in->out + *got > GR_INGEST_MAX_DECOMPRESSED)
			return gr_error_set(GR_ELIMIT, "%s: decompresses to more than %llu bytes", in->path,
					    (unsigned long long)GR_INGEST_MAX_DECOMPRESSED);
	} else if (in->fd < 0) {
		*got = 0; /* an empty standard input */
	} else {
		ssize_t r;
		do
			r = read(in->fd, buf, n);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return gr_error_errno(GR_EIO, "read %s", in->path);
		*got = (size_t)r;
		in->consumed += (uint64_t)r;
	}
	in->out += *got;
	return 0;
}

/* The first bytes of the (decompressed) content, for detect_format. */
int gr_input_peek(gr_input *in, size_t want, const uint8_t **p, size_t *n)
{
	gr_buf_reset(&in->peek);
	in->peek_off = 0;
	int rc = gr_buf_grow(&in->peek, want);
	while (!rc && in->peek.len < want) {
		size_t got = 0;
		if (in->a) {
			la_ssize_t r = archive_read_data(in->a, in->peek.ptr + in->peek.len, want - in->peek.len);
			if (r < 0)
				return gr_error_set(GR_EINVAL, "%s: cannot decompress: %s", in->path, archive_error_string(in->a));
			got = (size_t)r;
		} else {
			ssize_t r = pread(in->fd, in->peek.ptr + in->peek.len, want - in->peek.len, (off_t)in->peek.len);
			if (r < 0)
				return gr_error_errno(GR_EIO, "read %s", in->path);
			got = (size_t)r;
		}
		if (!got)
			break;
		in->peek.len += got;
	}
	if (!in->a) {
		/* plain files are read again from the start (by range, or here) */
		lseek(in->fd, (off_t)in->peek.len, SEEK_SET);
		in->consumed = in->peek.len;
	}
	in->out += in->a ? in->peek.len : 0;
	*p = (const uint8_t *)in->peek.ptr;
	*n = in->peek.len;
	return rc;
}

void gr_input_close(gr_input *in)
{
	gr_buf_free(&in->peek);
	if (in->a)
		archive_read_free(in->a);
	if (in->fd >= 0)
		close(in->fd);
	in->fd = -1;
	in->a = NULL;
}
