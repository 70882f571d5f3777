"""Payment card numbers and IBANs.

Card numbers: 12-19 digits, the Luhn checksum always, and an issuer identification number
(IIN) range of a card network with one of the lengths it issues. The table below is transcribed
from the "Payment card number" article of the English Wikipedia (the issuer table kept up to
date from the networks' own publications; revision of 2026), because no maintained Python
package carries it whole (python-stdnum has Luhn, not networks; the card-identifier packages on
PyPI cover a dozen Brazilian and US brands). Networks that closed years ago are kept: their
numbers still appear in old records.

IBANs: the country's length and BBAN format and the mod-97 check, all from python-stdnum's IBAN
registry.
"""

from __future__ import annotations

import re
from functools import cache

L16 = (16,)
L16_19 = (16, 17, 18, 19)
L12_19 = (12, 13, 14, 15, 16, 17, 18, 19)

# (first digits from, to) inclusive, lengths. Ranges are compared on as many leading digits as they have.
IIN_RANGES: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("34", "34", (15,)), ("37", "37", (15,)),                        # American Express
    ("31", "31", (19,)),                                             # China T-Union
    ("62", "62", L16_19),                                            # China UnionPay
    ("2014", "2014", (15,)), ("2149", "2149", (15,)),                # Diners Club enRoute
    ("36", "36", (14, 15, 16, 17, 18, 19)),                          # Diners Club International
    ("300", "305", (14, 15, 16, 17, 18, 19)), ("3095", "3095", (14, 15, 16, 17, 18, 19)),
    ("38", "39", (14, 15, 16, 17, 18, 19)),                          # Diners Club
    ("54", "55", L16),                                               # Diners Club US & Canada (Mastercard)
    ("6011", "6011", L16_19), ("644", "649", L16_19), ("65", "65", L16_19),   # Discover
    ("622126", "622925", L16_19),                                    # Discover co-branded UnionPay
    ("60400100", "60420099", L16_19),                                # UkrCard
    ("60", "60", L16), ("81", "82", L16), ("508", "508", L16), ("353", "353", L16), ("356", "356", L16),  # RuPay
    ("636", "636", L16_19),                                          # InterPayment
    ("637", "639", L16),                                             # InstaPayment
    ("3528", "3589", L16_19),                                        # JCB
    ("6304", "6304", L16_19), ("6706", "6706", L16_19), ("6771", "6771", L16_19), ("6709", "6709", L16_19),  # Laser
    ("5018", "5018", L12_19), ("5020", "5020", L12_19), ("5038", "5038", L12_19), ("5893", "5893", L12_19),
    ("6759", "6759", L12_19), ("6761", "6763", L12_19), ("676770", "676770", L12_19),
    ("676774", "676774", L12_19), ("50", "50", L12_19), ("56", "69", L12_19),  # Maestro
    ("5019", "5019", L16), ("4571", "4571", L16),                    # Dankort
    ("2200", "2204", L16_19),                                        # Mir
    ("2205", "2205", L16),                                           # BORICA
    ("6054740", "6054744", L16),                                     # NPS Pridnestrovie
    ("2221", "2720", L16), ("51", "55", L16),                        # Mastercard
    ("6334", "6334", (16, 18, 19)), ("6767", "6767", (16, 18, 19)),  # Solo
    ("4903", "4903", (16, 18, 19)), ("4905", "4905", (16, 18, 19)), ("4911", "4911", (16, 18, 19)),
    ("4936", "4936", (16, 18, 19)), ("564182", "564182", (16, 18, 19)), ("633110", "633110", (16, 18, 19)),
    ("6333", "6333", (16, 18, 19)),                                  # Switch
    ("9792", "9792", L16), ("65", "65", L16),                        # Troy
    ("4", "4", (13, 16, 19)),                                        # Visa (and Visa Electron)
    ("1", "1", (15,)),                                               # UATP
    ("506099", "506198", (16, 18, 19)), ("650002", "650027", (16, 18, 19)),
    ("507865", "507964", (16, 18, 19)),                              # Verve
    ("357111", "357111", L16),                                       # LankaPay
    ("1946", "1946", (16, 18, 19)), ("50", "50", (16, 18, 19)), ("56", "56", (16, 18, 19)),
    ("58", "58", (16, 18, 19)), ("60", "63", (16, 18, 19)),          # GPN (Indonesia)
    ("9860", "9860", L16),                                           # Humo
    ("8600", "8600", L16), ("5614", "5614", L16),                    # Uzcard
    ("507808", "507808", L16),                                       # Meeza
    ("9704", "9704", (16, 19)),                                      # Napas
    ("401178", "401178", L16), ("401179", "401179", L16), ("438935", "438935", L16), ("457631", "457632", L16),
    ("504175", "504175", L16), ("506699", "506778", L16), ("509000", "509999", L16), ("627780", "627780", L16),
    ("636297", "636297", L16), ("636368", "636368", L16), ("650031", "650033", L16), ("650035", "650051", L16),
    ("650405", "650439", L16), ("650485", "650538", L16), ("650541", "650598", L16), ("650700", "650718", L16),
    ("650720", "650727", L16), ("650901", "650978", L16), ("651652", "651679", L16), ("655000", "655019", L16),
    ("655021", "655058", L16),                                       # Elo
    ("606282", "606282", L16), ("3841", "3841", (16, 19)),          # Hipercard
)


@cache
def _ranges_for(length: int, first: str) -> tuple[tuple[str, str], ...]:
    return tuple((lo, hi) for lo, hi, lengths in IIN_RANGES if length in lengths and lo[0] <= first <= hi[0])


def network_ok(number: str) -> bool:
    return any(lo <= number[:len(lo)] <= hi for lo, hi in _ranges_for(len(number), number[0]))


def luhn_ok(number: str) -> bool:
    """The Luhn checksum (by hand: this runs on every candidate, and stdnum's version costs
    several times as much; tests check the two agree)."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def is_card(number: str) -> bool:
    return 12 <= len(number) <= 19 and network_ok(number) and luhn_ok(number)


# -- IBAN ------------------------------------------------------------------------------------
_IBAN_START = re.compile(r"(?<![\w-])([A-Za-z]{2})(\d{2})(?=[ .\-/]?[A-Za-z0-9])")
_SEPARATORS = re.compile(r"[ .\-/]")


@cache
def _iban_body(n: int) -> re.Pattern[str]:
    """Exactly `n` letters or digits, each after at most one separator, and no more after them."""
    return re.compile(rf"(?:[ .\-/]?[A-Za-z0-9]){{{n}}}(?![A-Za-z0-9])")


@cache
def iban_length(country: str) -> int | None:
    """The IBAN length of a country (python-stdnum's registry), or None if it has none."""
    from stdnum import numdb

    info = numdb.get("iban").info(country.upper())
    props = info[0][1] if info else None
    if not props or "bban" not in props:
        return None
    return 4 + sum(int(n) for n in re.findall(r"(\d+)!?[nac]", props["bban"]))


def find_ibans(text: str) -> list[tuple[int, int]]:
    """Spans of IBANs: written compact or in groups separated by spaces, dashes, dots or
    slashes; exactly the country's length; valid mod 97 and BBAN format (python-stdnum; the
    national check digits inside the BBAN are not required: a mistyped one is still an account)."""
    from stdnum import iban

    out = []
    pos = 0
    for m in _IBAN_START.finditer(text):
        if m.start() < pos:
            continue
        want = iban_length(m.group(1))
        if want is None:
            continue
        body = _iban_body(want - 4).match(text, m.end())
        if body is None:
            continue
        compact = (m.group(1) + m.group(2) + _SEPARATORS.sub("", body.group())).upper()
        if iban.is_valid(compact, check_country=False):
            out.append((m.start(), body.end()))
            pos = body.end()
    return out
