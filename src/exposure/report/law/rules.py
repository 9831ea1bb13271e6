"""Notification-law rules: one TOML file per jurisdiction (rules/*.toml), loaded and validated here.

The files are data, not code: a lawyer updates a deadline or a threshold by editing one
file, and the loader refuses a file it cannot read unambiguously (unknown keys, element
codes not in CONTRACT.md, a threshold without an explicit comparator, a deadline without
the event that starts it, a rule without a citation).
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from exposure.model import ELEMENT_CODES

KINDS = ("us_state", "us_territory", "us_federal", "national", "supranational")
APPLIES_BY = ("residence", "hipaa", "regime")
NOTICES = (
    "individuals", "regulator", "consumer_reporting_agencies", "media", "hhs", "covered_entity",
    "data_owner", "other",
)  # fmt: skip
ACTORS = ("owner", "vendor", "covered_entity", "business_associate", "controller", "processor")
COUNT_SCOPES = ("residents", "residents_per_state", "total")
ANCHORS = ("discovery", "determination", "vendor_notice", "individual_notice", "year_end")
UNITS = ("calendar_days", "business_days", "hours")
WAIVERS = ("encrypted", "harm_ruled_out")
COMPARATORS: dict[str, Callable[[int, int], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
}  # fmt: skip
COMPARATOR_WORDS = {">": "more than", ">=": "at least", "<": "fewer than", "<=": "at most"}
# What a letter must (or must not) say; the letters stage maps each item to wording.
CONTENT_ITEMS = (
    "what_happened", "breach_date", "discovery_date", "elements_involved", "what_we_are_doing",
    "what_you_can_do", "contact_information", "toll_free_number", "cra_contacts", "ftc_contacts",
    "ag_contacts", "law_enforcement_delay", "police_report_right", "security_freeze", "fraud_alert",
    "credit_monitoring_offer", "parent_company_name", "remain_vigilant_advice", "breach_nature",
    "affected_count", "dpo_contact", "likely_consequences", "measures_taken", "notice_date",
)  # fmt: skip
HEALTH_ELEMENTS = ("health_insurance_id", "medical_record_number", "medical_information")

RULES_PACKAGE = "exposure.report.law"


class RulesError(Exception):
    """A rules file is missing, unreadable or breaks the schema (one-line reason naming the file)."""


@dataclass(frozen=True)
class Citation:
    cite: str
    url: str


@dataclass(frozen=True)
class Combo:
    """One way data becomes 'personal information': any one of ``elements``, with a name if required."""

    elements: tuple[str, ...]
    with_name: bool
    requires_usable_account: bool = False  # account/card numbers count only with a code or when usable alone
    effective_from: dt.date | None = None
    note: str = ""


@dataclass(frozen=True)
class Deadline:
    days: int | None  # None: no fixed number ("without unreasonable delay")
    unit: str
    anchor: str
    text: str


@dataclass(frozen=True)
class NoticeRule:
    notice: str
    recipient: str
    actor: str
    threshold: int
    comparator: str
    count: str
    deadline: Deadline
    waived_if: tuple[str, ...] = ()
    cite: str = ""
    note: str = ""

    def owed_at(self, count: int) -> bool:
        return COMPARATORS[self.comparator](count, self.threshold)

    @property
    def threshold_text(self) -> str:
        return f"{COMPARATOR_WORDS[self.comparator]} {self.threshold:,}"


@dataclass(frozen=True)
class LetterRules:
    title: str = ""
    headings: tuple[str, ...] = ()
    min_font_pt: int | None = None
    content_required: tuple[str, ...] = ()
    content_prohibited: tuple[str, ...] = ()
    remedies: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubstituteNotice:
    cost_over: int | None = None
    people_over: int | None = None
    insufficient_contact: bool = True
    methods: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    kind: str
    applies_by: str
    state: str
    effective_date: dt.date
    verified: bool
    verified_note: str
    summary: str
    citations: tuple[Citation, ...]
    combos: tuple[Combo, ...]
    any_personal_data: bool
    pi_note: str
    encryption_safe_harbour: bool
    key_compromise_voids_harbour: bool
    harm_analysis_allowed: bool
    harm_standard: str
    notices: tuple[NoticeRule, ...]
    letter: LetterRules
    substitute_notice: SubstituteNotice
    deemed_compliance: tuple[str, ...]
    path: str

    @property
    def citation(self) -> str:
        return self.citations[0].cite

    @property
    def url(self) -> str:
        return self.citations[0].url

    def notices_of(self, kind: str) -> tuple[NoticeRule, ...]:
        return tuple(n for n in self.notices if n.notice == kind)


# ---------------------------------------------------------------- parsing helpers


class _Table:
    """A TOML table read key by key, so leftover (unknown) keys can be reported."""

    def __init__(self, raw: object, where: str):
        if not isinstance(raw, dict):
            raise RulesError(f"{where}: expected a table")
        self.raw = dict(raw)
        self.where = where
        self.seen: set[str] = set()

    def get(self, key: str, kind: type | tuple[type, ...], default: object = ..., required: bool = False):
        self.seen.add(key)
        if key not in self.raw:
            if required or default is ...:
                raise RulesError(f"{self.where}: missing '{key}'")
            return default
        value = self.raw[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise RulesError(f"{self.where}: '{key}' has the wrong type")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: object = ...) -> str:
        value = self.get(key, str, default)
        if value not in allowed:
            raise RulesError(f"{self.where}: '{key}' must be one of {', '.join(allowed)}, got {value!r}")
        return value

    def strings(self, key: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        values = self.get(key, list, [])
        if not all(isinstance(v, str) for v in values):
            raise RulesError(f"{self.where}: '{key}' must be a list of strings")
        if allowed is not None:
            bad = [v for v in values if v not in allowed]
            if bad:
                raise RulesError(f"{self.where}: '{key}' has unknown values {bad}")
        return tuple(values)

    def date(self, key: str, required: bool = False) -> dt.date | None:
        value = self.get(key, (str, dt.date), None, required=required)
        if value is None or isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise RulesError(f"{self.where}: '{key}' must be a date YYYY-MM-DD") from exc

    def done(self) -> None:
        unknown = set(self.raw) - self.seen
        if unknown:
            raise RulesError(f"{self.where}: unknown keys {', '.join(sorted(unknown))}")


def _citation(raw: object, where: str) -> Citation:
    table = _Table(raw, where)
    cite = table.get("cite", str, required=True).strip()
    url = table.get("url", str, required=True).strip()
    table.done()
    if not cite or not url.startswith(("https://", "http://")):
        raise RulesError(f"{where}: a citation needs text and an http(s) URL")
    return Citation(cite, url)


def _combo(raw: object, where: str) -> Combo:
    table = _Table(raw, where)
    elements = table.strings("elements", ELEMENT_CODES)
    if not elements:
        raise RulesError(f"{where}: 'elements' must name at least one element code")
    combo = Combo(
        elements=elements,
        with_name=table.get("with_name", bool, required=True),
        requires_usable_account=table.get("requires_usable_account", bool, False),
        effective_from=table.date("effective_from"),
        note=table.get("note", str, ""),
    )
    table.done()
    return combo


def _notice(raw: object, where: str) -> NoticeRule:
    table = _Table(raw, where)
    days = table.get("days", int, None)
    if days is not None and days < 0:
        raise RulesError(f"{where}: 'days' must not be negative")
    deadline = Deadline(
        days=days,
        unit=table.choice("unit", UNITS, "calendar_days"),
        anchor=table.choice("anchor", ANCHORS),
        text=table.get("deadline", str, required=True),
    )
    notice = NoticeRule(
        notice=table.choice("notice", NOTICES),
        recipient=table.get("recipient", str, required=True),
        actor=table.choice("actor", ACTORS, "owner"),
        threshold=table.get("threshold", int, required=True),
        comparator=table.choice("comparator", tuple(COMPARATORS)),
        count=table.choice("count", COUNT_SCOPES, "residents"),
        deadline=deadline,
        waived_if=table.strings("waived_if", WAIVERS),
        cite=table.get("cite", str, ""),
        note=table.get("note", str, ""),
    )
    table.done()
    return notice


def _letter(raw: object, where: str) -> LetterRules:
    table = _Table(raw, where)
    letter = LetterRules(
        title=table.get("title", str, ""),
        headings=table.strings("headings"),
        min_font_pt=table.get("min_font_pt", int, None),
        content_required=table.strings("content_required", CONTENT_ITEMS),
        content_prohibited=table.strings("content_prohibited", CONTENT_ITEMS),
        remedies=table.strings("remedies"),
    )
    table.done()
    clash = set(letter.content_required) & set(letter.content_prohibited)
    if clash:
        raise RulesError(f"{where}: content both required and prohibited: {', '.join(sorted(clash))}")
    return letter


def _substitute(raw: object, where: str) -> SubstituteNotice:
    table = _Table(raw, where)
    sub = SubstituteNotice(
        cost_over=table.get("cost_over", int, None),
        people_over=table.get("people_over", int, None),
        insufficient_contact=table.get("insufficient_contact", bool, True),
        methods=table.strings("methods"),
        note=table.get("note", str, ""),
    )
    table.done()
    return sub


def parse_rule(data: dict, where: str) -> Rule:
    """Build a Rule from one parsed TOML document; ``where`` names it in errors."""
    top = _Table(data, where)
    pi = _Table(top.get("personal_information", dict, required=True), f"{where} [personal_information]")
    enc = _Table(top.get("encryption", dict, required=True), f"{where} [encryption]")
    harm = _Table(top.get("harm", dict, required=True), f"{where} [harm]")
    raw_citations = top.get("citations", list, required=True)
    citations = tuple(_citation(c, f"{where} citations[{i}]") for i, c in enumerate(raw_citations))
    if not citations:
        raise RulesError(f"{where}: at least one citation is required")
    applies_by = top.choice("applies_by", APPLIES_BY)
    rule = Rule(
        code=top.get("code", str, required=True),
        name=top.get("name", str, required=True),
        kind=top.choice("kind", KINDS),
        applies_by=applies_by,
        state=top.get("state", str, ""),
        effective_date=top.date("effective_date", required=True),
        verified=top.get("verified", bool, required=True),
        verified_note=top.get("verified_note", str, ""),
        summary=top.get("summary", str, ""),
        citations=citations,
        combos=tuple(_combo(c, f"{where} combos[{i}]") for i, c in enumerate(pi.get("combos", list, []))),
        any_personal_data=pi.get("any_personal_data", bool, False),
        pi_note=pi.get("note", str, ""),
        encryption_safe_harbour=enc.get("safe_harbour", bool, required=True),
        key_compromise_voids_harbour=enc.get("lost_if_key_taken", bool, True),
        harm_analysis_allowed=harm.get("analysis_allowed", bool, required=True),
        harm_standard=harm.get("standard", str, ""),
        notices=tuple(
            _notice(n, f"{where} notices[{i}]") for i, n in enumerate(top.get("notices", list, required=True))
        ),
        letter=_letter(top.get("letter", dict, {}), f"{where} [letter]"),
        substitute_notice=_substitute(top.get("substitute_notice", dict, {}), f"{where} [substitute_notice]"),
        deemed_compliance=top.strings("deemed_compliance"),
        path=where,
    )
    for table in (pi, enc, harm, top):
        table.done()
    _check_rule(rule, where)
    return rule


def _check_rule(rule: Rule, where: str) -> None:
    """Cross-field checks a single key cannot express."""
    if rule.applies_by == "residence" and len(rule.state) != 2:
        raise RulesError(f"{where}: a residence rule needs its 2-letter 'state'")
    if not rule.combos and not rule.any_personal_data:
        raise RulesError(f"{where}: define personal information (combos or any_personal_data = true)")
    if not rule.notices_of("individuals") and rule.applies_by != "hipaa":
        raise RulesError(f"{where}: no notice to individuals")
    if rule.verified and not rule.verified_note:
        raise RulesError(f"{where}: verified = true needs a verified_note saying what was checked")


# ---------------------------------------------------------------- loading


def rules_dir() -> Path:
    return Path(str(resources.files(RULES_PACKAGE).joinpath("rules")))


def load_rules_file(path: Path) -> Rule:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{path.name}: cannot read rules file: {exc}") from exc
    rule = parse_rule(data, path.name)
    if path.stem.upper() != rule.code.upper():
        raise RulesError(f"{path.name}: file name must be the rule code ({rule.code.lower()}.toml)")
    return rule


def load_rules(directory: Path | None = None) -> dict[str, Rule]:
    """Every rules file of ``directory`` (default: the shipped rules), keyed by code, sorted."""
    if directory is None:
        return dict(_shipped_rules())
    return _load_dir(Path(directory))


@functools.lru_cache(maxsize=1)
def _shipped_rules() -> tuple[tuple[str, Rule], ...]:
    return tuple(_load_dir(rules_dir()).items())


def _load_dir(directory: Path) -> dict[str, Rule]:
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise RulesError(f"no rules files in {directory}")
    rules: dict[str, Rule] = {}
    states: dict[str, str] = {}
    for path in files:
        rule = load_rules_file(path)
        if rule.code in rules:
            raise RulesError(f"{path.name}: code {rule.code} is defined twice")
        if rule.applies_by == "residence":
            if rule.state in states:
                raise RulesError(f"{path.name}: state {rule.state} already covered by {states[rule.state]}")
            states[rule.state] = rule.code
        rules[rule.code] = rule
    return dict(sorted(rules.items()))
