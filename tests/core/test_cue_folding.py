"""Redaction's shortcuts find what the long way finds: the cue words run without IGNORECASE on
ASCII words in lower case (context.folded) give the same matches at the same offsets as the
case-insensitive patterns, on the redaction corpora and on every cue word written in lower, upper,
title and mixed case; `has_digit` answers as `str.isdigit` over the text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shipcall.core.redaction import context as ctx
from shipcall.core.redaction import people
from shipcall.core.redaction.context import Cues, folded

CUES = {"PHONE": ctx.PHONE, "ID": ctx.ID, "SSN": ctx.SSN, "NINO": ctx.NINO, "VERSION": ctx.VERSION,
        "BIRTH": people.BIRTH, "INTRO": people._INTRO}
DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
ASCII = [chr(i) for i in range(128)]


@pytest.mark.parametrize("name", sorted(CUES))
def test_a_cue_is_written_in_lower_case_and_no_letter_of_it_folds_to_ascii(name: str) -> None:
    cue = CUES[name]
    assert cue.flags & re.IGNORECASE and folded(cue) is not None
    letters = re.sub(r"\\.", "", cue.pattern)  # escapes (\W, \d, \s) are no letters
    assert not re.search("[A-Z]", letters), "an upper-case letter would never match the lowered words"
    for ch in sorted({c for c in letters if not c.isascii()}):
        folds_to = [a for a in ASCII if re.fullmatch(re.escape(ch), a, re.IGNORECASE)]
        assert not folds_to, f"{ch!r} matches {folds_to} case-insensitively"


def _texts() -> list[str]:
    texts = [json.loads(line)["text"] for f in ("redaction-eval.jsonl", "redaction-heldout.jsonl")
             for line in (DATA / f).read_text(encoding="utf-8").splitlines() if line.strip()]
    words = sorted({w for cue in CUES.values() for w in re.findall(r"[a-z][a-z ]+[a-z]", cue.pattern)})
    for style in (str.lower, str.upper, str.title, lambda w: "".join(
            c.upper() if i % 2 else c for i, c in enumerate(w))):
        texts.append(" ".join(f"call {style(w)} 555 0100, re {style(w)}-7 x{style(w)}" for w in words))
    return texts


def test_the_folded_cues_find_what_the_case_insensitive_ones_find() -> None:
    checked = 0
    for text in _texts():
        cues = Cues(text)
        stream = cues.words()
        if not stream.isascii():
            continue
        for name, cue in CUES.items():
            want = [m.span() for m in cue.finditer(stream)]
            assert [m.span() for m in folded(cue).finditer(stream.lower())] == want, (name, text)  # type: ignore[union-attr]
            assert cues.find(cue) == [cues._original(s, e) for s, e in want]
            checked += 1
    assert checked > 2000


def test_has_digit_is_str_isdigit_over_the_text() -> None:
    from shipcall.core.redaction.normalize import has_digit

    for text in ["", "no digits here", "room 12", "x²", "①", "٣ apples", "Ⅻ", "½", "abc\u0e53", "日本"]:
        assert has_digit(text) == any(c.isdigit() for c in text), text
