"""Breach-notification law: rules files per jurisdiction (rules/*.toml) and the engine applying them.

notices = evaluate_case(con, config)
notices.person_jurisdictions["P000001"]   # ['HIPAA', 'US-TX']
[o for o in notices.obligations if o.owed]  # each with due_date, why, citation
"""

from exposure.report.law.engine import CaseNotices, Obligation, evaluate_case
from exposure.report.law.rules import Rule, RulesError, load_rules, load_rules_file, rules_dir

__all__ = [
    "CaseNotices", "Obligation", "Rule", "RulesError", "evaluate_case", "load_rules", "load_rules_file",
    "rules_dir",
]  # fmt: skip
