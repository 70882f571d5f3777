"""The official SQuAD v2 answer normalisation (`evaluate-v2.0.py`, Rajpurkar, Jia and Liang 2018),
in its own module because both the answer metrics and the abstention rule use it."""

from __future__ import annotations

import re
import string
from functools import lru_cache

# Deletes the same characters as the official script's per-character filter (string.punctuation,
# ASCII only). A regular expression rather than str.translate: translate looks every character up
# in a table, which made it four times slower on long texts (dataset health normalises every
# document of the corpus); the two give the same string (tests/core/test_metrics.py).
_DROP_PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")


@lru_cache(maxsize=65_536)  # pure; the same retrieved chunks are normalised for many items
def normalize_answer(text: str) -> str:
    """SQuAD v2 normalisation: lower-case, drop punctuation, drop a/an/the, collapse white space."""
    text = text.lower()
    text = _DROP_PUNCTUATION.sub("", text)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())
