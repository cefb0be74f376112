/*
 * access.db: roles, the audit log and jobs (see access.h). One connection
 * behind a mutex; every statement is short, so callers never wait long.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog/access.h"
#include "catalog/catalog.h"
#include "catalog/migrations.h"
#include "util/util.h"

struct gr_access {
	sqlite3 *db;
	pthread_mutex_t mu;
	uid_t owner;
};

static const struct {
	const char *name;
	unsigned perms;
} role_table[] = {
	{"reader", GR_PERM_READ},
	{"curator", GR_PERM_READ | GR_PERM_CURATE},
	{"privacy", GR_PERM_READ | GR_PERM_PRIVACY},
	{"admin", GR_PERM_READ | GR_PERM_CURATE | GR_PERM_PRIVACY | GR_PERM_ADMIN},
};

unsigned gr_role_perms(const char *role)
{
	for (size_t i = 0; i < sizeof role_table / sizeof *role_table; i++)
		if (!strcmp(role, role_table[i].name))
			return role_table[i].perms;
	return 0;
}

static int db_fail(gr_access *a, const char *what)
{
	int code = sqlite3_errcode(a->db);
	int gr = code == SQLITE_BUSY || code == SQLITE_LOCKED ? GR_EBUSY
		 : code == SQLITE_CONSTRAINT		       ? GR_EINVAL
							       : GR_EIO;
	return gr_error_set(gr, "access.db: %s: %s", what, sqlite3_errmsg(a->db));
}

int gr_access_open(gr_access **out, const char *path, uid_t owner_uid)
{
	gr_access *a = calloc(1, sizeof *a);
	if (!a)
		return gr_error_set(GR_ENOMEM, "out of memory");
	pthread_mutex_init(&a->mu, NULL);
	a->owner = owner_uid;
	int rc;
	gr_sqlite_memory_setup();
	if (sqlite3_open_v2(path, &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
	    SQLITE_OK) {
		rc = a->db ? gr_error_set(GR_EIO, "cannot open %s: %s", path, sqlite3_errmsg(a->db))
			   : gr_error_set(GR_ENOMEM, "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(a->db, 5000);
	if (sqlite3_exec(a->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_fail(a, "open");
		goto fail;
	}
	if ((rc = gr_sqlite_migrate(a->db, gr_access_migrations, gr_access_migration_count, "access.db")))
		goto fail;
	/* the audit log and others' jobs are not for every local user: the owner
	 * reads the file, others ask the daemon (which checks their roles) */
	chmod(path, 0600);
	*out = a;
	return 0;
fail:
	gr_access_close(a);
	return rc;
}

void gr_access_close(gr_access *a)
{
	if (!a)
		return;
	sqlite3_close(a->db);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

static sqlite3_stmt *prep(gr_access *a, const char *sql)
{
	sqlite3_stmt *s = NULL;
	if (sqlite3_prepare_v2(a->db, sql, -1, &s, NULL) != SQLITE_OK) {
		db_fail(a, "prepare");
		return NULL;
	}
	return s;
}

/* Runs s (no rows wanted) and finalizes it. */
static int run(gr_access *a, sqlite3_stmt *s, const char *what)
{
	int r = sqlite3_step(s);
	int rc = r == SQLITE_DONE || r == SQLITE_ROW ? 0 : db_fail(a, what);
	sqlite3_finalize(s);
	return rc;
}

static void bind_text(sqlite3_stmt *s, int i, const char *t)
{
	if (t)
		sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? gr_strdup((const char *)t) : NULL;
}

static void add_role(char *roles, size_t cap, const char *name)
{
	/* each name once */
	size_t n = strlen(name), len = strlen(roles);
	for (const char *p = roles; (p = strstr(p, name)); p += n)
		if ((p == roles || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return;
	if (len + n + 2 > cap)
		return;
	snprintf(roles + len, cap - len, "%s%s", len ? "," : "", name);
}

int gr_access_caller(gr_access *a, uid_t uid, const gid_t *gids, size_t ngids, char *roles, size_t cap,
		     unsigned *perms)
{
	*perms = 0;
	roles[0] = '\0';
	if (uid == a->owner || uid == 0) {
		add_role(roles, cap, "admin");
		*perms = gr_role_perms("admin");
	}
	pthread_mutex_lock(&a->mu);
	int rc = 0;
	sqlite3_stmt *s = prep(a, "SELECT principal, role FROM roles ORDER BY role");
	if (!s) {
		rc = GR_EIO;
		goto out;
	}
	char me[32];
	snprintf(me, sizeof me, "uid:%u", (unsigned)uid);
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(s, 0), *role = (const char *)sqlite3_column_text(s, 1);
		bool match = !strcmp(p, "*") || !strcmp(p, me);
		for (size_t i = 0; !match && i < ngids; i++) {
			char g[32];
			snprintf(g, sizeof g, "gid:%u", (unsigned)gids[i]);
			match = !strcmp(p, g);
		}
		if (match) {
			add_role(roles, cap, role);
			*perms |= gr_role_perms(role);
		}
	}
	if (r != SQLITE_DONE)
		rc = db_fail(a, "roles");
	sqlite3_finalize(s);
out:
	pthread_mutex_unlock(&a->mu);
	return rc;
}

static bool principal_valid(const char *p)
{
	if (!strcmp(p, "*"))
		return true;
	if (strncmp(p, "uid:", 4) && strncmp(p, "gid:", 4))
		return false;
	const char *d = p + 4;
	if (!*d || strlen(d) > 10)
		return false;
	for (; *d; d++)
		if (*d < '0' || *d > '9')
			return false;
	return true;
}

int gr_access_role_set(gr_access *a, const char *principal, const char *role, uid_t by)
{
	if (!principal_valid(principal))
		return gr_error_set(GR_EINVAL, "principal '%s' is not uid:N, gid:N or *", principal);
	if (!gr_role_perms(role))
		return gr_error_set(GR_EINVAL, "role '%s' is not reader, curator, privacy or admin", role);
	pthread_mutex_lock(&a->mu);
	sqlite3_stmt *s = prep(a, "INSERT OR REPLACE INTO roles VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ','now'))");
	int rc = GR_EIO;
	if (s) {
		bind_text(s, 1, principal);
		bind_text(s, 2, role);
		sqlite3_bind_int64(s, 3, by);
		rc = run(a, s, "set role");
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int gr_access_role_del(gr_access *a, const char *principal, const char *role)
{
	pthread_mutex_lock(&a->mu);
	sqlite3_stmt *s = prep(a, "DELETE FROM roles WHERE principal = ? AND role = ?");
	int rc = GR_EIO;
	if (s) {
		bind_text(s, 1, principal);
		bind_text(s, 2, role);
		rc = run(a, s, "remove role");
		if (!rc && sqlite3_changes(a->db) == 0)
			rc = gr_error_set(GR_ENOTFOUND, "%s does not have the role %s", principal, role);
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int gr_access_roles_each(gr_access *a,
			 int (*cb)(const char *principal, const char *role, int64_t set_by, const char *set_at, void *ctx),
			 void *ctx)
{
	pthread_mutex_lock(&a->mu);
	sqlite3_stmt *s = prep(a, "SELECT principal, role, set_by, set_at FROM roles ORDER BY principal, role");
	int rc = s ? 0 : GR_EIO, r;
	while (s && (r = sqlite3_step(s)) == SQLITE_ROW) {
		if ((rc = cb((const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
			     sqlite3_column_int64(s, 2), (const char *)sqlite3_column_text(s, 3), ctx)))
			break;
	}
	if (s && !rc && r != SQLITE_DONE)
		rc = db_fail(a, "roles");
	sqlite3_finalize(s);
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int gr_access_audit(gr_access *a, const gr_audit_entry *e)
{
	pthread_mutex_lock(&a->mu);
	sqlite3_stmt *s = prep(a, "INSERT INTO audit_log (at, uid, gid, pid, roles, action, target, outcome, detail) "
				  "VALUES (strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?, ?, ?, ?, ?, ?, ?, ?)");
	int rc = GR_EIO;
	if (s) {
		sqlite3_bind_int64(s, 1, e->uid);
		sqlite3_bind_int64(s, 2, e->gid);
		sqlite3_bind_int64(s, 3, e->pid);
		bind_text(s, 4, e->roles ? e->roles : "");
		bind_text(s, 5, e->action);
		bind_text(s, 6, e->target);
		bind_text(s, 7, e->outcome);
		bind_text(s, 8, e->detail ? e->detail : "");
		rc = run(a, s, "audit log");
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int gr_access_audit_each(gr_access *a, int64_t after, int limit, int (*cb)(const gr_audit_entry *e, void *ctx),
			 void *ctx)
{
	pthread_mutex_lock(&a->mu);
	sqlite3_stmt *s = prep(a, "SELECT id, at, uid, gid, pid, roles, action, target, outcome, detail FROM audit_log "
				  "WHERE id > ? ORDER BY id LIMIT ?");
	int rc = s ? 0 : GR_EIO, r = SQLITE_DONE;
	if (s) {
		sqlite3_bind_int64(s, 1, after);
		sqlite3_bind_int(s, 2, limit);
	}
	while (s && (r = sqlite3_step(s)) == SQLITE_ROW) {
		gr_audit_entry e = {
			.id = sqlite3_column_int64(s, 0),
			.at = (const char *)sqlite3_column_text(s, 1),
			.uid = (uid_t)sqlite3_column_int64(s, 2),
			.gid = (gid_t)sqlite3_column_int64(s, 3),
			.pid = (pid_t)sqlite3_column_int64(s, 4),
			.roles = (const char *)sqlite3_column_text(s, 5),
			.action = (const char *)sqlite3_column_text(s, 6),
			.target = (const char *)sqlite3_column_text(s, 7),
			.outcome = (const char *)sqlite3_column_text(s, 8),
			.detail = (const char *)sqlite3_column_text(s, 9),
		};
		if ((rc = cb(&e, ctx)))
			break;
	}
	if (s && !rc && r != SQLITE_DONE)
		rc = db_fail(a, "audit log");
	sqlite3_finalize(s);
	pthread_mutex_unlock(&a->mu);
	return rc;
}

void gr_job_row_release(gr_job_row *j)
{
	free(j->kind);
	free(j->state);
	free(j->params);
	free(j->created);
	free(j->started);
	free(j->finished);
	free(j->result);
	free(j->error);
	memset(j, 0, sizeof *j);
}

int gr_access_job_add(gr_access *a, const char *kind, uid_t uid, const char *params_json, int64_t *id_out)
{
	pthread_mutex_lock(&a->mu);
	sqlite3_stmt *s = prep(a, "INSERT INTO jobs (kind, uid, state, params, created) "
				  "VALUES (?, ?, 'queued', ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
	int rc = GR_EIO;
	if (s) {
		bind_text(s, 1, kind);
		sqlite3_bind_int64(s, 2, uid);
		bind_text(s, 3, params_json);
		rc = run(a, s, "add job");
		if (!rc)
			*id_out = sqlite3_last_insert_rowid(a->db);
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int gr_access_job_set(gr_access *a, int64_t id, const char *state, const char *result_json, const char *error)
{
	bool start = !strcmp(state, "running");
	pthread_mutex_lock(&a->mu);
	sqlite3_stmt *s = prep(a, start ? "UPDATE jobs SET state = ?, started = strftime('%Y-%m-%dT%H:%M:%fZ','now'), "
					  "result = ?, error = ? WHERE id = ?"
					: "UPDATE jobs SET state = ?, finished = strftime('%Y-%m-%dT%H:%M:%fZ','now'), "
					  "result = ?, error = ? WHERE id = ?");
	int rc = GR_EIO;
	if (s) {
		bind_text(s, 1, state);
		bind_text(s, 2, result_json);
		bind_text(s, 3, error);
		sqlite3_bind_int64(s, 4, id);
		rc = run(a, s, "update job");
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

#define JOB_COLS "id, uid, kind, state, params, created, started, finished, result, error"

static void job_from_row(sqlite3_stmt *s, gr_job_row *j)
{
	j->id = sqlite3_column_int64(s, 0);
	j->uid = (uid_t)sqlite3_column_int64(s, 1);
	j->kind = col_dup(s, 2);
	j->state = col_dup(s, 3);
	j->params = col_dup(s, 4);
	j->created = col_dup(s, 5);
	j->started = col_dup(s, 6);
	j->finished = col_dup(s, 7);
	j->result = col_dup(s, 8);
	j->error = col_dup(s, 9);
}

int gr_access_job_get(gr_access *a, int64_t id, gr_job_row *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&a->mu);
	sqlite3_stmt *s = prep(a, "SELECT " JOB_COLS " FROM jobs WHERE id = ?");
	int rc = GR_EIO;
	if (s) {
		sqlite3_bind_int64(s, 1, id);
		int r = sqlite3_step(s);
		if (r == SQLITE_ROW) {
			job_from_row(s, out);
			rc = 0;
		} else {
			rc = r == SQLITE_DONE ? gr_error_set(GR_ENOTFOUND, "no job %lld", (long long)id) : db_fail(a, "job");
		}
		sqlite3_finalize(s);
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int gr_access_jobs_each(gr_access *a, int limit, int (*cb)(const gr_job_row *j, void *ctx), void *ctx)
{
	pthread_mutex_lock(&a->mu);
	sqlite3_stmt *s = prep(a, "SELECT " JOB_COLS " FROM jobs ORDER BY id DESC LIMIT ?");
	int rc = s ? 0 : GR_EIO, r = SQLITE_DONE;
	if (s)
		sqlite3_bind_int(s, 1, limit);
	while (s && (r = sqlite3_step(s)) == SQLITE_ROW) {
		gr_job_row j;
		job_from_row(s, &j);
		rc = cb(&j, ctx);
		gr_job_row_release(&j);
		if (rc)
			break;
	}
	if (s && !rc && r != SQLITE_DONE)
		rc = db_fail(a, "jobs");
	sqlite3_finalize(s);
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int gr_access_jobs_abandoned(gr_access *a, const char *why, uint64_t *n)
{
	pthread_mutex_lock(&a->mu);
	sqlite3_stmt *s = prep(a, "UPDATE jobs SET state = 'failed', error = ?, "
				  "finished = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE state IN ('queued', 'running')");
	int rc = GR_EIO;
	if (s) {
		bind_text(s, 1, why);
		rc = run(a, s, "abandoned jobs");
		*n = rc ? 0 : (uint64_t)sqlite3_changes(a->db);
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}
