/*
 * access — HUB/access.db: roles (who may do what), the append-only audit
 * log, and the daemon's jobs. A separate SQLite file from catalog.db so that
 * these small writes never wait for an ingest's long catalog transaction.
 * Every function is safe to call from several threads.
 */
#ifndef GR_ACCESS_H
#define GR_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct gr_access gr_access;

/* What a role allows; a caller's permissions are the union over its roles. */
enum gr_perm {
	GR_PERM_READ = 1,    /* every read, and read-only jobs (verify) */
	GR_PERM_CURATE = 2,  /* ingest, filter, docs */
	GR_PERM_PRIVACY = 4, /* consent, removal */
	GR_PERM_ADMIN = 8,   /* roles, gc, audit log, cancelling others' jobs */
};

/* reader, curator, privacy, admin: the permissions; 0 for an unknown name. */
unsigned gr_role_perms(const char *role);

/* Opens (creating and migrating) access.db at path. Callers whose uid is
 * owner_uid (the hub directory's owner) or 0 are admin whatever the table says. */
int gr_access_open(gr_access **out, const char *path, uid_t owner_uid);
void gr_access_close(gr_access *a);

/* The caller's roles ("admin,reader", at most cap bytes) and permissions. */
int gr_access_caller(gr_access *a, uid_t uid, const gid_t *gids, size_t ngids, char *roles, size_t cap,
		     unsigned *perms);

/* principal: "uid:N", "gid:N" or "*"; role: reader|curator|privacy|admin. */
int gr_access_role_set(gr_access *a, const char *principal, const char *role, uid_t by);
/* GR_ENOTFOUND when the principal did not have the role. */
int gr_access_role_del(gr_access *a, const char *principal, const char *role);
int gr_access_roles_each(gr_access *a,
			 int (*cb)(const char *principal, const char *role, int64_t set_by, const char *set_at, void *ctx),
			 void *ctx);

typedef struct {
	int64_t id;      /* filled in when read back */
	const char *at;  /* filled in when read back */
	uid_t uid;
	gid_t gid;
	pid_t pid;
	const char *roles, *action, *target, *outcome, *detail;
} gr_audit_entry;
int gr_access_audit(gr_access *a, const gr_audit_entry *e);
/* Entries with id > after, oldest first, at most limit. */
int gr_access_audit_each(gr_access *a, int64_t after, int limit, int (*cb)(const gr_audit_entry *e, void *ctx),
			 void *ctx);

/* ---- jobs ---- */
typedef struct {
	int64_t id;
	uid_t uid;
	char *kind, *state, *params, *created, *started, *finished, *result, *error;
} gr_job_row;
void gr_job_row_release(gr_job_row *j);

int gr_access_job_add(gr_access *a, const char *kind, uid_t uid, const char *params_json, int64_t *id_out);
/* state: running (sets started), done/failed/cancelled (sets finished). */
int gr_access_job_set(gr_access *a, int64_t id, const char *state, const char *result_json, const char *error);
int gr_access_job_get(gr_access *a, int64_t id, gr_job_row *out);
/* The newest jobs first, at most limit. */
int gr_access_jobs_each(gr_access *a, int limit, int (*cb)(const gr_job_row *j, void *ctx), void *ctx);
/* Marks queued and running jobs failed (the daemon that ran them is gone). */
int gr_access_jobs_abandoned(gr_access *a, const char *why, uint64_t *n);

#endif
