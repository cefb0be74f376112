-- Granary catalog, migration 4: consent and removal requests, the
-- tombstones of removed records, the suppression list that keeps removed
-- content and URLs out of later ingests, and the governance log.

-- An opt-out, withdrawal or erasure request. The selector is kept in clear
-- only while the request is pending; once applied only its keyed hash and a
-- hint that does not reveal it stay (an e-mail address asked to be removed
-- must not remain in the hub as the request for its removal).
CREATE TABLE requests (
    id                INTEGER PRIMARY KEY,
    kind              TEXT NOT NULL,      -- opt-out | withdrawal | erasure
    selector_kind     TEXT NOT NULL,      -- url | url-prefix | domain | hash | text
    selector          TEXT,               -- NULL once applied
    selector_key      BLOB NOT NULL,      -- keyed hash of kind and value (docs/governance.md)
    selector_hint     TEXT NOT NULL,
    requester         TEXT,
    basis             TEXT NOT NULL,      -- opt-out | gdpr-art17 | licence | other
    received          TEXT NOT NULL,      -- ISO 8601 date
    deadline          TEXT NOT NULL,
    notes             TEXT,
    status            TEXT NOT NULL DEFAULT 'pending',  -- pending | applied
    created           TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    applied           TEXT,
    applied_by        TEXT,
    result            TEXT                -- JSON: matches, versions, bytes purged, verification
);

-- A removed record: older versions still list its id; reading it says why it
-- is gone. No content, no content hash, no metadata.
CREATE TABLE tombstones (
    record     INTEGER PRIMARY KEY,       -- the id the versions' membership names
    public_id  TEXT NOT NULL,             -- the 16 hex digits it was shown as
    request    INTEGER NOT NULL REFERENCES requests(id),
    reason     TEXT NOT NULL,
    removed    TEXT NOT NULL
);

-- Keyed hashes (SipHash-2-4, 128 bits, with the hub's key HUB/suppress.key;
-- src/govern/consent.h) of what a removal took out: every later ingest drops
-- a record that matches one.
CREATE TABLE suppressions (
    key      BLOB PRIMARY KEY,
    kind     TEXT NOT NULL,               -- content | url | url-prefix | domain | text
    words    INTEGER NOT NULL DEFAULT 0,  -- text: the selector's word count
    request  INTEGER NOT NULL REFERENCES requests(id)
) WITHOUT ROWID;

-- Every governance action: who (the OS user), what, when, which request.
CREATE TABLE governance_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    who      TEXT NOT NULL,
    action   TEXT NOT NULL,
    request  INTEGER,
    detail   TEXT
);
CREATE TRIGGER governance_log_append_only_u BEFORE UPDATE ON governance_log
BEGIN SELECT RAISE(ABORT, 'the governance log is append-only'); END;
CREATE TRIGGER governance_log_append_only_d BEFORE DELETE ON governance_log
BEGIN SELECT RAISE(ABORT, 'the governance log is append-only'); END;
