"""Probabilistic linking of person records with Splink (Fellegi-Sunter), on DuckDB by default.

The model is data: ``splink_settings()`` returns a plain settings dictionary (blocking
rules, comparisons, default m/u probabilities) that Splink runs on any backend, so the
same settings can run on Splink's Spark backend for the largest cases. The SQL in it
uses only functions Splink translates per dialect (Jaro-Winkler, Damerau-Levenshtein,
array intersection) or plain SQL.

Splink scores *records*: distinct standardised feature vectors (the same person written
the same way in twenty files is one record), in its own in-memory DuckDB so the case
database never holds Splink's working tables. Parameters are estimated without labels
(u by random sampling with a fixed seed, m by expectation maximisation over two blocking
sessions) when there are enough records; small inputs keep the default parameters.
Training that fails falls back to the defaults too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import pyarrow as pa

log = logging.getLogger(__name__)

# Fewer records than this: EM has too little to learn from; the defaults below are used.
MIN_RECORDS_TO_TRAIN = 2000
# Pairs at or above this probability are candidate merges (guards still apply).
MATCH_PROBABILITY = 0.99
# A blocking key shared by more records than this is too common to block on (a shared
# office phone, a placeholder e-mail): it would make the candidate pairs quadratic.
MAX_BLOCK_SIZE = 60
# Default prior for small inputs: about one pair in ten thousand is a match.
DEFAULT_PRIOR = 1e-4
U_SAMPLE_PAIRS = 2e6
U_SEED = 20231101

# Feature columns Splink sees (built in cluster.py from std_mentions).
RECORD_COLUMNS = (
    "first_std", "first_groups", "mi", "last_std", "last_parts", "dob_iso", "dob_swap",
    "ssn9", "last4", "zip5", "street_key", "email_std", "phone_std", "member_id",
)  # fmt: skip

# name -> SQL of the key; NULL keys never block. Each is one equi-join, so the candidate
# pairs stay linear in the data once over-large blocks are dropped.
BLOCKING_KEYS: dict[str, str] = {
    "bk_ssn": "ssn9",
    "bk_member": "member_id",
    "bk_email": "email_std",
    "bk_phone": "phone_std",
    "bk_dob_last": "dob_iso || '|' || last_sx",
    "bk_swap_last": "dob_swap || '|' || last_sx",
    "bk_dob_first": "dob_iso || '|' || first_std",
    "bk_name_zip": "first_std || '|' || last_std || '|' || zip5",
    "bk_last_street": "last_std || '|' || street_key || '|' || zip5",
    "bk_last4_dob": "last4 || '|' || dob_iso",
}
# Rules the predictions use: a swapped DOB meets the other record's plain DOB.
_BLOCKING_RULES = [
    "l.bk_ssn = r.bk_ssn",
    "l.bk_member = r.bk_member",
    "l.bk_email = r.bk_email",
    "l.bk_phone = r.bk_phone",
    "l.bk_dob_last = r.bk_dob_last",
    "l.bk_swap_last = r.bk_dob_last",
    "l.bk_dob_first = r.bk_dob_first",
    "l.bk_name_zip = r.bk_name_zip",
    "l.bk_last_street = r.bk_last_street",
    "l.bk_last4_dob = r.bk_last4_dob",
]


def _level(sql: str, label: str, m: float, u: float, **extra: object) -> dict:
    return {"sql_condition": sql, "label_for_charts": label, "m_probability": m, "u_probability": u, **extra}


def _null(*columns: str) -> dict:
    sql = " OR ".join(f'("{c}_l" IS NULL OR "{c}_r" IS NULL)' for c in columns)
    return {"sql_condition": sql, "label_for_charts": "null", "is_null_level": True}


def _exact(column: str, label: str, m: float, u: float, tf: bool) -> dict:
    extra: dict[str, object] = {}
    if tf:
        extra = {"tf_adjustment_column": column, "tf_adjustment_weight": 1.0, "tf_minimum_u_value": 0.001}
    return _level(f'"{column}_l" = "{column}_r"', label, m, u, **extra)


def _else(m: float, u: float) -> dict:
    return _level("ELSE", "all other", m, u)


def _comparisons(tf: bool) -> list[dict]:
    """Fellegi-Sunter comparisons with default m/u (used as given on small inputs, and as EM's start)."""
    return [
        {"output_column_name": "first_name", "comparison_levels": [
            _null("first_std"),
            _exact("first_std", "exact", 0.70, 0.004, tf),
            _level('array_length(array_intersect("first_groups_l", "first_groups_r")) >= 1',
                   "nickname", 0.08, 0.002),
            _level('jaro_winkler_similarity("first_std_l", "first_std_r") >= 0.92', "jw 0.92", 0.08, 0.003),
            _level('"first_std_l" = "last_std_r" AND "last_std_l" = "first_std_r"', "swapped with surname",
                   0.02, 0.0001),
            _level('jaro_winkler_similarity("first_std_l", "first_std_r") >= 0.80', "jw 0.80", 0.05, 0.03),
            _level('(length("first_std_l") = 1 OR length("first_std_r") = 1) '
                   'AND substr("first_std_l", 1, 1) = substr("first_std_r", 1, 1)', "initial", 0.04, 0.05),
            _else(0.05, 0.911),
        ]},
        {"output_column_name": "middle_initial", "comparison_levels": [
            _null("mi"), _exact("mi", "exact", 0.9, 0.1, False), _else(0.1, 0.9),
        ]},
        {"output_column_name": "last_name", "comparison_levels": [
            _null("last_std"),
            _exact("last_std", "exact", 0.80, 0.003, tf),
            _level('jaro_winkler_similarity("last_std_l", "last_std_r") >= 0.92', "jw 0.92", 0.08, 0.002),
            _level('"first_std_l" = "last_std_r" AND "last_std_l" = "first_std_r"', "swapped with first name",
                   0.02, 0.0001),
            _level('array_length(array_intersect("last_parts_l", "last_parts_r")) >= 1',
                   "shares a surname (maiden/hyphenated)", 0.05, 0.001),
            _level('jaro_winkler_similarity("last_std_l", "last_std_r") >= 0.80', "jw 0.80", 0.03, 0.02),
            _else(0.04, 0.974),
        ]},
        {"output_column_name": "date_of_birth", "comparison_levels": [
            _null("dob_iso"),
            _exact("dob_iso", "exact", 0.85, 0.0003, False),
            _level('"dob_swap_l" = "dob_iso_r" OR "dob_iso_l" = "dob_swap_r"', "day/month swapped",
                   0.02, 0.0002),
            _level('damerau_levenshtein("dob_iso_l", "dob_iso_r") <= 1', "one character", 0.06, 0.004),
            _level('substr("dob_iso_l", 1, 4) = substr("dob_iso_r", 1, 4)', "same year", 0.02, 0.03),
            _else(0.05, 0.9657),
        ]},
        {"output_column_name": "ssn", "comparison_levels": [
            _null("last4"),
            _exact("ssn9", "exact", 0.95, 1e-7, False),
            _level('damerau_levenshtein("ssn9_l", "ssn9_r") <= 1', "one digit", 0.02, 1e-5),
            _exact("last4", "last 4 only", 0.02, 1e-4, False),
            _else(0.01, 0.9999),
        ]},
        {"output_column_name": "address", "comparison_levels": [
            _null("zip5"),
            _level('"street_key_l" = "street_key_r" AND "zip5_l" = "zip5_r"', "street and zip", 0.6, 0.0005),
            _exact("zip5", "zip", 0.15, 0.01, False),
            _else(0.25, 0.9895),
        ]},
        {"output_column_name": "email", "comparison_levels": [
            _null("email_std"), _exact("email_std", "exact", 0.5, 1e-4, False), _else(0.5, 0.9999),
        ]},
        {"output_column_name": "phone", "comparison_levels": [
            _null("phone_std"), _exact("phone_std", "exact", 0.5, 1e-4, False), _else(0.5, 0.9999),
        ]},
        {"output_column_name": "member_id", "comparison_levels": [
            _null("member_id"), _exact("member_id", "exact", 0.6, 1e-5, False), _else(0.4, 0.99999),
        ]},
    ]  # fmt: skip


# The column whose presence decides whether a comparison can say anything.
_COMPARISON_COLUMN = {
    "first_name": "first_std", "middle_initial": "mi", "last_name": "last_std", "date_of_birth": "dob_iso",
    "ssn": "last4", "address": "zip5", "email": "email_std", "phone": "phone_std", "member_id": "member_id",
}  # fmt: skip


def splink_settings(
    tf: bool = True, prior: float = DEFAULT_PRIOR, columns: frozenset[str] | None = None
) -> dict:
    """The linkage model as a plain Splink settings dictionary (backend-agnostic).

    ``columns``: the record columns that hold values; comparisons of empty columns are left
    out (EM cannot estimate a comparison it never observes, and it says nothing anyway).
    """
    comparisons = [
        c
        for c in _comparisons(tf)
        if columns is None or _COMPARISON_COLUMN[c["output_column_name"]] in columns
    ]
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "rec_id",
        "probability_two_random_records_match": prior,
        "blocking_rules_to_generate_predictions": list(_BLOCKING_RULES),
        "comparisons": comparisons,
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "additional_columns_to_retain": [],
    }


def settings_for_dialect(settings: dict, dialect: str) -> dict:
    """The same model for another Splink backend: each SQL condition translated with sqlglot.

    ``dialect`` is a sqlglot dialect name ("spark"). String-similarity functions take the
    names Splink's backend registers for them (on Spark, from Splink's UDF jar).
    """
    import sqlglot

    renames = {
        "spark": {"JAROWINKLER_SIMILARITY": "jaro_winkler", "DAMERAU_LEVENSHTEIN": "damerau_levenshtein"},
    }

    def translate(sql: str) -> str:
        if sql == "ELSE":
            return sql
        out = sqlglot.transpile(sql, read="duckdb", write=dialect)[0]
        for old, new in renames.get(dialect, {}).items():
            out = out.replace(old + "(", new + "(")
        return out

    copy = {**settings, "blocking_rules_to_generate_predictions": [
        translate(rule) for rule in settings["blocking_rules_to_generate_predictions"]]}  # fmt: skip
    copy["comparisons"] = [
        {**c, "comparison_levels": [{**lvl, "sql_condition": translate(lvl["sql_condition"])}
                                    for lvl in c["comparison_levels"]]}
        for c in settings["comparisons"]
    ]  # fmt: skip
    return copy


@dataclass(frozen=True)
class LinkResult:
    pairs: pa.Table  # rec_l, rec_r, match_weight (log2 Bayes factor incl. prior; at or above the threshold)
    trained: bool  # parameters were estimated from this data (else the defaults)
    records: int
    scored: bool = True  # False when there was nothing to score


def _train(linker: object, records: int) -> None:
    """u by random sampling (seeded), m by EM over two sessions that each leave columns to estimate."""
    from splink import block_on

    training = linker.training  # type: ignore[attr-defined]
    training.estimate_probability_two_random_records_match(
        [block_on("ssn9"), block_on("first_std", "last_std", "dob_iso")], recall=0.8
    )
    # One chunk: the probe phase of chunked sampling costs hundreds of small queries for no gain here.
    training.estimate_u_using_random_sampling(
        max_pairs=min(U_SAMPLE_PAIRS, records * 200.0), seed=U_SEED, num_chunks=1
    )
    sessions = 0
    for rule in (block_on("dob_iso"), block_on("last_std", "zip5"), block_on("first_std", "last_std")):
        try:
            training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
            sessions += 1
        except Exception as exc:  # a session whose blocking finds no pairs: the others still estimate
            log.info("EM session skipped (%s)", type(exc).__name__)
        if sessions == 2:
            break
    if sessions == 0:
        raise RuntimeError("no EM session found pairs to learn from")


def candidate_pairs_exist_sql(table: str) -> str:
    """SQL that is true when some blocking rule pairs two records of different atoms in ``table``."""
    shared = " UNION ALL ".join(
        f"SELECT 1 FROM {table} WHERE {key} IS NOT NULL GROUP BY {key} HAVING count(DISTINCT atom) > 1"
        for key in BLOCKING_KEYS
    )
    swapped = f"SELECT 1 FROM {table} l JOIN {table} r ON l.bk_swap_last = r.bk_dob_last AND l.atom <> r.atom"
    return f"SELECT EXISTS ({shared} UNION ALL {swapped})"


def _columns_with_values(records: pa.Table) -> frozenset[str]:
    """Columns with a value in at least two records (a comparison needs two sides)."""
    return frozenset(
        name
        for name in _COMPARISON_COLUMN.values()
        if records.num_rows - records.column(name).null_count >= 2
    )


def link_records(records: pa.Table, threshold: float = MATCH_PROBABILITY) -> LinkResult:
    """Score candidate pairs of ``records`` (rec_id + RECORD_COLUMNS + blocking keys) with Splink."""
    from splink import DuckDBAPI, Linker

    empty = pa.table({"rec_l": pa.array([], pa.int64()), "rec_r": pa.array([], pa.int64()),
                      "match_weight": pa.array([], pa.float64())})  # fmt: skip
    if records.num_rows < 2:
        return LinkResult(empty, False, records.num_rows, scored=False)
    # Levels a data set never shows (no SSNs, no swapped names) make Splink warn per level: expected.
    logging.getLogger("splink").setLevel(logging.ERROR)
    splink_con = duckdb.connect(":memory:")
    try:
        splink_con.execute("SET threads = 2")
        db_api = DuckDBAPI(splink_con)
        trained = records.num_rows >= MIN_RECORDS_TO_TRAIN
        present = _columns_with_values(records)
        settings = splink_settings(tf=trained, columns=present)
        # The settings are ours and tested: Splink's validation of them costs a fixed ~0.3 s per run.
        linker = Linker(
            db_api.register(records, table_name="records"), settings, log_level=None, validate_settings=False
        )
        if trained:
            try:
                _train(linker, records.num_rows)
            except Exception as exc:  # EM can fail on odd data; the defaults still give a sound model
                log.warning(
                    "Splink training failed (%s: %s): default parameters used",
                    type(exc).__name__,
                    str(exc).splitlines()[0][:200] if str(exc) else "",
                )
                trained = False
                linker = Linker(
                    db_api.register(records, table_name="records_untrained"),
                    splink_settings(tf=False, columns=present),
                    log_level=None,
                    validate_settings=False,
                )
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        pairs = splink_con.sql(
            f"SELECT rec_id_l AS rec_l, rec_id_r AS rec_r, match_weight FROM {predictions.physical_name}"
        ).to_arrow_table()
        return LinkResult(pairs, trained, records.num_rows)
    finally:
        splink_con.close()
