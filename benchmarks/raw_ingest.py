"""The anchor of the ingest benchmark: raw bm25s from text to a saved index, nothing else.

    python benchmarks/raw_ingest.py docs FOLDER OUT     # every .md file of FOLDER is one document
    python benchmarks/raw_ingest.py strings FILE OUT    # one JSON string a line: the strings to index

What a user without shipcall would run: read the text, `bm25s.tokenize` with the settings shipcall's
default BM25 uses (English stop words, PyStemmer's English stemmer), `BM25.index`, `BM25.save`.
Kept apart from the benchmark modules so that the process imports bm25s and nothing of ours.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    mode, source, out = argv
    if mode == "docs":
        texts = [p.read_text(encoding="utf-8") for p in sorted(Path(source).rglob("*.md"))]
    elif mode == "strings":
        with open(source, encoding="utf-8") as f:
            texts = [json.loads(line) for line in f]
    else:
        print(f"unknown mode {mode!r}: docs or strings", file=sys.stderr)
        return 2
    import bm25s
    import Stemmer

    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False)
    model = bm25s.BM25(backend="numpy")
    model.index(tokens, show_progress=False)
    model.save(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
