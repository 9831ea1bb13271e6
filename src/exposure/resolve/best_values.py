"""Pick each person's best values and write ``persons`` and ``person_mentions``.

Every choice is a ranked pick with a deterministic last tie-break, so a re-run
over the same input writes the same rows:

- name: the most complete (most parts, a formal name over its nickname), then the most frequent;
- DOB, e-mail, phone: the most frequent, ties to the smallest;
- address: the most frequent, taken whole from one mention (fields never mixed),
  preferring addresses with a street line;
- elements: element codes tied to the person's mentions, plus ``name``;
- data owners: by path glob of every path the person's documents appear at,
  and by the owners' value rules on the mention attributes.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa

from exposure.case.db import SCHEMA
from exposure.config import CaseConfig

DETECTION_FLAGGED = "a detection was marked for review"


def _person_mentions_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE OR REPLACE TEMP TABLE pm AS
        SELECT p.person_id, p.reason, m.*
        FROM mention_persons p JOIN std_mentions m USING (sha256, mention_key)
    """)


def _best_names(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE OR REPLACE TEMP TABLE best_name AS
        WITH firsts AS (
            SELECT person_id, list(DISTINCT first_std) AS person_firsts FROM pm WHERE has_name GROUP BY ALL
        )
        SELECT person_id, first_d, middle_d, last_d, suffix_d, full_d FROM (
            SELECT pm.*,
                count(*) OVER (PARTITION BY person_id, first_std, middle_std, last_std, suffix_std) AS freq,
                count(*) OVER (PARTITION BY person_id, full_d) AS spelling_freq,
                -- "Bill" when the same person is also written "William": the formal name is more complete
                len(list_filter(first_groups,
                    lambda g: length(g) > length(first_std) AND list_contains(person_firsts, g))) > 0
                    AS is_short_form
            FROM pm JOIN firsts USING (person_id) WHERE has_name
        )
        QUALIFY row_number() OVER (
            PARTITION BY person_id
            ORDER BY name_parts DESC, is_short_form, freq DESC, spelling_freq DESC, length(full_d) DESC,
                full_d, anchor
        ) = 1
    """)


def _most_frequent(con: duckdb.DuckDBPyConnection, table: str, key: str, where: str, display: str) -> None:
    """Temp table ``table(person_id, value)``: the most frequent ``key``, shown as the least ``display``."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT person_id, min({display}) AS value FROM pm WHERE {where}
        GROUP BY person_id, {key}
        QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY count(*) DESC, {key}) = 1
    """)


def _best_addresses(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE OR REPLACE TEMP TABLE best_address AS
        WITH ranked AS (
            SELECT person_id, address_key, min(anchor) AS representative
            FROM pm WHERE address_line1 <> '' OR city <> '' OR state <> '' OR zip5 <> ''
            GROUP BY person_id, address_key
            QUALIFY row_number() OVER (
                PARTITION BY person_id
                ORDER BY bool_or(address_line1 <> '') DESC, count(*) DESC, max(address_parts) DESC,
                    address_key
            ) = 1
        )
        SELECT r.person_id, m.address_line1, m.address_line2, m.city, m.state, m.postal_code
        FROM ranked r JOIN pm m ON m.anchor = r.representative
    """)


def _elements(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE OR REPLACE TEMP TABLE person_elements AS
        WITH codes AS (
            SELECT p.person_id, e.code, e.needs_review
            FROM pm p JOIN elements e USING (sha256, mention_key)
            UNION ALL
            SELECT person_id, 'name', false FROM pm WHERE has_name
        )
        SELECT person_id, string_agg(DISTINCT code, ';' ORDER BY code) AS elements,
            bool_or(needs_review) AS flagged
        FROM codes GROUP BY person_id
    """)


def _path_owner_table(con: duckdb.DuckDBPyConnection, config: CaseConfig) -> pa.Table:
    """(sha256, owner) for every path a mentioned document appears at whose globs an owner claims."""
    shas, owners = [], []
    if any(o.paths for o in config.owners):
        rows = con.execute("""
            SELECT DISTINCT p.sha256, p.path FROM paths p
            WHERE p.sha256 IN (SELECT DISTINCT sha256 FROM pm)
        """).fetchall()
        for sha256, path in rows:
            for owner in config.owners_for_path(path):
                shas.append(sha256)
                owners.append(owner)
    return pa.table({"sha256": pa.array(shas, pa.string()), "owner": pa.array(owners, pa.string())})


# Mention attributes the X12 reader fills from the ISA/GS envelope (CONTRACT: owner x12_ids).
X12_PARTNER_KEYS = ("x12_sender", "x12_receiver", "x12_gs_sender", "x12_gs_receiver")


def _owners(con: duckdb.DuckDBPyConnection, config: CaseConfig) -> None:
    con.register("path_owners_view", _path_owner_table(con, config))
    con.execute("""
        CREATE OR REPLACE TEMP TABLE person_owner_rows AS
        SELECT DISTINCT p.person_id, o.owner FROM pm p JOIN path_owners_view o USING (sha256)
    """)
    con.unregister("path_owners_view")
    for owner in config.owners:
        if owner.values is None:
            continue
        # Value rules compare trimmed and case-insensitively: exports differ in both.
        con.execute(
            """
            INSERT INTO person_owner_rows
            SELECT DISTINCT person_id, ? FROM pm
            WHERE json_valid(attributes)
              AND upper(trim(attributes::JSON ->> ?)) = upper(trim(?))
            """,
            [owner.name, owner.values.column, owner.values.equals],
        )
    for owner in config.owners:
        if not owner.x12_ids:
            continue
        # X12 files name their trading partners in ISA/GS: the reader keeps them per mention.
        ids = [i.strip().upper() for i in owner.x12_ids]
        con.execute(
            f"""
            INSERT INTO person_owner_rows
            SELECT DISTINCT person_id, $owner FROM pm
            WHERE json_valid(attributes) AND ({
                " OR ".join(
                    f"upper(trim(attributes::JSON ->> '{key}')) IN (SELECT unnest($ids::VARCHAR[]))"
                    for key in X12_PARTNER_KEYS
                )
            })
            """,
            {"owner": owner.name, "ids": ids},
        )
    con.execute("""
        CREATE OR REPLACE TEMP TABLE person_owners AS
        SELECT person_id, string_agg(DISTINCT owner, ';' ORDER BY owner) AS data_owners
        FROM person_owner_rows GROUP BY person_id
    """)


def _summary(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE OR REPLACE TEMP TABLE person_summary AS
        SELECT person_id,
            count(DISTINCT sha256) AS source_count,
            right(min(ssn9), 4) AS ssn_last4,  -- clusters never hold two different SSNs
            bool_or(needs_review) AS flagged,
            coalesce(list_sort(list_distinct(list(reason) FILTER (WHERE reason IS NOT NULL))), [])
                AS reasons
        FROM pm GROUP BY person_id
    """)


def write_persons(con: duckdb.DuckDBPyConnection, config: CaseConfig) -> None:
    """Fill ``persons`` and ``person_mentions`` (replacing what was there) in one transaction."""
    _person_mentions_table(con)
    _best_names(con)
    _most_frequent(con, "best_dob", "dob", "dob IS NOT NULL", "dob")
    _most_frequent(con, "best_email", "email_std", "email_std <> ''", "email_std")
    _most_frequent(con, "best_phone", "phone_std", "length(phone_std) >= 7", "phone")
    _best_addresses(con)
    _elements(con)
    _owners(con, config)
    _most_frequent(con, "best_last4_hint", "ssn_last4_hint", "ssn_last4_hint IS NOT NULL", "ssn_last4_hint")
    _summary(con)
    con.execute("BEGIN TRANSACTION")
    try:
        _empty_resolve_tables(con)
        con.execute("""
            INSERT INTO person_mentions
            SELECT person_id, sha256, mention_key FROM mention_persons ORDER BY person_id, sha256, mention_key
        """)
        con.execute(
            f"""
            INSERT INTO persons
            SELECT s.person_id,
                n.full_d, n.first_d, n.middle_d, n.last_d, n.suffix_d,
                strftime(d.value, '%Y-%m-%d'),
                coalesce(s.ssn_last4, h.value),
                a.address_line1, a.address_line2, a.city, a.state, a.postal_code,
                e.value, ph.value,
                coalesce(el.elements, ''),
                coalesce(o.data_owners, ''),
                s.source_count,
                {_is_minor_sql(config.breach_date)},
                s.flagged OR coalesce(el.flagged, false) OR len(s.reasons) > 0,
                nullif(array_to_string(list_sort(list_distinct(
                    s.reasons || CASE WHEN s.flagged OR coalesce(el.flagged, false)
                                      THEN ['{DETECTION_FLAGGED}'] ELSE [] END)), '; '), '')
            FROM person_summary s
            LEFT JOIN best_name n USING (person_id)
            LEFT JOIN best_dob d USING (person_id)
            LEFT JOIN best_address a USING (person_id)
            LEFT JOIN best_email e USING (person_id)
            LEFT JOIN best_phone ph USING (person_id)
            LEFT JOIN person_elements el USING (person_id)
            LEFT JOIN person_owners o USING (person_id)
            LEFT JOIN best_last4_hint h USING (person_id)
            ORDER BY s.person_id
            """
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _empty_resolve_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Empty ``persons`` and ``person_mentions`` by re-creating them from the case schema.

    DELETE on a table with a primary key costs seconds per 100k rows in DuckDB (index
    maintenance); dropping and re-creating is instant and stays inside the transaction.
    """
    con.execute("DROP TABLE IF EXISTS person_mentions")
    con.execute("DROP TABLE IF EXISTS persons")
    con.execute(SCHEMA)  # CREATE TABLE IF NOT EXISTS: only the two dropped tables are made


def _is_minor_sql(breach_date: dt.date | None) -> str:
    """Under 18 at the breach date; false when the DOB or the breach date is unknown."""
    if breach_date is None:
        return "false"
    return f"coalesce(d.value + INTERVAL 18 YEAR > DATE '{breach_date.isoformat()}', false)"
