"""The case configuration (TOML, optional), as CONTRACT.md defines it."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(Exception):
    """The configuration file is unreadable or wrong (one-line reason)."""


@dataclass(frozen=True)
class ValueRule:
    column: str
    equals: str


@dataclass(frozen=True)
class Owner:
    name: str
    paths: tuple[str, ...] = ()
    values: ValueRule | None = None
    x12_ids: tuple[str, ...] = ()

    def matches_path(self, path: str) -> bool:
        """True when a file path (relative to its INPUT root; members as a.zip!b.csv) is this owner's.

        A member matches when its container does, and globs see '!' as '/', so
        ``clients/oceanview/**`` also covers ``clients/oceanview/x.zip!y.csv``.
        """
        candidates = {path, path.replace("!", "/")}
        return any(_glob_match(c, pattern) for c in candidates for pattern in self.paths)


@dataclass(frozen=True)
class Limits:
    """Per-file limits that turn bombs and hangs into a 'failed' row."""

    max_file_bytes: int = 20 * 1024**3
    file_seconds: float = 900.0
    archive_max_ratio: float = 250.0  # expanded bytes / compressed bytes, per member and per archive
    archive_max_bytes: int = 50 * 1024**3  # all members of one archive together
    archive_max_members: int = 1_000_000
    archive_max_depth: int = 8


@dataclass(frozen=True)
class CaseConfig:
    name: str = "Unnamed case"
    breach_date: dt.date | None = None
    owners: tuple[Owner, ...] = ()
    limits: Limits = field(default_factory=Limits)
    copybooks: tuple[tuple[str, str], ...] = ()  # (data-file glob, copybook path) from [copybooks]

    def owners_for_path(self, path: str) -> list[str]:
        return sorted({o.name for o in self.owners if o.paths and o.matches_path(path)})

    @property
    def reader_settings(self) -> tuple[tuple[str, str], ...]:
        """Format-specific settings handed to readers (ReadOptions.settings)."""
        return tuple((f"copybook:{glob}", path) for glob, path in self.copybooks)

    @property
    def owner_value_columns(self) -> tuple[str, ...]:
        """Columns whose values decide an owner row by row; detection keeps them per mention."""
        return tuple(sorted({o.values.column for o in self.owners if o.values}))


def _glob_match(path: str, pattern: str) -> bool:
    return re.fullmatch(_glob_to_regex(pattern), path) is not None


def _glob_to_regex(pattern: str) -> str:
    """Translate a glob where ``**`` spans folders and ``*`` stays inside one."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def load_config(path: Path | None) -> CaseConfig:
    if path is None:
        return CaseConfig()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    return parse_config(data, source=str(path), base_dir=Path(path).resolve().parent)


def parse_config(data: dict, source: str = "config", base_dir: Path | None = None) -> CaseConfig:
    """``base_dir``: the config file's folder, against which relative copybook paths are read."""
    breach_date = data.get("breach_date")
    if isinstance(breach_date, str):
        try:
            breach_date = dt.date.fromisoformat(breach_date)
        except ValueError as exc:
            raise ConfigError(f"{source}: breach_date must be YYYY-MM-DD, got {breach_date!r}") from exc
    elif breach_date is not None and not isinstance(breach_date, dt.date):
        raise ConfigError(f"{source}: breach_date must be a date")
    owners = tuple(_parse_owner(o, source) for o in data.get("owner", []))
    limits = _parse_limits(data.get("limits", {}), source)
    copybooks = data.get("copybooks", {})
    if not isinstance(copybooks, dict) or not all(isinstance(v, str) for v in copybooks.values()):
        raise ConfigError(f"{source}: [copybooks] maps data-file globs to copybook paths (strings)")
    return CaseConfig(
        name=str(data.get("name", "Unnamed case")),
        breach_date=breach_date,
        owners=owners,
        limits=limits,
        copybooks=tuple(sorted((str(k), _from_base(v, base_dir)) for k, v in copybooks.items())),
    )


def _from_base(path: str, base_dir: Path | None) -> str:
    return str(base_dir / path) if base_dir is not None and not Path(path).is_absolute() else path


def _parse_owner(raw: dict, source: str) -> Owner:
    if not isinstance(raw, dict) or not raw.get("name"):
        raise ConfigError(f"{source}: every [[owner]] needs a name")
    if ";" in str(raw["name"]):
        raise ConfigError(f"{source}: owner name {raw['name']!r} must not contain ';' (lists are ';'-joined)")
    values = raw.get("values")
    rule = None
    if values is not None:
        if not isinstance(values, dict) or "column" not in values or "equals" not in values:
            raise ConfigError(f"{source}: owner {raw['name']!r}: values needs column and equals")
        rule = ValueRule(column=str(values["column"]), equals=str(values["equals"]))
    return Owner(
        name=str(raw["name"]),
        paths=tuple(str(p) for p in raw.get("paths", [])),
        values=rule,
        x12_ids=tuple(str(x) for x in raw.get("x12_ids", [])),
    )


def _parse_limits(raw: dict, source: str) -> Limits:
    known = Limits.__dataclass_fields__
    unknown = set(raw) - set(known)
    if unknown:
        raise ConfigError(f"{source}: unknown [limits] keys: {', '.join(sorted(unknown))}")
    try:
        return Limits(**{k: type(getattr(Limits(), k))(v) for k, v in raw.items()})
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: bad [limits] value: {exc}") from exc
