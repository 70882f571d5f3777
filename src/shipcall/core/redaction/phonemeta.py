"""Phone number validity from libphonenumber's metadata (the `phonenumbers` package), fast.

`phonenumbers.is_valid_number` costs 40-60 µs a call (and `parse` as much again): run on every
digit group of a hostile 4,000-character question, for every configured region, it cost the
server a second of CPU per request (security review D5). Here the same metadata — each region's
general pattern, its number-type patterns (fixed line, mobile, toll free, ...), their possible
lengths, its national prefix and the rules for stripping it — is compiled once per region into
a few Python regular expressions, and a number is valid for a region when it matches the general
description and one of the type descriptions, as in libphonenumber's `getNumberType` (tests
check the agreement with `phonenumbers.is_valid_number`). A check costs about a microsecond per
region, so numbers can be tried against every region (`REGIONS_BY_LENGTH`) when the context says
"phone".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail",
         "fixed_line", "mobile")


@dataclass(frozen=True)
class RegionRules:
    region: str
    country_code: int
    national_prefix: str | None
    prefix_for_parsing: re.Pattern[str] | None
    transform: str | None
    lengths: frozenset[int]  # possible lengths of a national significant number
    general: re.Pattern[str]
    types: tuple[tuple[frozenset[int], re.Pattern[str]], ...]

    def valid(self, nsn: str) -> bool:
        """A valid national significant number of this region (libphonenumber's rules)."""
        n = len(nsn)
        if n not in self.lengths or not self.general.fullmatch(nsn):
            return False
        return any((not lengths or n in lengths) and rx.fullmatch(nsn) for lengths, rx in self.types)

    def possible(self, nsn: str) -> bool:
        return len(nsn) in self.lengths

    def national_forms(self, digits: str, *, as_written: bool) -> list[str]:
        """National significant numbers that `digits`, written nationally, may stand for: with
        the national prefix removed (and transformed, as libphonenumber does), and — when
        `as_written` — the digits themselves (regions without a national prefix, the NANP whose
        `1` is usually left out, or a number a phone word introduces)."""
        out = []
        if self.prefix_for_parsing is not None:
            m = self.prefix_for_parsing.match(digits)
            if m and m.end() > 0:
                if self.transform and m.lastindex:
                    out.append(self.prefix_for_parsing.sub(self.transform, digits, count=1))
                out.append(digits[m.end():])
        elif self.national_prefix and digits.startswith(self.national_prefix):
            out.append(digits[len(self.national_prefix):])
        if as_written or not self.national_prefix or self.country_code == 1:  # NANP numbers go without their 1
            out.append(digits)
        return out


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@cache
def rules(region: str) -> RegionRules | None:
    from phonenumbers import PhoneMetadata

    md = PhoneMetadata.metadata_for_region(region)
    if md is None or md.general_desc is None or not md.general_desc.national_number_pattern:
        return None
    types = []
    for name in TYPES:
        desc = getattr(md, name, None)
        if desc is None or not desc.national_number_pattern:
            continue
        lengths = frozenset(x for x in (desc.possible_length or ()) if x > 0)
        if desc.possible_length and not lengths:  # (-1,): the type does not exist there
            continue
        types.append((lengths, _compile(desc.national_number_pattern)))
    npfp = md.national_prefix_for_parsing
    transform = md.national_prefix_transform_rule
    return RegionRules(
        region=region, country_code=md.country_code or 0, national_prefix=md.national_prefix or None,
        prefix_for_parsing=re.compile(npfp) if npfp else None,
        transform=transform.replace("$", "\\") if transform else None,
        lengths=frozenset(x for x in md.general_desc.possible_length if x > 0), general=_compile(
            md.general_desc.national_number_pattern), types=tuple(types))


@cache
def regions_for_code(country_code: int) -> tuple[RegionRules, ...]:
    import phonenumbers

    return tuple(r for r in (rules(x) for x in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()))
                 if r is not None)


@cache
def all_regions() -> tuple[RegionRules, ...]:
    import phonenumbers

    return tuple(r for r in (rules(x) for x in sorted(phonenumbers.SUPPORTED_REGIONS)) if r is not None)


def international(digits: str) -> tuple[bool, bool]:
    """(valid, possible) for digits written after `+` (country code first)."""
    possible = False
    for k in (1, 2, 3):
        if len(digits) <= k:
            break
        cc = int(digits[:k])
        regions = regions_for_code(cc)
        if not regions:
            continue
        nsn = digits[k:]
        for r in regions:
            forms = [nsn]
            if r.national_prefix and nsn.startswith(r.national_prefix):  # +44 (0)20 … written with the trunk 0
                forms.append(nsn[len(r.national_prefix):])
            for f in forms:
                if r.valid(f):
                    return True, True
                possible = possible or r.possible(f)
        return False, possible  # the first country code that exists decides (codes are prefix-free)
    return False, possible


def national(digits: str, regions: tuple[RegionRules, ...], *, as_written: bool) -> str | None:
    """The first region for which `digits`, written nationally, is a valid number, or None."""
    n = len(digits)
    near = {n, n - 1, n - 2, n - 3}  # a national prefix is at most a few digits
    for r in regions:
        if r.lengths.isdisjoint(near):
            continue
        for nsn in r.national_forms(digits, as_written=as_written):
            if r.valid(nsn):
                return r.region
    return None
