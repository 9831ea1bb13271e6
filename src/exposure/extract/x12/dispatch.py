"""Which parser reads a transaction: by ST01, whatever version GS08 or ISA12 claim.

Versions are only labels here: 4010 and 5010 share the loops this reader relies on, and
files whose ISA12 and GS08 disagree (common after partial upgrades) are read all the same.
"""

from __future__ import annotations

from exposure.extract.x12.generic import GenericTransaction
from exposure.extract.x12.loops import PersonSink, Transaction, TransactionContext
from exposure.extract.x12.t270_271 import Transaction270
from exposure.extract.x12.t276_277 import Transaction276
from exposure.extract.x12.t834 import Transaction834
from exposure.extract.x12.t835 import Transaction835
from exposure.extract.x12.t837 import Transaction837

PARSERS: dict[str, type[Transaction]] = {
    "834": Transaction834,
    "837": Transaction837,
    "835": Transaction835,
    "270": Transaction270,
    "271": Transaction270,
    "276": Transaction276,
    "277": Transaction276,
}

# Implementation guides by the version string's suffix (005010X222A1 -> X222), for the attribute
# readers of the case database see; 837 variants share one parser.
GUIDES = {
    "X222": "837P", "X098": "837P", "X223": "837I", "X096": "837I", "X224": "837D", "X097": "837D",
    "X220": "834", "X095": "834", "X221": "835", "X091": "835", "X279": "270/271", "X092": "270/271",
    "X212": "276/277", "X093": "276/277",
}  # fmt: skip


def guide_of(version: str) -> str:
    """``005010X222A1`` -> ``837P``; "" when the version names no guide this reader knows."""
    position = version.find("X")
    return GUIDES.get(version[position : position + 4], "") if position >= 0 else ""


def parser_for(ctx: TransactionContext, sink: PersonSink) -> Transaction:
    return PARSERS.get(ctx.set_id, GenericTransaction)(ctx, sink)
