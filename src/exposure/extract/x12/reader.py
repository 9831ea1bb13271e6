"""Drive one X12 file: envelopes (ISA/GS/ST), a parser per transaction, Detections in batches.

Every mention carries the interchange and group ids as attributes, so a case's owner
rule ``x12_ids`` can tell whose data the file is: ``x12_sender`` / ``x12_receiver``
(ISA06 / ISA08) and ``x12_gs_sender`` / ``x12_gs_receiver`` (GS02 / GS03), stripped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from exposure.extract.x12.dispatch import guide_of, parser_for
from exposure.extract.x12.loops import PersonSink, Transaction, TransactionContext, element
from exposure.extract.x12.tokenizer import X12Tokenizer
from exposure.model import Detections

BATCH_MENTIONS = 1000  # mentions per yielded Detections: bounded memory on files of any size


class _Envelope:
    """The ids of the current interchange and functional group."""

    def __init__(self) -> None:
        self.interchange: dict[str, str] = {}
        self.group: dict[str, str] = {}
        self.group_version = ""
        self.transactions = 0

    def start_interchange(self, isa: list[str]) -> None:
        self.interchange = {"x12_sender": element(isa, 6), "x12_receiver": element(isa, 8)}
        self.group, self.group_version = {}, ""

    def start_group(self, gs: list[str]) -> None:
        self.group = {"x12_gs_sender": element(gs, 2), "x12_gs_receiver": element(gs, 3)}
        self.group_version = element(gs, 8)

    def context(self, st: list[str], component: str, repetition: str) -> TransactionContext:
        self.transactions += 1
        set_id = element(st, 1)
        version = element(st, 3) or self.group_version
        shared = {k: v for k, v in {**self.interchange, **self.group}.items() if v}
        shared["x12_set"] = set_id
        if version:
            shared["x12_version"] = version
        if guide_of(version):
            shared["x12_guide"] = guide_of(version)
        return TransactionContext(set_id, version, self.transactions, component, repetition, shared)


def read_x12(stream: BinaryIO, keep_fixtures: bool = False) -> Iterator[Detections]:
    """People of every transaction of the stream, as Detections of at most ~BATCH_MENTIONS mentions."""
    tokenizer = X12Tokenizer(stream)
    envelope = _Envelope()
    sink = PersonSink(keep_fixtures)
    parser: Transaction | None = None
    for index, segment_id, elements in tokenizer:
        if segment_id in ("ISA", "GS", "ST", "SE", "GE", "IEA"):
            if parser is not None:
                parser.end()  # at SE, or at an envelope segment where a damaged file lost its SE
                parser = None
            if segment_id == "ISA":
                envelope.start_interchange(elements)
            elif segment_id == "GS":
                envelope.start_group(elements)
            elif segment_id == "ST":
                delimiters = tokenizer.delimiters
                assert delimiters is not None
                ctx = envelope.context(elements, delimiters.component, delimiters.repetition)
                parser = parser_for(ctx, sink)
        elif parser is not None and segment_id:
            parser.segment(index, segment_id, elements)
        if len(sink.detections.mentions) >= BATCH_MENTIONS:
            yield sink.drain()
    if parser is not None:
        parser.end()  # a file cut short after its last ST
    rest = sink.drain()
    if rest.mentions or rest.elements:
        yield rest
