"""Personal-data redaction: typed placeholders (`[EMAIL]`, `[PHONE]`, …) before anything is stored.
See redactor.py for the pipeline and each module for its rules."""

from shipcall.core.redaction.redactor import PRIORITY, Finding, Redaction, Redactor

__all__ = ["PRIORITY", "Finding", "Redaction", "Redactor"]
