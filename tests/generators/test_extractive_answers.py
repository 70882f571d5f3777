"""The extractive generator on real files: answers that read right (hard-wrapped Markdown, HTML, PDF
and text), the span of the asked type with its sentence as context, questions/headings/page
furniture never answering, table rows with their header, and no answer glued from two places."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from shipcall.app.demo import sample_path

POLICY = ("Employees who travel for more than ten days in a row may book one flight home at the company's "
          "expense, provided the trip is approved by their manager before departure. Tickets are booked "
          "through the travel desk, never on a personal card.")


def workspace(tmp_path: Path, files: dict[str, str | bytes]) -> Any:
    from shipcall.app.ingest import ingest
    from shipcall.app.init import init_workspace
    from shipcall.app.workspace import Workspace

    corpus = tmp_path / "corpus"
    for name, content in files.items():
        p = corpus / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    ws = Workspace(init_workspace(tmp_path / "ws"))
    ingest(ws, str(corpus))
    return ws


def ask(ws: Any, question: str, variant: str | None = None) -> dict[str, Any]:
    from shipcall.app.feature import Feature

    f = Feature.open(ws, variant)
    return f.answer(question).to_dict(f.name)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def pdf_bytes(paragraphs: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for p in paragraphs:
        pdf.multi_cell(0, 6, p)  # wraps at the page width: one visual line per PDF text line
        pdf.ln(3)
    return bytes(pdf.output())


WRAPPED = "\n".join(textwrap.wrap(POLICY, 60))


HARD_WRAPPED = {
    "travel.md": lambda: f"# Travel\n\n## Flights home\n\n{WRAPPED}\n",
    "travel.txt": lambda: f"Travel policy\n\n{WRAPPED}\n",
    "travel.html": lambda: f"<html><body><h1>Travel</h1><h2>Flights home</h2>\n<p>{WRAPPED}</p></body></html>",
    "travel.pdf": lambda: pdf_bytes(["Travel policy", POLICY, "Questions go to the travel desk."]),
}


@pytest.mark.parametrize("name", list(HARD_WRAPPED))
def test_hard_wrapped_documents_answer_with_whole_sentences(tmp_path: Path, name: str) -> None:
    assert "\n" in WRAPPED  # the source really is hard-wrapped
    ws = workspace(tmp_path, {name: HARD_WRAPPED[name]()})
    body = ask(ws, "Can I book a flight home when I travel for more than ten days?")
    assert not body["abstained"], body
    first = POLICY.split(". ")[0] + "."
    assert first in body["context"], body["context"]
    assert body["context"].index(first) == 0 or POLICY.split(". ")[1] not in body["context"][:len(first)]


def test_ask_json_has_the_answer_span_its_context_and_citations(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"hr/time-off.md": (
        "# Time off\n\n## Allowance\n\nFull-time employees receive 20 days of paid time off per calendar year.\n"
        "Part-time employees receive a pro-rated allowance.\n\n## Contact\n\nWrite to people@example.com "
        "with questions.\n")})
    body = ask(ws, "How many days of paid time off do full-time employees get?")
    assert set(body) >= {"variant", "answer", "context", "citations", "abstained", "support", "near_misses",
                         "latency_ms"}
    assert body["answer"].startswith("20 days") and body["answer"] in body["context"]
    assert "Full-time employees receive 20 days of paid time off per calendar year." in body["context"]
    assert body["citations"][0]["doc_id"] == "hr/time-off.md"
    assert ask(ws, "What is the e-mail address for questions about time off?")["answer"] == "people@example.com"


def test_questions_headings_and_page_furniture_never_answer(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"eng/releases.md": (
        "---\ntitle: Releases\nlayout: handbook\n---\n[Home](/) > [Engineering](/eng) > Releases\n\n"
        "# Releases\n\n## FAQ\n\n### How often do new releases ship?\n\nWe ship a new release every two weeks, "
        "on Tuesdays.\n\n**How often do hotfixes ship?**\n\nHotfixes ship whenever the on-call engineer "
        "decides.\n\n[Edit this page](https://git.example.com/edit/releases.md)\n\nLast updated: 3 March 2024\n")})
    body = ask(ws, "How often do new releases ship?")
    assert not body["abstained"] and "every two weeks" in body["context"]
    assert "?" not in body["context"] and body["answer"] == "every two weeks"
    hotfix = ask(ws, "How often do hotfixes ship?")
    assert "whenever the on-call engineer decides" in hotfix["context"] and "?" not in hotfix["context"]
    for q in ("Where can I edit this page?", "When was the releases page last updated?", "What is the layout?"):
        b = ask(ws, q)
        assert b["abstained"] or not re.search(r"Edit this page|Last updated|layout|Home", b["context"]), b


def test_table_rows_come_with_their_header(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"it/plans.md": (
        "# Software plans\n\n## Chat tool\n\nWe buy the chat tool per team.\n\n| Plan | Monthly cost |\n"
        "|------|-------------:|\n| Team | $1,850 |\n| Enterprise | $4,200 |\n"),
        "finance/approvals.html": (
        "<h1>Approvals</h1><h2>Operating expenses</h2><table><tr><th>Total value</th><th>Approver</th></tr>"
        "<tr><td>Up to EUR 25,000</td><td>Director</td></tr><tr><td>EUR 25,000 to EUR 100,000</td>"
        "<td>VP of the department</td></tr><tr><td>Above EUR 100,000</td><td>CFO</td></tr></table>")})
    body = ask(ws, "How much does the Enterprise plan of the chat tool cost per month?")
    assert body["answer"] == "$4,200" and "Monthly cost" in body["context"] and "Enterprise" in body["context"]
    who = ask(ws, "Who approves an operating expense of EUR 60,000?")
    assert "VP of the department" in who["answer"] and "Approver" in who["context"], who


def test_a_list_item_comes_with_its_lead_in(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {"security/lost.md": (
        "# Lost devices\n\nReport these to security@example.com within 1 hour of noticing:\n\n"
        "- a lost or stolen laptop,\n  phone or badge;\n- a lost YubiKey.\n")})
    body = ask(ws, "What is the reporting deadline for a lost YubiKey?")
    assert "within 1 hour" in body["context"] and "YubiKey" in body["context"]
    assert body["context"].index("within 1 hour") < body["context"].index("YubiKey")  # document order


POLICIES = {
    "finance/purchasing.md": (
        "# Purchasing\n\n## Quotes and approvals\n\n| Total value | Quotes required | Approver |\n|---|---|---|\n"
        "| Up to EUR 25,000 | 1 quote | Budget owner |\n"
        "| EUR 25,000 to EUR 100,000 | 3 quotes | VP of the department |\n"
        "| Above EUR 100,000 | 3 quotes and a tender | CFO |\n\n## Paying vendors\n\nNever pay a vendor whose bank "
        "details arrived or changed by email without the call-back check. Finance calls the vendor on a number "
        "from the contract.\n"),
    "finance/entertainment.md": (
        "# Client entertainment\n\n| Rule | Lisbon | Toronto |\n|---|---|---|\n"
        "| Cap per person | EUR 85 | CAD 125 |\n| Approver | Director | Director |\n"),
    "it/ai-tools.md": (
        "# AI tools\n\nTwo AI assistants are approved: the company ChatGPT Enterprise workspace and GitHub "
        "Copilot Business for engineers. Both are configured so that our data is not used for training.\n"),
}


def test_an_answer_span_is_of_the_asked_type_or_the_sentence_answers(tmp_path: Path) -> None:
    """Spans that make no sense are never answers: a table's header label, a word capitalised only
    because a sentence starts with it; a question asking for two things or for a list, or a row
    with one answer per column the question does not choose between, is answered by the row or
    sentence itself."""
    ws = workspace(tmp_path, POLICIES)
    labels = {"Total value", "Quotes required", "Approver", "Rule", "Lisbon", "Toronto"}
    questions = {
        "Who approves a purchase of EUR 60,000, and how many quotes are required?": "3 quotes",
        "What is the per-person cap for client entertainment?": "CAD 125",
        "A vendor says their bank details changed. What check happens before we pay them?": "call-back",
        "Which AI assistants are approved for work?": "GitHub Copilot Business",
        "Who approves client entertainment in Toronto?": "Director",
    }
    for question, needed in questions.items():
        body = ask(ws, question)
        answer, context = body["answer"], body["context"]
        assert not body["abstained"] and needed in context, (question, body)
        assert answer not in labels, (question, answer)
        first = re.match(r"\w+", context)
        assert answer != (first.group(0) if first else ""), (question, answer)  # never a sentence-start word
    several = ask(ws, "Who approves a purchase of EUR 60,000, and how many quotes are required?")
    assert several["answer"] == several["context"] and "VP of the department" in several["answer"]
    assert "EUR 85" in ask(ws, "What is the per-person cap for client entertainment?")["answer"]  # both columns
    assert ask(ws, "What is the per-person cap for client entertainment in Lisbon?")["answer"] == "EUR 85"
    tools = ask(ws, "Which AI assistants are approved for work?")["answer"]
    assert "ChatGPT Enterprise" in tools and "GitHub Copilot Business" in tools  # the list is kept
    assert "call-back" in ask(ws, "What check happens before we pay a vendor whose bank details changed?")["answer"]


def test_the_answer_of_the_asked_kind_comes_from_the_section_of_the_best_sentence(tmp_path: Path) -> None:
    """The sentence most like the question often does not hold the answer of the asked kind; the
    best one of its section that does joins it, in document order, shown apart (" … ") when the
    two do not follow each other."""
    ws = workspace(tmp_path, {"facilities/rooms.md": (
        "# Meeting rooms\n\n## Check-in and release\n\nIf nobody checks in, the room is released automatically "
        "and the booking is removed from the calendar.\n\nEvery room has a touch panel by the door.\n\n"
        "Tap Check in on the panel within 10 minutes of the start time.\n\n## Equipment\n\nRooms have a "
        "screen and a camera.\n")})
    body = ask(ws, "If nobody checks in to a booked room, how long until the room is released?")
    assert body["answer"] == "within 10 minutes", body
    context = body["context"]
    assert context.index("If nobody checks in") < context.index("within 10 minutes")  # document order
    assert " … " in context and "touch panel" not in context  # two places, shown apart, nothing between


def test_a_row_for_another_amount_never_joins_the_context(tmp_path: Path) -> None:
    """The section's answer of the asked kind joins the best sentence only where the amount the
    question names holds in it too."""
    ws = workspace(tmp_path, {"finance/quotes.md": (
        "# Purchasing\n\n## Quotes\n\n| Total value | Quotes required |\n|---|---|\n| Up to EUR 25,000 | 1 quote |\n"
        "| EUR 25,000 to EUR 100,000 | 3 quotes |\n| Above EUR 100,000 | 3 quotes and a tender run by the CFO |\n")})
    body = ask(ws, "Who approves a purchase of EUR 60,000, and how many quotes are required?")
    assert "EUR 25,000 to EUR 100,000" in body["context"], body
    assert "Above EUR 100,000" not in body["context"] and "CFO" not in body["answer"], body


# --- no answer is glued from two places --------------------------------------------------------


def hard_wrap_markdown(text: str, width: int = 72) -> str:
    """Wrap every paragraph and list item of a Markdown file at `width` columns (headings, tables,
    code and metadata lines stay as they are), as many handbooks are written."""
    out: list[str] = []
    fence = False
    for line in text.split("\n"):
        if line.startswith("```"):
            fence = not fence
        m = re.match(r"(\s*(?:[-*+]|\d+\.)\s+)", line)
        if fence or not line.strip() or line.lstrip().startswith(("#", "|", ">")) or len(line) <= width:
            out.append(line)
        elif m:
            out.extend(textwrap.wrap(line, width, subsequent_indent=" " * len(m.group(1))))
        else:
            out.extend(textwrap.wrap(line, width))
    return "\n".join(out)


def hard_wrap_html(text: str, width: int = 72) -> str:
    """Wrap the source lines of an HTML file (a newline is white space in HTML)."""
    return "\n".join("\n".join(textwrap.wrap(line, width)) if len(line) > width else line
                     for line in text.split("\n"))


def contiguous(piece: list[str], doc: list[str]) -> bool:
    n = len(piece)
    return n == 0 or any(doc[i:i + n] == piece for i in range(len(doc) - n + 1))


def read_whole(piece: str, doc: list[str]) -> bool:
    """A piece of context reads as one place of the document: its words stand together in it, or
    for a table row shown as "Header: cell; Header: cell", each cell's words do."""
    if contiguous(words(piece), doc):
        return True
    cells = [c.split(": ", 1)[-1] for c in piece.split("; ")]
    return len(cells) > 1 and all(contiguous(words(c), doc) for c in cells)


def test_no_answer_of_a_run_on_hard_wrapped_documents_is_glued_from_two_places(tmp_path: Path) -> None:
    from shipcall.app.datasets import import_dataset
    from shipcall.app.ingest import ingest
    from shipcall.app.init import init_workspace
    from shipcall.app.run import run
    from shipcall.app.workspace import Workspace

    src = sample_path() / "docs"
    corpus = tmp_path / "docs"
    shutil.copytree(src, corpus)
    wrapped = 0
    for p in corpus.rglob("*"):
        if p.suffix == ".md":
            p.write_text(hard_wrap_markdown(p.read_text(encoding="utf-8")), encoding="utf-8")
            wrapped += 1
        elif p.suffix == ".html":
            p.write_text(hard_wrap_html(p.read_text(encoding="utf-8")), encoding="utf-8")
            wrapped += 1
    assert wrapped > 40  # the PDF in the sample is hard-wrapped already
    ws = Workspace(init_workspace(tmp_path / "ws"))
    ingest(ws, str(corpus))
    ds = ws.store.load_dataset("sample", import_dataset(ws, str(sample_path() / "dataset.jsonl"), "sample").version)
    r = run(ws, ds, "baseline").run
    docs = {d.id: words(d.text) for d in ws.store.documents()}
    answered = [x for x in ws.store.item_results(r.id) if not x.abstained]
    assert len(answered) > 100
    glued = []
    for res in answered:
        doc_ids = {c.doc_id for c in res.citations}
        assert len(doc_ids) == 1, res  # one place: one document
        doc = docs[doc_ids.pop()]
        # a planted instruction is shown as a quotation of its document (core/injection.py): unwrap it
        texts = [re.sub(r'^\(quoting [^,]+, unverified: "(.*)"\)$', r"\1", t, flags=re.S)
                 for t in (res.context, res.answer)]
        # "\n- " starts a list item; " … " marks left-out text between two places of one section
        pieces = [p.strip() for text in texts for item in text.split("\n- ") for p in item.split(" … ")]
        for piece in pieces:
            for sentence in re.split(r"(?<=[.!?:])\s+(?=[A-Z0-9])", piece):
                if not read_whole(sentence, doc):
                    glued.append((res.item_id, sentence))
    assert not glued, json.dumps(glued[:5], indent=1)
    assert r.metrics["contains_answer"] > 0.5  # hard wrapping does not hurt the answers
