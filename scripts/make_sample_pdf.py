"""Generate the bundled sample PDF: src/shipcall/sample/docs/legal/code-of-conduct.pdf.

The text lives in this script so the PDF can be rebuilt deterministically:

    python scripts/make_sample_pdf.py

Requires fpdf2 (in the `test` extra). Only core fonts are used, so the text must be latin-1.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

OUT = Path(__file__).resolve().parents[1] / "src" / "shipcall" / "sample" / "docs" / "legal" / "code-of-conduct.pdf"

TITLE = "Northwind Labs Code of Conduct"
SUBTITLE = (
    "Owner: Legal - Version 4.0 - Approved by the Board of Directors on 12 February 2024. "
    "Applies to all employees, contractors and members of the Board of Northwind Labs, Lda. "
    "and Northwind Labs Canada Inc."
)

# (heading, [paragraphs]); a paragraph starting with "- " is rendered as a bullet.
SECTIONS: list[tuple[str, list[str]]] = [
    (
        "1. Why we have a Code of Conduct",
        [
            "Northwind Labs helps retailers decide what to stock, where and when. Our customers trust us with "
            "their sales data and with decisions that affect their business, and our colleagues trust each other "
            "to behave fairly. This Code describes the behaviour we expect from everyone who works for or with "
            "Northwind. It does not try to list every situation; when the Code does not answer your question, ask "
            "yourself whether your action is legal, consistent with our values, and something you would be "
            "comfortable explaining to your team. If you are still unsure, ask Legal at legal@northwindlabs.com.",
            "Managers have an extra responsibility: to set an example, to make sure their teams know this Code, "
            "and to listen and act when someone raises a concern.",
        ],
    ),
    (
        "2. Respect, inclusion and a workplace free of harassment",
        [
            "We treat everyone with respect: colleagues, candidates, customers, vendors and visitors. We do not "
            "tolerate discrimination based on sex, gender identity, sexual orientation, age, ethnic origin, "
            "nationality, religion, disability, pregnancy, family situation or any other characteristic protected "
            "by law in Portugal or in Canada.",
            "Harassment of any kind, including sexual harassment, bullying and repeated unwanted comments, is "
            "prohibited, in the office, online, at company events and on business trips. Anyone who experiences or "
            "witnesses harassment should report it to their manager, the People team or the Speak Up channel. The "
            "People team starts an investigation within 5 working days of receiving a report, and keeps the "
            "reporter informed of its progress.",
        ],
    ),
    (
        "3. Conflicts of interest",
        [
            "A conflict of interest arises when your personal interests could influence, or appear to influence, "
            "your decisions at work. Having a conflict is not wrong in itself; hiding it is. You must declare the "
            "following to your manager and to the People team before the situation starts, or within 30 days of "
            "joining Northwind if it already exists:",
            "- paid outside employment or consulting work, of any size;",
            "- a seat on the board of another company (this also needs the written approval of the General Counsel; "
            "unpaid seats on the boards of charities only need to be declared);",
            "- a financial interest of more than 1% in a customer, vendor or competitor of Northwind;",
            "- a close personal relationship with someone you manage, directly or indirectly, or with someone at a "
            "vendor you select or manage.",
            "Declarations are recorded in Personio and reviewed by Legal. In most cases, the solution is simple: "
            "someone else takes the decision.",
        ],
    ),
    (
        "4. Anti-bribery and corruption",
        [
            "We win business on the merits of Northwind Atlas and never through bribes. You must not offer, give, "
            "request or accept anything of value to improperly influence a decision. Facilitation payments are "
            "prohibited everywhere. Modest gifts and ordinary hospitality are part of business life: you may accept "
            "gifts worth up to EUR 100 or CAD 150 per giver per year without declaring them, and must declare "
            "anything above that in the gifts register, as set out in the Gifts and Hospitality Policy. No gifts "
            "or hospitality may be given to public officials without prior written approval from the General "
            "Counsel.",
        ],
    ),
    (
        "5. Protecting information and company assets",
        [
            "Customer data in Northwind Atlas is Restricted information and may only be accessed for a legitimate "
            "support or engineering reason, following the production access policy. Confidential business "
            "information, such as pricing, roadmaps, financial results and source code, must not be shared outside "
            "Northwind without an NDA and a business reason. These duties continue after you leave Northwind.",
            "Company equipment, accounts and funds are for business use, with reasonable personal use allowed as "
            "described in the Acceptable Use Policy. Deliberately false expense claims are treated as fraud and "
            "lead to dismissal.",
        ],
    ),
    (
        "6. Fair competition",
        [
            "We compete vigorously and fairly. Never discuss prices, discounts, customers, salaries or bidding "
            "plans with competitors, including at industry events and in informal settings. If a competitor raises "
            "these topics, end the conversation, make it clear that you left, and tell Legal the same day. Do not "
            "ask new joiners for confidential information from their previous employers.",
        ],
    ),
    (
        "7. Speaking for Northwind",
        [
            "Only the CEO, the executive team and people authorised by the Marketing team may speak on behalf of "
            "Northwind to journalists, analysts or investors. Send press inquiries to press@northwindlabs.com. On "
            "social media, you are welcome to share public news about Northwind, but make clear that opinions are "
            "your own, and never share confidential information or comment on customers without their consent.",
            "Your political activities are your own. Do not use company time, funds or equipment for them, and do "
            "not suggest that Northwind supports a party or candidate. Northwind makes no political donations.",
        ],
    ),
    (
        "8. Alcohol, drugs and company events",
        [
            "Do not work under the influence of alcohol or drugs, including when you are on call. Alcohol may be "
            "served at company events in moderation, always with non-alcoholic alternatives, and nobody should ever "
            "feel pressured to drink. The behaviour standards of this Code apply in full at offsites, parties and "
            "client events.",
        ],
    ),
    (
        "9. Raising concerns",
        [
            "If you see something that breaks this Code, the law or our policies, speak up. You can talk to your "
            "manager, the People team or Legal, or use the independent Speak Up channel, which accepts anonymous "
            "reports 24/7. Retaliation against anyone who raises a concern in good faith is itself a serious breach "
            "of this Code. The Speak Up Policy describes the process and the deadlines in detail.",
        ],
    ),
    (
        "10. Breaches and acknowledgement",
        [
            "Breaches of this Code may lead to disciplinary action, up to and including dismissal or the "
            "termination of a contractor's agreement, in line with the law of the country of employment. Some "
            "breaches may also be reported to the authorities.",
            "Every employee and contractor acknowledges this Code in Personio within 30 days of joining, and again "
            "every year by 31 March. The Code is reviewed by Legal every two years, or sooner when the law changes, "
            "and approved by the Board of Directors.",
        ],
    ),
]


class CodePDF(FPDF):
    def header(self) -> None:
        if self.page_no() > 1:
            self.set_font("Helvetica", "I", 8)
            self.set_text_color(110, 110, 110)
            self.cell(0, 6, "Northwind Labs - Code of Conduct - Version 4.0 - Internal", align="R")
            self.ln(8)
            self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "I", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def _check_latin1(text: str) -> None:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError as e:
        raise SystemExit(f"non-latin-1 character in PDF text: {text[e.start : e.end]!r} in {text[:60]!r}") from e


def build(out: Path = OUT) -> Path:
    for t in [TITLE, SUBTITLE] + [h for h, _ in SECTIONS] + [p for _, ps in SECTIONS for p in ps]:
        _check_latin1(t)
    pdf = CodePDF(format="A4")
    pdf.set_title(TITLE)
    pdf.set_author("Northwind Labs Legal")
    pdf.set_creation_date(datetime(2024, 2, 12, tzinfo=UTC))
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 9, TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("Helvetica", "I", 9)
    pdf.multi_cell(0, 5, SUBTITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for heading, paragraphs in SECTIONS:
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        pdf.set_font("Helvetica", "", 10)
        for para in paragraphs:
            if para.startswith("- "):
                pdf.set_x(pdf.l_margin + 5)
                pdf.multi_cell(0, 5.2, "- " + para[2:], new_x="LMARGIN", new_y="NEXT")
                pdf.ln(0.5)
            else:
                pdf.multi_cell(0, 5.2, para, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
        pdf.ln(2)
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(out))
    return out


if __name__ == "__main__":
    path = build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    print(f"wrote {path}")
