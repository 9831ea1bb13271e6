"""The one small interface every format reader implements, and the registry."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from exposure.model import Detections, Table, TextBlock

# A reader yields records (Table), text with positions (TextBlock), or, for formats whose structure
# names each person and role (X12 member loops, HL7 PID/NK1/GT1), ready-made Detections.
log = logging.getLogger("exposure")

Extracted = Iterator[Table | TextBlock | Detections]
ReadFunction = Callable[[Path], Extracted]


class ExtractError(Exception):
    """A file that cannot be read, with a plain-language reason (no file content in it)."""


@dataclass(frozen=True)
class ReadOptions:
    """What a reader may need beyond the bytes: set by the worker for the file being read."""

    display_path: str = ""  # the file's path as files.csv shows it (a.zip!b.csv)
    source_path: str = ""  # the original file on disk for top-level inputs ('' for archive members)
    passwords: tuple[str, ...] = ()  # from --passwords FILE, tried on protected files
    settings: tuple[tuple[str, str], ...] = ()  # format-specific case settings (e.g. copybook mapping)


_OPTIONS = ReadOptions()


def set_read_options(options: ReadOptions) -> None:
    global _OPTIONS
    _OPTIONS = options


def read_options() -> ReadOptions:
    """Options of the file being read in this process (readers call this; the worker sets it)."""
    return _OPTIONS


_NOTES: list[str] = []


def report_note(reason: str) -> None:
    """A reader's remark on a file it did read, for a reviewer (e.g. ``needs copybook: read as text``)."""
    if reason not in _NOTES:
        _NOTES.append(reason)


def take_notes() -> list[str]:
    """The remarks made since the last call (the worker asks once per file)."""
    notes = list(_NOTES)
    _NOTES.clear()
    return notes


@dataclass(frozen=True)
class Reader:
    name: str
    types: tuple[str, ...]
    read: ReadFunction


_REGISTRY: dict[str, Reader] = {}
_LOADED = False


def reader(*types: str) -> Callable[[ReadFunction], ReadFunction]:
    """Register a function ``read(path) -> Iterator[Table | TextBlock | Detections]`` for inventory types."""

    def register(func: ReadFunction) -> ReadFunction:
        entry = Reader(name=func.__module__.removeprefix("exposure.extract."), types=types, read=func)
        for type_name in types:
            _REGISTRY[type_name] = entry
        return func

    return register


def _load_all() -> None:
    """Import every module of this package so their ``@reader`` registrations run."""
    global _LOADED
    if _LOADED:
        return
    package = importlib.import_module("exposure.extract")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name == "base":
            continue
        try:
            importlib.import_module(f"exposure.extract.{info.name}")
        except ImportError as exc:
            # One format's missing dependency must not stop every other format from being read.
            log.error("reader module %s could not be loaded: %s", info.name, exc)
    _LOADED = True


def reader_for(type_name: str) -> Reader | None:
    _load_all()
    return _REGISTRY.get(type_name)


def readers() -> dict[str, Reader]:
    _load_all()
    return dict(_REGISTRY)
