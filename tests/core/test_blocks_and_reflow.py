"""Text that reads right: hard-wrapped lines join into sentences, list items and table rows stay
whole, nothing is reordered (core/blocks.py, core/text.py, core/reflow.py)."""

from __future__ import annotations

import re

from shipcall.core.reflow import reflow_pages
from shipcall.core.text import sentence_units, split_sentences, strip_markup

WRAPPED_MD = """\
---
title: Vulnerability disclosure
nav_order: 3
---
# Reporting a vulnerability

If you have found a high or critical severity vulnerability in one of our
products, please reach out to security@example.com and we will assess whether
it qualifies for the bounty. We answer within two
business days.

- Include the affected version, the steps to reproduce and
  the impact you observed.
- Do not test against customer
accounts.

> Reports are triaged by the on-call security engineer, who
> replies in English. Encrypt sensitive details.

| Plan | Monthly cost |
|------|-------------:|
| Team | $1,850 |
| Enterprise | $4,200 |

How often do new releases ship?
-------------------------------

Every two weeks, on
Tuesdays.
"""


def shown(text: str) -> list[tuple[str, str]]:
    return [(u.kind, strip_markup(text[u.start:u.end])) for u in sentence_units(text)]


def test_hard_wrapped_markdown_reads_as_whole_sentences() -> None:
    got = shown(WRAPPED_MD)
    assert ("paragraph", "If you have found a high or critical severity vulnerability in one of our products, "
            "please reach out to security@example.com and we will assess whether it qualifies for the "
            "bounty.") in got
    assert ("paragraph", "We answer within two business days.") in got
    assert ("list_item", "Include the affected version, the steps to reproduce and the impact you observed.") in got
    assert ("list_item", "Do not test against customer accounts.") in got  # a lazy continuation line
    assert ("quote", "Reports are triaged by the on-call security engineer, who replies in English.") in got
    assert ("table_header", "Plan | Monthly cost") in got and ("table_row", "Team | $1,850") in got
    assert ("heading", "How often do new releases ship?") in got  # a setext heading
    assert ("paragraph", "Every two weeks, on Tuesdays.") in got
    assert [k for k, _ in got[:2]] == ["front_matter", "front_matter"]


def test_sentences_keep_the_documents_order_and_offsets() -> None:
    units = sentence_units(WRAPPED_MD)
    starts = [u.start for u in units]
    assert starts == sorted(starts)
    # every unit is a slice of the original text: nothing is rewritten, so citations stay exact
    for u in units:
        words = re.findall(r"\w+", WRAPPED_MD[u.start:u.end])
        assert " ".join(words) in " ".join(re.findall(r"\w+", WRAPPED_MD))


def test_a_line_break_between_blocks_still_ends_a_sentence() -> None:
    text = "Intro line\n# Heading\nNext paragraph starts here\n- item one\n- item two\n"
    assert split_sentences(text) == ["Intro line", "Heading", "Next paragraph starts here", "item one", "item two"]


def test_markdown_links_read_as_their_text() -> None:
    assert strip_markup("See the [expense policy](../finance/expenses.md) and <https://x.org/a>.") == \
        "See the expense policy and https://x.org/a."


def test_pdf_lines_are_rebuilt_into_paragraphs_across_pages() -> None:
    page1 = ("Acme Travel Policy\n"
             "Employees book flights through the travel desk at least fourteen days before the\n"
             "departure date. Economy class applies to every flight shorter than six hours; longer\n"
             "flights may be booked in premium economy.\n"
             "1. Hotels\n"
             "Hotels are booked through Navan. The nightly cap is EUR 180 in Lisbon and the employ-\n"
             "ee pays any difference above the cap unless a manager approves it in writing before\n"
             "Page 1 of 2")
    page2 = ("Acme Travel Policy - Internal\n"
             "the stay.\n"
             "- receipts are kept for seven years;\n"
             "- lost receipts are declared in the expense tool.\n")
    flow = reflow_pages([page1, page2])
    sentences = split_sentences(flow.text)
    assert ("Employees book flights through the travel desk at least fourteen days before the departure date."
            in sentences)
    assert ("The nightly cap is EUR 180 in Lisbon and the employee pays any difference above the cap unless a "
            "manager approves it in writing before the stay.") in sentences
    assert "Page 1 of 2" not in flow.text and "Internal" not in flow.text  # running footer and header
    assert "receipts are kept for seven years;" in sentences
    assert [h for _, h in flow.headings] == ["Acme Travel Policy", "1. Hotels"]
    assert flow.page_starts[0] == 0 and flow.page_starts[1] is not None
    assert flow.text.index("the stay.") < flow.text.index("receipts are kept")  # never reordered


def test_a_line_opening_with_a_letter_is_the_paragraph_the_parser_finds() -> None:
    """blocks() skips markdown-it for one line opening with a letter; the parser agrees on
    lines holding every kind of markup after that letter."""
    from shipcall.core.blocks import _parsed_blocks, blocks

    lines = ["Plain sentence.", "A", "Hello <div>x</div> there", "a [b]: c", "Abc    def | x |", "Ab\x00c",
             "Über alles", "ª test", "Test | a | b |", "Aaa ***", "a\u2028b", "a\u0085b", "a\x0cb", "a\x0bb",
             "é`code` and *emphasis* and [a link](http://x)", "Wow --- rule?", "Item 1. Two) three - four",
             "Title\t# not a heading", "x > quote", "Z ```fence```", "Name: value", "ǅ title", "Ⅻ roman"]
    for line in lines:
        assert [(b.kind, b.lines) for b in blocks(line)] == [(b.kind, b.lines) for b in _parsed_blocks(line)], line
    assert blocks("- item")[0].kind == "list_item" and blocks("# Title")[0].kind == "heading"
