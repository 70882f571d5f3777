"""Dates of birth and personal names — only where the words around them say so.

A date is a date of birth when a birth word comes shortly before it (born, DOB, date of birth,
birthday, geboren, Geburtsdatum, né·e le, date de naissance, fecha de nacimiento, data di
nascita, data de nascimento, geboortedatum, data urodzenia, дата рождения, …). The date may be
numeric (`12/03/1985`, `1985-03-12`, `04.07.1979`, `5/11/91`) or written with a month name in
English, German, French, Spanish, Italian, Portuguese or Dutch (`12 March 1985`, `March 3, 1990`,
`3rd of May, 1990`, `12. März 1985`); a bare year is not a date of birth.

A name is one to four capitalised words (any script; particles like van, de, von, da, O' and
hyphens inside) after an introducing phrase: "my name is", "I'm", "I am", "this is", "signed",
a letter's sign-off ("Regards,", "Mit freundlichen Grüßen", "Cordialement", …) and the same in
the corpus languages ("je m'appelle", "ich heiße", "mein Name ist", "me llamo", "mi chiamo",
"o meu nome é", "mijn naam is", "меня зовут"). Words that follow such phrases without being names
("I'm Not sure", "This is Important") are kept by a stoplist; "this is" needs the name to end the
clause (a comma, "from", "speaking", "calling", "here", the end). Names elsewhere in a sentence
need a language model and are not recognized.
"""

from __future__ import annotations

import re

from shipcall.core.redaction import context as ctx

MONTHS = (
    r"jan(?:uary|vier|uar|eiro|naio)?|feb(?:ruary|ruar|braio)?|f[eé]v(?:rier)?|fevereiro|mar(?:ch|s|zo|[çc]o)?|"
    r"m[aä]rz|maart|apr(?:il|ile)?|avr(?:il)?|abr(?:il)?|may|mai|mei|may?o|maio|maggio|jun(?:e|i|io|ho)?|juin|"
    r"giugno|jul(?:y|i|io|ho)?|juil(?:let)?|luglio|aug(?:ust|ustus)?|ao[uû]t|ago(?:sto)?|sep(?:t(?:ember|iembre)?)?|"
    r"sept|setembro|settembre|oct(?:ober|obre|ubre)?|okt(?:ober)?|out(?:ubro)?|ott(?:obre)?|nov(?:ember|embre|embro)?|"
    r"dec(?:ember)?|d[eé]c(?:embre)?|dez(?:ember|embro)?|dic(?:iembre|embre)?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th|er|\.)?"
_YEAR = r"(?:19|20)\d{2}"
DATE = re.compile(
    rf"(?<![\w./-])(?:"
    rf"{_YEAR}[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])"                       # 1985-03-12
    rf"|(?:0?[1-9]|[12]\d|3[01])[-./](?:0?[1-9]|[12]\d|3[01])[-./](?:{_YEAR}|\d{{2}})"     # 12/03/1985, 5/11/91
    rf"|{_DAY}\s*(?:of\s+|de\s+)?(?:{MONTHS})\.?,?\s*(?:de\s+)?{_YEAR}"                   # 12 March 1985
    rf"|(?:{MONTHS})\.?\s+{_DAY},?\s*{_YEAR}"                                              # March 3, 1990
    rf")(?![\w/-]|\.\d)",
    re.IGNORECASE)
BIRTH = re.compile(
    r"(?<![^\W\d_])(?:born|b\.|dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|birthday|"
    r"geb\.|geboren|geburtsdatum|geburtstag|n[ée]e?|naissance|"
    r"nacimiento|nacid[oa]|nascita|nato|nata|nascimento|nascid[oa]|geboortedatum|geboren\s+op|"
    r"urodzon\w*|urodzenia|f[oö]dd|f[oö]delsedatum|do[gğ]um|рожд\w*|родил\w*|生年月日|誕生日)(?![^\W\d_])",
    re.IGNORECASE)

_PARTICLES = frozenset("van von de der den da das do dos di du del della la le ten ter bin al el".split())
_TOKEN = r"[^\W\d_][\w'’.-]*"
INTRO = (
    r"my\s+name\s+is|my\s+name['’]s|i['’]m|i\s+am|this\s+is|signed(?:\s+by)?\s*[:,]?|"
    r"(?:kind\s+|best\s+|warm\s+)?regards\s*,|sincerely\s*,|yours\s+(?:truly|sincerely)\s*,|cheers\s*,|best\s*,|thanks\s*,|"
    r"(?:best|warm|all\s+the\s+best|with\s+best)\s+wishes\s*,|all\s+the\s+best\s*,|many\s+thanks\s*,|"
    r"account\s+holder\s*:|je\s+m['’]appelle|je\s+suis|mon\s+nom\s+est|cordialement\s*,?|bien\s+à\s+vous\s*,?|"
    r"ich\s+hei(?:ß|ss)e|ich\s+bin|mein\s+name\s+ist|mit\s+freundlichen\s+gr(?:ü|ue)(?:ß|ss)en\s*,?|viele\s+gr(?:ü|ue)(?:ß|ss)e\s*,?|"
    r"me\s+llamo|mi\s+nombre\s+es|soy|saludos\s*,?|atentamente\s*,?|"
    r"mi\s+chiamo|il\s+mio\s+nome\s+è|sono|cordiali\s+saluti\s*,?|distinti\s+saluti\s*,?|"
    r"o\s+meu\s+nome\s+é|meu\s+nome\s+é|chamo-me|eu\s+sou|atenciosamente\s*,?|cumprimentos\s*,?|"
    r"mijn\s+naam\s+is|ik\s+ben|met\s+vriendelijke\s+groet(?:en)?\s*,?|"
    r"меня\s+зовут|с\s+уважением\s*,?"
)
# among the words (no punctuation there): the sign-offs' commas and colons become optional; the
# anchored _INTRO_NAME then asks for them in the text
_INTRO = re.compile(r"(?<![^\W\d_])(?:" + INTRO.replace(r"\s*,", r"\s*,?").replace(r"\s*:", r"\s*:?") + ")",
                    re.IGNORECASE)
_INTRO_NAME = re.compile(rf"(?<![^\W\d_])(?i:({INTRO}))[ \t]*(?:\n[ \t]*)?"
                         rf"(?:(?i:dr|mr|mrs|ms|prof|herr|frau|mme|sr|sra)\.?\s+)?"
                         rf"({_TOKEN}(?:[ \t]+{_TOKEN}){{0,5}})")
_WEAK_INTROS = re.compile(r"^(?:i['’]m|i\s+am|this\s+is|je\s+suis|ich\s+bin|soy|sono|eu\s+sou|ik\s+ben|best\s*,|"
                          r"thanks\s*,)$", re.IGNORECASE)
_CLAUSE_END = re.compile(r"^\s*(?:$|[,.;:!?)\n]|from\b|of\b|at\b|in\b|speaking\b|calling\b|here\b|with\b|and\b|"
                         r"the\s+new\b|your\b|von\b|aus\b|de\b|da\b|di\b|van\b|uit\b)", re.IGNORECASE)
STOPWORDS = frozenset("""
a an the it this that these those what which who here there not no yes ok okay sure sorry glad happy sad back
also still just only really very so too going looking trying working using having getting doing new available
done fine good great interested ready responsible based located from on off in at out up down away home
important urgent please thanks thank hello hi dear hey team everyone all monday tuesday wednesday thursday
friday saturday sunday january february march april may june july august september october november december
english british american german french dutch spanish italian portuguese brazilian indian australian irish
scottish welsh canadian chinese japanese russian turkish polish swedish european section chapter part page
microsoft google apple amazon teams zoom slack outlook windows excel word
nicht nur noch auch hier da sehr neu froh leider dabei unterwegs krank hase
pas très ici là nouveau nouvelle désolé content
no muy aquí nuevo nueva
non molto qui nuovo nuova
não muito aqui novo nova
niet erg hier nieuw blij
""".split())


def find_dobs(text: str, cues: ctx.Cues) -> list[tuple[int, int]]:
    """Dates within 40 characters after a birth word (only there is a date looked for)."""
    out: list[tuple[int, int]] = []
    for _, end in cues.find(BIRTH):
        for m in DATE.finditer(text, end, min(len(text), end + 40 + 40)):
            if m.start() - end <= 40 and (not out or m.start() >= out[-1][1]):
                out.append((m.start(), m.end()))
    return out


def find_names(text: str, cues: ctx.Cues) -> list[tuple[int, int]]:
    out = []
    for start, _ in cues.find(_INTRO):  # the phrases among the words first, then the name after one
        m = _INTRO_NAME.match(text, start)
        if m is None:
            continue
        intro = " ".join(m.group(1).split()).lower()
        kept = _name_tokens(m.group(2))
        if not kept:
            continue
        start = m.start(2)
        end = _end_of(text, start, kept)
        if _WEAK_INTROS.match(intro) and not _CLAUSE_END.match(text[end:]):
            continue  # "this is Section 4 of …": not a name ending its clause
        out.append((start, end))
    return out


def _name_tokens(words_text: str) -> list[str]:
    """The leading capitalised words (particles between them allowed), stopwords excluded."""
    words = words_text.split()
    kept: list[str] = []
    for i, w in enumerate(words):
        bare = w.strip(".,;:!?").lower()
        if bare in STOPWORDS:
            break
        particle = bare in _PARTICLES and kept and i + 1 < len(words) and words[i + 1][0].isupper()
        if not (w[0].isupper() or particle):
            break
        kept.append(w)
        if w.endswith(",") or (w.endswith(".") and len(w.strip(".")) > 1):
            break  # the name ends with its clause
    while kept and kept[-1].lower() in _PARTICLES:
        kept.pop()
    if kept and kept[0].strip(".").lower() in STOPWORDS:
        return []
    return kept


def _end_of(text: str, start: int, words: list[str]) -> int:
    pos = start
    for w in words:
        pos = text.find(w, pos) + len(w)
    while pos > start and text[pos - 1] in ",;:!?":
        pos -= 1
    if text[pos - 1] == "." and len(words[-1].strip(".")) > 1:
        pos -= 1  # a sentence's full stop, not an initial's
    return pos
