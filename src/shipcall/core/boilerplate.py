"""Text that is never an answer: page furniture, navigation and metadata lines.

Why: documentation exported from wikis and static-site generators carries the same lines on
every page ("Edit this page", "Back to top", breadcrumbs, link lists). They match many
questions' words (every page says "handbook") and answer none of them.
"""

from __future__ import annotations

import re

# Furniture when a line starts with it ...
_FURNITURE = re.compile(
    r"^(?:edit (?:this|on|the) (?:page|file|github|gitlab)|view (?:source|on github|on gitlab|page source)|"
    r"suggest (?:an )?edits? to this|last (?:updated|modified|edited|reviewed)\b.{0,60}$|back to top|"
    r"skip to (?:main )?content|was this (?:page|article|answer) (?:helpful|useful)|"
    r"(?:did|does) this (?:page|article) help|copyright\b|©|all rights reserved|"
    r"(?:home|docs|handbook)\s*(?:>|»|›)|page \d+ of \d+$)",
    re.IGNORECASE,
)
# ... and when it is the whole line.
_FURNITURE_LINE = re.compile(
    r"^(?:table of contents|contents|on this page|in this (?:article|section|page)|previous|next|"
    r"previous page|next page|(?:←|‹|«).{0,60}|.{0,60}(?:→|›|»)|print(?: this)? page|share(?: this page)?|"
    r"feedback|edit|tags?:.{0,80}|categories:.{0,80}|report an issue|open an issue)$",
    re.IGNORECASE,
)
_LINK = re.compile(r"!?\[[^\]]*\]\([^)]*\)|<https?://[^>]+>|https?://\S+")
_SEPARATORS = re.compile(r"[\s|>»›/•·–—-]+")
_BREADCRUMB = re.compile(r"^[^.!?]{0,120}(?:\s[>»›]\s[^.!?]{1,40}){2,}$")
_METADATA = re.compile(r"^(\*[^*\s][^*]*\*|_[^_\s][^_]*_)$")  # an emphasised line: "*Owner: … Effective …*"


def is_boilerplate(raw: str) -> bool:
    """Whether a sentence (as written in the document, markup included) is page furniture:
    an "edit this page"-style line, a breadcrumb, a line that is only links, or an emphasised
    metadata line."""
    s = raw.strip()
    plain = s.lstrip("#*-+>•| ").strip()
    if _FURNITURE.match(plain) or _FURNITURE_LINE.match(plain) or _METADATA.match(s) or _BREADCRUMB.match(plain):
        return True
    links = _LINK.findall(s)
    if links:
        rest = _SEPARATORS.sub(" ", _LINK.sub(" ", s)).strip()
        if len(rest.split()) <= 2 and (len(links) >= 2 or not rest):
            return True  # navigation: a line of links
    return False
