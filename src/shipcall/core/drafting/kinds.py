"""From a factoid question to the other kinds of draft, by rule. Pure and seeded.

- `paraphrase`: the question's own words swapped for synonyms from lexicon.SYNONYMS (verbs in
  every form, some nouns and adjectives; never a capitalised name, never a word of the
  answer), and its opening reworded by lexicon.REWORDINGS ("In what year did" → "What year
  did", "How many" → "What number of"). Kept only when at least one word changed. The tables
  are listed in docs/drafting.md; they are small, so paraphrases stay close to the document's
  wording.
- `multi_hop`: two factoid questions from different documents that name the same entity,
  joined: "Q1, and q2?". Gold: both answers; evidence: both documents. It asks for two facts
  (a conjunction), not for a fact found through another (a bridge): rules cannot write the
  latter reliably.
- `unanswerable`: a name or a number in the question swapped for one that occurs nowhere in
  the corpus (a year moved to the nearest absent year; a name replaced by one from
  STAND_INS that the corpus never mentions). Gold: abstain; no evidence.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence

from shipcall.core.drafting.lexicon import REWORDINGS, SYNONYMS

# Names a corpus rarely mentions, to make questions the corpus cannot answer. Each is used
# only after checking that the corpus does not contain it.
STAND_INS_ONE = ("Valparaíso", "Tromsø", "Okonkwo", "Hallström", "Nakuru", "Kowalczyk", "Arequipa", "Ndiaye",
                 "Ljungberg", "Oaxaca", "Tbilisi", "Mbeki", "Quillota", "Varanasi", "Ferreira", "Koszalin")
STAND_INS_TWO = ("Ingrid Valdés", "Tomasz Okafor", "Marguerite Oyelaran", "Henrik Castellanos", "Aiko Brennan",
                 "Dmitri Achterberg", "Lucía Mwangi", "Oskar Fairweather", "Priya Lindqvist", "Eamon Takahashi")
_WORD = re.compile(r"[^\W\d_][\w'’\-]*|\d[\d,.]*")
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_NUMBER = re.compile(r"(?<![\w$€£])(\d+(?:,\d{3})*(?:\.\d+)?)(?![\w%])")


def paraphrase(question: str, protected: Sequence[str] = ()) -> tuple[str, list[tuple[str, str]]]:
    """The question with synonyms swapped in, and the (word, synonym) pairs; no pairs when no
    rule applied. `protected`: phrases (the answer, names) whose words are never swapped."""
    keep = {w.lower() for p in protected for w in _WORD.findall(p)}
    swaps: list[tuple[str, str]] = []

    def swap(m: re.Match[str]) -> str:
        w = m.group(0)
        if m.start() == 0 or w[:1].isupper() or w.lower() in keep:
            return w
        syn = SYNONYMS.get(w.lower())
        if syn is None:
            return w
        swaps.append((w, syn))
        return syn

    out = _WORD.sub(swap, question)
    for pattern, replacement in REWORDINGS:
        m = re.match(pattern, out)
        if m:
            head = m.expand(replacement)
            swaps.append((m.group(0).strip(), head.strip()))
            out = head + out[m.end():]
            break
    return out, swaps


def join(q1: str, q2: str) -> str:
    """Two questions as one: "When was X born, and what did X release?"."""
    a = q1.rstrip().rstrip("?").rstrip()
    b = q2.strip()
    return f"{a}, and {b[:1].lower() + b[1:]}"


def unanswerable(question: str, *, entities: Sequence[str], absent: Callable[[str], bool],
                 years_present: set[int], rng: random.Random) -> tuple[str, str, str] | None:
    """(question, what was swapped, its stand-in), or None when nothing could be swapped.
    `absent(text)` says whether a stand-in occurs nowhere in the corpus."""
    m = _YEAR.search(question)
    if m:
        year = int(m.group(1))
        for d in range(1, 40):
            for y in (year + d, year - d):
                if y not in years_present and 1000 <= y <= 2099:
                    return question[:m.start()] + str(y) + question[m.end():], m.group(1), str(y)
    named = [e for e in entities if e in question and not question.startswith(e)]
    named += [e for e in entities if question.startswith(e) and e not in named]
    for e in sorted(named, key=len, reverse=True):
        pool = list(STAND_INS_TWO if " " in e else STAND_INS_ONE)
        rng.shuffle(pool)
        for s in pool:
            if absent(s):
                return question.replace(e, s), e, s
    m2 = _NUMBER.search(question)
    if m2:
        value = float(m2.group(1).replace(",", ""))
        for factor in (3, 7, 11):
            cand = str(int(value * factor + factor)) if value == int(value) else f"{value * factor:.1f}"
            if absent(cand):
                return question[:m2.start()] + cand + question[m2.end():], m2.group(1), cand
    return None
