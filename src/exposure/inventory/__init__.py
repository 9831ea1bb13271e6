"""Inventory: every input file and archive member, hashed, typed by content and given a status."""

from exposure.inventory.sniff import detect_type
from exposure.inventory.walk import FileEntry, inventory

__all__ = ["FileEntry", "detect_type", "inventory"]
