"""The element catalog: one small declarative definition per element family.

Each family module (``ssn.py``, ``dob.py`` ...) exposes ``FAMILY``, an
:class:`ElementFamily`: the element codes it feeds, the legal category they
belong to, how a value is masked for display, and

* :class:`FieldSpec` - a kind of column it recognises in records (header
  synonyms, a value shape checked in Polars, a normaliser that calls the
  validating library and returns ``""`` for invalid values), and
* :class:`TextPattern` - a pattern for free text (a Hyperscan expression that
  finds candidates, a Python confirmation at the candidate, context words,
  a normaliser).

``columns.py`` and ``text.py`` only iterate :data:`REGISTRY`, which finds every
module of this package that defines ``FAMILY``: adding an element type means
adding one module here (and its tests), nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from exposure.masking import mask_value

Normaliser = Callable[[str], str]
PolarsNormaliser = Callable[[pl.Expr], pl.Expr]


@dataclass(frozen=True)
class FieldSpec:
    """One kind of record column, filling one field of a :class:`~exposure.model.Mention`."""

    field: str  # Mention attribute it fills: "ssn", "first_name", "ssn_last4" ...
    element: str  # element code it exposes, "" for linking hints (masked SSN) and name/address parts
    headers: frozenset[str]  # normalised header synonyms (see columns.normalise_header)
    # How values are checked, in one of two ways (columns.normalise_series applies either):
    # ``normalise`` maps one value to its normalised form ("" when invalid, calling the validating library),
    # tried only on the distinct values that match ``shape`` (a regex checked in Polars);
    # or ``polars_normalise`` turns the whole column into normalised values or nulls.
    normalise: Normaliser | None = None
    shape: str = ""
    polars_normalise: PolarsNormaliser | None = None
    header_tokens: frozenset[str] = frozenset()  # any of these tokens in a header also makes a candidate
    min_valid_share: float = 0.6  # share of sampled non-empty values that must be valid
    headerless_shape: str = ""  # when set, values alone may classify a column (high-precision shapes only)
    headerless_share: float = 0.8
    parts: Callable[[str], dict[str, str]] | None = None  # split one value into several Mention fields
    classify_check: Normaliser | None = None  # a slower library check used on the classification sample only
    priority: int = 100  # lower wins when one header has several candidates (tried in this order)
    # The element counts only when the same person of the row also has one of these Mention fields or
    # element codes (a password column is a credential only beside a user name or e-mail).
    requires_any: tuple[str, ...] = ()


@dataclass(frozen=True)
class TextPattern:
    """A pattern for free text. Hyperscan finds candidates; Python confirms and normalises them."""

    name: str  # detector name, e.g. "ssn.dashed"
    kind: str  # element code, or a hint kind ("ssn_last4", "person")
    scan: str  # Hyperscan expression (no look-arounds; SOM_LEFTMOST gives the candidate start)
    confirm: re.Pattern[str]  # matched at the candidate start on the original text: exact span and boundaries
    normalise: Normaliser = str
    # Context words near the candidate. With ``context_required`` (the default) a candidate without them
    # is dropped (nine bare digits need an SSN label); otherwise they only raise its confidence to
    # ``context_confidence`` (a card number is a card number, more surely so beside "Visa").
    context: re.Pattern[str] | None = None
    context_before: int = 40
    context_after: int = 0
    context_required: bool = True
    context_confidence: float = 0.0
    # Words near the candidate that say it is something else ("order", "invoice", "tracking", "NPI"):
    # the candidate is dropped.
    negative_context: re.Pattern[str] | None = None
    negative_before: int = 30
    negative_after: int = 0
    confidence: float = 0.9
    caseless: bool = False
    accept: Callable[[re.Match[str]], bool] | None = None  # extra check on the confirmed match (Presidio's
    # validate_result): e.g. a "Name:" label that belongs to a provider is not a person
    extras: Callable[[re.Match[str]], dict[str, str]] | None = None  # more facts, e.g. {"role": "patient"}


# Legal categories: how notification laws group elements (the law rules speak in element codes;
# reports and letters group by these).
IDENTITY = "identity"  # name, date of birth
CONTACT = "contact"  # address, phone, e-mail
GOVERNMENT_ID = "government_id"  # SSN, ITIN, driver's license, passport
FINANCIAL = "financial"  # account and card numbers
HEALTH = "health"  # health insurance ids, medical record numbers, medical information
BIOMETRIC = "biometric"
CREDENTIALS = "credentials"


@dataclass(frozen=True)
class ElementFamily:
    name: str
    fields: tuple[FieldSpec, ...] = ()
    text_patterns: tuple[TextPattern, ...] = ()
    codes: tuple[str, ...] = ()  # element codes this family detects (CONTRACT.md), "" hints excluded
    legal_category: str = ""
    masker: Callable[[str, str], str] = mask_value  # (code, value) -> display form for reports and logs


def context_words(*words: str) -> re.Pattern[str]:
    """A case-insensitive regex matching any of ``words`` as whole words."""
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    return re.compile(rf"(?<![A-Za-z])(?:{alternatives})(?![A-Za-z])", re.IGNORECASE)


def synonyms(*names: str) -> frozenset[str]:
    return frozenset(names)


@dataclass
class _Registry:
    families: list[ElementFamily] = field(default_factory=list)

    def fields(self) -> list[FieldSpec]:
        return sorted((f for fam in self.families for f in fam.fields), key=lambda f: f.priority)

    def text_patterns(self) -> list[TextPattern]:
        return [p for fam in self.families for p in fam.text_patterns]

    def family_of(self, code: str) -> ElementFamily | None:
        """The family that detects element ``code``."""
        return next((fam for fam in self.families if code in fam.codes), None)


def _load() -> _Registry:
    """Every module of this package that defines ``FAMILY``, in module-name order."""
    families = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        # Imported here so that each family module can import the dataclasses above.
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        family = getattr(module, "FAMILY", None)
        if isinstance(family, ElementFamily):
            families.append(family)
    return _Registry(families)


REGISTRY = _load()
