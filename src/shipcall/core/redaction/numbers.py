"""Numbers people write: card numbers, US social security numbers and phone numbers.

One pass finds *runs*: digit groups joined by the separators people paste (space, dash, dot,
slash, parentheses; the text is already normalised, so non-breaking spaces and every dash
character arrive as ` ` and `-`), with an optional leading `+`. Each run is then read as a card,
an SSN or a phone number from a bounded set of its group spans, so the work is linear in the
length of the text: a run of 2,000 digits costs a few thousand cheap checks, never a search.

Phone numbers (validity from libphonenumber's metadata, phonemeta.py):
- written with `+` or `00`: valid for its country code, or possible there and written with
  separators;
- written nationally with separators (`020 7946 0958`, `(415) 555-2671`): valid in one of the
  configured `phone_regions`;
- with a phone word shortly before it (context.py) — also bare digits and numbers written
  without their national prefix: valid in any region, or possible in a configured one;
- never: glued to an identifier (`ORD-2024-000123`), after an identifier word and no phone word
  ("order 4155552671"), shaped like a date, mostly single digits (an OID), or a decimal
  (`1.234.567,89`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from shipcall.core.redaction import context as ctx
from shipcall.core.redaction import phonemeta
from shipcall.core.redaction.cards import is_card
from shipcall.core.redaction.spans import SpanIndex

RUN = re.compile(r"\+?\(?\d(?:[ .\-/()]{0,3}+\d)*+")
_GROUP = re.compile(r"\d+")
_DATE = re.compile(r"(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./](?:\d{4}|\d{2}))")
_IPV4_SHAPE = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_GLUE_BEFORE = set("-_/#\\@")
_GLUE_AFTER = set("-_/\\@")
ANY_REGION_BUDGET = 8  # any-region scans per text; beyond it, a number with a phone word is taken as one


class Group(NamedTuple):
    start: int
    end: int
    digits: str


def runs(text: str) -> list[list[Group]]:
    """Digit-group runs, split where a separator ends a sentence ("2019. 2020")."""
    out = []
    for m in RUN.finditer(text):
        groups: list[Group] = []
        for g in _GROUP.finditer(m.group()):
            s, e = m.start() + g.start(), m.start() + g.end()
            if groups:
                sep = text[groups[-1].end:s]
                if ". " in sep or " ." in sep or len(sep) > 3:
                    out.append(groups)
                    groups = []
            groups.append(Group(s, e, g.group()))
        if groups:
            out.append(groups)
    return out


def _span_start(text: str, g: Group) -> int:
    """The start of a span whose first group is `g`, with its `+` or `(`."""
    s = g.start
    while s > 0 and text[s - 1] in "(+" and s > g.start - 2:
        s -= 1
    return s


def _span_end(text: str, g: Group) -> int:
    e = g.end
    if e < len(text) and text[e] == ")" and "(" in text[max(0, g.start - 6):g.start]:
        e += 1
    return e


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _glued(text: str, start: int, end: int) -> bool:
    """Part of a longer identifier or a decimal: ORD-2024-000123, #123…, 1.234.567,89."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    after2 = text[end + 1] if end + 1 < len(text) else " "
    return (_ascii_alnum(before) or before in _GLUE_BEFORE or _ascii_alnum(after) or after in _GLUE_AFTER
            or (after in ".," and after2.isdigit()))


def _code_beside(text: str, start: int, end: int) -> bool:
    """The word just before or after (one space away) mixes letters and digits (`AA1`, `X9`): the
    number is a piece of a longer code."""
    before = text[:start].rstrip(" ")
    if len(before) == start - 1 and before.strip() and _is_code(before.rsplit(None, 1)[-1]):
        return True
    after = text[end:]
    return after.startswith(" ") and len(after) > 1 and not after[1].isspace() and _is_code(after[1:].split(None, 1)[0])


def _is_code(word: str) -> bool:
    return word.isascii() and word.isalnum() and any(c.isdigit() for c in word) and any(c.isalpha() for c in word)


def _separators(text: str, groups: list[Group]) -> set[str]:
    return {text[a.end:b.start] for a, b in zip(groups, groups[1:], strict=False)}


# -- cards -----------------------------------------------------------------------------------------
def find_cards(text: str, all_runs: list[list[Group]]) -> list[tuple[int, int]]:
    """Card numbers: one group of 12-19 digits, or groups starting with four digits joined by one
    kind of separator; Luhn and a card network (cards.py)."""
    out = []
    for groups in all_runs:
        n = len(groups)
        seps = [text[a.end:b.start] for a, b in zip(groups, groups[1:], strict=False)]
        i = 0
        while i < n:
            found = None
            if len(groups[i].digits) == 4 or 12 <= len(groups[i].digits) <= 19:
                digits, sep = groups[i].digits, None
                for j in range(i, n):
                    if j > i:
                        if sep is None:
                            sep = seps[j - 1]
                        elif seps[j - 1] != sep:
                            break  # one kind of separator in a card number
                        digits += groups[j].digits
                    if len(digits) > 19:
                        break
                    if len(digits) >= 12 and is_card(digits) and not _continued(seps, i, j, sep):
                        found = j  # the longest valid one from this group
            if found is not None:
                s, e = groups[i].start, groups[found].end
                if not _glued(text, s, e):
                    out.append((s, e))
                    i = found + 1
                    continue
            i += 1
    return out


def _continued(seps: list[str], i: int, j: int, sep: str | None) -> bool:
    """Groups i..j are part of a longer number written the same way (the same separator goes on
    before or after): "1234 5678 9012 3456" holds no card "5678 9012 3456"."""
    inner = sep if sep is not None else " "
    return (i > 0 and seps[i - 1] == inner) or (j < len(seps) and seps[j] == inner)


# -- SSNs ------------------------------------------------------------------------------------------
def find_ssns(text: str, all_runs: list[list[Group]], cues: ctx.Cues) -> list[tuple[int, int]]:
    """US social security numbers: 3-2-4 digits with one kind of separator (space, dash, dot), or
    nine bare digits after an SSN word; area/group/serial rules of python-stdnum. An identifier
    word just before it ("part no. 123-45-6789") and no SSN word after that makes it a part number."""
    from stdnum.us import ssn

    out = []
    for groups in all_runs:
        for i in range(len(groups)):
            g = groups[i]
            if len(g.digits) == 9 and len(groups) == 1:
                span, digits = (g.start, g.end), g.digits
                if cues.last(ctx.SSN, g.start) < 0:
                    continue
            elif (len(g.digits) == 3 and i + 2 < len(groups) and len(groups[i + 1].digits) == 2
                  and len(groups[i + 2].digits) == 4 and len(_separators(text, groups[i:i + 3])) == 1
                  and _separators(text, groups[i:i + 3]) <= {" ", "-", "."}):
                span, digits = (g.start, groups[i + 2].end), g.digits + groups[i + 1].digits + groups[i + 2].digits
            else:
                continue
            if _glued(text, *span) or not ssn.is_valid(digits):
                continue
            if cues.last(ctx.ID, span[0], 16) > cues.last(ctx.SSN, span[0]):
                continue
            out.append(span)
    return out


# -- phones ----------------------------------------------------------------------------------------
class PhoneFinder:
    def __init__(self, regions: list[str]) -> None:
        """`regions`: the configured ones, and every region sharing a country code with one of them
        (US brings Canada and the rest of the NANP, GB the Crown Dependencies): one numbering plan."""
        chosen = [r for r in (phonemeta.rules(x) for x in regions) if r is not None]
        codes = list(dict.fromkeys(r.country_code for r in chosen))
        self.regions = tuple(dict.fromkeys([*chosen, *(r for c in codes for r in phonemeta.regions_for_code(c))]))

    def find(self, text: str, all_runs: list[list[Group]], taken: list[tuple[int, int]],
             cues: ctx.Cues) -> list[tuple[int, int]]:
        budget = [ANY_REGION_BUDGET]
        seen = SpanIndex(taken)
        out = []
        for groups in all_runs:
            n = len(groups)
            spans = [(0, n - 1), (0, n - 2), (1, n - 1), (1, n - 2)] if n > 1 else [(0, 0)]
            for a, b in spans:
                if b < a or (a > 0 and text[groups[0].end:groups[1].start] != " ") or (
                        b < n - 1 and text[groups[b].end:groups[b + 1].start] != " "):
                    continue  # a number is cut out of a longer run only where a space separates them
                start, end = _span_start(text, groups[a]), _span_end(text, groups[b])
                if seen.overlaps(start, end):
                    continue
                if self._is_phone(text, groups[a:b + 1], start, end, budget, cues):
                    out.append((start, end))
                    break
        return out

    def _is_phone(self, text: str, groups: list[Group], start: int, end: int, budget: list[int],
                  cues: ctx.Cues) -> bool:
        digits = "".join(g.digits for g in groups)
        raw = text[start:end]
        if not 7 <= len(digits) <= 17 or _glued(text, start, end) or _DATE.fullmatch(raw.strip("()")):
            return False
        if _IPV4_SHAPE.fullmatch(raw):
            return False  # 172.016.254.001 is an address of another kind
        if _code_beside(text, start, end) or cues.last(ctx.VERSION, start, 16) >= 0:
            return False  # "UPS 1Z 999 AA1 01 2345 6784", "Chrome 120.0.6099.109"
        singles = sum(1 for g in groups if len(g.digits) == 1 and text[g.start - 1:g.end + 1] != "(0)")  # +44 (0)20
        if singles > 1 or (singles == 1 and len(groups) > 2 and len(groups[-1].digits) == 1):
            return False  # 1.3.6.1.4.1 (an OID), 1 2 3 4 5 6 7: no one writes a phone number so
        formatted = len(groups) > 1 or "(" in raw
        plus = raw.startswith("+") or raw.startswith("(+")
        if not plus and formatted and (digits.startswith("00") and not digits.startswith("000")):
            plus, digits = True, digits[2:]
        elif not plus and formatted and digits.startswith("011"):
            plus, digits = True, digits[3:]
        if plus:
            if not raw.lstrip("(").startswith("+") and cues.identifier(start) and not cues.phone(start):
                return False  # "Invoice no. 0044 2079 4609 58": a `+` is deliberate, a `00` may be an id
            valid, possible = phonemeta.international(digits)
            return valid or (possible and (formatted or cues.phone(start)))
        if len(digits) > 15:
            return False
        context = cues.phone(start)
        if not context and (not formatted or len(digits) < 8 or cues.identifier(start)):
            return False  # unannounced: a full national number (with area code), written with separators
        if phonemeta.national(digits, self.regions, as_written=context) is not None:
            return True
        if not context:
            return False
        if any(r.possible(f) for r in self.regions for f in r.national_forms(digits, as_written=True)):
            return True
        if budget[0] <= 0:
            return True  # a phone word, the length of a phone number, and no time left to look further
        budget[0] -= 1
        return phonemeta.national(digits, phonemeta.all_regions(), as_written=True) is not None
