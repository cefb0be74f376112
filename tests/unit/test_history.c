/*
 * Unit tests for src/history: the git repository of dataset versions.
 * Besides the API, they check with the git CLI that ordinary git reads what
 * we write (log, show, fsck --strict).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define TEST_NAME "history"
#include "testlib.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "granary.h"
#include "history/history.h"

#define T0 1700000000

static int repo_seq;

/* A fresh repository path (not yet created) under the test's temp dir. */
static char *new_repo_path(void)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/hub%d/history.git", tmpdir, repo_seq++);
	return path;
}

static gr_history *fresh_repo(char *path_out, size_t cap)
{
	char *p = new_repo_path();
	snprintf(path_out, cap, "%s", p);
	assert_int_equal(gr_history_init(p), 0);
	gr_history *h = NULL;
	assert_int_equal(gr_history_open(&h, p), 0);
	assert_non_null(h);
	return h;
}

/* Runs a shell command, returns its stdout (malloc'd) and exit status. */
static char *run(int *status, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	gr_buf b = GR_BUF_INIT;
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(gr_buf_put(&b, chunk, n), 0);
	int st = pclose(f);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (!b.ptr)
		assert_int_equal(gr_buf_puts(&b, ""), 0);
	return gr_buf_detach(&b);
}

static int commit1(gr_history *h, const char *branch, const char *path, const char *data,
		   bool inherit, const char *message, int64_t when, char oid[GR_OID_HEX])
{
	gr_history_file f = {path, data, strlen(data)};
	return gr_history_commit(h, branch, &f, 1, inherit, message, "Granary Test",
				 "test@example.org", when, oid);
}

static void assert_read(gr_history *h, const char *oid, const char *path, const char *want)
{
	gr_buf b = GR_BUF_INIT;
	int rc = gr_history_read(h, oid, path, &b);
	if (rc != 0)
		fail_msg("read %s:%s: %s", oid, path, gr_error_last());
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.ptr, want, b.len);
	gr_buf_free(&b);
}

/* ---- tests ---- */

static void test_init_idempotent(void **state)
{
	(void)state;
	char *p = new_repo_path();
	char path[256];
	snprintf(path, sizeof path, "%s", p);
	gr_history *h = NULL;

	assert_int_equal(gr_history_open(&h, path), GR_ENOTFOUND);
	assert_null(h);
	assert_int_equal(gr_history_init(path), 0); /* creates missing parents too */
	assert_int_equal(gr_history_init(path), 0);
	assert_int_equal(gr_history_open(&h, path), 0);

	char oid[GR_OID_HEX], tip[GR_OID_HEX];
	assert_int_equal(commit1(h, "ds", "MANIFEST.json", "{}", false, "create", T0, oid), 0);
	gr_history_close(h);

	/* Re-init keeps what is there. */
	assert_int_equal(gr_history_init(path), 0);
	assert_int_equal(gr_history_open(&h, path), 0);
	assert_int_equal(gr_history_tip(h, "ds", tip), 0);
	assert_string_equal(tip, oid);
	gr_history_close(h);
	gr_history_close(NULL);

	int st;
	char *out = run(&st, "git -C '%s' rev-parse --is-bare-repository 2>&1", path);
	assert_int_equal(st, 0);
	assert_string_equal(out, "true\n");
	free(out);
}

static void test_parents(void **state)
{
	(void)state;
	char path[256], a[GR_OID_HEX], b[GR_OID_HEX], par[GR_OID_HEX], tip[GR_OID_HEX];
	gr_history *h = fresh_repo(path, sizeof path);

	assert_int_equal(commit1(h, "web", "MANIFEST.json", "{\"v\":1}", true, "ingest v1", T0, a), 0);
	assert_int_equal(strlen(a), 40);
	assert_int_equal(gr_history_parent(h, a, par), 0);
	assert_string_equal(par, ""); /* root */

	assert_int_equal(commit1(h, "web", "MANIFEST.json", "{\"v\":2}", true, "ingest v2", T0 + 60, b), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(gr_history_parent(h, b, par), 0);
	assert_string_equal(par, a);
	assert_int_equal(gr_history_tip(h, "web", tip), 0);
	assert_string_equal(tip, b);

	/* git agrees. */
	int st;
	char *out = run(&st, "git -C '%s' rev-list --parents web", path);
	assert_int_equal(st, 0);
	char want[256];
	snprintf(want, sizeof want, "%s %s\n%s\n", b, a, a);
	assert_string_equal(out, want);
	free(out);

	/* Author, committer and time as given, in UTC. */
	out = run(&st, "git -C '%s' log -1 --format='%%an <%%ae>|%%cn <%%ce>|%%at|%%ai' web", path);
	assert_int_equal(st, 0);
	assert_string_equal(out, "Granary Test <test@example.org>|Granary Test <test@example.org>|"
				 "1700000060|2023-11-14 22:14:20 +0000\n");
	free(out);

	/* Branches are independent. */
	char c[GR_OID_HEX];
	assert_int_equal(commit1(h, "other", "MANIFEST.json", "{}", true, "other", T0, c), 0);
	assert_int_equal(gr_history_parent(h, c, par), 0);
	assert_string_equal(par, "");

	assert_int_equal(gr_history_parent(h, "0123456789012345678901234567890123456789", par),
			 GR_ENOTFOUND);
	assert_int_equal(gr_history_parent(h, "xyz", par), GR_EINVAL);
	gr_history_close(h);
}

static void test_inherit(void **state)
{
	(void)state;
	char path[256], v1[GR_OID_HEX], v2[GR_OID_HEX], v3[GR_OID_HEX];
	gr_history *h = fresh_repo(path, sizeof path);

	gr_history_file f1[] = {
		{"MANIFEST.json", "m1", 2},
		{"datasheet.md", "# sheet\n", 8},
		{"card/README.md", "card v1\n", 8},
	};
	assert_int_equal(gr_history_commit(h, "ds", f1, 3, true, "v1", "A", "a@x", T0, v1), 0);

	gr_history_file f2[] = {
		{"MANIFEST.json", "m2", 2},
		{"card/README.md", "card v2\n", 8},
		{"card/extra.txt", "extra", 5},
	};
	assert_int_equal(gr_history_commit(h, "ds", f2, 3, true, "v2", "A", "a@x", T0 + 1, v2), 0);
	assert_read(h, v2, "MANIFEST.json", "m2");
	assert_read(h, v2, "datasheet.md", "# sheet\n"); /* kept */
	assert_read(h, v2, "card/README.md", "card v2\n"); /* replaced in a subtree */
	assert_read(h, v2, "card/extra.txt", "extra");
	/* The old version is still readable as it was. */
	assert_read(h, v1, "MANIFEST.json", "m1");
	assert_read(h, v1, "card/README.md", "card v1\n");
	gr_buf b = GR_BUF_INIT;
	assert_int_equal(gr_history_read(h, v1, "card/extra.txt", &b), GR_ENOTFOUND);

	/* Without inherit only the given files remain; the parent is still the tip. */
	assert_int_equal(commit1(h, "ds", "MANIFEST.json", "m3", false, "v3", T0 + 2, v3), 0);
	assert_read(h, v3, "MANIFEST.json", "m3");
	assert_int_equal(gr_history_read(h, v3, "datasheet.md", &b), GR_ENOTFOUND);
	assert_int_equal(gr_history_read(h, v3, "card/README.md", &b), GR_ENOTFOUND);
	assert_null(b.ptr); /* untouched on failure */
	char par[GR_OID_HEX];
	assert_int_equal(gr_history_parent(h, v3, par), 0);
	assert_string_equal(par, v2);

	int st;
	char *out = run(&st, "git -C '%s' ls-tree -r --name-only ds~1", path);
	assert_int_equal(st, 0);
	assert_string_equal(out, "MANIFEST.json\ncard/README.md\ncard/extra.txt\ndatasheet.md\n");
	free(out);
	gr_history_close(h);
}

static void test_nested_and_read(void **state)
{
	(void)state;
	char path[256], oid[GR_OID_HEX];
	gr_history *h = fresh_repo(path, sizeof path);

	static const char bin[] = {'a', '\0', 'b', '\n', '\xff'};
	gr_history_file f[] = {
		{"licenses/CC-BY-4.0.txt", "cc by", 5},
		{"licenses/deep/er/GPL-2.0+.txt", "gpl", 3},
		{"a.txt", "dot sorts before slash", 22},
		{"a/b.txt", "nested", 6},
		{"bin.dat", bin, sizeof bin},
		{"empty", NULL, 0},
	};
	assert_int_equal(gr_history_commit(h, "ds", f, 6, false, "docs", "A", "a@x", T0, oid), 0);
	assert_read(h, oid, "licenses/CC-BY-4.0.txt", "cc by");
	assert_read(h, oid, "licenses/deep/er/GPL-2.0+.txt", "gpl");
	assert_read(h, oid, "a.txt", "dot sorts before slash");
	assert_read(h, oid, "a/b.txt", "nested");
	assert_read(h, oid, "empty", "");

	gr_buf b = GR_BUF_INIT;
	assert_int_equal(gr_buf_puts(&b, "prefix:"), 0);
	assert_int_equal(gr_history_read(h, oid, "bin.dat", &b), 0); /* appends */
	assert_int_equal(b.len, 7 + sizeof bin);
	assert_memory_equal(b.ptr + 7, bin, sizeof bin);
	gr_buf_free(&b);

	assert_int_equal(gr_history_read(h, oid, "licenses", &b), GR_ENOTFOUND); /* a directory */
	assert_int_equal(gr_history_read(h, oid, "licenses/nope", &b), GR_ENOTFOUND);
	assert_int_equal(gr_history_read(h, oid, "a.txt/x", &b), GR_ENOTFOUND);
	assert_int_equal(gr_history_read(h, oid, "../x", &b), GR_EINVAL);
	assert_int_equal(gr_history_read(h, "0000000000000000000000000000000000000001", "a.txt", &b),
			 GR_ENOTFOUND);
	assert_int_equal(gr_history_read(h, "not-hex", "a.txt", &b), GR_EINVAL);
	assert_int_equal(gr_history_read(h, NULL, "a.txt", &b), GR_EINVAL);

	/* A blob id is not a commit. */
	int st;
	char *out = run(&st, "git -C '%s' rev-parse ds:a.txt", path);
	assert_int_equal(st, 0);
	out[40] = '\0';
	assert_int_equal(gr_history_read(h, out, "a.txt", &b), GR_ENOTFOUND);
	free(out);
	assert_null(b.ptr);
	gr_history_close(h);
}

static void test_bad_paths(void **state)
{
	(void)state;
	char path[256], oid[GR_OID_HEX] = "untouched";
	gr_history *h = fresh_repo(path, sizeof path);
	static const char *bad[] = {
		"", "/abs", "trail/", "a//b", ".", "..", "../x", "a/../b", "a/./b", ".git",
		".git/config", "a/.git", ".GIT", ".hidden", "a b", "a\\b", "GIT~1", "a:b",
		"tab\there", "ü.md",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_false(gr_history_path_valid(bad[i]));
		assert_int_equal(commit1(h, "ds", bad[i], "x", true, "m", T0, oid), GR_EINVAL);
	}
	assert_false(gr_history_path_valid(NULL));
	char longname[300];
	memset(longname, 'a', 256);
	longname[256] = '\0';
	assert_false(gr_history_path_valid(longname));
	longname[255] = '\0';
	assert_true(gr_history_path_valid(longname));
	assert_true(gr_history_path_valid("card/README.md"));
	assert_true(gr_history_path_valid("x.y_z-1+2"));
	assert_string_equal(oid, "untouched");

	/* Duplicates and file/directory clashes in one commit. */
	gr_history_file dup[] = {{"a", "1", 1}, {"b", "2", 1}, {"a", "3", 1}};
	assert_int_equal(gr_history_commit(h, "ds", dup, 3, true, "m", "A", "a@x", T0, oid), GR_EINVAL);
	gr_history_file df[] = {{"a", "1", 1}, {"a/b", "2", 1}};
	assert_int_equal(gr_history_commit(h, "ds", df, 2, true, "m", "A", "a@x", T0, oid), GR_EINVAL);

	/* ... and with the inherited tree. */
	assert_int_equal(commit1(h, "ds", "card/README.md", "x", true, "m", T0, oid), 0);
	char first[GR_OID_HEX];
	memcpy(first, oid, sizeof first);
	assert_int_equal(commit1(h, "ds", "card", "x", true, "m", T0, oid), GR_EINVAL);
	assert_int_equal(commit1(h, "ds", "card/README.md/x", "x", true, "m", T0, oid), GR_EINVAL);
	/* Without inherit there is nothing to clash with. */
	assert_int_equal(commit1(h, "ds", "card", "x", false, "m", T0, oid), 0);
	assert_read(h, oid, "card", "x");

	/* Limits. */
	assert_int_equal(gr_history_commit(h, "ds", dup, GR_HISTORY_FILES_MAX + 1, true, "m", "A",
					   "a@x", T0, oid),
			 GR_ELIMIT);
	gr_history_file huge = {"big", "x", (size_t)GR_HISTORY_FILE_MAX + 1};
	assert_int_equal(gr_history_commit(h, "ds", &huge, 1, true, "m", "A", "a@x", T0, oid),
			 GR_ELIMIT);
	gr_history_file nodata = {"x", NULL, 3};
	assert_int_equal(gr_history_commit(h, "ds", &nodata, 1, true, "m", "A", "a@x", T0, oid),
			 GR_EINVAL);
	gr_history_close(h);
}

static void test_message_and_author(void **state)
{
	(void)state;
	char path[256], oid[GR_OID_HEX], tip[GR_OID_HEX];
	gr_history *h = fresh_repo(path, sizeof path);
	gr_history_file f = {"MANIFEST.json", "{}", 2};

	assert_int_equal(gr_history_commit(h, "ds", &f, 1, true, "", "A", "a@x", T0, oid), GR_EINVAL);
	assert_int_equal(gr_history_commit(h, "ds", &f, 1, true, " \n\n ", "A", "a@x", T0, oid),
			 GR_EINVAL);
	assert_int_equal(gr_history_commit(h, "ds", &f, 1, true, NULL, "A", "a@x", T0, oid), GR_EINVAL);
	assert_int_equal(gr_history_commit(h, "ds", &f, 1, true, "m", "A <b>", "a@x", T0, oid),
			 GR_EINVAL);
	assert_int_equal(gr_history_commit(h, "ds", &f, 1, true, "m", "A\nB", "a@x", T0, oid),
			 GR_EINVAL);
	assert_int_equal(gr_history_commit(h, "ds", &f, 1, true, "m", "A", "a>@x", T0, oid),
			 GR_EINVAL);
	assert_int_equal(gr_history_commit(h, "ds", &f, 1, true, "m", "", "a@x", T0, oid), GR_EINVAL);
	assert_int_equal(gr_history_commit(h, "ds", &f, 1, true, "m", NULL, "a@x", T0, oid), GR_EINVAL);
	assert_int_equal(gr_history_commit(h, "ds", &f, 1, true, "bad \xff utf8", "A", "a@x", T0, oid),
			 GR_EINVAL);
	assert_int_equal(gr_history_tip(h, "ds", tip), GR_ENOTFOUND); /* nothing was committed */

	/* Non-ASCII names and a multi-line message. */
	assert_int_equal(gr_history_commit(h, "ds", &f, 1, true, "ingest web\n\nsource: crawl  \n\n\n",
					   "Zoë Ünal", "zoe@example.org", T0, oid),
			 0);
	int st;
	char *out = run(&st, "git -C '%s' log -1 --format='%%an|%%B' ds", path);
	assert_int_equal(st, 0);
	assert_string_equal(out, "Zoë Ünal|ingest web\n\nsource: crawl\n\n");
	free(out);
	gr_history_close(h);
}

struct log_seen {
	int n, stop_after;
	char oid[8][GR_OID_HEX];
	char msg[8][64];
	int64_t when[8];
};

static int log_cb(const char *oid, const char *message, int64_t when, void *ctx)
{
	struct log_seen *s = ctx;
	assert_true(s->n < 8);
	snprintf(s->oid[s->n], GR_OID_HEX, "%s", oid);
	snprintf(s->msg[s->n], 64, "%s", message);
	s->when[s->n] = when;
	s->n++;
	return s->n == s->stop_after ? 42 : 0;
}

static void test_log(void **state)
{
	(void)state;
	char path[256], oid[4][GR_OID_HEX];
	gr_history *h = fresh_repo(path, sizeof path);
	const char *msgs[] = {"create", "ingest a", "filter\n\nwith body", "remove 3 records"};
	for (int i = 0; i < 4; i++) {
		char data[32];
		snprintf(data, sizeof data, "{\"v\":%d}", i);
		assert_int_equal(commit1(h, "ds", "MANIFEST.json", data, true, msgs[i], T0 + i * 100,
					 oid[i]),
				 0);
	}
	char noise[GR_OID_HEX]; /* another branch does not show in this one's log */
	assert_int_equal(commit1(h, "noise", "MANIFEST.json", "x", true, "other", T0, noise), 0);

	struct log_seen s = {0};
	assert_int_equal(gr_history_log(h, "ds", log_cb, &s), 0);
	assert_int_equal(s.n, 4);
	for (int i = 0; i < 4; i++) {
		assert_string_equal(s.msg[i], msgs[3 - i]); /* newest first, final newline gone */
		assert_int_equal(s.when[i], T0 + (3 - i) * 100);
	}
	assert_string_equal(s.oid[0], oid[3]);
	assert_string_equal(s.oid[1], oid[2]);
	assert_string_equal(s.oid[2], oid[1]);
	assert_string_equal(s.oid[3], oid[0]);

	/* Early stop returns the callback's value. */
	struct log_seen s2 = {.stop_after = 2};
	assert_int_equal(gr_history_log(h, "ds", log_cb, &s2), 42);
	assert_int_equal(s2.n, 2);
	assert_string_equal(s2.oid[1], oid[2]);

	struct log_seen s3 = {0};
	assert_int_equal(gr_history_log(h, "missing", log_cb, &s3), GR_ENOTFOUND);
	assert_int_equal(gr_history_log(h, "a..b", log_cb, &s3), GR_EINVAL);
	assert_int_equal(s3.n, 0);

	int st;
	char *out = run(&st, "git -C '%s' log --format=%%s ds", path);
	assert_int_equal(st, 0);
	assert_string_equal(out, "remove 3 records\nfilter\ningest a\ncreate\n");
	free(out);
	gr_history_close(h);
}

/* A log callback may use the same handle (the handle's lock is recursive). */
struct reentry {
	gr_history *h;
	int n;
};

static int reentry_cb(const char *oid, const char *message, int64_t when, void *ctx)
{
	(void)message;
	(void)when;
	struct reentry *r = ctx;
	gr_buf b = GR_BUF_INIT;
	assert_int_equal(gr_history_read(r->h, oid, "MANIFEST.json", &b), 0);
	gr_buf_free(&b);
	r->n++;
	return 0;
}

static void test_log_reentry(void **state)
{
	(void)state;
	char path[256], oid[GR_OID_HEX];
	gr_history *h = fresh_repo(path, sizeof path);
	assert_int_equal(commit1(h, "ds", "MANIFEST.json", "1", true, "one", T0, oid), 0);
	assert_int_equal(commit1(h, "ds", "MANIFEST.json", "2", true, "two", T0, oid), 0);
	struct reentry r = {h, 0};
	assert_int_equal(gr_history_log(h, "ds", reentry_cb, &r), 0);
	assert_int_equal(r.n, 2);
	gr_history_close(h);
}

static void test_tip_missing(void **state)
{
	(void)state;
	char path[256], tip[GR_OID_HEX] = "untouched";
	gr_history *h = fresh_repo(path, sizeof path);
	assert_int_equal(gr_history_tip(h, "nope", tip), GR_ENOTFOUND);
	assert_string_equal(tip, "untouched");
	assert_int_equal(gr_history_tip(h, "bad name", tip), GR_EINVAL);
	gr_history_close(h);
}

/* gr_dataset_name_valid checks git's branch rules itself: it must agree
 * with libgit2 on every name of up to 5 characters from an alphabet that
 * can spell "..", ".lock", "HEAD" and the rest. */
static void test_dataset_names(void **state)
{
	(void)state;
	static const char alpha[] = "a.-_HEADlock0";
	const size_t k = sizeof alpha - 1;
	char name[8];
	size_t checked = 0, valid = 0;
	for (size_t len = 1; len <= 5; len++) {
		size_t total = 1;
		for (size_t i = 0; i < len; i++)
			total *= k;
		for (size_t x = 0; x < total; x++) {
			size_t v = x;
			for (size_t i = 0; i < len; i++, v /= k)
				name[i] = alpha[v % k];
			name[len] = '\0';
			bool chars = name[0] != '.' && name[0] != '-' && name[0] != '_';
			bool want = chars && gr_history_branch_valid(name);
			if (gr_dataset_name_valid(name) != want)
				fail_msg("'%s': gr_dataset_name_valid says %d, libgit2 %d", name, !want, want);
			checked++;
			valid += want;
		}
	}
	assert_true(checked > 400000);
	assert_true(valid > 100000 && valid < checked);
	assert_false(gr_dataset_name_valid("HEAD"));
	assert_false(gr_dataset_name_valid("x.lock"));
	assert_true(gr_dataset_name_valid("x.lockx"));
	assert_false(gr_dataset_name_valid("a..b"));
	assert_false(gr_dataset_name_valid(""));
}

static void test_branch_names(void **state)
{
	(void)state;
	static const char *bad[] = {
		"a..b", "x.lock", "-x", "a b", "", "HEAD", "a~b", "a^b", "a:b", "a?b", "a*b",
		"a[b", "a\\b", "a/", "/a", "a//b", ".a", "a/.b", "a@{b", "a.", "ctl\x01",
		"del\x7f",
	};
	char path[256], oid[GR_OID_HEX];
	gr_history *h = fresh_repo(path, sizeof path);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (gr_history_branch_valid(bad[i]))
			fail_msg("branch name '%s' accepted", bad[i]);
		assert_int_equal(commit1(h, bad[i], "MANIFEST.json", "x", true, "m", T0, oid),
				 GR_EINVAL);
	}
	assert_false(gr_history_branch_valid(NULL));
	char longname[300];
	memset(longname, 'a', 256);
	longname[256] = '\0';
	assert_false(gr_history_branch_valid(longname));

	static const char *good[] = {"web", "c4.en", "web-2024_v2", "team/web", "UPPER", "a.b.c"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		if (!gr_history_branch_valid(good[i]))
			fail_msg("branch name '%s' refused", good[i]);
		assert_int_equal(commit1(h, good[i], "MANIFEST.json", "x", true, "m", T0, oid), 0);
	}

	/* git refuses "team" now that "team/web" exists: a clean error, not a crash. */
	int rc = commit1(h, "team", "MANIFEST.json", "x", true, "m", T0, oid);
	assert_true(rc < 0);

	int st;
	char *out = run(&st, "git -C '%s' for-each-ref --format='%%(refname)' refs/heads", path);
	assert_int_equal(st, 0);
	assert_string_equal(out, "refs/heads/UPPER\nrefs/heads/a.b.c\nrefs/heads/c4.en\n"
				 "refs/heads/team/web\nrefs/heads/web\nrefs/heads/web-2024_v2\n");
	free(out);
	gr_history_close(h);
}

static void test_tags(void **state)
{
	(void)state;
	char path[256], v1[GR_OID_HEX], v2[GR_OID_HEX], t[GR_OID_HEX];
	gr_history *h = fresh_repo(path, sizeof path);
	assert_int_equal(commit1(h, "ds", "MANIFEST.json", "1", true, "v1", T0, v1), 0);
	assert_int_equal(commit1(h, "ds", "MANIFEST.json", "2", true, "v2", T0 + 1, v2), 0);

	assert_int_equal(gr_history_tag(h, "ds-1.0", v1, "release 1.0", "Rel", "rel@x", T0 + 5), 0);
	assert_int_equal(gr_history_tag_target(h, "ds-1.0", t), 0);
	assert_string_equal(t, v1);
	/* Never moved. */
	assert_int_equal(gr_history_tag(h, "ds-1.0", v2, "again", "Rel", "rel@x", T0 + 6), GR_EEXIST);
	assert_int_equal(gr_history_tag_target(h, "ds-1.0", t), 0);
	assert_string_equal(t, v1);

	assert_int_equal(gr_history_tag(h, "ds/2.0", v2, "release 2.0", "Rel", "rel@x", T0 + 7), 0);
	assert_int_equal(gr_history_tag(h, "x", "0000000000000000000000000000000000000001", "m", "R",
					"r@x", T0),
			 GR_ENOTFOUND);
	assert_int_equal(gr_history_tag(h, "bad..tag", v1, "m", "R", "r@x", T0), GR_EINVAL);
	assert_int_equal(gr_history_tag(h, "-x", v1, "m", "R", "r@x", T0), GR_EINVAL);
	assert_int_equal(gr_history_tag(h, "ok", v1, "", "R", "r@x", T0), GR_EINVAL);
	assert_int_equal(gr_history_tag(h, "ok", "zz", "m", "R", "r@x", T0), GR_EINVAL);
	assert_int_equal(gr_history_tag_target(h, "nope", t), GR_ENOTFOUND);
	assert_false(gr_history_tag_valid("a b"));
	assert_true(gr_history_tag_valid("v1.0.0"));

	int st;
	char *out = run(&st, "git -C '%s' cat-file -t ds-1.0", path);
	assert_int_equal(st, 0);
	assert_string_equal(out, "tag\n"); /* annotated */
	free(out);
	out = run(&st, "git -C '%s' tag -l --format='%%(refname:short) %%(subject) %%(taggername)'",
		  path);
	assert_int_equal(st, 0);
	assert_string_equal(out, "ds-1.0 release 1.0 Rel\nds/2.0 release 2.0 Rel\n");
	free(out);
	out = run(&st, "git -C '%s' rev-parse 'ds-1.0^{commit}'", path);
	assert_int_equal(st, 0);
	assert_int_equal(strncmp(out, v1, 40), 0);
	free(out);
	gr_history_close(h);
}

static void test_git_cli(void **state)
{
	(void)state;
	char path[256], oid[GR_OID_HEX];
	gr_history *h = fresh_repo(path, sizeof path);
	const char *manifest = "{\"format\":1,\"records\":3}\n";
	gr_history_file f[] = {
		{"MANIFEST.json", manifest, strlen(manifest)},
		{"card/README.md", "# web\n", 6},
		{"licenses/CC0-1.0.txt", "cc0\n", 4},
	};
	assert_int_equal(gr_history_commit(h, "web", f, 3, true, "ingest web v1", "G", "g@x", T0, oid),
			 0);
	assert_int_equal(commit1(h, "web", "datasheet.md", "sheet\n", true, "doc web", T0 + 1, oid), 0);
	assert_int_equal(gr_history_tag(h, "web-v2", oid, "release", "G", "g@x", T0 + 2), 0);

	int st;
	char *out = run(&st, "git -C '%s' log --format=%%s web", path);
	assert_int_equal(st, 0);
	assert_string_equal(out, "doc web\ningest web v1\n");
	free(out);

	out = run(&st, "git -C '%s' show web:MANIFEST.json", path);
	assert_int_equal(st, 0);
	assert_string_equal(out, manifest);
	free(out);

	out = run(&st, "git -C '%s' show web:card/README.md", path);
	assert_int_equal(st, 0);
	assert_string_equal(out, "# web\n");
	free(out);

	out = run(&st, "git -C '%s' diff --name-status web~1 web", path);
	assert_int_equal(st, 0);
	assert_string_equal(out, "A\tdatasheet.md\n");
	free(out);

	/* Clean but for "notice:" lines (HEAD is left unborn: there is no default
	 * dataset). */
	out = run(&st, "git -C '%s' fsck --strict --no-dangling 2>&1 | grep -v '^notice:'", path);
	if (out[0] != '\0')
		fail_msg("git fsck --strict: %s", out);
	free(out);
	out = run(&st, "git -C '%s' fsck --strict --no-dangling >/dev/null 2>&1", path);
	assert_int_equal(st, 0);
	free(out);

	/* And git can clone it. */
	out = run(&st, "git clone -q --bare '%s' '%s.clone' 2>&1 && git -C '%s.clone' show "
		       "web:datasheet.md",
		  path, path, path);
	assert_int_equal(st, 0);
	assert_string_equal(out, "sheet\n");
	free(out);
	gr_history_close(h);
}

/* A held ref lock (another writer mid-update) makes the commit fail with
 * GR_EBUSY and leaves the branch where it was. */
/* A ref lock file left by a writer killed mid-update must not block every
 * later commit: commits take the repository's flock, so such a lock is stale
 * and is cleared. */
static void test_ref_locked(void **state)
{
	(void)state;
	char path[256], a[GR_OID_HEX], b[GR_OID_HEX], c[GR_OID_HEX], tip[GR_OID_HEX];
	gr_history *h = fresh_repo(path, sizeof path);
	assert_int_equal(commit1(h, "ds", "MANIFEST.json", "1", true, "v1", T0, a), 0);

	char lockpath[300];
	snprintf(lockpath, sizeof lockpath, "%s/refs/heads/ds.lock", path);
	FILE *f = fopen(lockpath, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(commit1(h, "ds", "MANIFEST.json", "2", true, "v2", T0, b), 0);
	assert_int_not_equal(access(lockpath, F_OK), 0);
	assert_int_equal(gr_history_tip(h, "ds", tip), 0);
	assert_string_equal(tip, b);
	char parent[GR_OID_HEX];
	assert_int_equal(gr_history_parent(h, b, parent), 0);
	assert_string_equal(parent, a);

	/* Also for a branch's first commit. */
	snprintf(lockpath, sizeof lockpath, "%s/refs/heads/new.lock", path);
	f = fopen(lockpath, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(commit1(h, "new", "MANIFEST.json", "2", true, "v2", T0, c), 0);
	assert_int_equal(gr_history_tip(h, "new", tip), 0);
	assert_string_equal(tip, c);
	gr_history_close(h);
}

/* Two writers (own handles, like two processes) committing to one branch:
 * every commit that reported success is on the first-parent chain. */
#define RACE_N 15
struct racer {
	const char *path;
	int id;
	int done;
	int busy;
};

static void *race_thread(void *arg)
{
	struct racer *r = arg;
	gr_history *h = NULL;
	if (gr_history_open(&h, r->path) != 0)
		return NULL;
	for (int i = 0; i < RACE_N;) {
		char data[32], oid[GR_OID_HEX];
		snprintf(data, sizeof data, "%d-%d", r->id, i);
		gr_history_file f = {"MANIFEST.json", data, strlen(data)};
		int rc = gr_history_commit(h, "ds", &f, 1, true, data, "R", "r@x", T0 + i, oid);
		if (rc == GR_EBUSY) {
			r->busy++;
			continue;
		}
		if (rc != 0)
			break;
		i++;
		r->done++;
	}
	gr_history_close(h);
	return NULL;
}

static int count_cb(const char *oid, const char *message, int64_t when, void *ctx)
{
	(void)oid;
	(void)message;
	(void)when;
	(*(int *)ctx)++;
	return 0;
}

static void test_concurrent_writers(void **state)
{
	(void)state;
	char path[256];
	gr_history *h = fresh_repo(path, sizeof path);
	struct racer r[2] = {{path, 0, 0, 0}, {path, 1, 0, 0}};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_thread, &r[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(r[0].done, RACE_N);
	assert_int_equal(r[1].done, RACE_N);
	print_message("concurrent writers: %d + %d retries after GR_EBUSY\n", r[0].busy, r[1].busy);
	int n = 0;
	assert_int_equal(gr_history_log(h, "ds", count_cb, &n), 0);
	assert_int_equal(n, 2 * RACE_N);
	gr_history_close(h);
}

/* A damaged object is reported as corruption, not as absent. */
static void test_corrupt_object(void **state)
{
	(void)state;
	char path[256], oid[GR_OID_HEX];
	gr_history *h = fresh_repo(path, sizeof path);
	assert_int_equal(commit1(h, "ds", "MANIFEST.json", "precious content", true, "v1", T0, oid),
			 0);
	gr_history_close(h);

	int st;
	char *blob = run(&st, "git -C '%s' rev-parse ds:MANIFEST.json", path);
	assert_int_equal(st, 0);
	char objpath[400];
	snprintf(objpath, sizeof objpath, "%s/objects/%.2s/%.38s", path, blob, blob + 2);
	free(blob);
	chmod(objpath, 0644);
	FILE *f = fopen(objpath, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, 4, SEEK_SET), 0);
	assert_int_equal(fwrite("\x00\x01\x02\x03\x04\x05", 1, 6, f), 6);
	fclose(f);

	assert_int_equal(gr_history_open(&h, path), 0);
	gr_buf b = GR_BUF_INIT;
	int rc = gr_history_read(h, oid, "MANIFEST.json", &b);
	if (rc != GR_ECORRUPT)
		fail_msg("read of damaged object: %d (%s)", rc, gr_error_last());
	assert_null(b.ptr);

	/* A missing parent breaks the log with ECORRUPT. */
	char second[GR_OID_HEX];
	assert_int_equal(commit1(h, "other", "MANIFEST.json", "1", true, "v1", T0, oid), 0);
	assert_int_equal(commit1(h, "other", "MANIFEST.json", "2", true, "v2", T0, second), 0);
	gr_history_close(h);
	snprintf(objpath, sizeof objpath, "%s/objects/%.2s/%.38s", path, oid, oid + 2);
	assert_int_equal(unlink(objpath), 0);
	assert_int_equal(gr_history_open(&h, path), 0);
	int n = 0;
	assert_int_equal(gr_history_log(h, "other", count_cb, &n), GR_ECORRUPT);
	assert_int_equal(n, 1);
	/* Committing on top still works (the tip is intact). */
	assert_int_equal(commit1(h, "other", "MANIFEST.json", "3", true, "v3", T0, oid), 0);
	gr_history_close(h);
}

static void test_open_errors(void **state)
{
	(void)state;
	gr_history *h = NULL;
	char plain[300];
	snprintf(plain, sizeof plain, "%s/plain", tmpdir);
	assert_int_equal(mkdir(plain, 0755), 0);
	assert_int_equal(gr_history_open(&h, plain), GR_ENOTFOUND);
	assert_null(h);
	assert_int_equal(gr_history_open(&h, NULL), GR_EINVAL);
	assert_int_equal(gr_history_init(""), GR_EINVAL);
	/* A file where the repository should go. */
	char file[300];
	snprintf(file, sizeof file, "%s/afile", tmpdir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(gr_history_init(file), GR_EEXIST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_idempotent),
		cmocka_unit_test(test_parents),
		cmocka_unit_test(test_inherit),
		cmocka_unit_test(test_nested_and_read),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_message_and_author),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_log_reentry),
		cmocka_unit_test(test_tip_missing),
		cmocka_unit_test(test_branch_names),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_git_cli),
		cmocka_unit_test(test_dataset_names),
		cmocka_unit_test(test_ref_locked),
		cmocka_unit_test(test_concurrent_writers),
		cmocka_unit_test(test_corrupt_object),
		cmocka_unit_test(test_open_errors),
	};
	return cmocka_run_group_tests_name("history", tests, group_setup, group_teardown);
}
