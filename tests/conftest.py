"""Shared fixtures: a generated demo corpus and helpers to run the CLI as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
SAMPLES = ROOT.parent / "shared" / "samples"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "200"
    return env


def run_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "exposure.cli", *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def demo_case(tmp_path_factory: pytest.TempPathFactory):
    from exposure.demo import generate_demo

    return generate_demo(tmp_path_factory.mktemp("demo"), people=200, seed=11)


@pytest.fixture
def con(tmp_path: Path):
    """An empty case database (modules that need a filled one define their own ``con``)."""
    from exposure.case.db import open_case

    connection = open_case(tmp_path / "case")
    yield connection
    connection.close()
