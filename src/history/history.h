/*
 * history — the hub's version history as a bare git repository
 * (`history.git`), written with libgit2.
 *
 * Each dataset is a branch, refs/heads/<dataset>; each dataset version is one
 * commit on it whose tree holds that version's documents (MANIFEST.json,
 * datasheet.md, card/README.md, ...). Content (the records) never goes into
 * git. Ordinary git reads the repository: `git -C history.git log <dataset>`,
 * `git show <dataset>:MANIFEST.json`, `git clone`, `git fsck --strict`.
 *
 * Invariants:
 *  1. A branch only moves forward by one commit whose first parent is the tip
 *     the writer read; the ref update is a compare-and-swap under git's lock
 *     file, so a concurrent writer gets GR_EBUSY instead of losing a commit.
 *  2. Objects are written (and fsynced) before the ref that names them; the
 *     ref file is fsynced too (libgit2's GIT_OPT_ENABLE_FSYNC_GITDIR is on for
 *     the whole process). After a crash a branch names the old or the new
 *     commit, never a missing one.
 *  3. Objects are read with hash verification, so a tampered object fails
 *     with GR_ECORRUPT.
 *
 * libgit2 is used only here; its errors are translated at this border.
 * A gr_history handle serialises its own calls with a (recursive) mutex, so
 * threads may share one; a log callback may call back into the same handle.
 */
#ifndef GR_HISTORY_H
#define GR_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

typedef struct gr_history gr_history;

#define GR_OID_HEX 41 /* 40 hex + NUL */

/* Limits on what a caller may commit (GR_ELIMIT / GR_EINVAL beyond them). */
#define GR_HISTORY_FILES_MAX 4096              /* files in one commit */
#define GR_HISTORY_FILE_MAX (256u << 20)       /* bytes in one file, also on read */
#define GR_HISTORY_PATH_MAX 1024               /* bytes in a file path */
#define GR_HISTORY_NAME_MAX 255                /* bytes in a branch or tag name */
#define GR_HISTORY_MESSAGE_MAX (1u << 20)      /* bytes in a commit/tag message */

/*
 * Creates a bare repository at path (and missing parent directories) unless a
 * repository is already there; then 0 (idempotent, safe against a concurrent
 * init). GR_EEXIST if path exists but is not a directory. The new repository
 * is synced to disk before returning. HEAD is left unborn (no default
 * dataset), so `git fsck` prints a notice about it.
 */
int gr_history_init(const char *path);

/*
 * Opens the repository at path as a bare repository: no searching of parent
 * directories, no environment variables, and no safe.directory ownership
 * check (the hub's own permissions govern access; libgit2 runs no hooks).
 * GR_ENOTFOUND if there is none. Close with gr_history_close.
 */
int gr_history_open(gr_history **out, const char *path);
void gr_history_close(gr_history *h); /* NULL ok */

/*
 * One document to commit. path is relative, components separated by '/'
 * (subdirectories are created). Each component is 1..255 bytes of
 * [A-Za-z0-9._+-], neither "." nor ".." nor starting with '.'; the path is
 * at most GR_HISTORY_PATH_MAX bytes. data may be NULL when len is 0.
 */
typedef struct {
	const char *path;
	const char *data;
	size_t len;
} gr_history_file;

/* True when path is acceptable as a gr_history_file path (see above). */
bool gr_history_path_valid(const char *path);

/*
 * Commits onto refs/heads/<branch>. The new tree is the tip's tree with
 * `files` added or replaced when inherit is true and the branch has a tip,
 * otherwise just `files` (nfiles may be 0: an empty tree). The parent is the
 * branch's current tip (none for its first commit). Author and committer are
 * author_name <author_email> at `when` (unix seconds, UTC).
 * The message is normalised like `git commit` does (trailing whitespace
 * stripped, one final newline) and must not be empty after that.
 * Writes the new commit id (40 lowercase hex) into oid_out.
 *
 * Errors: GR_EINVAL for a bad branch name, path (also a duplicate path in
 * `files`, or a file where the tip has a directory or vice versa), empty
 * message or an author name/email git refuses (e.g. containing '<' or '>');
 * GR_ELIMIT beyond the limits above; GR_EBUSY when the branch moved (or is
 * locked) between reading the tip and updating it — nothing is lost, the
 * caller may re-read and retry; GR_EIO / GR_ECORRUPT from the repository.
 * On failure the branch is unchanged (unreferenced objects may remain; git gc
 * removes them) and oid_out is untouched.
 */
int gr_history_commit(gr_history *h, const char *branch, const gr_history_file *files,
		      size_t nfiles, bool inherit, const char *message, const char *author_name,
		      const char *author_email, int64_t when, char oid_out[GR_OID_HEX]);

/* Current tip commit id of refs/heads/<branch>; GR_ENOTFOUND if the branch does
 * not exist, GR_EINVAL for an invalid name. */
int gr_history_tip(gr_history *h, const char *branch, char oid_out[GR_OID_HEX]);

/*
 * Writes the first parent of commit oid_hex into oid_out, or "" (empty
 * string) when it is a root commit. GR_ENOTFOUND if there is no such commit,
 * GR_EINVAL if oid_hex is not 40 hex digits.
 */
int gr_history_parent(gr_history *h, const char *oid_hex, char oid_out[GR_OID_HEX]);

/*
 * Appends the content of `path` in the tree of commit oid_hex to out.
 * GR_ENOTFOUND if the commit or the file is absent (or path names a
 * directory); GR_EINVAL for a malformed oid or path; GR_ELIMIT if the file is
 * larger than GR_HISTORY_FILE_MAX. out is unchanged on failure.
 */
int gr_history_read(gr_history *h, const char *oid_hex, const char *path, gr_buf *out);

/*
 * Walks refs/heads/<branch> from the tip back through first parents, calling
 * cb(oid_hex, message, when, ctx) per commit, newest first. message is the
 * stored message without its final newline(s); both strings are borrowed for
 * the call only. Stops early if cb returns non-zero and returns that value;
 * otherwise 0 after the root commit. GR_ENOTFOUND if the branch does not
 * exist; GR_ECORRUPT if a commit in the chain is missing or damaged.
 */
int gr_history_log(gr_history *h, const char *branch,
		   int (*cb)(const char *oid_hex, const char *message, int64_t when, void *ctx),
		   void *ctx);

/* True when git accepts branch as a branch name: refs/heads/<branch> is a valid
 * reference name, it does not start with '-' and is not "HEAD"; at most
 * GR_HISTORY_NAME_MAX bytes. */
bool gr_history_branch_valid(const char *branch);

/* Same for tag names (refs/tags/<tag>). */
bool gr_history_tag_valid(const char *tag);

/*
 * Creates an annotated tag refs/tags/<tag> pointing at commit oid_hex, with
 * message (normalised like a commit message, must not be empty) and tagger
 * author_name <author_email> at `when`. GR_EEXIST if the tag exists (it is
 * never moved), GR_ENOTFOUND if the commit does not exist, GR_EINVAL for a bad
 * name, oid or message.
 */
int gr_history_tag(gr_history *h, const char *tag, const char *oid_hex, const char *message,
		   const char *author_name, const char *author_email, int64_t when);

/* The commit refs/tags/<tag> points at (annotated tags are peeled) into
 * oid_out; GR_ENOTFOUND if there is no such tag. */
int gr_history_tag_target(gr_history *h, const char *tag, char oid_out[GR_OID_HEX]);

/* Calls cb with the decompressed bytes of every object in the repository
 * (loose and packed): what a removal's check searches. */
int gr_history_each_object(gr_history *h, int (*cb)(const void *data, size_t n, void *ctx), void *ctx);

#endif
