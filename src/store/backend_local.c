/*
 * The local-directory backend: pack NAME lives at DIR/NAME[0..2]/NAME.pack.
 * put is a rename of an already fsynced staged file followed by an fsync of
 * the fan-out directory, so a pack is either wholly there or not at all.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

typedef struct {
	char *dir;
} local_impl;

static bool name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n != GR_PACK_NAME_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return true;
}

static int pack_path(gr_backend *b, const char *name, gr_buf *out)
{
	local_impl *l = b->impl;
	if (!name_ok(name))
		return gr_error_set(GR_EINVAL, "bad pack name '%s'", name);
	return gr_buf_printf(out, "%s/%.2s/%s.pack", l->dir, name, name);
}

/* The pack's file and its fan-out directory (DIR/NAME[0..2]). */
static int pack_paths(gr_backend *b, const char *name, gr_buf *file, gr_buf *sub)
{
	local_impl *l = b->impl;
	int rc = pack_path(b, name, file);
	return rc ? rc : gr_buf_printf(sub, "%s/%.2s", l->dir, name);
}

static int local_put(gr_backend *b, const char *name, const char *staged)
{
	local_impl *l = b->impl;
	gr_buf path = GR_BUF_INIT, sub = GR_BUF_INIT;
	int rc = pack_paths(b, name, &path, &sub);
	if (rc)
		goto out;
	if (!gr_is_dir(sub.ptr)) {
		if (mkdir(sub.ptr, 0755) != 0 && errno != EEXIST) {
			rc = gr_error_errno(GR_EIO, "mkdir %s", sub.ptr);
			goto out;
		}
		if ((rc = gr_fsync_dir(l->dir)))
			goto out;
	}
	if (rename(staged, path.ptr) != 0) {
		rc = gr_error_errno(GR_EIO, "rename %s to %s", staged, path.ptr);
		goto out;
	}
	rc = gr_fsync_dir(sub.ptr);
out:
	gr_buf_free(&path);
	gr_buf_free(&sub);
	return rc;
}

static int local_read(gr_backend *b, const char *name, uint64_t off, void *buf, size_t len)
{
	gr_buf path = GR_BUF_INIT;
	int rc = pack_path(b, name, &path);
	if (rc)
		goto out;
	int fd = open(path.ptr, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = gr_error_errno(errno == ENOENT ? GR_ENOTFOUND : GR_EIO, "open pack %s", path.ptr);
		goto out;
	}
	rc = gr_pread_all(fd, buf, len, off);
	if (rc)
		gr_error_wrap(rc, "pack %s", name);
	close(fd);
out:
	gr_buf_free(&path);
	return rc;
}

static int local_stat(gr_backend *b, const char *name, uint64_t *size)
{
	gr_buf path = GR_BUF_INIT;
	struct stat st;
	int rc = pack_path(b, name, &path);
	if (rc)
		goto out;
	if (stat(path.ptr, &st) != 0) {
		rc = gr_error_errno(errno == ENOENT ? GR_ENOTFOUND : GR_EIO, "pack %s", name);
		goto out;
	}
	*size = (uint64_t)st.st_size;
out:
	gr_buf_free(&path);
	return rc;
}

static int local_list(gr_backend *b, int (*cb)(const char *name, uint64_t size, void *ctx), void *ctx)
{
	local_impl *l = b->impl;
	DIR *top = opendir(l->dir);
	if (!top)
		return gr_error_errno(GR_EIO, "open %s", l->dir);
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(top))) {
		if (strlen(de->d_name) != 2 || de->d_name[0] == '.')
			continue;
		gr_buf sub = GR_BUF_INIT;
		if ((rc = gr_buf_printf(&sub, "%s/%s", l->dir, de->d_name)))
			break;
		DIR *d = opendir(sub.ptr);
		if (d) {
			struct dirent *pe;
			while (!rc && (pe = readdir(d))) {
				size_t n = strlen(pe->d_name);
				if (n != GR_PACK_NAME_LEN + 5 || strcmp(pe->d_name + GR_PACK_NAME_LEN, ".pack"))
					continue;
				char name[GR_PACK_NAME_LEN + 1];
				memcpy(name, pe->d_name, GR_PACK_NAME_LEN);
				name[GR_PACK_NAME_LEN] = '\0';
				if (!name_ok(name) || strncmp(name, de->d_name, 2))
					continue;
				uint64_t size = 0;
				if ((rc = local_stat(b, name, &size)))
					break;
				rc = cb(name, size, ctx);
			}
			closedir(d);
		}
		gr_buf_free(&sub);
	}
	closedir(top);
	return rc;
}

static int local_del(gr_backend *b, const char *name)
{
	gr_buf path = GR_BUF_INIT, sub = GR_BUF_INIT;
	int rc = pack_paths(b, name, &path, &sub);
	if (rc)
		goto out;
	if (unlink(path.ptr) != 0) {
		rc = gr_error_errno(errno == ENOENT ? GR_ENOTFOUND : GR_EIO, "delete pack %s", name);
		goto out;
	}
	rc = gr_fsync_dir(sub.ptr);
out:
	gr_buf_free(&path);
	gr_buf_free(&sub);
	return rc;
}

static void local_free(gr_backend *b)
{
	if (!b)
		return;
	local_impl *l = b->impl;
	free(l->dir);
	free(l);
	free(b);
}

int gr_backend_local_new(gr_backend **out, const char *dir)
{
	gr_backend *b = calloc(1, sizeof *b);
	local_impl *l = calloc(1, sizeof *l);
	if (!b || !l || !(l->dir = gr_strdup(dir))) {
		free(b);
		free(l);
		return gr_error_set(GR_ENOMEM, "out of memory");
	}
	b->impl = l;
	b->put = local_put;
	b->read = local_read;
	b->stat = local_stat;
	b->list = local_list;
	b->del = local_del;
	b->free = local_free;
	*out = b;
	return 0;
}
