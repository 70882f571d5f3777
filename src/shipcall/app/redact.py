"""Personal-data redaction: typed placeholders (`[EMAIL]`, `[PHONE]`, …) before anything is stored.

Pattern-based recognizers, each a candidate pattern plus a validator, because presidio's
default analyzer needs a spaCy language model that cannot be installed here, and its
pattern recognizers are regexes much like these (without the validators we want):

- `EMAIL`: `local@domain.tld`, also `x [at] y [dot] z`; the top-level domain must be letters.
- `PHONE`: international (`+44 20 …`, `0044 …`) and national formats of `phone_regions`,
  validated by `phonenumbers` (libphonenumber's metadata: a *valid* number for its country,
  not a digit count).
- `CARD`: 13–19 digits with spaces or dashes; Luhn checksum (`stdnum.luhn`) and a card-network
  prefix and length.
- `IBAN`: two letters, two check digits, groups; `stdnum.iban` (mod 97, the country's format).
- `IP`: IPv4 dotted quads and IPv6, parsed by Python's `ipaddress`; loopback, unspecified,
  multicast and netmasks are no one's address.
- `SSN`: US social security numbers `123-45-6789`, `stdnum.us.ssn` (area/group/serial rules).

Why the two libraries: phone numbers are where hand-written patterns fail both ways (national
formats differ per country; a bare digit count flags order ids and misses `(0)20` forms), and
`phonenumbers` is the maintained Python port of the library Android uses, with a text matcher
that already skips dates and timestamps. `python-stdnum` carries the per-country IBAN formats
and the Luhn and SSN rules, so none of those are re-implemented here.

Precision rules on top of the validators (look-alikes that must survive):
- a match glued to an identifier (`ORD-2024-000123`, `#…`, `/…`) is not personal data;
- a phone number written as bare digits (`4155552671`), or any phone number not written with a
  leading `+` right after a word like "order", "invoice", "ticket" or "ref", is left alone
  unless a word like "call", "phone" or "mobile" comes just before it;
- an IPv4-shaped number after "v", "version", "release", "build" or "section", or one of four
  single digits (`1.2.3.4`), is a version;
- a phone match shaped like a date (`01.01.2025`) is a date.
Recall rule: a `+` number that libphonenumber does not call valid (a new or reserved range)
is still a phone number when it parses as a *possible* one.

Extensible in shipcall.yaml (`redaction:`): `kinds` to switch built-ins on or off,
`phone_regions`, `patterns` (extra `{name, pattern}` recognizers: `[NAME]` placeholders) and
`allow` (regexes whose matches are kept, e.g. the public support address). Names and postal
addresses are not recognized: that needs a language model; add patterns for your own ids.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shipcall.errors import ConfigError

if TYPE_CHECKING:
    from shipcall.config.schema import RedactionConfig

# When two findings overlap, the longer wins; on a tie, the earlier kind in this list.
PRIORITY = ["EMAIL", "IBAN", "CARD", "SSN", "PHONE", "IP"]

_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w](?:[\w.%+'-]{0,62}[\w%+-])?"
    r"(?:@|\s*[\[(\{]\s*at\s*[\])\}]\s*)"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.|\s*[\[(\{]\s*dot\s*[\])\}]\s*))+"
    r"[A-Za-z]{2,24}(?![\w-])",
    re.IGNORECASE,
)
_CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-]|[.,]\d)")
_IBAN_START = re.compile(r"(?<![\w-])[A-Za-z]{2}\d{2}(?=[ -]?[A-Za-z0-9])")
_IBAN_GROUP = re.compile(r"[ -]?[A-Za-z0-9]{1,4}")
_SSN = re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])")
_IPV4 = re.compile(r"(?<![\w.-])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d|-)")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|:)?(?:%\w+)?(?![\w:])")

_PHONE_CONTEXT = re.compile(
    r"\b(call|phone|tel|telephone|mobile|mob|cell|cellphone|ring|text|sms|whatsapp|signal|fax|dial|reach|contact|"
    r"landline|handy|telefon|téléphone|portable|móvil|cellulare)\b[\s.:#\-]*(?:me\s+)?(?:on|at)?\W*$",
    re.IGNORECASE,
)
_ID_CONTEXT = re.compile(
    r"\b(order|invoice|ticket|ref|reference|id|account|acct|case|tracking|po|sku|serial|build|batch|lot|"
    r"isbn|issn|part|item|confirmation|booking|shipment|parcel|transaction|txn|receipt)\b\W{0,3}(?:no|nr|number|#)?"
    r"\W{0,3}$",
    re.IGNORECASE,
)
_VERSION_CONTEXT = re.compile(r"(?:\b(v|ver|version|release|build|rev|revision|section|clause|chapter|§)\W{0,2}|"
                              r"\bv)$", re.IGNORECASE)
_DATE = re.compile(r"\d{1,4}([./-])\d{1,2}\1\d{1,4}")
_GLUE_BEFORE = set("-_/#\\")
_GLUE_AFTER = set("-_/\\")

# Card-network prefixes (first digits) and the lengths they issue.
_CARD_NETWORKS: list[tuple[tuple[int, int], tuple[int, ...]]] = [
    ((4, 4), (13, 16, 19)),                              # Visa
    ((51, 55), (16,)), ((2221, 2720), (16,)),            # Mastercard
    ((34, 34), (15,)), ((37, 37), (15,)),                # American Express
    ((6011, 6011), (16, 17, 18, 19)), ((644, 649), (16, 17, 18, 19)), ((65, 65), (16, 17, 18, 19)),  # Discover
    ((3528, 3589), (16, 17, 18, 19)),                    # JCB
    ((300, 305), (14, 15, 16, 17, 18, 19)), ((36, 36), (14, 15, 16, 17, 18, 19)),
    ((38, 39), (16, 17, 18, 19)),                        # Diners Club
    ((62, 62), (16, 17, 18, 19)),                        # UnionPay
    ((50, 50), (12, 13, 14, 15, 16, 17, 18, 19)), ((56, 69), (12, 13, 14, 15, 16, 17, 18, 19)),  # Maestro
]


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
    """Find and replace personal data. Thread-safe: it holds only compiled patterns."""

    def __init__(self, config: RedactionConfig | None = None) -> None:
        from shipcall.config.schema import RedactionConfig

        self.config = config or RedactionConfig()
        self.kinds = {k.upper() for k in self.config.kinds} if self.config.enabled else set()
        self.regions = [r.upper() for r in self.config.phone_regions]
        if "PHONE" in self.kinds:
            import phonenumbers

            unknown = [r for r in self.regions if r not in phonenumbers.SUPPORTED_REGIONS]
            if unknown:
                raise ConfigError(f"unknown phone region(s): {', '.join(unknown)}", field="redaction.phone_regions",
                                  hint="use ISO 3166 two-letter country codes, e.g. US, GB, DE")
        self.patterns = [(p.name, re.compile(p.pattern)) for p in self.config.patterns] if self.config.enabled else []
        self.allow = [re.compile(a) for a in self.config.allow]

    def find(self, text: str) -> list[Finding]:
        """Non-overlapping findings, left to right."""
        if not text or not (self.kinds or self.patterns):
            return []
        found: list[Finding] = []
        if "EMAIL" in self.kinds and ("@" in text or "at" in text.lower()):
            found += [Finding("EMAIL", m.start(), m.end(), m.group()) for m in _EMAIL.finditer(text)]
        digits = sum(c.isdigit() for c in text)
        if digits >= 7:
            if "IBAN" in self.kinds:
                found += _find_ibans(text)
            if "CARD" in self.kinds:
                found += _find_cards(text)
            if "SSN" in self.kinds:
                found += _find_ssns(text)
            if "PHONE" in self.kinds:
                masked = text
                for f in found:  # what is already an IBAN, card or e-mail is no phone number: skip it
                    masked = masked[:f.start] + " " * (f.end - f.start) + masked[f.end:]
                if sum(c.isdigit() for c in masked) >= 7:
                    found += _find_phones(masked, self.regions)
        if "IP" in self.kinds and ("." in text or ":" in text):
            found += _find_ips(text)
        for name, rx in self.patterns:
            found += [Finding(name, m.start(), m.end(), m.group()) for m in rx.finditer(text) if m.end() > m.start()]
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
    found.sort(key=lambda f: (-(f.end - f.start), rank.get(f.kind, -1), f.start))
    taken: list[Finding] = []
    for f in found:
        if all(f.end <= t.start or f.start >= t.end for t in taken):
            taken.append(f)
    return sorted(taken, key=lambda f: f.start)


def _glued(text: str, start: int, end: int) -> bool:
    """Part of a longer identifier (ORD-2024-000123, #123…, path/123…)."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return before.isalnum() or before in _GLUE_BEFORE or after.isalnum() or after in _GLUE_AFTER


def _luhn_ok(number: str) -> bool:
    from stdnum import luhn

    return luhn.is_valid(number)


def _card_network_ok(number: str) -> bool:
    n = len(number)
    for (lo, hi), lengths in _CARD_NETWORKS:
        width = len(str(lo))
        if n in lengths and lo <= int(number[:width]) <= hi:
            return True
    return False


def _find_cards(text: str) -> list[Finding]:
    out = []
    for m in _CARD.finditer(text):
        raw = m.group()
        number = re.sub(r"[ -]", "", raw)
        seps = set(re.findall(r"[ -]", raw))
        if len(seps) > 1:  # mixed separators: not how a card number is written
            continue
        if _card_network_ok(number) and _luhn_ok(number):
            out.append(Finding("CARD", m.start(), m.end(), raw))
    return out


def _find_ibans(text: str) -> list[Finding]:
    from stdnum import iban

    out = []
    for m in _IBAN_START.finditer(text):
        ends = []
        pos = m.end()
        while True:
            g = _IBAN_GROUP.match(text, pos)
            if not g or len(re.sub(r"[ -]", "", text[m.start():g.end()])) > 34:
                break
            pos = g.end()
            ends.append(pos)
        for end in reversed(ends):  # longest first; stop at the first valid IBAN
            if end < len(text) and text[end].isalnum():
                continue
            raw = text[m.start():end]
            compact = re.sub(r"[ -]", "", raw).upper()
            # check_country=False: the mod-97 check and the country's BBAN format, not the national
            # check digits inside the BBAN (an IBAN with a wrong national check is still an account).
            if len(compact) >= 15 and iban.is_valid(compact, check_country=False):
                out.append(Finding("IBAN", m.start(), end, raw))
                break
    return out


def _find_ssns(text: str) -> list[Finding]:
    from stdnum.us import ssn

    return [Finding("SSN", m.start(), m.end(), m.group()) for m in _SSN.finditer(text)
            if ssn.is_valid(m.group()) and not _ID_CONTEXT.search(text[max(0, m.start() - 30):m.start()])]


def _find_phones(text: str, regions: list[str]) -> list[Finding]:
    import phonenumbers
    from phonenumbers import Leniency, PhoneNumberMatcher

    spans: dict[tuple[int, int], str] = {}
    rest = text
    for region in regions or ["ZZ"]:
        for m in PhoneNumberMatcher(rest, region, leniency=Leniency.VALID):
            spans.setdefault((m.start, m.end), m.raw_string)
        # The next region needs to look only at what no region matched yet (same offsets);
        # once fewer than 7 digits remain there is no phone number left to find.
        for s, e in spans:
            rest = rest[:s] + " " * (e - s) + rest[e:]
        if sum(c.isdigit() for c in rest) < 7:
            break
    out = []
    for (start, end), raw in spans.items():
        if _glued(text, start, end):
            continue
        before = text[max(0, start - 30):start]
        if _DATE.fullmatch(raw):
            continue
        international = raw.lstrip("(").startswith("+")
        bare = raw.isdigit()
        context = bool(_PHONE_CONTEXT.search(before))
        if bare and not context:
            continue
        if not international and not context and _ID_CONTEXT.search(before):
            continue
        out.append(Finding("PHONE", start, end, raw))
    # A "+" number the matcher leaves out as invalid for its country still looks like a phone number
    # when it is written like one; keep those that phonenumbers can at least parse as possible.
    for m in re.finditer(r"(?<![\w+])\+\d[\d ().-]{6,20}\d(?![\w])", text):
        if any(s <= m.start() < e for s, e in spans):
            continue
        try:
            num = phonenumbers.parse(m.group(), None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(num):
            out.append(Finding("PHONE", m.start(), m.end(), m.group()))
    return out


def _find_ips(text: str) -> list[Finding]:
    out = []
    for m in _IPV4.finditer(text):
        try:
            ip = ipaddress.IPv4Address(m.group())
        except ValueError:
            continue
        if ip.is_loopback or ip.is_unspecified or ip.is_multicast or m.group().startswith("255."):
            continue  # localhost, 0.0.0.0, netmasks: no one's address
        if all(len(part) == 1 for part in m.group().split(".")):
            continue  # 1.2.3.4-style: a version; the public resolvers (1.1.1.1, 8.8.8.8) are no one's either
        if _VERSION_CONTEXT.search(text[max(0, m.start() - 12):m.start()]):
            continue
        out.append(Finding("IP", m.start(), m.end(), m.group()))
    if ":" in text:
        for m in _IPV6.finditer(text):
            raw = m.group()
            if sum(c.isalnum() for c in raw) < 2:
                continue
            try:
                ipaddress.IPv6Address(raw)
            except ValueError:
                continue
            out.append(Finding("IP", m.start(), m.end(), raw))
    return out
