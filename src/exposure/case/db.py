"""The case database: one DuckDB file holding all state between stages.

Every stage reads its inputs from here and writes its outputs here, so any
stage can be re-run alone. Raw sensitive values live only in this file (and in
outputs that must hold them).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

SCHEMA_VERSION = 2
DB_NAME = "case.duckdb"


class CaseError(Exception):
    """The case folder or database cannot be used as asked (one-line reason)."""


SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);

-- One row per appearance of a file: an input file or a member of a container.
CREATE TABLE IF NOT EXISTS paths (
    root        VARCHAR NOT NULL,   -- the INPUT root as given on the command line (absolute)
    path        VARCHAR NOT NULL,   -- relative to root; members as 'a.zip!inner/b.csv'
    parent      VARCHAR NOT NULL,   -- path of the container, '' for top-level files
    depth       INTEGER NOT NULL,   -- 0 for top-level files, +1 per container level
    sha256      VARCHAR,            -- NULL when the bytes could not be read
    size        BIGINT,
    mtime_ns    BIGINT,             -- top-level files only: lets a re-run skip re-hashing
    type        VARCHAR,
    status      VARCHAR NOT NULL,   -- container/inventory verdict: pending, processed, failed, skipped
    reason      VARCHAR NOT NULL DEFAULT '',
    PRIMARY KEY (root, path)
);

-- One row per distinct content: read once however many paths it appears at.
CREATE TABLE IF NOT EXISTS blobs (
    sha256      VARCHAR PRIMARY KEY,
    size        BIGINT,
    type        VARCHAR,
    status      VARCHAR NOT NULL,   -- pending, processed, failed, skipped
    reason      VARCHAR NOT NULL DEFAULT '',
    note        VARCHAR NOT NULL DEFAULT '',  -- a reader's remark on a file it read ('needs copybook ...')
    extractor   VARCHAR NOT NULL DEFAULT '',
    mentions    INTEGER NOT NULL DEFAULT 0,
    elements    INTEGER NOT NULL DEFAULT 0,
    seconds     DOUBLE
);

-- Containers whose members are all recorded in paths (resume need not re-open them).
CREATE TABLE IF NOT EXISTS containers (
    sha256      VARCHAR PRIMARY KEY,
    members     INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS mentions (
    sha256        VARCHAR NOT NULL,
    mention_key   VARCHAR NOT NULL,
    location      VARCHAR NOT NULL,
    role          VARCHAR NOT NULL,
    full_name     VARCHAR, first_name VARCHAR, middle_name VARCHAR, last_name VARCHAR, suffix VARCHAR,
    date_of_birth VARCHAR,
    ssn           VARCHAR,
    ssn_last4     VARCHAR,
    address_line1 VARCHAR, address_line2 VARCHAR, city VARCHAR, state VARCHAR, postal_code VARCHAR,
    email         VARCHAR,
    phone         VARCHAR,
    attributes    VARCHAR,          -- JSON object
    needs_review  BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (sha256, mention_key)
);

CREATE TABLE IF NOT EXISTS elements (
    sha256        VARCHAR NOT NULL,
    mention_key   VARCHAR NOT NULL,  -- '' when tied to no person
    code          VARCHAR NOT NULL,
    value         VARCHAR NOT NULL,
    location      VARCHAR NOT NULL,
    "offset"      BIGINT NOT NULL,
    "column"      VARCHAR NOT NULL,
    confidence    DOUBLE NOT NULL,
    detector      VARCHAR NOT NULL,
    needs_review  BOOLEAN NOT NULL DEFAULT FALSE
);

-- resolve: one row per unique individual, and which mentions make them up.
CREATE TABLE IF NOT EXISTS persons (
    person_id     VARCHAR PRIMARY KEY,
    full_name VARCHAR, first_name VARCHAR, middle_name VARCHAR, last_name VARCHAR, suffix VARCHAR,
    date_of_birth VARCHAR,
    ssn_last4     VARCHAR,
    address_line1 VARCHAR, address_line2 VARCHAR, city VARCHAR, state VARCHAR, postal_code VARCHAR,
    email VARCHAR, phone VARCHAR,
    elements      VARCHAR,          -- ';'-joined sorted codes
    data_owners   VARCHAR,          -- ';'-joined sorted owner names
    source_count  INTEGER,
    is_minor      BOOLEAN,
    needs_review  BOOLEAN,
    review_reason VARCHAR
);
CREATE TABLE IF NOT EXISTS person_mentions (
    person_id   VARCHAR NOT NULL,
    sha256      VARCHAR NOT NULL,
    mention_key VARCHAR NOT NULL,
    PRIMARY KEY (sha256, mention_key)
);

CREATE TABLE IF NOT EXISTS runs (
    started   TIMESTAMP,
    finished  TIMESTAMP,
    command   VARCHAR,
    files     INTEGER,
    bytes     BIGINT,
    seconds   DOUBLE
);
"""


# Tables added after a schema version was released: created on every open, so older cases of the same
# version gain them (nothing else changes for them).
ADDITIVE_SCHEMA = """
-- The text of every document read as text, block by block (a page, a paragraph, a mail body): later
-- passes (seeded search for people already known) read it here instead of reading the files again.
CREATE TABLE IF NOT EXISTS document_text (
    sha256      VARCHAR NOT NULL,
    block       INTEGER NOT NULL,   -- 0-based order of the block in its document
    location    VARCHAR NOT NULL,   -- where a reviewer finds it: 'page 3', 'line 40'
    "offset"    BIGINT NOT NULL,    -- character offset of the block in the whole document
    text        VARCHAR NOT NULL
);
"""


def db_path(case_dir: Path) -> Path:
    return Path(case_dir) / DB_NAME


def open_case(case_dir: Path, create: bool = True) -> duckdb.DuckDBPyConnection:
    """Open (and on first use create) the case database, checking its schema version."""
    case_dir = Path(case_dir)
    path = db_path(case_dir)
    if not path.exists():
        if not create:
            raise CaseError(f"no case database at {path}: run 'exposure scan' or 'exposure run' first")
        case_dir.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise CaseError(f"cannot open case database {path}: {exc}") from exc
    has_meta = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchone()[0]
    if has_meta:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        found = int(row[0]) if row else None
        if found != SCHEMA_VERSION:
            con.close()
            raise CaseError(
                f"case {case_dir} was written with schema version {found}, this exposure uses "
                f"version {SCHEMA_VERSION}: use a new case folder or the matching exposure version"
            )
    else:
        con.execute(SCHEMA)
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
    con.execute(ADDITIVE_SCHEMA)
    return con
