"""Cluster standardised mentions into individuals, deterministically.

Three tiers, strongest first (a later issue puts a probabilistic model between
them; the guards stay):

1. *block + link* on exact identifiers: one usable SSN is one person; one
   standardised first + last + suffix + DOB (+ middle initial when known) is one
   person. A name + DOB group that touches several SSNs (or several SSN last-4
   hints) is never merged: those mentions stay apart and are flagged.
2. *weak* mentions (no SSN, no name + DOB) join an existing cluster through an
   exact name + e-mail or name + phone when exactly one cluster matches; else
   they are their own person, flagged for review.
3. *person ids*: 'P' + sha1 of the cluster's smallest (sha256, mention_key),
   so ids depend on the input, not on the order it was inserted in.

A wrong merge hides a person from the notice list; a missed merge sends two
letters. Every guard here errs on the side of the missed merge.

Everything is set-based SQL over ``std_mentions`` except the connected
components of weak mentions (union-find over contact keys shared by 2+ mentions).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

# review_reason texts (plain language: a reviewer reads them).
SSN_CONFLICT = "same name and date of birth as a person with a different SSN"
NAME_DOB_AMBIGUOUS_SSN = "name and date of birth match people with different SSNs"
NAME_DOB_AMBIGUOUS_MIDDLE = "name and date of birth match people with different middle names"
SSN_DOB_CONFLICT = "same SSN seen with different dates of birth"
WEAK_SEVERAL = "name and contact details match several people"
WEAK_ONLY = "no SSN or date of birth to confirm identity"

PERSON_ID_HEX = 12
PERSON_ID_HEX_ON_COLLISION = 20


def assign_link_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``linked``: each mention's name + DOB link key, with the middle initial resolved.

    A mention without a middle name takes the only middle initial its name + DOB
    shares; when several exist (twins Mary A. and Mary B.), it is ambiguous and
    links to none of them.
    """
    con.execute("""
        CREATE OR REPLACE TEMP TABLE linked AS
        WITH middles AS (
            SELECT name_dob_key,
                count(DISTINCT mi) FILTER (WHERE mi <> '') AS n_mi,
                min(mi) FILTER (WHERE mi <> '') AS only_mi
            FROM std_mentions WHERE name_dob_key IS NOT NULL
            GROUP BY name_dob_key
        )
        SELECT m.sha256, m.mention_key, m.anchor, m.ssn9, m.dob,
            coalesce(right(m.ssn9, 4), m.ssn_last4_hint) AS last4,
            CASE WHEN m.name_dob_key IS NULL THEN NULL
                 WHEN m.mi <> '' THEN m.name_dob_key || '|' || m.mi
                 WHEN d.n_mi = 0 THEN m.name_dob_key || '|'
                 WHEN d.n_mi = 1 THEN m.name_dob_key || '|' || d.only_mi
                 ELSE m.name_dob_key || '|?'
            END AS link_key,
            m.name_dob_key IS NOT NULL AND m.mi = '' AND coalesce(d.n_mi, 0) > 1 AS ambiguous_middle
        FROM std_mentions m LEFT JOIN middles d USING (name_dob_key)
    """)


def cluster_strong(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``strong_clusters``: mentions with an SSN or a name + DOB, and their cluster label.

    A cluster label is the anchor (``sha256 \\x1f mention_key``) of one of its
    mentions. SSN groups are clusters; an SSN-less mention joins the SSN group
    its name + DOB points to when that is the only SSN (and last-4 hint) there,
    else it clusters with the other SSN-less mentions of its name + DOB.
    """
    con.execute("""
        CREATE OR REPLACE TEMP TABLE ssn_groups AS
        SELECT ssn9, min(anchor) AS cluster, count(DISTINCT dob) AS n_dob
        FROM linked WHERE ssn9 IS NOT NULL GROUP BY ssn9
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE link_groups AS
        SELECT link_key,
            count(DISTINCT ssn9) AS n_ssn,
            count(DISTINCT last4) AS n_last4,
            min(ssn9) AS one_ssn,
            bool_or(ambiguous_middle) AS ambiguous
        FROM linked WHERE link_key IS NOT NULL GROUP BY link_key
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE strong_clusters AS
        WITH placed AS (
            SELECT l.sha256, l.mention_key, l.anchor, l.ssn9,
                l.ssn9 IS NULL AND (g.n_ssn > 1 OR g.n_last4 > 1 OR g.ambiguous) AS held_apart,
                CASE WHEN l.ssn9 IS NOT NULL THEN s.cluster
                     WHEN g.n_ssn = 1 AND g.n_last4 = 1 AND NOT g.ambiguous THEN joined.cluster
                END AS ssn_cluster,
                l.link_key, l.last4,
                CASE
                    WHEN l.ssn9 IS NOT NULL AND g.n_ssn > 1 THEN '{SSN_CONFLICT}'
                    WHEN l.ssn9 IS NULL AND (g.n_ssn > 1 OR g.n_last4 > 1) THEN '{NAME_DOB_AMBIGUOUS_SSN}'
                    WHEN l.ssn9 IS NULL AND g.ambiguous THEN '{NAME_DOB_AMBIGUOUS_MIDDLE}'
                    WHEN s.n_dob > 1 THEN '{SSN_DOB_CONFLICT}'
                END AS reason
            FROM linked l
            LEFT JOIN ssn_groups s ON l.ssn9 = s.ssn9
            LEFT JOIN link_groups g ON l.link_key = g.link_key
            LEFT JOIN ssn_groups joined ON g.one_ssn = joined.ssn9
            WHERE l.ssn9 IS NOT NULL OR l.link_key IS NOT NULL
        ),
        own_groups AS (
            -- SSN-less mentions that could not join an SSN: one cluster per link key (and per
            -- last-4 hint where hints disagree, so two people stay two)
            SELECT anchor, min(anchor) OVER (
                PARTITION BY link_key, CASE WHEN held_apart THEN last4 END) AS cluster
            FROM placed WHERE ssn_cluster IS NULL
        )
        SELECT p.sha256, p.mention_key, p.anchor, p.reason, coalesce(p.ssn_cluster, o.cluster) AS cluster
        FROM placed p LEFT JOIN own_groups o USING (anchor)
    """)


def _contact_keys_sql(source: str) -> str:
    """Exact name + e-mail and name + phone keys of the mentions in ``source``."""
    return f"""
        SELECT anchor, 'e|' || name_key || '|' || email_std AS contact_key FROM {source}
        WHERE name_key IS NOT NULL AND email_std <> ''
        UNION
        SELECT anchor, 'p|' || name_key || '|' || phone_std FROM {source}
        WHERE name_key IS NOT NULL AND length(phone_std) >= 7
    """


def _union_find_components(groups: list[list[str]]) -> dict[str, str]:
    """Connected components of anchors that share a group; each labelled by its smallest anchor."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    for members in groups:
        roots = sorted({find(a) for a in members})
        for other in roots[1:]:
            parent[other] = roots[0]  # the smaller anchor stays root: labels are order-independent
    return {a: find(a) for a in parent}


def cluster_weak(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``weak_clusters``: mentions without SSN or name + DOB, joined or set apart."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE weak_mentions AS
        SELECT m.* FROM std_mentions m ANTI JOIN strong_clusters s USING (anchor)
    """)
    con.execute(f"CREATE OR REPLACE TEMP TABLE weak_contacts AS {_contact_keys_sql('weak_mentions')}")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE strong_contacts AS
        SELECT k.contact_key, s.cluster
        FROM ({_contact_keys_sql("std_mentions")}) k JOIN strong_clusters s USING (anchor)
    """)
    shared = con.execute("""
        SELECT list(anchor ORDER BY anchor) FROM weak_contacts
        GROUP BY contact_key HAVING count(*) > 1
    """).fetchall()
    components = _union_find_components([row[0] for row in shared])
    con.register(
        "weak_components_view",
        pa.table(
            {"anchor": list(components), "component": list(components.values())},
            schema=pa.schema([("anchor", pa.string()), ("component", pa.string())]),
        ),
    )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE weak_clusters AS
        WITH comp AS (
            SELECT w.anchor, coalesce(c.component, w.anchor) AS component
            FROM weak_mentions w LEFT JOIN weak_components_view c USING (anchor)
        ),
        matches AS (
            SELECT comp.component, count(DISTINCT s.cluster) AS n, min(s.cluster) AS cluster
            FROM comp JOIN weak_contacts k USING (anchor) JOIN strong_contacts s USING (contact_key)
            GROUP BY comp.component
        )
        SELECT w.sha256, w.mention_key, w.anchor,
            CASE WHEN m.n = 1 THEN NULL WHEN m.n > 1 THEN '{WEAK_SEVERAL}' ELSE '{WEAK_ONLY}' END AS reason,
            CASE WHEN m.n = 1 THEN m.cluster ELSE comp.component END AS cluster
        FROM weak_mentions w JOIN comp USING (anchor) LEFT JOIN matches m USING (component)
    """)
    con.unregister("weak_components_view")


def assign_person_ids(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``mention_persons(sha256, mention_key, person_id, reason)``.

    The id hashes the cluster's smallest anchor; on a prefix collision (rare
    beyond millions of people) the colliding ids take more hex digits.
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE mention_persons AS
        WITH all_clusters AS (
            SELECT sha256, mention_key, anchor, cluster, reason FROM strong_clusters
            UNION ALL
            SELECT sha256, mention_key, anchor, cluster, reason FROM weak_clusters
        ),
        anchored AS (
            SELECT *, min(anchor) OVER (PARTITION BY cluster) AS person_anchor FROM all_clusters
        ),
        hashed AS (
            SELECT *, sha1(person_anchor) AS digest FROM anchored
        ),
        checked AS (
            SELECT *, count(DISTINCT person_anchor) OVER (
                PARTITION BY left(digest, {PERSON_ID_HEX})) AS sharing
            FROM hashed
        )
        SELECT sha256, mention_key, reason,
            'P' || left(digest, CASE WHEN sharing > 1 THEN {PERSON_ID_HEX_ON_COLLISION}
                                     ELSE {PERSON_ID_HEX} END) AS person_id
        FROM checked
    """)


def cluster_mentions(con: duckdb.DuckDBPyConnection) -> None:
    """Run the tiers in order over ``std_mentions``, leaving ``mention_persons``."""
    assign_link_keys(con)
    cluster_strong(con)
    cluster_weak(con)
    assign_person_ids(con)
