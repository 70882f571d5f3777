"""The order to insert rows into a SQLite rowid table in so that its pages come out full.

Why: SQLite appends a new row to the table's last page, and when the row does not fit in what is
left of it, starts a new page (btree.c, `balance_quick`): what was left stays empty for good. With
documents of a few KiB on 16 KiB pages that is half a document a page, 8% of a Markdown corpus's
store (4.3 MB of 51 MB for 20,000 documents, BENCHMARKS.md, ingest section). Inserting, each time,
the largest remaining row that fits in what the last page has left fills the pages to within a few
bytes. Only the order of the rows changes (their rowids, which nothing reads: every query orders
by id or looks rows up by it).

The size of a row's cell is worked out as SQLite lays it out (https://sqlite.org/fileformat2.html,
"B-tree Pages" and "Record Format"): the record (a header of varints, then the values), the
payload's length and the rowid as varints, a 2-byte cell pointer, and for a row larger than a page
the part kept on the page (the rest goes to overflow pages). It is rounded up, never down: a row
estimated too large only leaves a few bytes more.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

PAGE_HEADER = 8  # a leaf page's header
ROWID_BYTES = 9  # the largest varint: the rowids a table will give are not known here


def _varint(n: int) -> int:
    size = 1
    while n > 0x7F and size < 9:
        n >>= 7
        size += 1
    return size


def _value_bytes(v: Any) -> tuple[int, int]:
    """(its serial type's varint size, its bytes) of a text, blob, integer or NULL value."""
    if v is None:
        return 1, 0
    if isinstance(v, str):
        n = len(v) if v.isascii() else len(v.encode("utf-8"))
        return _varint(2 * n + 13), n
    if isinstance(v, bytes):
        return _varint(2 * len(v) + 12), len(v)
    return 1, 8  # an integer or a float: at most 8 bytes


def cell_size(values: Sequence[Any], page_size: int) -> int:
    """The bytes a row of `values` (in the table's column order) takes on a leaf page, at most."""
    types, data = 0, 0
    for v in values:
        t, d = _value_bytes(v)
        types += t
        data += d
    header = types + _varint(types + 1)
    payload = header + data
    usable = page_size
    most = usable - 35  # the largest payload kept whole on a table leaf page
    if payload > most:  # the rest goes to overflow pages; this much stays, with a 4-byte page number
        least = (usable - 12) * 32 // 255 - 23
        local = least + (payload - least) % (usable - 4)
        payload = (local if local <= most else least) + 4
    return _varint(payload) + ROWID_BYTES + payload + 2


def packed_order(sizes: Sequence[int], page_size: int) -> list[int]:
    """The positions of rows of `sizes` bytes (cell_size) in the order that fills each page: the
    largest that fits in what the page has left, else a new page."""
    room_per_page = page_size - PAGE_HEADER
    by_size: dict[int, list[int]] = {}
    for i, s in enumerate(sizes):
        by_size.setdefault(s, []).append(i)
    distinct = sorted(by_size)
    out: list[int] = []
    room = room_per_page
    while distinct:
        at = bisect.bisect_right(distinct, room) - 1
        if at < 0:
            if room == room_per_page:  # larger than a page even empty (not a cell SQLite makes): last
                out.extend(i for s in distinct for i in by_size[s])
                break
            room = room_per_page
            continue
        size = distinct[at]
        bucket = by_size[size]
        out.append(bucket.pop())
        if not bucket:
            del distinct[at]
        room -= size
    return out
