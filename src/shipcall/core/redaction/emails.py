"""E-mail addresses, also the forms people write to dodge spam filters.

- `local@domain.tld`, with letters of any script in the local part and the domain (IDN:
  `jörg.müller@beispiel.de`, `иван@пример.рф`) or punycode (`xn--…`); full-width forms arrive
  normalised (normalize.py).
- `@`, `.` written out in brackets: `x [at] y [dot] com`, `x(at)y.com`, `x {at} y {dot} de`.
- spelled out: `name dot x at y dot com`, `x AT y DOT co DOT uk` — here the last label must be a
  known top-level domain (`GENERIC` or two letters) and the local part must look deliberate (a
  dot, a digit, an underscore, or a capital `AT`), because "look at example dot com"-like
  chatter is more common than a one-word spelled address.
The top-level domain of an `@` address is any run of 2-24 letters, except common file
extensions (`icon@2x.png` is an image).
"""

from __future__ import annotations

import re

# Generic TLDs people use in addresses; every two-letter code (country TLDs) is accepted too.
GENERIC = frozenset("""com org net edu gov mil int info biz name pro mobi aero coop museum jobs travel tel asia
cat app dev io ai co me tv cc ly gg ws eu uk online site tech store shop blog cloud email mail work agency
consulting company solutions services group global digital media news live life world social team tools systems
network academy education university school health care bank finance capital money law legal llc ltd inc gmbh
berlin london paris nyc tokyo amsterdam wien hamburg bayern""".split())
FILE_EXTENSIONS = frozenset("""png jpg jpeg gif svg webp bmp tif tiff ico pdf txt csv tsv json yaml yml xml html htm
js ts css scss md rst py rb java kt go rs c h cpp hpp sh bat exe dll so dylib zip tar gz tgz bz2 xz rar 7z log
bak tmp doc docx xls xlsx ppt pptx odt ods mp3 mp4 wav mov avi mkv""".split())

_L = r"[^\W_]"                        # a letter or digit of any script
_LABEL = rf"{_L}(?:[\w-]{{0,61}}+)"   # a domain label (trailing hyphen checked afterwards)
_AT_BRACKET = r"\s*[\[({<]\s*(?:at|@)\s*[\])}>]\s*"
_DOT_BRACKET = r"\s*[\[({<]\s*(?:dot|\.)\s*[\])}>]\s*"

_AT_FORM = re.compile(
    rf"(?<![\w.%+-])({_L}[\w.%+'-]{{0,63}}+)(?:@|{_AT_BRACKET})((?:{_LABEL}(?:\.|{_DOT_BRACKET}))+)"
    rf"((?:xn--[a-z0-9-]{{2,59}})|[^\W\d_]{{2,24}})(?![\w-])",
    re.IGNORECASE)
_SPELLED = re.compile(
    rf"(?<![\w.@-])({_LABEL}(?:(?:\.|\s+dot\s+){_LABEL}){{0,4}})\s+at\s+({_LABEL}(?:(?:\.|\s+dot\s+){_LABEL}){{0,4}})"
    rf"(?:\.|\s+dot\s+)([a-z]{{2,12}})(?![\w-])",
    re.IGNORECASE)


def _tld_ok(tld: str, *, spelled: bool) -> bool:
    t = tld.lower()
    if t in FILE_EXTENSIONS and t not in GENERIC:
        return False
    if spelled:
        return t in GENERIC or (len(t) == 2 and t.isascii())
    return True


def _scan(pattern: re.Pattern[str], text: str, accept: object) -> list[tuple[int, int]]:
    """Matches that `accept(match)` takes; after a refused one the search resumes one character
    later (a refused "me at john dot smith" must not hide "john dot smith at acme dot com")."""
    out: list[tuple[int, int]] = []
    pos = 0
    while True:
        m = pattern.search(text, pos)
        if m is None:
            return out
        if accept(m):  # type: ignore[operator]
            out.append((m.start(), m.end()))
            pos = m.end()
        else:
            pos = m.start() + 1


def _at_form_ok(m: re.Match[str]) -> bool:
    local, domain, tld = m.group(1), m.group(2), m.group(3)
    if local.endswith(".") or any(label.endswith("-") for label in re.split(r"\.|\s*[\[({<]", domain) if label):
        return False
    return _tld_ok(tld, spelled="dot" in domain.lower())


def _spelled_ok(m: re.Match[str]) -> bool:
    """A spelled address spells its dots, and its local part is not a bare word of the sentence
    ("look at example dot com"): it has a dot, a digit or an underscore, or the `AT` is capitalised."""
    local, at = m.group(1), m.group()[len(m.group(1)):].split(None, 1)[0]
    deliberate = "." in local or " dot " in local.lower() or any(c.isdigit() or c == "_" for c in local) or at == "AT"
    return deliberate and "dot" in m.group().lower() and _tld_ok(m.group(3), spelled=True)


def find_emails(text: str) -> list[tuple[int, int]]:
    low = text.lower()
    if "@" not in text and " at " not in low and not any(f"at{c}" in low for c in "])}>"):
        return []
    out = _scan(_AT_FORM, text, _at_form_ok)
    if " at " in low:
        out += [(s, e) for s, e in _scan(_SPELLED, text, _spelled_ok)
                if not any(a < e and s < b for a, b in out)]
    return out
