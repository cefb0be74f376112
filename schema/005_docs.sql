-- Granary catalog, migration 5: dataset documentation (datasheet, data
-- statement, card metadata; src/govern/docs.h), the documentation policy,
-- and release tags.

-- The documents a version was given. A version without a row inherits the
-- nearest ancestor's (its first parent, then that one's, ...).
CREATE TABLE documents (
    version  INTEGER PRIMARY KEY REFERENCES versions(id),
    doc      TEXT NOT NULL,              -- JSON object: card, datasheet, statement, ...
    updated  TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

-- The documentation policy: which fields are required, which recommended
-- (JSON; one row, id = 1). No row: the built-in default (schema/doc-policy.json).
CREATE TABLE doc_policy (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    policy   TEXT NOT NULL,
    updated  TEXT NOT NULL,
    updated_by TEXT NOT NULL
);

-- Releases: a name for a version whose required documentation was complete.
CREATE TABLE tags (
    name     TEXT PRIMARY KEY,
    version  INTEGER NOT NULL REFERENCES versions(id),
    created  TEXT NOT NULL,
    created_by TEXT NOT NULL,
    message  TEXT
);
