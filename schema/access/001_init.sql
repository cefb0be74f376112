-- access.db: who may do what, what they did, and the daemon's jobs.
-- Kept apart from catalog.db on purpose: an ingest holds the catalog's one
-- write transaction until its commit point, and a denied request must reach
-- the audit log at once, not after the ingest.

-- A principal is 'uid:N', 'gid:N' or '*' (anyone who can open the socket).
-- A caller's permissions are the union of the roles of its uid, its groups
-- and '*'. The hub directory's owner and root are always admin.
CREATE TABLE roles (
    principal TEXT NOT NULL CHECK (principal = '*' OR principal GLOB 'uid:[0-9]*' OR principal GLOB 'gid:[0-9]*'),
    role      TEXT NOT NULL CHECK (role IN ('reader', 'curator', 'privacy', 'admin')),
    set_by    INTEGER NOT NULL,
    set_at    TEXT NOT NULL,
    PRIMARY KEY (principal, role)
) WITHOUT ROWID;

INSERT INTO roles VALUES ('*', 'reader', 0, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

-- Append-only: every write asked of the daemon (allowed or not), every
-- denied request, every role change.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    uid      INTEGER NOT NULL,
    gid      INTEGER NOT NULL,
    pid      INTEGER NOT NULL,
    roles    TEXT NOT NULL,            -- the caller's roles, comma-separated
    action   TEXT NOT NULL,            -- e.g. 'ingest', 'gc', 'roles.set'
    target   TEXT NOT NULL,            -- request method and path
    outcome  TEXT NOT NULL CHECK (outcome IN ('denied', 'accepted', 'done', 'failed', 'cancelled')),
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE jobs (
    id        INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL,              -- ingest, verify, gc
    uid       INTEGER NOT NULL,
    state     TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    params    TEXT NOT NULL,              -- JSON
    created   TEXT NOT NULL,
    started   TEXT,
    finished  TEXT,
    result    TEXT,                       -- JSON, when done
    error     TEXT                        -- when failed or cancelled
);
CREATE INDEX jobs_state ON jobs(state);
