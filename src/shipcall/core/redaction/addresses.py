"""Street addresses and postcodes.

Street addresses, by the way each language writes them:
- number, name, street-type word (UK/US/IE/AU/CA): `221B Baker Street`, `350 Fifth Ave`,
  `1600 Pennsylvania Avenue NW` (at least one capitalised name word: "3 Avenue" is not one);
- number, type word, name (French): `12 rue de la Paix`, `5 avenue Victor Hugo`;
- type word, name, number (Portuguese, Spanish, Italian, French): `Rua Augusta 25`,
  `Avenida da Liberdade, 110`, `Calle Mayor 5`, `Via Roma 10`;
- name with the type as suffix or word, then the number (German, Dutch): `Hauptstraße 5`,
  `Berliner Str. 12a`, `Keizersgracht 123`, `Damstraat 1`.
Postcodes: UK (`NW1 6XE`, on its own: the shape is distinctive, but `PS5 1TB` is a disk); US ZIP after a state or a
"zip" word; Australian after a state; DE/FR/ES/IT 5 digits, NL `1015 CJ` and PT `1100-048`
when a city name follows and a comma, an address word or a street address comes just before.
All are `[ADDRESS]`. A street named without a type word ("Unter den Linden 77") is not recognized.
"""

from __future__ import annotations

import re

from shipcall.core.redaction.normalize import has_digit

_CAPWORD = r"[A-ZÀ-ÖØ-ÞÄÖÜ][\w'’.-]*"
_EN_TYPES = (r"street|st|road|rd|avenue|ave|av|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|square|sq|"
             r"terrace|terr|way|close|crescent|cres|parkway|pkwy|highway|hwy|row|gardens|gdns|mews|walk|circle|"
             r"cir|grove|hill|parade|quay|wharf")
_EN = re.compile(rf"(?<![\w.,-])\d{{1,5}}[A-Za-z]?(?:[-/]\d{{1,5}})?,?\s+(?:{_CAPWORD}\s+){{1,4}}?"
                 rf"(?i:{_EN_TYPES})\b\.?(?:\s+(?:NW|NE|SW|SE)\b)?")
_FR = re.compile(rf"(?<![\w.,-])\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+"
                 rf"(?i:rue|avenue|av\.|boulevard|bd|place|chemin|all[ée]e|impasse|quai|cours|route|square)\s+(?:(?:de|du|des|la|le|l['’]|d['’])\s*){{0,3}}"
                 rf"{_CAPWORD}(?:\s+{_CAPWORD}){{0,3}}")
_TYPE_FIRST = re.compile(
    rf"(?<![\w-])(?i:rua|avenida|av\.|travessa|largo|pra[çc]a|alameda|estrada|calle|c/|avda\.?|paseo|plaza|camino|"
    rf"carrer|via|viale|piazza|corso|vicolo|strada|rue|boulevard|chemin)\s+"
    rf"(?:(?:de|do|da|dos|das|del|de\s+la|di|della|dei)\s+)?{_CAPWORD}(?:\s+(?:(?:de|do|da|dos|das|del|di|della)\s+)?"
    rf"{_CAPWORD}){{0,3}},?\s*(?:n\.?\s?[ºo°]\s*)?\d{{1,4}}[A-Za-z]?(?![\w/-])")
_SUFFIX = re.compile(
    r"(?<![\w-])[A-ZÄÖÜ][\wäöüß-]{2,}(?:straße|strasse|str\.|weg|platz|allee|gasse|damm|ufer|chaussee|steig|pfad|"
    r"straat|laan|plein|gracht|kade|singel|dijk|steeg|dreef)\s+\d{1,4}[a-zA-Z]?(?:[-/]\d{1,4}[a-zA-Z]?)?(?![\w-])")
_WORD_TYPE = re.compile(
    r"(?<![\w-])[A-ZÄÖÜ][\wäöüß-]+(?:\s+[A-ZÄÖÜ][\wäöüß-]+){0,2}\s+(?:Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse|Ring|"
    r"Damm|Ufer|Chaussee)\s+\d{1,4}[a-zA-Z]?(?![\w-])")

_UK_POSTCODE = re.compile(r"(?<![\w-])[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}(?![\w-])")
_US_STATES = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
              "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY").split()
_STATE_SET = frozenset(_US_STATES) | {"NSW", "VIC", "QLD", "WA", "SA", "TAS", "ACT", "NT"}
_US_ZIP = re.compile(rf"(?:\b(?:{'|'.join(_US_STATES)})\s+|(?i:\bzip(?:\s*code)?)\s*[:#]?\s*)"
                     rf"(\d{{5}}(?:-\d{{4}})?)(?![\w-])")
_AU_POSTCODE = re.compile(r"\b(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT)\s+(\d{4})(?![\w-])")
_CITY = r"\s+[A-ZÀ-ÖØ-ÞÄÖÜ][\wäöüßéèàçã'-]+"
_EU_POSTCODE = re.compile(
    rf"(?<![\w-])(\d{{5}}|\d{{4}} ?(?!SA|SD|SS)[A-Z]{{2}}|\d{{4}}-\d{{3}})(?={_CITY}|\s*$|\s*[,.;)])")
# What every match of the postcode patterns holds: searched first, in C from the first character
# that can begin it (a pattern that opens with a look-behind is tried at every position instead)
_UK_HINT = re.compile(r"[A-Z]\d")
_EU_HINT = re.compile(r"\d{4}")
_ADDRESS_WORDS = re.compile(
    r"(?i:post\s?code|zip|plz|postleitzahl|code\s+postal|cp|cep|c[oó]digo\s+postal|cap|address|adresse|"
    r"anschrift|direcci[oó]n|indirizzo|endere[çc]o|adres|live\s+in|wohne\s+in|habite\s+[àa]|vivo\s+en|moro\s+em)")


_EN_WORDS = frozenset(_EN_TYPES.split("|"))
_FR_WORDS = frozenset("rue avenue av boulevard bd place chemin allée allee impasse quai cours route square".split())
_FIRST_WORDS = frozenset("rua avenida av travessa largo praça praca alameda estrada calle c avda paseo plaza camino "
                         "carrer via viale piazza corso vicolo strada rue boulevard chemin".split())
_DE_WORDS = frozenset("straße strasse str weg platz allee gasse ring damm ufer chaussee".split())
_SUFFIXES = ("straße", "strasse", "str.", "weg", "platz", "allee", "gasse", "damm", "ufer", "chaussee", "steig", "pfad",
             "straat", "laan", "plein", "gracht", "kade", "singel", "dijk", "steeg", "dreef")


def find_addresses(text: str, words: set[str]) -> list[tuple[int, int]]:
    """`words`: the text's words, lower case (a street pattern runs only if its type words occur)."""
    if not has_digit(text):
        return []
    bare = {w.rstrip(".") for w in words}
    chosen = [rx for rx, ok in ((_EN, bare & _EN_WORDS), (_FR, bare & _FR_WORDS), (_TYPE_FIRST, bare & _FIRST_WORDS),
                                (_SUFFIX, any(w.endswith(_SUFFIXES) for w in words)), (_WORD_TYPE, bare & _DE_WORDS))
              if ok]
    streets: list[tuple[int, int]] = []
    for rx in chosen:
        for m in rx.finditer(text):
            end = m.end()
            while end > m.start() and text[end - 1] in ",.":
                end -= 1
            streets.append((m.start(), end))
    out = list(streets)
    if _UK_HINT.search(text):
        out += [(m.start(), m.end()) for m in _UK_POSTCODE.finditer(text) if m.group()[-2:] not in ("GB", "TB", "PB")]
    if "zip" in bare or any(w.upper() in _STATE_SET for w in words if len(w) in (2, 3)):
        out += [(m.start(1), m.end(1)) for m in _US_ZIP.finditer(text)]
        out += [(m.start(1), m.end(1)) for m in _AU_POSTCODE.finditer(text)]
    for m in _EU_POSTCODE.finditer(text) if _EU_HINT.search(text) else ():
        s = m.start(1)
        before = text[max(0, s - 3):s]
        near_street = any(0 <= s - e <= 40 for _, e in streets)
        worded = _ADDRESS_WORDS.search(text, max(0, s - 30), s) is not None
        if "," in before or near_street or worded:
            out.append((s, m.end(1)))
    return out
