"""Make matplotlib's SVG output fit to inline in an HTML page: several plots per page, under a
Content-Security-Policy that forbids inline styles, scaling with the page.

- `style="fill: #fff; stroke: #000"` attributes become presentation attributes (`fill="#fff"`),
  which no CSP blocks; the `<style>` block matplotlib puts in `<defs>` becomes attributes of the
  root element (its two rules are inherited properties);
- ids (clip paths, markers) get a per-plot prefix, and every `#id` reference follows, so two
  plots on one page never share an id;
- the XML prolog, DOCTYPE and RDF metadata go; a `<title>` and a `<desc>` (the plotted numbers
  in words, for screen readers and text search) come first; width and height are dropped so the
  viewBox scales the plot to its container (the CSS sets the width).

Parsed with the standard library's ElementTree, not regular expressions over markup.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)
_HREF = f"{{{XLINK_NS}}}href"
_URL_REF = re.compile(r"url\(#([^)]+)\)")


def _style_pairs(style: str) -> list[tuple[str, str]]:
    out = []
    for decl in style.split(";"):
        name, sep, value = decl.partition(":")
        if sep and name.strip() and value.strip():
            out.append((name.strip(), value.strip()))
    return out


def inline_svg(svg_text: str, *, prefix: str, title: str, desc: str = "", css_class: str = "plot") -> str:
    """matplotlib's SVG document → an `<svg>` element to place in HTML (see the module docstring)."""
    root = ET.fromstring(svg_text)
    tag = lambda name: f"{{{SVG_NS}}}{name}"  # noqa: E731 - a local shorthand
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == tag("metadata"):
                parent.remove(child)
            elif child.tag == tag("style"):
                for _, body in re.findall(r"([^{]*)\{([^}]*)\}", child.text or ""):
                    for name, value in _style_pairs(body):
                        root.set(name, value)
                parent.remove(child)
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    for el in root.iter():
        if el.tag == tag("a") and el.get(_HREF, "").startswith("#"):
            el.attrib.pop("target", None)  # an in-page link (matplotlib adds target="_blank")
        style = el.attrib.pop("style", None)
        if style:
            for name, value in _style_pairs(style):
                el.set(name, value)
        if "id" in el.attrib:
            el.set("id", f"{prefix}-{el.get('id')}")
        for attr, value in list(el.attrib.items()):
            if attr in (_HREF, "href") and value.startswith("#") and value[1:] in ids:
                el.set(attr, f"#{prefix}-{value[1:]}")
            elif "url(#" in value:
                el.set(attr, _URL_REF.sub(lambda m: f"url(#{prefix}-{m.group(1)})" if m.group(1) in ids
                                          else m.group(0), value))
    for attr in ("width", "height"):
        root.attrib.pop(attr, None)
    root.set("class", css_class)
    root.set("role", "img")
    root.set("aria-labelledby", f"{prefix}-title {prefix}-desc")
    t = ET.Element(tag("title"), {"id": f"{prefix}-title"})
    t.text = title
    d = ET.Element(tag("desc"), {"id": f"{prefix}-desc"})
    d.text = desc or title
    root.insert(0, d)
    root.insert(0, t)
    return ET.tostring(root, encoding="unicode")
