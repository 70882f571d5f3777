"""A narrative as Markdown or as one self-contained HTML page (inline CSS, no script, no
network), with a table of its facts and their sources at the end of each section."""

from __future__ import annotations

import html
import json

from shipcall.core.narrative import Narrative

TITLES = {"exec": "For executives: business risk", "expert": "For domain experts: impact on your work",
          "legal": "For legal: privacy and accountability"}


def to_markdown(n: Narrative) -> str:
    out = [f"# {TITLES.get(n.audience, n.audience)} — decision #{n.decision_id}: {n.verdict}", "", n.headline, ""]
    for s in n.sections[1:] if n.sections and n.sections[0].text.startswith(n.headline) else n.sections:
        out += [f"## {s.title}", "", s.text, ""]
    sources = sorted({f.source for s in n.sections for f in s.facts})
    if sources:
        out += ["---", "", "Sources: " + ", ".join(f"`{x}`" for x in sources) + " (`shipcall explain --format json` "
                "lists every number with its source).", ""]
    return "\n".join(out)


def to_json(n: Narrative) -> str:
    return json.dumps(n.to_dict(), indent=2, ensure_ascii=False)


CSS = """body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem}.verdict{font-size:1.15rem;padding:.8rem 1rem;
border-radius:.4rem;background:#f2f4f7}.WAIT{border-left:.4rem solid #c2410c}.SHIP{border-left:.4rem solid #15803d}
pre{white-space:pre-wrap;font:inherit;margin:0}table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0;
width:100%}td,th{border-bottom:1px solid #ddd;padding:.2rem .4rem;text-align:left;overflow-wrap:anywhere}
details{margin:.3rem 0;color:#555}"""


def to_html(n: Narrative) -> str:
    e = html.escape
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8>"
             f"<meta name=viewport content='width=device-width,initial-scale=1'>"
             f"<title>{e(TITLES.get(n.audience, n.audience))} — decision #{n.decision_id}</title><style>{CSS}</style>"
             f"</head><body><h1>{e(TITLES.get(n.audience, n.audience))} — decision #{n.decision_id}</h1>",
             f"<p class='verdict {e(n.verdict)}'>{e(n.headline)}</p>"]
    for s in n.sections:
        parts.append(f"<h2>{e(s.title)}</h2><pre>{e(s.text)}</pre>")
        if s.facts:
            rows = "".join(f"<tr><td>{e(f.display)}</td><td>{e(f.name)}</td><td>{e(f.source)}</td></tr>"
                           for f in s.facts)
            parts.append(f"<details><summary>Where these numbers come from</summary><table><tr><th>shown</th>"
                         f"<th>fact</th><th>source</th></tr>{rows}</table></details>")
    parts.append("</body></html>")
    return "\n".join(parts)
