"""report/owners/: one package per data owner, for a vendor to hand each client its own people.

For every data owner: ``owners/<slug>/`` with that owner's rows of notification_list.csv,
the same as .xlsx, and a small summary.html counting only its people; and the folder zipped
as ``owners/<slug>.zip``. The rows come from notification_list.csv (written first), so a
package never disagrees with the case's list.

One client must not learn about another: in a package, ``data_owners`` names only that
package's owner. Everything is built in ``owners.partial/`` and then swapped in, so owners
no longer configured leave no stale package behind, and a reader never sees half a package.
Deterministic: fixed zip dates and member order.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from pathlib import Path

import duckdb

from exposure.config import CaseConfig
from exposure.report.csvout import write_text
from exposure.report.notification_list import FILE_NAME as LIST_NAME
from exposure.report.owners import owner_names
from exposure.report.summary import FILE_NAME as SUMMARY_NAME
from exposure.report.summary import render_summary
from exposure.report.xlsx import FILE_NAME as XLSX_NAME
from exposure.report.xlsx import read_header, read_rows, write_workbook

OWNERS_DIR = "owners"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_OWNERS_PER_PASS = 200  # open CSV files at once while splitting the list


def owner_slug(name: str) -> str:
    """A folder name for an owner: ASCII lower case, words joined by '-' (``Oceanview Life & Annuity``
    -> ``oceanview-life-annuity``)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60].strip("-")
    return slug or "owner"


def owner_slugs(names: Sequence[str]) -> dict[str, str]:
    """Each owner's slug, unique within the case (``-2``, ``-3`` ... on a clash), in ``names`` order."""
    slugs: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = owner_slug(name)
        slug, number = base, 2
        while slug in used:
            slug, number = f"{base}-{number}", number + 1
        used.add(slug)
        slugs[name] = slug
    return slugs


def _split_list(source: Path, header: list[str], folders: dict[str, Path]) -> None:
    """Write each owner's rows (``data_owners`` narrowed to that owner) to its folder's CSV."""
    owners_at = header.index("data_owners") if "data_owners" in header else None
    names = list(folders)
    for start in range(0, len(names), _OWNERS_PER_PASS):
        batch = names[start : start + _OWNERS_PER_PASS]
        with ExitStack() as stack:
            writers = {
                name: csv.writer(
                    stack.enter_context(open(folders[name] / LIST_NAME, "w", encoding="utf-8", newline="")),
                    lineterminator="\n",
                )
                for name in batch
            }
            for writer in writers.values():
                writer.writerow(header)
            if owners_at is None:
                continue
            for row in read_rows(source):
                for owner in row[owners_at].split(";"):
                    if owner in writers:
                        writers[owner].writerow([*row[:owners_at], owner, *row[owners_at + 1 :]])


def zip_folder(folder: Path, target: Path) -> Path:
    """Zip ``folder`` as ``<folder name>/...`` members, sorted, with a fixed date."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", _ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with open(path, "rb") as handle:
                archive.writestr(info, handle.read())
    return target


def _fill_package(con: duckdb.DuckDBPyConnection, config: CaseConfig, owner: str, folder: Path) -> None:
    rows_csv = folder / LIST_NAME
    write_workbook(folder / XLSX_NAME, read_header(rows_csv), read_rows(rows_csv))
    write_text(folder / SUMMARY_NAME, render_summary(con, config, owner=owner))


def write_owner_packages(
    con: duckdb.DuckDBPyConnection, config: CaseConfig, report_dir: Path, owners: Iterable[str] | None = None
) -> list[Path]:
    """Write report_dir/owners/<slug>/ and <slug>.zip per data owner; return the zips in owner order.

    notification_list.csv must already be in ``report_dir``. ``owners`` defaults to every owner
    of the case (configured ones, also with no people, then any recorded by resolve).
    """
    report_dir = Path(report_dir)
    source = report_dir / LIST_NAME
    header = read_header(source)
    names = list(owners) if owners is not None else owner_names(con, config)
    slugs = owner_slugs(names)
    staging = report_dir / f"{OWNERS_DIR}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    folders = {name: staging / slug for name, slug in slugs.items()}
    for folder in folders.values():
        folder.mkdir(parents=True)
    _split_list(source, header, folders)
    zips = []
    for name, folder in folders.items():
        _fill_package(con, config, name, folder)
        zips.append(zip_folder(folder, staging / f"{slugs[name]}.zip"))
    final = report_dir / OWNERS_DIR
    shutil.rmtree(final, ignore_errors=True)
    staging.mkdir(exist_ok=True)  # a case with no owner still gets an (empty) owners/ folder
    os.replace(staging, final)
    return [final / z.name for z in zips]
