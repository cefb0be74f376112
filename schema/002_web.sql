-- Records read from web captures (WARC): what the crawl said about each,
-- queryable. One row per such record; JSON Lines records have none.
CREATE TABLE record_web (
    record          INTEGER PRIMARY KEY REFERENCES records(id),
    warc_id         TEXT,              -- WARC-Record-ID of the capture the text came from
    payload_digest  TEXT,              -- WARC-Payload-Digest (a revisit names its original by it)
    status          INTEGER,           -- HTTP status (NULL: not an HTTP response, e.g. WET)
    media_type      TEXT,              -- lower-case type/subtype of the payload
    lang            TEXT,              -- <html lang>, else WARC-Identified-Content-Language
    -- machine-readable opt-out and licence signals of the record's own response
    tdm_reservation INTEGER NOT NULL DEFAULT 0,  -- TDMRep: HTTP header or <meta>
    tdm_policy      TEXT,
    noai            INTEGER NOT NULL DEFAULT 0,  -- X-Robots-Tag or <meta name=robots>
    noimageai       INTEGER NOT NULL DEFAULT 0,
    license         TEXT,              -- SPDX id from a rel="license" link, when known
    license_url     TEXT
) WITHOUT ROWID;
CREATE INDEX record_web_warc_id ON record_web(warc_id);
CREATE INDEX record_web_digest ON record_web(payload_digest);
