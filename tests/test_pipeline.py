"""End to end: the CLI on a generated breach corpus, checked against its ground truth."""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from conftest import cli_env, run_cli

REPORT_FILES = ("notification_list.csv", "files.csv", "owners.csv")


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def run_case(demo_case, case_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    result = run_cli("run", str(demo_case.input_dir), "--case", str(case_dir),
                     "--config", str(demo_case.config_path), *extra)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def finished_case(demo_case, tmp_path_factory):
    case_dir = tmp_path_factory.mktemp("case") / "case"
    result = run_case(demo_case, case_dir, "--workers", "2")
    return case_dir, result


def person_truth_sets(demo_case, case_dir: Path) -> dict[str, set[str]]:
    """person_id -> the ground-truth individuals behind its mentions (traced through file and row)."""
    truth_by_place: dict[tuple[str, str], str] = {}
    truth_by_path: dict[str, set[str]] = defaultdict(set)
    for row in read_csv(demo_case.mentions_path):
        truth_by_place[(row["path"], row["location"])] = row["truth_id"]
        truth_by_path[row["path"]].add(row["truth_id"])
    con = duckdb.connect(str(case_dir / "case.duckdb"), read_only=True)
    rows = con.execute(
        """
        SELECT pm.person_id, p.path, m.location
        FROM person_mentions pm
        JOIN mentions m USING (sha256, mention_key)
        JOIN paths p ON p.sha256 = m.sha256
        """
    ).fetchall()
    persons = {r[0] for r in con.execute("SELECT person_id FROM persons").fetchall()}
    con.close()
    result: dict[str, set[str]] = {p: set() for p in persons}
    for person_id, path, location in rows:
        truth = truth_by_place.get((path, location))
        if truth is None and len(truth_by_path.get(path, ())) == 1:
            truth = next(iter(truth_by_path[path]))  # one person per letter: the file tells who
        if truth is not None:
            result[person_id].add(truth)
    return result


def test_demo_people_found_with_high_recall_and_precision(demo_case, finished_case):
    case_dir, _ = finished_case
    truth = {row["truth_id"]: row for row in read_csv(demo_case.truth_path)}
    persons = person_truth_sets(demo_case, case_dir)
    listed = read_csv(case_dir / "report" / "notification_list.csv")
    assert len(listed) == len(persons)

    found = set().union(*persons.values()) & truth.keys()
    over_merged = [p for p, ids in persons.items() if len(ids) > 1]
    pure = [p for p, ids in persons.items() if len(ids) == 1]
    owners_of_truth: dict[str, int] = defaultdict(int)
    for ids in persons.values():
        for truth_id in ids:
            owners_of_truth[truth_id] += 1
    split = [t for t, n in owners_of_truth.items() if n > 1]

    recall = len(found) / len(truth)
    precision = len(pure) / len(persons)
    assert recall >= 0.98, f"recall {recall:.3f}"
    assert precision >= 0.97, f"precision {precision:.3f}"
    assert not over_merged, f"{len(over_merged)} persons merge different individuals"
    assert len(split) / len(truth) <= 0.03, f"{len(split)} individuals split into several rows"


def test_demo_elements_and_owners_match_ground_truth(demo_case, finished_case):
    case_dir, _ = finished_case
    truth = {row["truth_id"]: row for row in read_csv(demo_case.truth_path)}
    persons = person_truth_sets(demo_case, case_dir)
    listed = {row["person_id"]: row for row in read_csv(case_dir / "report" / "notification_list.csv")}
    expected_pairs = found_pairs = owner_agree = compared = 0
    for person_id, ids in persons.items():
        if len(ids) != 1:
            continue
        want = truth[next(iter(ids))]
        got = set(listed[person_id]["elements"].split(";"))
        expected = set(filter(None, want["elements"].split(";")))
        expected_pairs += len(expected)
        found_pairs += len(expected & got)
        compared += 1
        owner_agree += listed[person_id]["data_owners"] == want["data_owners"]
    assert found_pairs / expected_pairs >= 0.95
    assert owner_agree / compared >= 0.95
    minors = [row for row in listed.values() if row["is_minor"] == "true"]
    assert minors, "the demo has minors and the list must mark them"


def test_every_input_file_accounted_for(demo_case, finished_case):
    case_dir, _ = finished_case
    files = {row["path"]: row for row in read_csv(case_dir / "report" / "files.csv")}
    expected = read_csv(demo_case.root / "expected_files.csv")
    on_disk = {
        p.relative_to(demo_case.input_dir).as_posix() for p in demo_case.input_dir.rglob("*") if p.is_file()
    }
    assert on_disk <= files.keys()
    for row in expected:
        got = files[row["path"]]
        assert got["status"] == row["expected_status"], (row["path"], got)
        if got["status"] != "processed":
            assert got["reason"], row["path"]
    encrypted = [r for r in files.values() if "encrypted: password required" in r["reason"]]
    assert encrypted
    assert all(len(r["sha256"]) == 64 for r in files.values() if r["status"] == "processed")


def test_same_results_for_any_number_of_workers(demo_case, finished_case, tmp_path):
    case_dir, _ = finished_case
    one = tmp_path / "one"
    run_case(demo_case, one, "--workers", "1")
    for name in REPORT_FILES:
        assert (one / "report" / name).read_bytes() == (case_dir / "report" / name).read_bytes(), name


def test_rerun_reads_nothing_again_and_changes_nothing(demo_case, finished_case, tmp_path):
    case_dir, _ = finished_case
    copy = tmp_path / "case"
    shutil.copytree(case_dir, copy)
    before = {name: (copy / "report" / name).read_bytes() for name in REPORT_FILES}
    result = run_case(demo_case, copy)
    assert re.search(r"contents read this run\W+0\b", result.stdout), result.stdout
    for name in REPORT_FILES:
        assert (copy / "report" / name).read_bytes() == before[name], name


def test_killed_run_resumes_to_the_same_outputs(tmp_path):
    from exposure.demo import generate_demo

    big = generate_demo(tmp_path / "big", people=300, seed=5, files_per_kind=6)
    reference = tmp_path / "reference"
    run_case(big, reference, "--workers", "1")

    killed = tmp_path / "killed"
    args = [sys.executable, "-m", "exposure.cli", "run", str(big.input_dir), "--case", str(killed),
            "--config", str(big.config_path), "--workers", "1"]  # fmt: skip
    proc = subprocess.Popen(args, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = killed / "logs" / "exposure.log"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and log.read_text(encoding="utf-8").count(" processed ") >= 3:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before it could be killed: make the corpus bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    run_case(big, killed, "--workers", "2")
    for name in REPORT_FILES:
        assert (killed / "report" / name).read_bytes() == (reference / "report" / name).read_bytes(), name


def test_no_raw_ssn_printed_logged_or_listed(demo_case, finished_case):
    case_dir, result = finished_case
    ssns = {row["ssn"].replace("-", "") for row in read_csv(demo_case.truth_path) if row["ssn"]}
    assert ssns
    texts = {
        "stdout": result.stdout,
        "stderr": result.stderr,
        "log": (case_dir / "logs" / "exposure.log").read_text(encoding="utf-8"),
    }
    for name in ("notification_list.csv", "files.csv", "owners.csv", "summary.html"):
        texts[name] = (case_dir / "report" / name).read_text(encoding="utf-8")
    for where, text in texts.items():
        digits = {d.replace("-", "").replace(" ", "") for d in re.findall(r"\d{3}[- ]?\d{2}[- ]?\d{4}", text)}
        leaked = digits & ssns
        assert not leaked, f"{len(leaked)} raw SSNs in {where}"


def test_a_file_that_takes_too_long_fails_with_a_reason(tmp_path):
    data = tmp_path / "input"
    data.mkdir()
    with open(data / "huge.csv", "w", encoding="utf-8") as handle:
        handle.write("first_name,last_name,ssn,dob\n")
        for i in range(400_000):
            ssn = f"{100 + i % 500:03d}-{10 + i % 80:02d}-{1000 + i % 8000:04d}"
            handle.write(f"Ann{i},Lee{i},{ssn},1980-01-02\n")
    (data / "small.csv").write_text("first_name,last_name,dob\nMara,Quist,1975-04-03\n", encoding="utf-8")
    config = tmp_path / "case.toml"
    config.write_text('name = "t"\n[limits]\nfile_seconds = 0.5\n', encoding="utf-8")
    result = run_cli("run", str(data), "--case", str(tmp_path / "case"), "--config", str(config))
    assert result.returncode == 0, result.stderr
    files = {row["path"]: row for row in read_csv(tmp_path / "case" / "report" / "files.csv")}
    assert files["huge.csv"]["status"] == "failed"
    assert "time limit" in files["huge.csv"]["reason"]
    assert files["small.csv"]["status"] == "processed"
    listed = read_csv(tmp_path / "case" / "report" / "notification_list.csv")
    assert [row["last_name"] for row in listed] == ["Quist"]


def test_case_of_another_schema_version_is_refused_with_one_line(tmp_path):
    data = tmp_path / "input"
    data.mkdir()
    (data / "a.txt").write_text("nothing here\n", encoding="utf-8")
    case_dir = tmp_path / "case"
    assert run_cli("scan", str(data), "--case", str(case_dir)).returncode == 0
    con = duckdb.connect(str(case_dir / "case.duckdb"))
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    result = run_cli("scan", str(data), "--case", str(case_dir))
    assert result.returncode == 2
    assert "schema version 999" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_config_is_a_one_line_error(tmp_path):
    data = tmp_path / "input"
    data.mkdir()
    config = tmp_path / "bad.toml"
    config.write_text("breach_date = 'yesterday'\n", encoding="utf-8")
    result = run_cli("run", str(data), "--case", str(tmp_path / "case"), "--config", str(config))
    assert result.returncode == 2
    assert "breach_date" in result.stderr


def test_help_names_every_stage():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("run", "scan", "resolve", "report", "demo"):
        assert command in result.stdout


def test_results_that_cannot_be_stored_fail_that_file_only(tmp_path):
    from exposure.case.db import open_case
    from exposure.pipeline import _OutcomeStore
    from exposure.worker import Outcome

    con = open_case(tmp_path / "case")
    con.execute("INSERT INTO blobs (sha256, status) VALUES ('a', 'pending'), ('b', 'pending')")
    store = _OutcomeStore(con, lambda sha: sha)
    clash = pa.table({c: [None] * 2 for c in _mention_columns()} | {"sha256": ["a", "a"],
                     "mention_key": ["row 1", "row 1"], "location": ["row 1"] * 2, "role": ["x"] * 2,
                     "needs_review": [False, False]})  # fmt: skip
    store.add(Outcome("a", "processed", mentions=2, mentions_rows=clash))
    store.add(Outcome("b", "processed"))
    store.flush()
    statuses = dict(con.execute("SELECT sha256, status FROM blobs").fetchall())
    assert statuses == {"a": "failed", "b": "processed"}
    reason = con.execute("SELECT reason FROM blobs WHERE sha256 = 'a'").fetchone()[0]
    assert reason.startswith("could not store its results")


def _mention_columns():
    from exposure.worker import MENTION_COLUMNS

    return MENTION_COLUMNS


def test_paths_gone_from_the_input_are_forgotten_but_finished_members_kept(tmp_path):
    from exposure.case.db import open_case
    from exposure.pipeline import _forget_vanished_paths

    con = open_case(tmp_path / "case")
    for path in ("a.csv", "gone.csv", "z.zip", "z.zip!m.csv", "y.zip!n.csv"):
        con.execute(
            "INSERT INTO paths (root, path, parent, depth, status) VALUES ('/r', ?, '', 0, 'pending')", [path]
        )
    _forget_vanished_paths(con, {("/r", "a.csv"), ("/r", "z.zip"), ("/r", "y.zip")}, [("/r", "z.zip!")])
    assert sorted(r[0] for r in con.execute("SELECT path FROM paths").fetchall()) == [
        "a.csv", "z.zip", "z.zip!m.csv",
    ]  # fmt: skip
