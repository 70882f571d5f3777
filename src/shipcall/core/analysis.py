"""The sentence analysis of a chunk: its answer candidates (sentences, list items, table rows)
with the terms, word pairs, numbers and context the extractive generator ranks them by.

Why a module of its own: the analysis depends only on the chunk and the stemmer, so it is
computed once per chunk, the first time any process retrieves the chunk, and stored with the
index (`to_record`/`from_record`, adapters/retrievers/sentences.py), instead of in every
process that answers from the index; not at index build, where analysing every chunk cost
several times the build itself (BENCHMARKS.md, ingest). A change here that changes any unit
must bump ANALYSIS_VERSION (the pinned digest in tests/core/test_analysis.py says when): an
index's stored analysis of an older version is then discarded and worked out anew.

Never a candidate: headings, table header rows, questions (FAQ pages ask them; their words
become context for the answer that follows), page furniture and metadata lines
(`core.boilerplate`), front matter, code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from shipcall.core.boilerplate import is_boilerplate
from shipcall.core.documents import Chunk
from shipcall.core.extract import content_stems, numeric_ranges, pair_string, words_of
from shipcall.core.text import sentence_units, strip_markup

ANALYSIS_VERSION = 3
SKIP_KINDS = frozenset(["heading", "table_header", "table_rule", "front_matter", "rule", "html"])


class Unit(NamedTuple):
    """One answer candidate of a chunk: a sentence, list item or table row. A named tuple: a
    run reads tens of thousands of them back from the index, and tuples are cheap to make."""

    pos: int  # its place among the chunk's sentence units (neighbours are pos ± 1)
    text: str  # as shown to the reader (a table row with its header)
    terms: frozenset[str]  # the content stems of `own`
    pairs: str  # the stems of `own` in order, as extract.pair_sequence (" a b | c d ")
    ranges: tuple[tuple[float, float], ...]  # numbers and intervals it states ("EUR 25,000 to EUR 100,000")
    context: frozenset[str]  # heading path, inner heading, table header, list lead-in, a preceding FAQ question
    kind: str
    block: int
    lead_in: bool  # ends with ":" (a list follows)
    lead: str = ""  # a list item's lead-in sentence ("Report within 1 hour:"), shown with it
    cells: tuple[tuple[int, int], ...] = ()  # a table row's cell values in `text`
    own_text: str = ""  # the sentence as written when `text` differs (a table row's cells); "" otherwise

    @property
    def own(self) -> str:
        """The text its terms, pairs and stems come from."""
        return self.own_text or self.text

    def stems(self) -> tuple[str, ...]:
        """The stem sequence of `own` (phrase matching in the support score), read from `pairs`."""
        return tuple(s for s in self.pairs.split() if s != "|")


def analyse(chunk: Chunk, stem: Callable[[str], str]) -> list[Unit]:
    """The answer candidates of a chunk, in text order (see the module docstring for what is
    skipped). Each sentence's words are found and stemmed once; its terms and pairs come from
    them (no offsets: the few sentences a question's answer span is looked for in are tokenized then)."""
    text = chunk.text

    def terms(s: str) -> frozenset[str]:
        words = words_of(s)
        return content_stems(words, [stem(w) for w in words])

    base_context = terms(" ".join(chunk.heading_path))
    headings = {h.strip().lower() for h in chunk.heading_path}
    out: list[Unit] = []
    inner_heading: frozenset[str] = frozenset()
    table_header: list[str] = []
    faq: tuple[int, frozenset[str]] | None = None  # (block, terms) of a question the document asks
    lead: tuple[str, frozenset[str]] | None = None  # the sentence ending with ":" that opens a list
    for pos, u in enumerate(sentence_units(text)):
        raw = text[u.start:u.end]
        if u.kind != "list_item":
            lead = None  # a list's lead-in reaches its items only
        if u.kind == "heading":
            inner_heading = terms(strip_markup(raw))
            faq = None
            continue
        if u.kind == "table_header":
            table_header = [c.strip() for c in raw.strip().strip("|").split("|")]
            continue
        if u.kind in SKIP_KINDS or is_boilerplate(raw):
            continue
        shown = strip_markup(raw)
        if not shown or shown.lower() in headings:
            continue
        if shown.endswith("?"):
            faq = (u.block, terms(shown))  # a question is never an answer; it introduces one
            continue
        context = base_context | inner_heading
        own_text = shown
        cell_spans: list[tuple[int, int]] = []
        if u.kind == "table_row":
            cells = [c.strip() for c in raw.strip().strip("|").split("|")]
            if table_header:
                context = context | terms(" ".join(table_header))
                if len(cells) == len(table_header):
                    parts: list[str] = []
                    at = 0
                    for h, c in zip(table_header, cells, strict=True):
                        if not c:
                            continue
                        label = f"{h}: " if h else ""
                        start = at + (2 if parts else 0) + len(label)
                        cell_spans.append((start, start + len(c)))
                        parts.append(label + c)
                        at = start + len(c)
                    shown = "; ".join(parts)
        else:
            table_header = []
        if faq is not None and u.block - faq[0] <= 1:
            context = context | faq[1]
        item_lead = ""
        if u.kind == "list_item" and lead is not None:
            context = context | lead[1]
            item_lead = lead[0]
        words = words_of(own_text)
        stems = [stem(w) for w in words]
        own_terms = content_stems(words, stems)
        pairs = pair_string(words, stems)
        out.append(Unit(pos, shown, own_terms, pairs, numeric_ranges(own_text),
                        context, u.kind, u.block, shown.endswith(":"), item_lead, tuple(cell_spans),
                        own_text if own_text != shown else ""))
        if u.kind == "paragraph" and shown.endswith(":"):
            lead = (shown, own_terms)  # a paragraph is shown as written: its terms are its own
    return out


# -- the stored form ------------------------------------------------------------------------------
# One chunk's units as one string, split by control characters (decoding is str.split and a few
# int() calls: JSON's decoder and rebuilding its lists cost several times more, and a run decodes
# every chunk it retrieves). The first field lists each distinct context set once (most units of
# a chunk share their heading's), separated by CONTEXTS; then one row per unit, separated by
# ROWS, its fields by FIELDS: pos, text ("start,end" when it is the chunk's text there, as most
# sentences are; else "=" and the text), terms, pairs, ranges ("low high …", by repr: exact),
# context index, kind, block, lead_in ("1" or ""), lead, cells ("start end …"), own_text. A chunk whose
# strings hold one of the separators is stored as JSON instead (JSON_MARK: the record starts "[").

CONTEXTS, ROWS, FIELDS = "\x1d", "\x1e", "\x1f"
_SEPARATORS = frozenset(CONTEXTS + ROWS + FIELDS)


def to_record(units: list[Unit], chunk_text: str) -> str:
    contexts: dict[frozenset[str], int] = {}
    rows = []
    at = 0
    for u in units:
        ctx = contexts.setdefault(u.context, len(contexts))
        start = chunk_text.find(u.text, at)
        if start < 0:
            start = chunk_text.find(u.text)
        if start >= 0:
            at = start
        text = f"{start},{start + len(u.text)}" if start >= 0 else "=" + u.text
        rows.append([str(u.pos), text, " ".join(sorted(u.terms)), u.pairs,
                     " ".join(f"{a!r} {b!r}" for a, b in u.ranges), str(ctx), u.kind, str(u.block),
                     "1" if u.lead_in else "", u.lead, " ".join(f"{a} {b}" for a, b in u.cells), u.own_text])
    named = [" ".join(sorted(c)) for c in contexts]
    if _SEPARATORS.intersection("".join(named) + "".join(f for row in rows for f in row)):
        return json.dumps([[sorted(c) for c in contexts], rows], ensure_ascii=False)
    return ROWS.join([CONTEXTS.join(named), *(FIELDS.join(row) for row in rows)])


_new_unit = tuple.__new__  # Unit(...) without the Python-level __new__ of a named tuple


def from_record(record: str, chunk_text: str) -> list[Unit]:
    if record.startswith("["):
        head, rows = json.loads(record)
        contexts = [frozenset(c) for c in head]
    else:
        first, *lines = record.split(ROWS)
        contexts = [frozenset(c.split()) for c in first.split(CONTEXTS)]
        rows = [line.split(FIELDS) for line in lines]
    out = []
    for pos, text, terms, pairs, ranges, ctx, kind, block, lead_in, lead, cells, own in rows:
        if text[0] == "=":
            shown = text[1:]
        else:
            a, _, b = text.partition(",")
            shown = chunk_text[int(a):int(b)]
        out.append(_new_unit(Unit, (int(pos), shown, frozenset(terms.split()), pairs,
                                    _pairs(map(float, ranges.split())) if ranges else (),
                                    contexts[int(ctx)], kind, int(block), lead_in == "1", lead,
                                    _pairs(map(int, cells.split())) if cells else (), own)))
    return out


def _pairs(values: Iterator[Any]) -> tuple[tuple[Any, Any], ...]:
    """(a, b), (c, d), … of a, b, c, d, … (zip of one iterator with itself: made in C)."""
    return tuple(zip(values, values, strict=True))
