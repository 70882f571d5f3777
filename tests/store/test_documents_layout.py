"""How the store lays out documents: rows inserted so that SQLite's pages come out full
(adapters/store/packing.py), and the sections column with each heading path's shared prefix
stored once (decode.sections_json), read back exactly, old rows included."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

from shipcall.adapters.store.decode import sections_json, sections_of
from shipcall.adapters.store.packing import cell_size, packed_order
from shipcall.adapters.store.store import PAGE_SIZE
from shipcall.core.documents import Section


def _pages(path: Path, rows: list[tuple[int, str]]) -> int:
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA page_size={PAGE_SIZE}")
    db.execute("CREATE TABLE t (id TEXT PRIMARY KEY, text TEXT NOT NULL)")
    db.executemany("INSERT INTO t VALUES (?, ?)", [(f"doc-{i:05d}", text) for i, text in rows])
    db.commit()
    n = db.execute("PRAGMA page_count").fetchone()[0]
    got = dict(db.execute("SELECT id, text FROM t"))
    db.close()
    assert got == {f"doc-{i:05d}": text for i, text in rows}  # the same rows, whatever the order
    return n


def test_packed_rows_fill_the_pages(tmp_path: Path) -> None:
    rng = random.Random(7)
    texts = ["é" * rng.randrange(5, 40) + "x" * int(rng.lognormvariate(7.4, 0.6)) for _ in range(3000)]
    rows = list(enumerate(texts))
    order = packed_order([cell_size([f"doc-{i:05d}", t], PAGE_SIZE) for i, t in rows], PAGE_SIZE)
    assert sorted(order) == list(range(len(rows)))
    natural = _pages(tmp_path / "natural.db", rows)
    packed = _pages(tmp_path / "packed.db", [rows[i] for i in order])
    data = sum(len(t.encode()) for t in texts)
    assert packed < natural * 0.95  # about half a row a page left empty before
    assert packed * PAGE_SIZE < data * 1.06 + 40 * PAGE_SIZE  # the primary-key index's pages beside


def test_a_row_larger_than_a_page_keeps_its_place_in_the_order() -> None:
    sizes = [cell_size(["big", "x" * 100_000], PAGE_SIZE), *(cell_size(["s", "y" * n], PAGE_SIZE) for n in (10, 3000))]
    assert max(sizes) < PAGE_SIZE  # its overflow goes to other pages; a part stays on the leaf
    assert sorted(packed_order(sizes, PAGE_SIZE)) == [0, 1, 2]


def test_sections_round_trip_and_old_rows_read_as_before() -> None:
    cases = [
        (),
        (Section(("Title",), 0, 10),),
        (Section(("A",), 0, 10), Section(("A", "B"), 10, 20), Section(("A", "C"), 25, 30), Section((), 30, 31),
         Section(("X", "1"), 31, 40), Section(("X",), 35, 50)),
        (Section((), 5, 9), Section((), 9, 12), Section(("7",), 12, 14), Section(("7", "8"), 14, 14)),
    ]
    for sections in cases:
        raw = sections_json(sections)
        assert sections_of(raw) == sections
        old = json.dumps([[list(s.heading_path), s.start, s.end] for s in sections])
        assert sections_of(old) == sections
    long = tuple(Section(("Guide", "Part", f"Step {i}"), i * 10, i * 10 + 10) for i in range(50))
    assert len(sections_json(long)) < 0.5 * len(json.dumps([[list(s.heading_path), s.start, s.end] for s in long]))
