"""Redaction lives in the core (shipcall.core.redaction); this name stays for existing imports."""

from shipcall.core.redaction import PRIORITY, Finding, Redaction, Redactor

__all__ = ["PRIORITY", "Finding", "Redaction", "Redactor"]
