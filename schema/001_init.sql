-- Granary catalog, migration 1: sources, the store index, records, datasets,
-- versions and their membership. Applied inside one transaction at open;
-- PRAGMA user_version records the last migration applied.

-- Where records came from: a file, a crawl, an upstream dataset.
CREATE TABLE sources (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL UNIQUE,
    kind      TEXT NOT NULL DEFAULT 'file',
    uri       TEXT,
    retrieved TEXT,               -- ISO 8601 date the data was collected
    license   TEXT,               -- SPDX expression, when known
    created   TEXT NOT NULL
);

-- Store index: packs, the zstd frames in them, the chunks in the frames.
CREATE TABLE packs (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,  -- hex SHA-256 of the pack file
    size    INTEGER NOT NULL,
    created TEXT NOT NULL
);

CREATE TABLE frames (
    id      INTEGER PRIMARY KEY,
    pack    INTEGER NOT NULL REFERENCES packs(id),
    off     INTEGER NOT NULL,      -- byte offset of the zstd frame in the pack
    clen    INTEGER NOT NULL,
    ulen    INTEGER NOT NULL,
    nchunks INTEGER NOT NULL
);
CREATE INDEX frames_pack ON frames(pack);

-- A chunk is stored once; its frame row commits in the same transaction.
CREATE TABLE chunks (
    hash  BLOB PRIMARY KEY,        -- SHA-256 of the chunk bytes
    frame INTEGER NOT NULL REFERENCES frames(id) DEFERRABLE INITIALLY DEFERRED,
    off   INTEGER NOT NULL,
    len   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX chunks_frame ON chunks(frame);

-- A content is one record's text. Small contents are one chunk whose hash is
-- the content hash (chunks IS NULL); large ones list their chunk hashes,
-- 32 bytes each, in order.
CREATE TABLE contents (
    hash   BLOB PRIMARY KEY,       -- SHA-256 of the whole content
    len    INTEGER NOT NULL,
    chunks BLOB
) WITHOUT ROWID;

-- A record: one document with its metadata. addr = SHA-256 over the content
-- hash and the metadata (docs/formats.md), so the same document ingested
-- twice is the same record.
CREATE TABLE records (
    id      INTEGER PRIMARY KEY,
    addr    BLOB NOT NULL UNIQUE,
    content BLOB NOT NULL REFERENCES contents(hash),
    url     TEXT,
    domain  TEXT,
    ts      TEXT,
    source  INTEGER REFERENCES sources(id),
    len     INTEGER NOT NULL,
    meta    TEXT                   -- JSON object of the input's other fields
);
CREATE INDEX records_content ON records(content);
CREATE INDEX records_url ON records(url);

CREATE TABLE datasets (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL
);

-- An immutable set of records made by one operation from zero or more parents.
CREATE TABLE versions (
    id        INTEGER PRIMARY KEY,
    dataset   INTEGER NOT NULL REFERENCES datasets(id),
    num       INTEGER NOT NULL,    -- the N of DATASET@vN
    operation TEXT NOT NULL,       -- ingest, filter, remove, merge, ...
    message   TEXT,
    created   TEXT NOT NULL,
    author    TEXT,
    records   INTEGER NOT NULL,
    bytes     INTEGER NOT NULL,    -- sum of record lengths
    stats     TEXT NOT NULL,       -- JSON: what the operation counted
    digest    BLOB NOT NULL,       -- SHA-256 over the membership block hashes
    git_commit TEXT,               -- history.git commit, NULL until written
    UNIQUE (dataset, num)
);

CREATE TABLE version_parents (
    version INTEGER NOT NULL REFERENCES versions(id),
    ord     INTEGER NOT NULL,
    parent  INTEGER NOT NULL REFERENCES versions(id),
    PRIMARY KEY (version, ord)
) WITHOUT ROWID;

-- Membership. A version's record ids, sorted, are cut into blocks at
-- content-defined points, so versions that differ little share most blocks.
-- A block is stored once (keyed by its hash) however many versions use it.
CREATE TABLE member_blocks (
    hash  BLOB PRIMARY KEY,        -- SHA-256 of data
    count INTEGER NOT NULL,
    data  BLOB NOT NULL            -- varint count, then delta-coded record ids
) WITHOUT ROWID;

CREATE TABLE version_blocks (
    version INTEGER NOT NULL REFERENCES versions(id),
    first   INTEGER NOT NULL,      -- smallest record id in the block
    last    INTEGER NOT NULL,
    block   BLOB NOT NULL REFERENCES member_blocks(hash),
    PRIMARY KEY (version, first)
) WITHOUT ROWID;
CREATE INDEX version_blocks_block ON version_blocks(block);
