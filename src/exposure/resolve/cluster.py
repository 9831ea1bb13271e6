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

import logging
import time

import duckdb
import pyarrow as pa

from exposure.resolve.constraints import SSN_TYPO_MERGED, Clustering, Profile, cluster_atoms
from exposure.resolve.decisions import ensure_decisions_table, merge_groups, split_groups_sql
from exposure.resolve.link import (
    BLOCKING_KEYS,
    MAX_BLOCK_SIZE,
    RECORD_COLUMNS,
    LinkResult,
    candidate_pairs_exist_sql,
    link_records,
)

# review_reason texts (plain language: a reviewer reads them).
SSN_CONFLICT = "same name and date of birth as a person with a different SSN"
NAME_DOB_AMBIGUOUS_SSN = "name and date of birth match people with different SSNs"
NAME_DOB_AMBIGUOUS_MIDDLE = "name and date of birth match people with different middle names"
SSN_DOB_CONFLICT = "same SSN seen with different dates of birth"
WEAK_SEVERAL = "name and contact details match several people"
WEAK_ONLY = "no SSN or date of birth to confirm identity"

# Match weight (log2 odds) given to deterministic member-id merges: beyond any Splink score.
DETERMINISTIC_WEIGHT = 64.0
log = logging.getLogger(__name__)

SPLIT_ATOM = "split by a reviewer "  # atom label prefix of mentions a reviewer split off

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


def build_atoms(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``atoms``: the deterministic clusters, with reviewer splits taken out on their own."""
    ensure_decisions_table(con)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE atoms AS
        WITH tiers AS (
            SELECT sha256, mention_key, anchor, cluster, reason FROM strong_clusters
            UNION ALL
            SELECT sha256, mention_key, anchor, cluster, reason FROM weak_clusters
        )
        SELECT t.sha256, t.mention_key, t.anchor,
            CASE WHEN s.split_group IS NULL THEN t.cluster ELSE '{SPLIT_ATOM}' || s.split_group END AS atom,
            CASE WHEN s.split_group IS NULL THEN t.reason END AS reason,
            s.split_group IS NOT NULL AS reviewer_split
        FROM tiers t LEFT JOIN ({split_groups_sql()}) s USING (sha256, mention_key)
    """)


def _records_table(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``records``: one row per atom and distinct feature vector, with capped blocking keys."""
    features = ", ".join(f"m.{c}" for c in RECORD_COLUMNS)
    nullable = [c for c in RECORD_COLUMNS if c not in ("first_groups", "last_parts")]
    keys = ",\n".join(f"({sql}) AS {name}" for name, sql in BLOCKING_KEYS.items())
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE record_mentions AS
        WITH features AS (
            SELECT a.anchor, a.atom, {features}, m.last_sx
            FROM atoms a JOIN std_mentions m USING (anchor)
            WHERE NOT a.reviewer_split
        ),
        cleaned AS (
            SELECT anchor, atom, first_groups, last_parts,
                {", ".join(f"nullif({c}, '') AS {c}" for c in nullable)}, nullif(last_sx, '') AS last_sx
            FROM features
        )
        SELECT *, dense_rank() OVER (ORDER BY atom, {", ".join(RECORD_COLUMNS)}) AS rec_id FROM cleaned
    """)
    capped = ",\n".join(
        f"CASE WHEN count(*) OVER (PARTITION BY {name}) <= {MAX_BLOCK_SIZE} THEN {name} END AS {name}"
        for name in BLOCKING_KEYS
    )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE records AS
        WITH distinct_records AS (
            SELECT DISTINCT rec_id, atom, {", ".join(RECORD_COLUMNS)}, last_sx FROM record_mentions
        ),
        keyed AS (SELECT *, {keys} FROM distinct_records)
        SELECT * EXCLUDE ({", ".join(BLOCKING_KEYS)}, last_sx), {capped} FROM keyed
    """)


def _member_id_edges_sql() -> str:
    """Deterministic edges: the same member id and compatible names (first name and surname agree)."""
    return f"""
        SELECT l.atom AS atom_l, r.atom AS atom_r, {DETERMINISTIC_WEIGHT}::DOUBLE AS w
        FROM records l JOIN records r ON l.bk_member = r.bk_member AND l.rec_id < r.rec_id
        WHERE l.atom <> r.atom
          AND len(list_intersect(l.last_parts, r.last_parts)) > 0
          AND (len(list_intersect(l.first_groups, r.first_groups)) > 0
               OR (least(length(l.first_std), length(r.first_std)) >= 4
                   AND damerau_levenshtein(l.first_std, r.first_std) <= 1))
    """


def _atom_edges(con: duckdb.DuckDBPyConnection) -> LinkResult:
    """Temp table ``atom_edges(atom_l, atom_r, w)``: Splink matches and member-id merges between atoms.

    ``w`` is the match weight (log2 odds) of the best pair of records between the two atoms.
    """
    _records_table(con)
    if con.execute(candidate_pairs_exist_sql("records")).fetchall()[0][0]:
        result = link_records(con.sql("SELECT * FROM records ORDER BY rec_id").to_arrow_table())
    else:  # nothing to compare: skip Splink's fixed start-up cost (small cases, re-runs of tests)
        result = link_records(con.sql("SELECT * FROM records LIMIT 0").to_arrow_table())
    con.register("splink_pairs_view", result.pairs)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE atom_edges AS
        WITH scored AS (
            SELECT l.atom AS atom_l, r.atom AS atom_r, s.match_weight AS w
            FROM splink_pairs_view s
            JOIN records l ON l.rec_id = s.rec_l JOIN records r ON r.rec_id = s.rec_r
            UNION ALL
            {_member_id_edges_sql()}
        )
        SELECT least(atom_l, atom_r) AS atom_l, greatest(atom_l, atom_r) AS atom_r, max(w) AS w
        FROM scored WHERE atom_l <> atom_r GROUP BY ALL
    """)
    con.unregister("splink_pairs_view")
    return result


def _atom_profiles(con: duckdb.DuckDBPyConnection) -> dict[str, Profile]:
    """Profiles of the atoms that have edges (only those: the rest stay as they are)."""
    rows = con.execute("""
        WITH involved AS (SELECT atom_l AS atom FROM atom_edges UNION SELECT atom_r FROM atom_edges)
        SELECT a.atom,
            list(DISTINCT m.ssn9) FILTER (WHERE m.ssn9 IS NOT NULL),
            list(DISTINCT m.last4) FILTER (WHERE m.last4 IS NOT NULL),
            list(DISTINCT m.dob_iso) FILTER (WHERE m.dob_iso IS NOT NULL),
            list(DISTINCT m.first_std) FILTER (WHERE length(m.first_std) >= 2),
            list(DISTINCT left(m.first_std, 1)) FILTER (WHERE m.first_std <> ''),
            flatten(list(m.first_groups)),
            list(DISTINCT m.mi) FILTER (WHERE m.mi <> ''),
            list(DISTINCT m.suffix_std) FILTER (WHERE m.suffix_std <> ''),
            flatten(list(m.last_parts)),
            list(DISTINCT m.member_id) FILTER (WHERE m.member_id IS NOT NULL),
            list(DISTINCT m.street_key || '|' || m.zip5) FILTER (WHERE m.street_key <> '' AND m.zip5 <> '')
        FROM atoms a JOIN involved USING (atom) JOIN std_mentions m USING (anchor)
        GROUP BY a.atom
    """).fetchall()
    return {row[0]: Profile(*(set(values or ()) for values in row[1:])) for row in rows}


def _final_clusters(con: duckdb.DuckDBPyConnection, clustering: Clustering) -> None:
    """Temp table ``final_clusters``: atoms joined as the constrained clustering decided, with reasons."""
    con.register(
        "atom_clusters_view",
        pa.table(
            {
                "atom": pa.array(list(clustering.cluster_of), pa.string()),
                "joined": pa.array(list(clustering.cluster_of.values()), pa.string()),
                "flag": pa.array([clustering.flags.get(a) for a in clustering.cluster_of], pa.string()),
            }
        ),
    )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE final_clusters AS
        WITH joined AS (
            SELECT a.sha256, a.mention_key, a.anchor, coalesce(c.joined, a.atom) AS cluster,
                a.reason, c.flag, m.ssn9, m.dob
            FROM atoms a LEFT JOIN atom_clusters_view c USING (atom) JOIN std_mentions m USING (anchor)
        ),
        per_cluster AS (
            SELECT cluster, count(DISTINCT ssn9) AS n_ssn,
                bool_or(ssn9 IS NOT NULL OR dob IS NOT NULL) AS confirmed
            FROM joined GROUP BY cluster
        )
        SELECT j.sha256, j.mention_key, j.anchor, j.cluster,
            CASE
                WHEN c.n_ssn > 1 THEN '{SSN_TYPO_MERGED}'
                WHEN j.reason = '{WEAK_ONLY}' AND c.confirmed THEN j.flag
                ELSE coalesce(j.reason, j.flag)
            END AS reason
        FROM joined j JOIN per_cluster c USING (cluster)
    """)
    con.unregister("atom_clusters_view")


def apply_reviewer_merges(con: duckdb.DuckDBPyConnection) -> None:
    """Join the clusters holding each merge decision's mentions (reviewers override the guards)."""
    groups = merge_groups(con)
    if not groups:
        return
    anchors = sorted({a for g in groups for a in g})
    con.register("merge_anchors_view", pa.table({"anchor": pa.array(anchors, pa.string())}))
    cluster_of = dict(
        con.execute(
            "SELECT anchor, cluster FROM final_clusters JOIN merge_anchors_view USING (anchor)"
        ).fetchall()
    )
    con.unregister("merge_anchors_view")
    clusters = [[cluster_of[a] for a in g if a in cluster_of] for g in groups]
    joined = _union_find_components([c for c in clusters if len(c) > 1])
    if not joined:
        return
    con.register(
        "merged_clusters_view",
        pa.table(
            {
                "cluster": pa.array(list(joined), pa.string()),
                "merged": pa.array(list(joined.values()), pa.string()),
            }
        ),
    )
    con.execute("""
        UPDATE final_clusters f SET cluster = v.merged, reason = NULL
        FROM merged_clusters_view v WHERE f.cluster = v.cluster
    """)
    con.unregister("merged_clusters_view")


def assign_person_ids(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table ``mention_persons(sha256, mention_key, person_id, reason)``.

    The id hashes the cluster's smallest anchor; on a prefix collision (rare
    beyond millions of people) the colliding ids take more hex digits.
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE mention_persons AS
        WITH anchored AS (
            SELECT *, min(anchor) OVER (PARTITION BY cluster) AS person_anchor FROM final_clusters
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


def cluster_mentions(con: duckdb.DuckDBPyConnection) -> LinkResult:
    """Run the tiers in order over ``std_mentions``, leaving ``mention_persons``."""
    started = time.perf_counter()
    assign_link_keys(con)
    cluster_strong(con)
    cluster_weak(con)
    build_atoms(con)
    log.info("resolve: deterministic tiers %.1f s", time.perf_counter() - started)
    started = time.perf_counter()
    result = _atom_edges(con)
    model = "trained" if result.trained else "default parameters"
    log.info("resolve: linking %d records (%s) %.1f s", result.records, model, time.perf_counter() - started)
    started = time.perf_counter()
    edges = con.execute("SELECT atom_l, atom_r, w FROM atom_edges ORDER BY ALL").fetchall()
    clustering = cluster_atoms(edges, _atom_profiles(con)) if edges else Clustering({}, {})
    _final_clusters(con, clustering)
    apply_reviewer_merges(con)
    assign_person_ids(con)
    log.info("resolve: clustering %d edges %.1f s", len(edges), time.perf_counter() - started)
    return result
