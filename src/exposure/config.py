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


HIPAA_ROLES: tuple[str, ...] = ("none", "covered_entity", "business_associate")
ORGANISATION_ROLES: tuple[str, ...] = ("owner", "vendor")
# Non-U.S. regimes the case may switch on; a person's U.S. state decides the state laws by itself.
OTHER_REGIMES: tuple[str, ...] = ("EU-GDPR", "UK-GDPR", "CA-PIPEDA")


@dataclass(frozen=True)
class Owner:
    name: str
    paths: tuple[str, ...] = ()
    values: ValueRule | None = None
    x12_ids: tuple[str, ...] = ()
    # Per-owner overrides of [notice]; None means "as the case says".
    hipaa_role: str | None = None
    role: str | None = None
    regimes: tuple[str, ...] | None = None

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
class NoticeSettings:
    """The facts notice law needs that the data cannot tell: dates, roles, encryption ([notice] table).

    Deadlines count from these dates; a missing date falls back to an earlier one
    (determination -> discovery -> breach_date) so a computed deadline is never later
    than the law allows.
    """

    discovery_date: dt.date | None = None  # the breach was discovered (or reasonably should have been)
    determination_date: dt.date | None = None  # it was determined that a breach occurred (TX, FL, CO ...)
    vendor_notice_date: dt.date | None = None  # the data owner was told by the vendor that held the data
    individual_notice_date: dt.date | None = None  # letters went (or will go) out; regulator clocks use it
    role: str = "owner"  # owner: the breached organisation owns the data; vendor: holds it for the owners
    hipaa_role: str = "none"  # none | covered_entity | business_associate (for the owners' PHI)
    data_encrypted: bool = False  # the data taken was encrypted ...
    key_compromised: bool = False  # ... and the key (or confidential process) was taken as well
    harm_ruled_out: bool = False  # a documented risk assessment found no (high) risk where a law allows it
    account_numbers_usable: bool = True  # account/card numbers usable without a code, or the codes went too
    regimes: tuple[str, ...] = ()  # non-U.S. regimes for every person: EU-GDPR, UK-GDPR, CA-PIPEDA

    @property
    def encryption_holds(self) -> bool:
        """True when encryption safe harbours apply: the data was encrypted and the key was not taken."""
        return self.data_encrypted and not self.key_compromised


@dataclass(frozen=True)
class CaseConfig:
    name: str = "Unnamed case"
    breach_date: dt.date | None = None
    owners: tuple[Owner, ...] = ()
    limits: Limits = field(default_factory=Limits)
    copybooks: tuple[tuple[str, str], ...] = ()  # (data-file glob, copybook path) from [copybooks]
    notice: NoticeSettings = field(default_factory=NoticeSettings)
    letters: tuple[tuple[str, str], ...] = ()  # [letters]: what only the organisation can say in a letter

    def owner(self, name: str) -> Owner | None:
        return next((o for o in self.owners if o.name == name), None)

    def hipaa_role_for(self, owner_name: str | None) -> str:
        """The breached organisation's HIPAA role for this owner's data (the case's when not overridden)."""
        owner = self.owner(owner_name) if owner_name else None
        return owner.hipaa_role if owner and owner.hipaa_role else self.notice.hipaa_role

    def role_for(self, owner_name: str | None) -> str:
        owner = self.owner(owner_name) if owner_name else None
        return owner.role if owner and owner.role else self.notice.role

    def regimes_for(self, owner_name: str | None) -> tuple[str, ...]:
        owner = self.owner(owner_name) if owner_name else None
        return owner.regimes if owner and owner.regimes is not None else self.notice.regimes

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
        notice=_parse_notice(data.get("notice", {}), source),
        letters=_parse_letters(data.get("letters", {}), source),
    )


_NOTICE_DATES = ("discovery_date", "determination_date", "vendor_notice_date", "individual_notice_date")
_NOTICE_FLAGS = ("data_encrypted", "key_compromised", "harm_ruled_out", "account_numbers_usable")


def _parse_date(value: object, where: str) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(f"{where} must be a date YYYY-MM-DD")


def _parse_choice(value: object, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise ConfigError(f"{where} must be one of {', '.join(allowed)}")
    return str(value)


def _parse_regimes(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or any(v not in OTHER_REGIMES for v in value):
        raise ConfigError(f"{where} must be a list drawn from {', '.join(OTHER_REGIMES)}")
    return tuple(dict.fromkeys(str(v) for v in value))


def _parse_notice(raw: object, source: str) -> NoticeSettings:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: [notice] must be a table")
    known = set(_NOTICE_DATES) | set(_NOTICE_FLAGS) | {"role", "hipaa_role", "regimes"}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{source}: unknown [notice] keys: {', '.join(sorted(unknown))}")
    values: dict[str, object] = {k: _parse_date(raw.get(k), f"{source}: [notice] {k}") for k in _NOTICE_DATES}
    for flag in _NOTICE_FLAGS:
        if flag in raw:
            if not isinstance(raw[flag], bool):
                raise ConfigError(f"{source}: [notice] {flag} must be true or false")
            values[flag] = raw[flag]
    if "role" in raw:
        values["role"] = _parse_choice(raw["role"], ORGANISATION_ROLES, f"{source}: [notice] role")
    if "hipaa_role" in raw:
        values["hipaa_role"] = _parse_choice(raw["hipaa_role"], HIPAA_ROLES, f"{source}: [notice] hipaa_role")
    if "regimes" in raw:
        values["regimes"] = _parse_regimes(raw["regimes"], f"{source}: [notice] regimes")
    return NoticeSettings(**values)


LETTER_KEYS: tuple[str, ...] = (
    "organisation", "return_address", "contact_phone", "contact_email", "website", "what_happened",
    "what_we_are_doing", "credit_monitoring", "signatory", "letter_date",
)  # fmt: skip


def _parse_letters(raw: object, source: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: [letters] must be a table")
    unknown = set(raw) - set(LETTER_KEYS)
    if unknown:
        raise ConfigError(f"{source}: unknown [letters] keys: {', '.join(sorted(unknown))}")
    if "letter_date" in raw:
        _parse_date(raw["letter_date"], f"{source}: [letters] letter_date")
    return tuple((k, str(raw[k])) for k in LETTER_KEYS if k in raw)


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
    where = f"{source}: owner {raw['name']!r}"
    hipaa_role = raw.get("hipaa_role")
    if hipaa_role is not None:
        hipaa_role = _parse_choice(hipaa_role, HIPAA_ROLES, f"{where}: hipaa_role")
    role = raw.get("role")
    regimes = raw.get("regimes")
    return Owner(
        name=str(raw["name"]),
        paths=tuple(str(p) for p in raw.get("paths", [])),
        values=rule,
        x12_ids=tuple(str(x) for x in raw.get("x12_ids", [])),
        hipaa_role=hipaa_role,
        role=None if role is None else _parse_choice(role, ORGANISATION_ROLES, f"{where}: role"),
        regimes=None if regimes is None else _parse_regimes(regimes, f"{where}: regimes"),
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
