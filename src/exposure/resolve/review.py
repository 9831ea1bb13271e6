"""``exposure review``: look at flagged people and record merge / split decisions.

Decisions are stored in the case database (see decisions.py) and take effect the next
time ``exposure resolve`` (or ``run``) runs. Printed output never shows raw personal
values: names and dates are masked; a reviewer opens the file at the printed location.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from exposure.case.db import CaseError, open_case
from exposure.masking import mask_text, mask_value
from exposure.resolve.decisions import (
    DecisionError,
    list_decisions,
    parse_mention_ref,
    record_merge,
    record_split,
    undo_decision,
)

review_app = typer.Typer(
    help="Review people flagged for review and record merge / split decisions (applied by the next resolve).",
    no_args_is_help=True,
)
_out = Console()
_err = Console(stderr=True)

CaseDir = Annotated[Path, typer.Option("--case", help="Case folder (holds case.duckdb).")]
NEXT_STEP = "decision recorded: run 'exposure resolve --case {case}' (then 'exposure report') to apply it"


def _fail(message: str) -> None:
    _err.print(f"[red]error:[/red] {mask_text(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _open(case: Path) -> duckdb.DuckDBPyConnection:
    try:
        return open_case(case, create=False)
    except CaseError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits


@review_app.command("list")
def list_command(
    case: CaseDir,
    all_people: Annotated[bool, typer.Option("--all", help="Every person, not only flagged ones.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 200,
) -> None:
    """People that need review (id, why, how many documents), and the decisions recorded so far."""
    con = _open(case)
    try:
        rows = con.execute(
            f"""
            SELECT person_id, coalesce(full_name, ''), source_count, coalesce(review_reason, '')
            FROM persons {"" if all_people else "WHERE needs_review"}
            ORDER BY needs_review DESC, person_id LIMIT ?
            """,
            [limit],
        ).fetchall()
        decisions = list_decisions(con)
    finally:
        con.close()
    table = Table("person_id", "name", "documents", "why review")
    for person_id, name, sources, reason in rows:
        table.add_row(person_id, mask_value("name", name), str(sources), reason)
    _out.print(table)
    if decisions:
        made = Table("decision", "kind", "mentions", "when", "note")
        for d in decisions:
            made.add_row(str(d.decision_id), d.kind, str(len(d.mentions)), str(d.decided), d.note)
        _out.print(made)


@review_app.command("show")
def show_command(case: CaseDir, person_id: Annotated[str, typer.Argument(help="A person_id.")]) -> None:
    """The mentions that make up one person: where each is (file and location) and its mention id."""
    con = _open(case)
    try:
        rows = con.execute(
            """
            SELECT pm.sha256 || ':' || pm.mention_key, coalesce(min(p.path), ''), m.location, m.role,
                coalesce(m.full_name, ''), coalesce(m.last_name, ''), coalesce(m.date_of_birth, ''),
                coalesce(right(regexp_replace(coalesce(m.ssn, ''), '[^0-9]', '', 'g'), 4), '')
            FROM person_mentions pm JOIN mentions m USING (sha256, mention_key)
            LEFT JOIN paths p ON p.sha256 = pm.sha256
            WHERE pm.person_id = ?
            GROUP BY ALL ORDER BY 1
            """,
            [person_id],
        ).fetchall()
    finally:
        con.close()
    if not rows:
        _fail(f"no person {person_id} in this case")
    # Plain tab-separated lines: mention ids are long and must not wrap (they are pasted into --mention).
    print("\t".join(("mention (for --mention)", "file", "location", "role", "name", "born", "ssn")))
    for ref, path, location, role, full, last, dob, last4 in rows:
        print("\t".join((ref, mask_text(path), location, role, mask_value("name", full or last),
                         "****-**-**" if dob else "", f"***-**-{last4}" if last4 else "")))  # fmt: skip


@review_app.command("merge")
def merge_command(
    case: CaseDir,
    person_ids: Annotated[list[str], typer.Argument(help="Two or more person_ids that are one individual.")],
    note: Annotated[str, typer.Option(help="Why (kept with the decision).")] = "",
) -> None:
    """Record that these people are one individual."""
    con = _open(case)
    try:
        decision = record_merge(con, person_ids, note)
    except DecisionError as exc:
        _fail(str(exc))
    finally:
        con.close()
    _out.print(f"merge #{decision}: " + NEXT_STEP.format(case=case))


@review_app.command("split")
def split_command(
    case: CaseDir,
    person_id: Annotated[str, typer.Argument(help="The person to split.")],
    mention: Annotated[
        list[str],
        typer.Option(
            "--mention",
            help="SHA256:MENTION_KEY (from 'review show') of a mention to take out; repeat for several.",
        ),
    ],
    note: Annotated[str, typer.Option(help="Why (kept with the decision).")] = "",
) -> None:
    """Record that these mentions of a person are someone else (together, apart from the rest)."""
    con = _open(case)
    try:
        decision = record_split(con, person_id, [parse_mention_ref(m) for m in mention], note)
    except DecisionError as exc:
        _fail(str(exc))
    finally:
        con.close()
    _out.print(f"split #{decision}: " + NEXT_STEP.format(case=case))


@review_app.command("undo")
def undo_command(case: CaseDir, decision_id: Annotated[int, typer.Argument(help="Decision number.")]) -> None:
    """Forget a recorded decision."""
    con = _open(case)
    try:
        undo_decision(con, decision_id)
    except DecisionError as exc:
        _fail(str(exc))
    finally:
        con.close()
    _out.print(f"decision #{decision_id} removed: " + NEXT_STEP.format(case=case))
