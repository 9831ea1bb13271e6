"""Letter templates as data (``templates/*.toml``), and which one a person gets.

A template has a title, a minimum type size and sections (heading + text with
``{placeholders}``). A state template names the jurisdiction codes it applies
to. A person's letter follows, in order of precedence:

* HIPAA, when the person's jurisdictions include it (45 CFR 164.404(c)), plus
  the sections of their state's template that HIPAA's lacks (Massachusetts'
  police report and security freeze text) - a HIPAA notice is deemed to comply
  with most state laws, which still ask for their own extras;
* else their state's template (California's fixed headings, Massachusetts'
  variant without the nature of the breach);
* else the general template.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources

GENERAL = "general"
HIPAA = "HIPAA"


@dataclass(frozen=True)
class Section:
    heading: str
    text: str


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    sections: tuple[Section, ...]
    applies_to: frozenset[str] = frozenset()
    min_font_pt: float = 10.0
    credit_bureaus: bool = False  # print the consumer reporting agencies' contacts
    omit: frozenset[str] = field(default_factory=frozenset)  # content the law prohibits ("what_happened")

    @property
    def headings(self) -> list[str]:
        return [s.heading for s in self.sections]


def _parse(name: str, data: dict) -> Template:
    return Template(
        name=data.get("name", name),
        title=data["title"],
        sections=tuple(Section(s["heading"], s["text"]) for s in data["section"]),
        applies_to=frozenset(data.get("applies_to", ())),
        min_font_pt=float(data.get("min_font_pt", 10)),
        credit_bureaus=bool(data.get("credit_bureaus", False)),
        omit=frozenset(data.get("omit", ())),
    )


@cache
def templates() -> dict[str, Template]:
    """Every shipped template by name."""
    folder = resources.files("exposure.report.letters") / "templates"
    loaded = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            template = _parse(entry.name.removesuffix(".toml"), tomllib.loads(entry.read_text("utf-8")))
            loaded[template.name] = template
    return loaded


def template_for(jurisdictions: Sequence[str]) -> Template:
    """The template of a person whose notice duties fall under these jurisdiction codes."""
    shipped = templates()
    codes = set(jurisdictions)
    state = next(
        (t for name, t in shipped.items() if name not in (GENERAL, HIPAA) and t.applies_to & codes), None
    )
    if HIPAA in codes:
        return _with_state_extras(shipped[HIPAA], state) if state else shipped[HIPAA]
    return state or shipped[GENERAL]


def _with_state_extras(base: Template, state: Template) -> Template:
    """HIPAA's letter, with the state's own sections added before "For More Information."."""
    extras = tuple(s for s in state.sections if s.heading not in base.headings)
    sections = base.sections[:-1] + extras + base.sections[-1:]
    return replace(
        base,
        name=f"{base.name}+{state.name}",
        sections=sections,
        credit_bureaus=base.credit_bureaus or state.credit_bureaus,
        # HIPAA requires a description of what happened; a state's prohibition yields to it (preemption).
        omit=frozenset(o for o in state.omit if o != "what_happened"),
    )
