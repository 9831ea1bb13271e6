"""exposure: from a copy of breached data to the people who must be notified."""

__version__ = "0.1.0"
