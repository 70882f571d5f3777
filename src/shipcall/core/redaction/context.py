"""The words around a match that decide what it is, in the languages of the evaluation corpus
(English, German, French, Dutch, Portuguese, Spanish, Italian, Polish, Swedish, Turkish, Russian,
Japanese, Chinese, Korean). Each is looked for in a short window before the match (`WINDOW` characters), and the
nearest cue wins: "phone: … order 4155552671" is an order number, "order … call me on 4155552671"
a phone number.

Word stems rather than whole words, so one entry covers inflections (`telef` → telefon,
telefonu, telefonum, teléfono), anchored at a word start. "Number" alone is no phone cue (an
order number is a number too); "my number", "mijn nummer", "mon numéro" are.
"""

from __future__ import annotations

import bisect
import re
from functools import cache

WINDOW = 48

PHONE_WORDS = (
    r"call(?:ed|ing)?|phone|ph|tel|telef\w*|t[eé]l[eé]phone|mobile?|mob|cell(?:phone)?|cellular|handy|"
    r"ring|dial|text|sms|whats\s?app|signal|telegram|fax|reach|contact|landline|hotline|extension|ext|"
    r"(?:my|your|his|her|our|mijn|meine?|mon|ma|mi|mio|meu|mój|мой)\s+(?:\w+\s+)?"
    r"(?:number|nummer|num[eé]ro|n[uú]mero|numer\w*|номер)|"
    r"anruf\w*|ruf|erreich\w*|festnetz|mobil\w*|appel\w*|joign\w*|portable|bel|gsm|"
    r"lig\w*|contacto|celular|cellulare|chiam\w*|llam\w*|m[oó]vil|"
    r"tlf|telf|zadzwo\w*|kom[oó]rk\w*|ara|cep|"
    r"телефон\w*|тел|звон\w*|номер|моб\w*"
)
# Chinese, Japanese and Korean words sit inside longer runs of letters: no word boundaries there
PHONE_CJK = r"電話|携帯|連絡先|电话|手机|手機|联系|전화|휴대폰|핸드폰|연락처"
ID_WORDS = (
    r"order|invoice|ticket|ref|reference|refer[eê]ncia|id|account|acct|case|tracking|po|sku|serial|build|batch|"
    r"lot|isbn|issn|ean|upc|gtin|part|item|confirmation|booking|shipment|parcel|transaction|txn|receipt|"
    r"bestell\w*|rechnung\w*|auftrag\w*|kunden\w*|artikel\w*|commande|facture|dossier|"
    r"bestelling|ordernummer|factuur\w*|pedido|factura|fatura|encomenda|ordine|fattura|codice|"
    r"zam[oó]wieni\w*|faktur\w*|best[aä]llning\w*|sipari[sş]\w*|fatura|заказ\w*|сч[её]т\w*|注文\w*"
)
SSN_WORDS = r"ssn|ss#|ss\s?no|social\s+security|soc\.?\s*sec\.?|sozialversicherungs\w*"
NINO_WORDS = r"nino|ni\s*(?:number|no\.?|#)|national\s+insurance"
VERSION_WORDS = (
    r"v|ver|version|versi[oó]n|release|build|rev|revision|firmware|fw|bios|uefi|kernel|driver|patch|update|"
    r"upgrade|sdk|api|app|os|ios|ipados|macos|android|windows|chrome|firefox|edge|safari|python|java|node|"
    r"section|clause|chapter|art\.|article|paragraph|para\.|abschnitt|kapitel|absatz|§|stand|oid"
)


def _cue(words: str, cjk: str = "") -> re.Pattern[str]:
    bounded = rf"(?<![^\W\d_])(?:{words})(?![^\W\d_])"
    return re.compile(f"{bounded}|{cjk}" if cjk else bounded, re.IGNORECASE)


PHONE = _cue(PHONE_WORDS, PHONE_CJK)
ID = _cue(ID_WORDS)
SSN = _cue(SSN_WORDS)
NINO = _cue(NINO_WORDS)
VERSION = _cue(VERSION_WORDS)


_TOKEN = re.compile(r"[^\W\d_][\w.#'’-]*|§")


@cache
def folded(cue: re.Pattern[str]) -> re.Pattern[str] | None:
    """`cue` without IGNORECASE, for ASCII words already in lower case (None: `cue` is not
    case-insensitive as a whole, so it runs as it is). The same matches at the same offsets, at
    about a third of the CPU: Python's `re` folds the case of every character it compares, and
    a cue is an alternation of dozens of words tried at every word start. It holds because the
    cues are written in lower case (their escapes aside) and none of their non-ASCII letters
    folds to an ASCII one (tests/redaction/test_cue_folding.py checks both)."""
    if not cue.flags & re.IGNORECASE:
        return None
    return re.compile(cue.pattern, cue.flags & ~re.IGNORECASE)


class Cues:
    """The cues of one text, found once and looked up by position with a binary search.

    The cue patterns run on the text's *words* only (letter-led tokens joined by single spaces),
    not on the text: a hostile question of digits and separators has almost no words, so finding
    its cues costs nothing, and in prose a pattern fails at once inside a word. (Scanning the raw
    text tried every alternative at every digit; per-candidate window scans were quadratic.)"""

    def __init__(self, text: str) -> None:
        self.text = text
        self._found: dict[int, tuple[list[int], list[int]]] = {}
        self._stream: str | None = None
        self._lower: str | None = None  # the words in lower case, when they are all ASCII
        self._starts: list[int] = []  # per token: stream offset
        self._orig: list[tuple[int, int]] = []  # per token: original span

    def words(self) -> str:
        """The text's words joined by single spaces (computed once)."""
        if self._stream is None:
            parts, pos = [], 0
            for m in _TOKEN.finditer(self.text):
                self._starts.append(pos)
                self._orig.append((m.start(), m.end()))
                parts.append(m.group())
                pos += len(m.group()) + 1
            self._stream = " ".join(parts)
            if self._stream.isascii():
                self._lower = self._stream.lower()  # the same length: offsets hold
        return self._stream

    def _original(self, stream_start: int, stream_end: int) -> tuple[int, int]:
        i = bisect.bisect_right(self._starts, stream_start) - 1
        j = bisect.bisect_right(self._starts, max(stream_start, stream_end - 1)) - 1
        offset = stream_start - self._starts[i]
        tok_start, _ = self._orig[i]
        end_tok_start, end_tok_end = self._orig[j]
        return tok_start + offset, min(end_tok_end, end_tok_start + (stream_end - self._starts[j]))

    def find(self, cue: re.Pattern[str]) -> list[tuple[int, int]]:
        """Every match of `cue` among the words, in the original text's offsets."""
        stream = self.words()
        lower = self._lower
        fast = folded(cue) if lower is not None else None
        found = fast.finditer(lower) if fast is not None and lower is not None else cue.finditer(stream)
        return [self._original(m.start(), m.end()) for m in found]

    def _spans(self, cue: re.Pattern[str]) -> tuple[list[int], list[int]]:
        got = self._found.get(id(cue))
        if got is None:
            found = self.find(cue)
            got = self._found[id(cue)] = ([s for s, _ in found], [e for _, e in found])
        return got

    def last(self, cue: re.Pattern[str], start: int, window: int = WINDOW) -> int:
        """The end offset of the last `cue` lying within the `window` characters before `start`, or -1."""
        starts, ends = self._spans(cue)
        i = bisect.bisect_right(ends, start) - 1
        if i >= 0 and starts[i] >= start - window:
            return ends[i]
        return -1

    def phone(self, start: int) -> bool:
        """A phone word shortly before `start`, and no identifier word after it ("phone about order
        12345678" is an order)."""
        p = self.last(PHONE, start)
        return p >= 0 and self.last(ID, start) < p

    def identifier(self, start: int, window: int = 24) -> bool:
        """An identifier word shortly before `start`, later than any phone word."""
        i = self.last(ID, start, window)
        return i >= 0 and self.last(PHONE, start, window) < i
