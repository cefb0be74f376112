-- What a scan learnt about a text: personal data counts per entity type and
-- quality attributes (docs/query.md defines each). Keyed by content hash, so
-- a text is scanned once however many records, datasets and versions hold it.
-- scanner names the rules' version: rows of an older scanner are rescanned.
CREATE TABLE scans (
    content            BLOB PRIMARY KEY REFERENCES contents(hash),
    scanner            INTEGER NOT NULL,
    pii_email          INTEGER NOT NULL,
    pii_phone          INTEGER NOT NULL,
    pii_ip_address     INTEGER NOT NULL,   -- global addresses only
    pii_credit_card    INTEGER NOT NULL,
    pii_iban           INTEGER NOT NULL,
    pii_us_ssn         INTEGER NOT NULL,
    pii_secret         INTEGER NOT NULL,
    words              INTEGER NOT NULL,
    lines              INTEGER NOT NULL,
    mean_word_len      REAL NOT NULL,
    symbol_ratio       REAL NOT NULL,
    punct_line_frac    REAL NOT NULL,
    alpha_word_frac    REAL NOT NULL,
    dup_line_frac      REAL NOT NULL,
    dup_line_char_frac REAL NOT NULL
) WITHOUT ROWID;

-- MinHash signatures for near-duplicate detection (src/dedup/minhash.h):
-- 112 little-endian 32-bit values, computed on first need and kept.
CREATE TABLE minhash (
    content BLOB PRIMARY KEY REFERENCES contents(hash),
    scheme  INTEGER NOT NULL,           -- GR_MINHASH_VERSION
    sig     BLOB NOT NULL
) WITHOUT ROWID;

-- Records a dedup left out of a version, and the record each one repeated
-- (exact: same text; near: same MinHash cluster, whose earliest record stays).
CREATE TABLE duplicates (
    version  INTEGER NOT NULL REFERENCES versions(id),
    record   INTEGER NOT NULL REFERENCES records(id),
    dup_of   INTEGER NOT NULL REFERENCES records(id),
    kind     TEXT NOT NULL,             -- 'exact' or 'near'
    PRIMARY KEY (version, record)
) WITHOUT ROWID;
