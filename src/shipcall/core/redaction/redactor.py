"""The Redactor: typed placeholders (`[EMAIL]`, `[PHONE]`, …) in place of personal data.

Pipeline, linear in the length of the text (no pattern can backtrack without bound, no number
is looked up region by region per character):
1. normalise (normalize.py): NFKC, spaces, dashes, zero-width characters; offsets kept;
2. recognise, each kind in its module: e-mails (emails.py); IBANs and cards (cards.py); the
   digit runs once, read as cards, SSNs and phone numbers (numbers.py, phonemeta.py); IPs and UK
   National Insurance numbers (ids.py); dates of birth and names (people.py); street addresses
   and postcodes (addresses.py); the workspace's own `patterns`;
3. drop number findings inside look-alikes (lookalikes.py: UUIDs, MACs, hashes, OIDs, ISO
   timestamps, ISBN/EAN) and findings the `allow` list keeps;
4. resolve overlaps (the longer finding wins; on a tie, the earlier kind in PRIORITY) and map
   the spans back to the original text.

Pattern recognizers rather than a model: presidio's default analyzer needs a spaCy model that
cannot be installed offline, and its pattern recognizers are regular expressions like these
(without the validators and the context rules). Names and addresses are recognized only where
the text introduces them (people.py, addresses.py).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shipcall.core.redaction import addresses, cards, emails, ids, lookalikes, numbers, people
from shipcall.core.redaction.context import Cues
from shipcall.core.redaction.normalize import has_digit, normalize
from shipcall.core.redaction.spans import SpanIndex, choose
from shipcall.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Iterable

KINDS = ("email", "phone", "card", "iban", "ip", "ssn", "nino", "dob", "address", "name")
PHONE_REGIONS = ("US", "GB", "DE", "FR", "NL", "ES", "IT", "IE", "IN", "AU")
# When two findings overlap, the longer wins; on a tie, the earlier kind in this list.
PRIORITY = ["EMAIL", "IBAN", "CARD", "SSN", "NINO", "PHONE", "IP", "DOB", "ADDRESS", "NAME"]
NUMBER_KINDS = frozenset({"CARD", "SSN", "PHONE", "IP", "DOB"})


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    text: str


@dataclass
class Redaction:
    """Redacted text and how many of each kind were removed (for the legal narrative)."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)


class Redactor:
    """Find and replace personal data. Thread-safe: it holds only compiled patterns and caches."""

    def __init__(self, *, kinds: Iterable[str] = KINDS, phone_regions: Iterable[str] = PHONE_REGIONS,
                 patterns: Iterable[tuple[str, str]] = (), allow: Iterable[str] = (), enabled: bool = True) -> None:
        """`kinds`: built-in recognizers to apply; `phone_regions`: countries whose national formats
        count without a phone word; `patterns`: extra (name, regex) recognizers; `allow`: regexes
        whose matches are kept."""
        self.kinds = {k.upper() for k in kinds} if enabled else set()
        self.regions = [r.upper() for r in phone_regions]
        if "PHONE" in self.kinds:
            import phonenumbers

            unknown = [r for r in self.regions if r not in phonenumbers.SUPPORTED_REGIONS]
            if unknown:
                raise ConfigError(f"unknown phone region(s): {', '.join(unknown)}", field="redaction.phone_regions",
                                  hint="use ISO 3166 two-letter country codes, e.g. US, GB, DE")
        self.phones = numbers.PhoneFinder(self.regions)
        self.patterns = [(name, re.compile(rx)) for name, rx in patterns] if enabled else []
        self.allow = [re.compile(a) for a in allow]

    def warm_up(self) -> None:
        """Compile the phone metadata of every region now (half a second), not on a request."""
        from shipcall.core.redaction import phonemeta

        phonemeta.all_regions()
        self.redact("warm-up: +44 20 7946 0000, call 020 7946 0000, a@example.com, born 1 May 1990")

    def find(self, text: str) -> list[Finding]:
        """Non-overlapping findings, left to right, in the original text's offsets."""
        if not text or not (self.kinds or self.patterns):
            return []
        norm = normalize(text)
        t = norm.text
        cues = Cues(t)
        spans: list[tuple[str, int, int]] = []
        k = self.kinds

        def add(kind: str, found: list[tuple[int, int]]) -> None:
            spans.extend((kind, s, e) for s, e in found if e > s)

        if "EMAIL" in k:
            add("EMAIL", emails.find_emails(t))
        has_digits = has_digit(t)
        if has_digits:
            if "IBAN" in k:
                add("IBAN", cards.find_ibans(t))
            all_runs = numbers.runs(t)
            if "CARD" in k:
                seen = SpanIndex((s, e) for _, s, e in spans)
                add("CARD", [x for x in numbers.find_cards(t, all_runs) if not seen.overlaps(*x)])
            if "SSN" in k:
                seen = SpanIndex((s, e) for _, s, e in spans)
                add("SSN", [x for x in numbers.find_ssns(t, all_runs, cues) if not seen.overlaps(*x)])
            if "NINO" in k:
                add("NINO", ids.find_ninos(t, cues))
            if "PHONE" in k:
                add("PHONE", self.phones.find(t, all_runs, [(s, e) for _, s, e in spans], cues))
            if "IP" in k:
                add("IP", ids.find_ips(t, cues))
            if "DOB" in k:
                add("DOB", people.find_dobs(t, cues))
            if "ADDRESS" in k:
                add("ADDRESS", addresses.find_addresses(t, set(cues.words().lower().split())))
            guard = lookalikes.protected(t)
            if guard:
                index = SpanIndex(guard)
                spans = [x for x in spans if x[0] not in NUMBER_KINDS or not index.overlaps(x[1], x[2])]
        if "NAME" in k:
            add("NAME", people.find_names(t, cues))
        for name, rx in self.patterns:
            add(name, [(m.start(), m.end()) for m in rx.finditer(t)])
        found = []
        for kind, s, e in spans:
            os_, oe = norm.original(s, e)
            found.append(Finding(kind, os_, oe, text[os_:oe]))
        if self.allow:
            found = [f for f in found if not any(a.fullmatch(f.text) for a in self.allow)]
        return _resolve(found)

    def redact(self, text: str | None) -> Redaction:
        if not text:
            return Redaction(text or "")
        findings = self.find(text)
        if not findings:
            return Redaction(text)
        out, pos = [], 0
        for f in findings:
            out.append(text[pos:f.start])
            out.append(f"[{f.kind}]")
            pos = f.end
        out.append(text[pos:])
        return Redaction("".join(out), dict(Counter(f.kind for f in findings)))


def _resolve(found: list[Finding]) -> list[Finding]:
    rank = {k: i for i, k in enumerate(PRIORITY)}
    keep = choose([(f.start, f.end, rank.get(f.kind, -1), i) for i, f in enumerate(found)])
    return [found[i] for i in keep]
