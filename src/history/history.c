/*
 * history — one bare git repository per hub, written with libgit2: a branch
 * per dataset, a commit per dataset version, the version's documents in the
 * commit's tree. See history.h for the contract and the invariants; this file
 * keeps them as follows:
 *  - libgit2 is initialised once per process (pthread_once) and never shut
 *    down, with GIT_OPT_ENABLE_FSYNC_GITDIR on, so loose objects and refs are
 *    fsynced; objects are always written before the ref that names them.
 *  - A branch moves only through git_reference_create (first commit, must not
 *    exist) or git_reference_create_matching (must still hold the tip we
 *    built on): a compare-and-swap under the ref's lock file.
 *  - Every libgit2 failure becomes a gr_err here, with libgit2's message.
 *  - Names and paths are checked before libgit2 sees them, with git's own rules
 *    for refs and a conservative rule for file paths, so everything we write
 *    passes `git fsck --strict`.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "history/history.h"

struct gr_history {
	git_repository *repo;
	pthread_mutex_t lock; /* recursive: log callbacks may call back in */
};

#define REF_MAX (sizeof "refs/heads/" + GR_HISTORY_NAME_MAX)

/* ---- libgit2 setup and error translation ---- */

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_rc;

static void lib_init(void)
{
	int rc = git_libgit2_init();
	if (rc >= 0)
		rc = git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	lib_rc = rc < 0 ? rc : 0;
}

static const char *git_msg(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

/* Sets code with "<what>: <libgit2's message>" and returns it. */
static int __attribute__((format(printf, 2, 3))) git_fail(int code, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return gr_error_set(code, "%s: %s", what, git_msg());
}

/* The gr_err for a libgit2 return code (and the class of its last error). */
static int map_code(int rc, int fallback)
{
	switch (rc) {
	case GIT_ENOTFOUND: return GR_ENOTFOUND;
	case GIT_EEXISTS: return GR_EEXIST;
	case GIT_ELOCKED:
	case GIT_EMODIFIED: return GR_EBUSY;
	case GIT_EINVALIDSPEC:
	case GIT_EINVALID: return GR_EINVAL;
	case GIT_EMISMATCH: return GR_ECORRUPT;
	case GIT_EOWNER: return GR_EPERM;
	default: break;
	}
	const git_error *e = git_error_last();
	if (e) {
		switch (e->klass) {
		case GIT_ERROR_NOMEMORY: return GR_ENOMEM;
		case GIT_ERROR_ZLIB:
		case GIT_ERROR_OBJECT: return GR_ECORRUPT;
		case GIT_ERROR_OS: return GR_EIO;
		default: break;
		}
	}
	return fallback;
}

/* Like map_code where the object must exist: a missing one is corruption. */
static int map_missing(int rc, int fallback)
{
	int code = map_code(rc, fallback);
	return code == GR_ENOTFOUND ? GR_ECORRUPT : code;
}

static int lib_ready(void)
{
	pthread_once(&lib_once, lib_init);
	if (lib_rc < 0)
		return gr_error_set(GR_EIO, "cannot initialise libgit2 (%d)", lib_rc);
	return 0;
}

static void lock(gr_history *h)
{
	pthread_mutex_lock(&h->lock);
}

static void unlock(gr_history *h)
{
	pthread_mutex_unlock(&h->lock);
}

/* ---- names, paths, ids, text ---- */

/* What libgit2's name checks leave to us: length, and DEL, which git
 * (check-ref-format) refuses but libgit2 1.5 accepts. */
static bool name_prefilter(const char *name)
{
	if (!name || !*name || strlen(name) > GR_HISTORY_NAME_MAX || lib_ready() < 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

bool gr_history_branch_valid(const char *branch)
{
	int valid = 0;
	return name_prefilter(branch) && git_branch_name_is_valid(&valid, branch) == 0 && valid;
}

bool gr_history_tag_valid(const char *tag)
{
	int valid = 0;
	return name_prefilter(tag) && git_tag_name_is_valid(&valid, tag) == 0 && valid;
}

static bool path_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-' || c == '+';
}

/*
 * Conservative on purpose: no leading '.' keeps out ".", "..", ".git" and
 * every case/NTFS/HFS variant git fsck warns about; no '~' keeps out 8.3
 * names like "GIT~1".
 */
bool gr_history_path_valid(const char *path)
{
	if (!path || strlen(path) > GR_HISTORY_PATH_MAX)
		return false;
	const char *p = path;
	for (;;) {
		size_t n = 0;
		if (*p == '.')
			return false;
		while (p[n] && p[n] != '/') {
			if (!path_char_ok(p[n]))
				return false;
			n++;
		}
		if (n == 0 || n > 255)
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

static int branch_ref(char out[REF_MAX], const char *branch)
{
	if (!gr_history_branch_valid(branch))
		return gr_error_set(GR_EINVAL, "invalid branch name '%s'", branch ? branch : "(null)");
	snprintf(out, REF_MAX, "refs/heads/%s", branch);
	return 0;
}

static int tag_ref(char out[REF_MAX], const char *tag)
{
	if (!gr_history_tag_valid(tag))
		return gr_error_set(GR_EINVAL, "invalid tag name '%s'", tag ? tag : "(null)");
	snprintf(out, REF_MAX, "refs/tags/%s", tag);
	return 0;
}

static int parse_oid(git_oid *out, const char *hex)
{
	if (!hex || strlen(hex) != GR_OID_HEX - 1 || git_oid_fromstr(out, hex) < 0)
		return gr_error_set(GR_EINVAL, "invalid commit id '%s'", hex ? hex : "(null)");
	return 0;
}

static void oid_hex(char out[GR_OID_HEX], const git_oid *id)
{
	git_oid_tostr(out, GR_OID_HEX, id);
}

/* Name or e-mail for a signature: UTF-8, no control characters, no '<' '>'. */
static int check_ident(const char *s, const char *what)
{
	if (!s)
		return gr_error_set(GR_EINVAL, "%s missing", what);
	size_t n = strlen(s);
	if (n > GR_HISTORY_NAME_MAX || !gr_utf8_valid(s, n))
		return gr_error_set(GR_EINVAL, "invalid %s", what);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return gr_error_set(GR_EINVAL, "invalid character in %s", what);
	return 0;
}

static int make_sig(git_signature **out, const char *name, const char *email, int64_t when)
{
	int rc;
	if ((rc = check_ident(name, "author name")) < 0 || (rc = check_ident(email, "author e-mail")) < 0)
		return rc;
	if ((rc = git_signature_new(out, name, email, (git_time_t)when, 0)) < 0)
		return git_fail(map_code(rc, GR_EINVAL), "signature %s <%s>", name, email);
	return 0;
}

/* Normalises message like `git commit` (without stripping comments). */
static int make_message(git_buf *out, const char *message)
{
	if (!message)
		return gr_error_set(GR_EINVAL, "message missing");
	size_t n = strlen(message);
	if (n > GR_HISTORY_MESSAGE_MAX)
		return gr_error_set(GR_ELIMIT, "message longer than %u bytes", GR_HISTORY_MESSAGE_MAX);
	if (!gr_utf8_valid(message, n))
		return gr_error_set(GR_EINVAL, "message is not UTF-8");
	int rc = git_message_prettify(out, message, 0, '#');
	if (rc < 0)
		return git_fail(map_code(rc, GR_EIO), "message");
	if (out->size == 0) {
		git_buf_dispose(out);
		return gr_error_set(GR_EINVAL, "empty message");
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int check_files(const gr_history_file *files, size_t nfiles)
{
	if (nfiles > GR_HISTORY_FILES_MAX)
		return gr_error_set(GR_ELIMIT, "%zu files in one commit (limit %d)", nfiles,
				    GR_HISTORY_FILES_MAX);
	if (nfiles && !files)
		return gr_error_set(GR_EINVAL, "files missing");
	for (size_t i = 0; i < nfiles; i++) {
		if (!gr_history_path_valid(files[i].path))
			return gr_error_set(GR_EINVAL, "invalid history path '%s'",
					    files[i].path ? files[i].path : "(null)");
		if (files[i].len > GR_HISTORY_FILE_MAX)
			return gr_error_set(GR_ELIMIT, "%s: %zu bytes (limit %u)", files[i].path,
					    files[i].len, GR_HISTORY_FILE_MAX);
		if (files[i].len && !files[i].data)
			return gr_error_set(GR_EINVAL, "%s: data missing", files[i].path);
	}
	if (nfiles < 2)
		return 0;
	const char **paths = gr_malloc(nfiles * sizeof *paths);
	if (!paths)
		return GR_ENOMEM;
	for (size_t i = 0; i < nfiles; i++)
		paths[i] = files[i].path;
	qsort(paths, nfiles, sizeof *paths, cmp_str);
	int rc = 0;
	for (size_t i = 1; i < nfiles; i++) {
		if (strcmp(paths[i - 1], paths[i]) == 0) {
			rc = gr_error_set(GR_EINVAL, "path '%s' given twice", paths[i]);
			break;
		}
	}
	free(paths);
	return rc;
}

/* ---- repository ---- */

int gr_history_init(const char *path)
{
	git_repository *repo = NULL;
	int rc;
	if (!path || !*path)
		return gr_error_set(GR_EINVAL, "history path missing");
	if ((rc = lib_ready()) < 0)
		return rc;

	rc = git_repository_open_bare(&repo, path);
	if (rc == 0) {
		git_repository_free(repo);
		return 0;
	}
	if (rc != GIT_ENOTFOUND)
		return git_fail(map_code(rc, GR_EIO), "open history %s", path);

	git_repository_init_options opts;
	if ((rc = git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION)) < 0)
		return git_fail(GR_EIO, "create history %s", path);
	opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH |
		     GIT_REPOSITORY_INIT_NO_REINIT;
	opts.mode = GIT_REPOSITORY_INIT_SHARED_UMASK;
	rc = git_repository_init_ext(&repo, path, &opts);
	if (rc == GIT_EEXISTS) {
		/* Someone initialised it between our open and init: fine if it opens. */
		rc = git_repository_open_bare(&repo, path);
		if (rc == GIT_ENOTFOUND)
			return gr_error_set(GR_EEXIST, "%s exists and is not a git repository", path);
		if (rc < 0)
			return git_fail(map_code(rc, GR_EIO), "open history %s", path);
		git_repository_free(repo);
		return 0;
	}
	if (rc < 0)
		return git_fail(map_code(rc, GR_EIO), "create history %s", path);
	git_repository_free(repo);

	/*
	 * libgit2 does not fsync the files init writes (HEAD, config) nor the new
	 * directories; init is rare, so sync the whole filesystem once.
	 */
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return gr_error_errno(GR_EIO, "open %s", path);
	rc = syncfs(fd) == 0 ? 0 : gr_error_errno(GR_EIO, "sync %s", path);
	close(fd);
	return rc;
}

int gr_history_open(gr_history **out, const char *path)
{
	git_repository *repo = NULL;
	int rc;
	if (!out || !path)
		return gr_error_set(GR_EINVAL, "history open: argument missing");
	if ((rc = lib_ready()) < 0)
		return rc;
	rc = git_repository_open_bare(&repo, path);
	if (rc < 0)
		return git_fail(map_code(rc, GR_EIO), "open history %s", path);

	gr_history *h = gr_malloc(sizeof *h);
	if (!h) {
		rc = GR_ENOMEM;
		goto out_repo;
	}
	pthread_mutexattr_t attr;
	if (pthread_mutexattr_init(&attr) != 0) {
		rc = gr_error_set(GR_ENOMEM, "history open: mutex attributes");
		goto out_h;
	}
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	int mrc = pthread_mutex_init(&h->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (mrc != 0) {
		rc = gr_error_set(GR_ENOMEM, "history open: mutex");
		goto out_h;
	}
	h->repo = repo;
	*out = h;
	return 0;

out_h:
	free(h);
out_repo:
	git_repository_free(repo);
	return rc;
}

void gr_history_close(gr_history *h)
{
	if (!h)
		return;
	git_repository_free(h->repo);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* ---- commit ---- */

/* The tip of ref into tip; 1 if it exists, 0 if not, or a negative gr_err. */
static int read_tip(gr_history *h, const char *ref, git_oid *tip)
{
	int rc = git_reference_name_to_id(tip, h->repo, ref);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return git_fail(map_code(rc, GR_EIO), "read %s", ref);
	return 1;
}

static int commit_locked(gr_history *h, const char *branch, const gr_history_file *files,
			 size_t nfiles, bool inherit, const char *message, const char *author_name,
			 const char *author_email, int64_t when, char oid_out[GR_OID_HEX])
{
	char ref[REF_MAX];
	git_oid tip, tree_id, commit_id;
	git_commit *parent = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_tree_update *updates = NULL;
	git_signature *sig = NULL;
	git_buf msg = GIT_BUF_INIT;
	git_reference *newref = NULL;
	int rc, has_tip;

	if ((rc = branch_ref(ref, branch)) < 0 || (rc = check_files(files, nfiles)) < 0 ||
	    (rc = make_sig(&sig, author_name, author_email, when)) < 0)
		goto out;
	if ((rc = make_message(&msg, message)) < 0)
		goto out;
	if (!oid_out) {
		rc = gr_error_set(GR_EINVAL, "commit: oid_out missing");
		goto out;
	}

	if ((rc = has_tip = read_tip(h, ref, &tip)) < 0)
		goto out;
	if (has_tip) {
		if ((rc = git_commit_lookup(&parent, h->repo, &tip)) < 0) {
			rc = git_fail(map_missing(rc, GR_EIO), "tip of %s", branch);
			goto out;
		}
		if (inherit && (rc = git_commit_tree(&base, parent)) < 0) {
			rc = git_fail(map_missing(rc, GR_ECORRUPT), "tree of %s", branch);
			goto out;
		}
	}

	if (nfiles) {
		updates = gr_malloc(nfiles * sizeof *updates);
		if (!updates) {
			rc = GR_ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < nfiles; i++) {
		updates[i].action = GIT_TREE_UPDATE_UPSERT;
		updates[i].filemode = GIT_FILEMODE_BLOB;
		updates[i].path = files[i].path;
		rc = git_blob_create_from_buffer(&updates[i].id, h->repo,
						 files[i].len ? files[i].data : "", files[i].len);
		if (rc < 0) {
			rc = git_fail(map_code(rc, GR_EIO), "write %s", files[i].path);
			goto out;
		}
	}
	rc = git_tree_create_updated(&tree_id, h->repo, base, nfiles, updates);
	if (rc < 0) {
		/* GIT_ERROR_TREE here means the caller's paths clash with the tree
		 * (a file where a directory is, or the other way round). */
		const git_error *e = git_error_last();
		int code = e && e->klass == GIT_ERROR_TREE ? GR_EINVAL : map_code(rc, GR_EIO);
		rc = git_fail(code, "build tree for %s", branch);
		goto out;
	}
	if ((rc = git_tree_lookup(&tree, h->repo, &tree_id)) < 0) {
		rc = git_fail(map_code(rc, GR_EIO), "read new tree");
		goto out;
	}

	const git_commit *parents[1] = {parent};
	rc = git_commit_create(&commit_id, h->repo, NULL, sig, sig, NULL, msg.ptr, tree,
			       has_tip ? 1 : 0, parents);
	if (rc < 0) {
		rc = git_fail(map_code(rc, GR_EIO), "commit on %s", branch);
		goto out;
	}

	/* The compare-and-swap: only move the branch if it still holds `tip`. */
	if (has_tip)
		rc = git_reference_create_matching(&newref, h->repo, ref, &commit_id, 1, &tip,
						   "granary: commit");
	else
		rc = git_reference_create(&newref, h->repo, ref, &commit_id, 0,
					  "granary: commit (initial)");
	if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ELOCKED ||
	    (has_tip && rc == GIT_ENOTFOUND)) {
		rc = git_fail(GR_EBUSY, "branch %s moved during commit", branch);
		goto out;
	}
	if (rc < 0) {
		rc = git_fail(map_code(rc, GR_EIO), "update %s", ref);
		goto out;
	}
	oid_hex(oid_out, &commit_id);
	rc = 0;

out:
	git_reference_free(newref);
	git_tree_free(tree);
	free(updates);
	git_tree_free(base);
	git_commit_free(parent);
	git_buf_dispose(&msg);
	git_signature_free(sig);
	return rc;
}

int gr_history_commit(gr_history *h, const char *branch, const gr_history_file *files,
		      size_t nfiles, bool inherit, const char *message, const char *author_name,
		      const char *author_email, int64_t when, char oid_out[GR_OID_HEX])
{
	if (!h)
		return gr_error_set(GR_EINVAL, "history handle missing");
	/* Writers of one repository take turns on an flock of granary-commit.lock:
	 * the ref compare-and-swap alone lost an update when two handles raced
	 * (seen with libgit2 1.5 under ASan timing), so it is the second line of
	 * defence, not the only one. */
	const char *gitdir = git_repository_path(h->repo);
	char lockpath[4096];
	snprintf(lockpath, sizeof lockpath, "%sgranary-commit.lock", gitdir ? gitdir : "./");
	int fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return gr_error_errno(GR_EIO, "open %s", lockpath);
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close(fd);
			return gr_error_errno(GR_EIO, "lock %s", lockpath);
		}
	}
	/* Holding that flock, no Granary writer is updating this branch: a ref
	 * lock file left beside it is from a process killed mid-update, and would
	 * otherwise block every later commit. */
	char reflock[4096];
	if (gr_history_branch_valid(branch)) {
		snprintf(reflock, sizeof reflock, "%srefs/heads/%s.lock", gitdir ? gitdir : "./", branch);
		unlink(reflock);
	}
	lock(h);
	int rc = commit_locked(h, branch, files, nfiles, inherit, message, author_name,
			       author_email, when, oid_out);
	unlock(h);
	close(fd); /* releases the flock */
	return rc;
}

/* ---- reading ---- */

int gr_history_tip(gr_history *h, const char *branch, char oid_out[GR_OID_HEX])
{
	char ref[REF_MAX];
	git_oid tip;
	int rc;
	if (!h || !oid_out)
		return gr_error_set(GR_EINVAL, "history tip: argument missing");
	if ((rc = branch_ref(ref, branch)) < 0)
		return rc;
	lock(h);
	rc = read_tip(h, ref, &tip);
	unlock(h);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return gr_error_set(GR_ENOTFOUND, "no history for '%s'", branch);
	oid_hex(oid_out, &tip);
	return 0;
}

static int lookup_commit(gr_history *h, git_commit **out, const char *hex)
{
	git_oid id;
	int rc = parse_oid(&id, hex);
	if (rc < 0)
		return rc;
	if ((rc = git_commit_lookup(out, h->repo, &id)) < 0)
		return git_fail(map_code(rc, GR_EIO), "commit %s", hex);
	return 0;
}

int gr_history_parent(gr_history *h, const char *oid_hex_in, char oid_out[GR_OID_HEX])
{
	git_commit *c = NULL;
	if (!h || !oid_out)
		return gr_error_set(GR_EINVAL, "history parent: argument missing");
	lock(h);
	int rc = lookup_commit(h, &c, oid_hex_in);
	if (rc == 0) {
		if (git_commit_parentcount(c) == 0)
			oid_out[0] = '\0';
		else
			oid_hex(oid_out, git_commit_parent_id(c, 0));
	}
	git_commit_free(c);
	unlock(h);
	return rc;
}

static int read_locked(gr_history *h, const char *hex, const char *path, gr_buf *out)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	int rc;

	if (!gr_history_path_valid(path))
		return gr_error_set(GR_EINVAL, "invalid history path '%s'", path ? path : "(null)");
	if ((rc = lookup_commit(h, &c, hex)) < 0)
		goto out;
	if ((rc = git_commit_tree(&tree, c)) < 0) {
		rc = git_fail(map_missing(rc, GR_ECORRUPT), "tree of %s", hex);
		goto out;
	}
	rc = git_tree_entry_bypath(&entry, tree, path);
	if (rc == GIT_ENOTFOUND) {
		rc = gr_error_set(GR_ENOTFOUND, "%s: no %s in history", hex, path);
		goto out;
	}
	if (rc < 0) {
		rc = git_fail(map_code(rc, GR_EIO), "%s:%s", hex, path);
		goto out;
	}
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		rc = gr_error_set(GR_ENOTFOUND, "%s: %s is not a file", hex, path);
		goto out;
	}
	if ((rc = git_blob_lookup(&blob, h->repo, git_tree_entry_id(entry))) < 0) {
		rc = git_fail(map_missing(rc, GR_EIO), "%s:%s", hex, path);
		goto out;
	}
	git_object_size_t size = git_blob_rawsize(blob);
	if (size > GR_HISTORY_FILE_MAX) {
		rc = gr_error_set(GR_ELIMIT, "%s:%s is %llu bytes (limit %u)", hex, path,
				  (unsigned long long)size, GR_HISTORY_FILE_MAX);
		goto out;
	}
	rc = gr_buf_put(out, git_blob_rawcontent(blob), (size_t)size);

out:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(c);
	return rc;
}

int gr_history_read(gr_history *h, const char *oid_hex_in, const char *path, gr_buf *out)
{
	if (!h || !out)
		return gr_error_set(GR_EINVAL, "history read: argument missing");
	lock(h);
	int rc = read_locked(h, oid_hex_in, path, out);
	unlock(h);
	return rc;
}

static int log_locked(gr_history *h, const char *branch,
		      int (*cb)(const char *, const char *, int64_t, void *), void *ctx)
{
	char ref[REF_MAX], hex[GR_OID_HEX];
	git_oid id;
	git_commit *c = NULL;
	gr_buf msg = GR_BUF_INIT;
	int rc;

	if ((rc = branch_ref(ref, branch)) < 0)
		return rc;
	if ((rc = read_tip(h, ref, &id)) <= 0)
		return rc < 0 ? rc : gr_error_set(GR_ENOTFOUND, "no history for '%s'", branch);
	for (;;) {
		oid_hex(hex, &id);
		if ((rc = git_commit_lookup(&c, h->repo, &id)) < 0) {
			rc = git_fail(map_missing(rc, GR_EIO), "history of %s: commit %s", branch, hex);
			break;
		}
		const char *m = git_commit_message(c);
		size_t n = m ? strlen(m) : 0;
		while (n && m[n - 1] == '\n')
			n--;
		gr_buf_reset(&msg);
		if ((rc = gr_buf_put(&msg, m ? m : "", n)) < 0)
			break;
		rc = cb(hex, msg.ptr, (int64_t)git_commit_time(c), ctx);
		if (rc != 0 || git_commit_parentcount(c) == 0)
			break;
		git_oid_cpy(&id, git_commit_parent_id(c, 0));
		git_commit_free(c);
		c = NULL;
	}
	git_commit_free(c);
	gr_buf_free(&msg);
	return rc;
}

int gr_history_log(gr_history *h, const char *branch,
		   int (*cb)(const char *oid_hex, const char *message, int64_t when, void *ctx),
		   void *ctx)
{
	if (!h || !cb)
		return gr_error_set(GR_EINVAL, "history log: argument missing");
	lock(h);
	int rc = log_locked(h, branch, cb, ctx);
	unlock(h);
	return rc;
}

/* ---- tags ---- */

static int tag_locked(gr_history *h, const char *tag, const char *hex, const char *message,
		      const char *author_name, const char *author_email, int64_t when)
{
	char ref[REF_MAX];
	git_oid id, tag_id;
	git_object *target = NULL;
	git_signature *sig = NULL;
	git_buf msg = GIT_BUF_INIT;
	int rc;

	if ((rc = tag_ref(ref, tag)) < 0 || (rc = parse_oid(&id, hex)) < 0 ||
	    (rc = make_sig(&sig, author_name, author_email, when)) < 0 ||
	    (rc = make_message(&msg, message)) < 0)
		goto out;
	if ((rc = git_object_lookup(&target, h->repo, &id, GIT_OBJECT_COMMIT)) < 0) {
		rc = git_fail(map_code(rc, GR_EIO), "commit %s", hex);
		goto out;
	}
	rc = git_tag_create(&tag_id, h->repo, tag, target, sig, msg.ptr, 0);
	if (rc == GIT_EEXISTS) {
		rc = gr_error_set(GR_EEXIST, "tag '%s' exists", tag);
		goto out;
	}
	if (rc < 0) {
		rc = git_fail(map_code(rc, GR_EIO), "tag %s", tag);
		goto out;
	}
	rc = 0;
out:
	git_object_free(target);
	git_buf_dispose(&msg);
	git_signature_free(sig);
	return rc;
}

int gr_history_tag(gr_history *h, const char *tag, const char *oid_hex_in, const char *message,
		   const char *author_name, const char *author_email, int64_t when)
{
	if (!h)
		return gr_error_set(GR_EINVAL, "history handle missing");
	lock(h);
	int rc = tag_locked(h, tag, oid_hex_in, message, author_name, author_email, when);
	unlock(h);
	return rc;
}

static int tag_target_locked(gr_history *h, const char *tag, char oid_out[GR_OID_HEX])
{
	char ref[REF_MAX];
	git_oid id;
	git_object *obj = NULL, *peeled = NULL;
	int rc;

	if ((rc = tag_ref(ref, tag)) < 0)
		return rc;
	rc = git_reference_name_to_id(&id, h->repo, ref);
	if (rc == GIT_ENOTFOUND)
		return gr_error_set(GR_ENOTFOUND, "no tag '%s'", tag);
	if (rc < 0)
		return git_fail(map_code(rc, GR_EIO), "read %s", ref);
	if ((rc = git_object_lookup(&obj, h->repo, &id, GIT_OBJECT_ANY)) < 0) {
		rc = git_fail(map_missing(rc, GR_EIO), "tag %s", tag);
		goto out;
	}
	if ((rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT)) < 0) {
		rc = git_fail(map_missing(rc, GR_ECORRUPT), "tag %s", tag);
		goto out;
	}
	oid_hex(oid_out, git_object_id(peeled));
	rc = 0;
out:
	git_object_free(peeled);
	git_object_free(obj);
	return rc;
}

int gr_history_tag_target(gr_history *h, const char *tag, char oid_out[GR_OID_HEX])
{
	if (!h || !oid_out)
		return gr_error_set(GR_EINVAL, "history tag target: argument missing");
	lock(h);
	int rc = tag_target_locked(h, tag, oid_out);
	unlock(h);
	return rc;
}

/* ---- every object, for the removal check ---- */

struct obj_walk {
	git_odb *odb;
	int (*cb)(const void *data, size_t n, void *ctx);
	void *ctx;
	int rc;
};

static int obj_one(const git_oid *id, void *payload)
{
	struct obj_walk *w = payload;
	git_odb_object *o;
	if (git_odb_read(&o, w->odb, id) < 0) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof hex, id);
		w->rc = git_fail(GR_ECORRUPT, "read object %s", hex);
		return GIT_EUSER;
	}
	w->rc = w->cb(git_odb_object_data(o), git_odb_object_size(o), w->ctx);
	git_odb_object_free(o);
	return w->rc ? GIT_EUSER : 0;
}

int gr_history_each_object(gr_history *h, int (*cb)(const void *data, size_t n, void *ctx), void *ctx)
{
	struct obj_walk w = {.cb = cb, .ctx = ctx};
	pthread_mutex_lock(&h->lock);
	int rc = 0;
	if (git_repository_odb(&w.odb, h->repo) < 0) {
		rc = git_fail(GR_EIO, "open the object database");
	} else {
		int r = git_odb_foreach(w.odb, obj_one, &w);
		rc = w.rc ? w.rc : r < 0 ? git_fail(GR_EIO, "list objects") : 0;
		git_odb_free(w.odb);
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}
