"""The notice engine: which laws each person triggers, how many people each law covers, and
every notice owed, with its due date and the reason (rule, count, comparator, citation).

People are grouped by what decides the law (state, elements, owners, whether a name is
known), so a case of millions of people evaluates a few thousand distinct groups.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import duckdb

from exposure.config import CaseConfig, NoticeSettings
from exposure.report.law.rules import (
    COMPARATOR_WORDS,
    HEALTH_ELEMENTS,
    NoticeRule,
    Rule,
    load_rules,
)

HIPAA_CODE = "HIPAA"
# Notices owed by whoever owns the data; their clock starts when the owner learns of the breach.
OWNER_ACTORS = ("owner", "covered_entity", "controller")
VENDOR_ACTORS = ("vendor", "processor")


@dataclass(frozen=True)
class Obligation:
    jurisdiction: str
    jurisdiction_name: str
    residents: int  # people this law covers in the case
    notice: str  # individuals | regulator | consumer_reporting_agencies | media | hhs | covered_entity ...
    recipient: str
    owed: bool
    due_date: dt.date | None
    deadline_text: str
    why: str
    citation: str
    url: str
    actor: str = "owner"
    threshold: int = 1
    comparator: str = ">="
    count_scope: str = "residents"
    count: int = 0  # the number compared with the threshold
    state: str = ""  # set for per-state notices (HIPAA media)
    verified: bool = False


@dataclass
class CaseNotices:
    person_jurisdictions: dict[str, list[str]]
    obligations: list[Obligation]
    rules: dict[str, Rule]
    residents: dict[str, int] = field(default_factory=dict)  # code -> people covered
    residents_by_state: dict[str, dict[str, int]] = field(default_factory=dict)  # code -> state -> people
    people: int = 0  # everyone on the notification list
    covered: int = 0  # people with at least one jurisdiction

    def obligations_for(self, code: str) -> list[Obligation]:
        return [o for o in self.obligations if o.jurisdiction == code]


@dataclass(frozen=True)
class _Group:
    """What decides the law for a person: everyone sharing it triggers the same rules."""

    state: str
    elements: frozenset[str]
    owners: tuple[str | None, ...]
    named: bool


@dataclass
class _Tally:
    residents: int = 0
    by_state: Counter = field(default_factory=Counter)
    held_as_vendor: int = 0  # people whose data the breached organisation only held for an owner


# ---------------------------------------------------------------- who is covered


def combo_matches(rule: Rule, elements: frozenset[str], named: bool, settings: NoticeSettings,
                  as_of: dt.date | None) -> bool:  # fmt: skip
    """True when the exposed elements meet one of the rule's personal-information combinations."""
    if rule.any_personal_data:
        return bool(elements) or named
    for combo in rule.combos:
        if combo.with_name and not named:
            continue
        if combo.requires_usable_account and not settings.account_numbers_usable:
            continue
        if combo.effective_from and as_of and as_of < combo.effective_from:
            continue
        if elements.intersection(combo.elements):
            return True
    return False


def rule_covers(rule: Rule, elements: frozenset[str], named: bool, settings: NoticeSettings,
                as_of: dt.date | None) -> bool:  # fmt: skip
    """The person's exposure is a notifiable breach under ``rule`` (safe harbours considered)."""
    harbour_lost = settings.key_compromised and rule.key_compromise_voids_harbour
    if rule.encryption_safe_harbour and settings.data_encrypted and not harbour_lost:
        return False
    if rule.harm_analysis_allowed and settings.harm_ruled_out:
        return False
    return combo_matches(rule, elements, named, settings, as_of)


def _group_codes(group: _Group, rules: dict[str, Rule], by_state: dict[str, Rule], config: CaseConfig,
                 as_of: dt.date | None) -> list[str]:  # fmt: skip
    settings = config.notice
    codes: list[str] = []
    state_rule = by_state.get(group.state)
    if state_rule and rule_covers(state_rule, group.elements, group.named, settings, as_of):
        codes.append(state_rule.code)
    hipaa = rules.get(HIPAA_CODE)
    holds_phi = any(config.hipaa_role_for(o) != "none" for o in group.owners)
    has_phi = holds_phi and bool(group.elements.intersection(HEALTH_ELEMENTS))
    if hipaa and has_phi and rule_covers(hipaa, group.elements, group.named, settings, as_of):
        codes.append(HIPAA_CODE)
    regimes = {code for o in group.owners for code in config.regimes_for(o)}
    for code in sorted(regimes):
        if code in rules and rule_covers(rules[code], group.elements, group.named, settings, as_of):
            codes.append(code)
    return sorted(codes)


# ---------------------------------------------------------------- dates


def _discovery(settings: NoticeSettings, config: CaseConfig) -> tuple[dt.date | None, str]:
    if settings.discovery_date:
        return settings.discovery_date, ""
    if config.breach_date:
        return config.breach_date, "counted from breach_date: discovery_date not set"
    return None, "no discovery_date or breach_date in the case config"


def anchor_date(anchor: str, config: CaseConfig, owner_learns_from_vendor: bool = False,
                individual_due: dt.date | None = None) -> tuple[dt.date | None, str]:  # fmt: skip
    """The date a deadline counts from, and a note when a fallback was used.

    Fallbacks only move earlier (determination -> discovery -> breach date), so a computed
    deadline is never later than the law allows.
    """
    settings = config.notice
    if owner_learns_from_vendor and anchor in ("discovery", "determination"):
        anchor = "vendor_notice"
    if anchor == "determination" and settings.determination_date:
        return settings.determination_date, ""
    if anchor == "vendor_notice" and settings.vendor_notice_date:
        return settings.vendor_notice_date, ""
    if anchor == "individual_notice":
        if settings.individual_notice_date:
            return settings.individual_notice_date, ""
        if individual_due:
            return individual_due, "counted from the latest date the individual notice may go out"
        return None, "individual_notice_date not set and the individual notice has no fixed deadline"
    if anchor == "year_end":
        found, note = _discovery(settings, config)
        return (dt.date(found.year, 12, 31), note) if found else (None, note)
    found, note = _discovery(settings, config)
    if anchor in ("determination", "vendor_notice") and found:
        note = note or f"counted from discovery_date: {anchor}_date not set"
    return found, note


def add_period(start: dt.date, days: int, unit: str) -> dt.date:
    if unit == "business_days":
        current, left = start, days
        while left > 0:
            current += dt.timedelta(days=1)
            if current.weekday() < 5:
                left -= 1
        return current
    if unit == "hours":
        return start + dt.timedelta(days=math.ceil(days / 24))
    return start + dt.timedelta(days=days)


def due_date_for(notice: NoticeRule, config: CaseConfig, owner_learns_from_vendor: bool = False,
                 individual_due: dt.date | None = None) -> tuple[dt.date | None, str]:  # fmt: skip
    if notice.deadline.days is None:
        return None, ""
    start, note = anchor_date(notice.deadline.anchor, config, owner_learns_from_vendor, individual_due)
    if start is None:
        return None, note
    return add_period(start, notice.deadline.days, notice.deadline.unit), note


# ---------------------------------------------------------------- obligations


def _scope_words(rule: Rule, notice: NoticeRule, count: int, state: str) -> str:
    if notice.count == "residents_per_state":
        return f"{count:,} affected residents of {state}"
    if notice.count == "total" or rule.applies_by != "residence":
        return f"{count:,} affected individuals in total"
    return f"{count:,} affected {rule.name} residents"


def _why(rule: Rule, notice: NoticeRule, count: int, state: str, owed: bool, waiver: str) -> str:
    cite = f"{rule.citation}{', ' + notice.cite if notice.cite else ''}"
    scope = _scope_words(rule, notice, count, state)
    words = COMPARATOR_WORDS[notice.comparator]
    test = f"{words} {notice.threshold:,} ({notice.comparator} {notice.threshold})"
    if waiver:
        return f"{scope}; not owed: {waiver} ({cite})."
    verdict = "meets" if owed else "does not meet"
    tail = "" if rule.verified else " Rule not verified against the statute text."
    return f"{scope} {verdict} the threshold of {test} for notice to {notice.recipient} under {cite}.{tail}"


def _waiver(notice: NoticeRule, settings: NoticeSettings) -> str:
    if "encrypted" in notice.waived_if and settings.encryption_holds:
        return "the data was encrypted and the key was not taken"
    if "harm_ruled_out" in notice.waived_if and settings.harm_ruled_out:
        return "a documented risk assessment found no risk calling for this notice"
    return ""


def _rule_obligations(rule: Rule, tally: _Tally, ba_count: int, config: CaseConfig) -> list[Obligation]:
    obligations: list[Obligation] = []
    vendor_side = tally.held_as_vendor == tally.residents and tally.residents > 0
    individual_due: dt.date | None = None
    for notice in rule.notices:
        if notice.actor in VENDOR_ACTORS and not tally.held_as_vendor:
            continue
        if notice.actor == "business_associate" and not ba_count:
            continue
        owner_clock = vendor_side and notice.actor in OWNER_ACTORS
        if notice.actor in VENDOR_ACTORS:
            counts = [("", tally.held_as_vendor)]
        elif notice.actor == "business_associate":
            counts = [("", ba_count)]
        elif notice.count == "residents_per_state":
            counts = sorted(tally.by_state.items())
        else:
            counts = [("", tally.residents)]
        for state, count in counts:
            waiver = _waiver(notice, config.notice)
            owed = notice.owed_at(count) and not waiver
            due, note = due_date_for(notice, config, owner_clock, individual_due) if owed else (None, "")
            if notice.notice == "individuals" and owed and individual_due is None:
                individual_due = due
            text = notice.deadline.text + (f" [{note}]" if note else "")
            obligations.append(
                Obligation(
                    jurisdiction=rule.code,
                    jurisdiction_name=rule.name,
                    residents=tally.residents,
                    notice=notice.notice,
                    recipient=f"{notice.recipient} ({state})" if state else notice.recipient,
                    owed=owed,
                    due_date=due,
                    deadline_text=text,
                    why=_why(rule, notice, count, state, notice.owed_at(count), waiver),
                    citation=f"{rule.citation}{', ' + notice.cite if notice.cite else ''}",
                    url=rule.url,
                    actor=notice.actor,
                    threshold=notice.threshold,
                    comparator=notice.comparator,
                    count_scope=notice.count,
                    count=count,
                    state=state,
                    verified=rule.verified,
                )
            )
    return obligations


# ---------------------------------------------------------------- the case


def _groups(con: duckdb.DuckDBPyConnection) -> dict[_Group, list[str]]:
    """People grouped in SQL by what decides the law, so Python sees each group once."""
    rows = con.execute("""
        SELECT upper(coalesce(state, '')), coalesce(elements, ''), coalesce(data_owners, ''),
               coalesce(last_name, '') <> '' OR coalesce(full_name, '') <> '' AS named,
               list(person_id ORDER BY person_id)
        FROM persons
        GROUP BY 1, 2, 3, 4
    """).fetchall()
    groups: dict[_Group, list[str]] = defaultdict(list)
    for state, elements, owners, has_name, person_ids in rows:
        codes = frozenset(c for c in elements.split(";") if c)
        owner_names: tuple[str | None, ...] = tuple(o for o in owners.split(";") if o) or (None,)
        groups[_Group(state, codes, owner_names, bool(has_name) or "name" in codes)].extend(person_ids)
    return groups


def evaluate_case(con: duckdb.DuckDBPyConnection, config: CaseConfig,
                  rules: dict[str, Rule] | None = None) -> CaseNotices:  # fmt: skip
    """Decide, for every person of the case, the laws they trigger and every notice owed."""
    rules = load_rules() if rules is None else rules
    by_state = {r.state: r for r in rules.values() if r.applies_by == "residence"}
    as_of = config.notice.discovery_date or config.breach_date
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    ba_counts: Counter = Counter()
    person_jurisdictions: dict[str, list[str]] = {}
    people = covered = 0
    for group, person_ids in _groups(con).items():
        codes = _group_codes(group, rules, by_state, config, as_of)
        size = len(person_ids)
        people += size
        covered += size if codes else 0
        for person_id in person_ids:
            person_jurisdictions[person_id] = codes
        for code in codes:
            tally = tallies[code]
            tally.residents += size
            tally.by_state[group.state or "(unknown)"] += size
            roles = [config.hipaa_role_for(o) for o in group.owners] if code == HIPAA_CODE else []
            # For HIPAA the vendor is the business associate; elsewhere the case or owner role says.
            vendor = (
                all(r == "business_associate" for r in roles)
                if code == HIPAA_CODE
                else all(config.role_for(o) == "vendor" for o in group.owners)
            )
            tally.held_as_vendor += size if vendor else 0
            ba_counts[code] += size if "business_associate" in roles else 0
    obligations = [
        obligation
        for code in sorted(tallies)
        for obligation in _rule_obligations(rules[code], tallies[code], ba_counts[code], config)
    ]
    return CaseNotices(
        person_jurisdictions=person_jurisdictions,
        obligations=obligations,
        rules=rules,
        residents={code: tallies[code].residents for code in sorted(tallies)},
        residents_by_state={code: dict(sorted(tallies[code].by_state.items())) for code in sorted(tallies)},
        people=people,
        covered=covered,
    )
