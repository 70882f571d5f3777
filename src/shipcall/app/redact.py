"""The workspace's redactor: the core's recognizers (shipcall.core.redaction) configured from
`redaction:` in shipcall.yaml."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipcall.core.redaction import PRIORITY, Finding, Redaction
from shipcall.core.redaction import Redactor as _Recognizers

if TYPE_CHECKING:
    from shipcall.config.schema import RedactionConfig

__all__ = ["PRIORITY", "Finding", "Redaction", "Redactor"]


class Redactor(_Recognizers):
    def __init__(self, config: RedactionConfig | None = None) -> None:
        from shipcall.config.schema import RedactionConfig

        self.config = config or RedactionConfig()
        c = self.config
        super().__init__(kinds=c.kinds, phone_regions=c.phone_regions, allow=c.allow, enabled=c.enabled,
                         patterns=[(p.name, p.pattern) for p in c.patterns])
