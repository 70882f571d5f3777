"""Prompts as Jinja2 templates: loading (a user file or the built-in default), hashing, and
rendering into chat messages with the retrieved chunks as numbered, delimited sources.

A template's `{% block system %}` becomes the system message and its `{% block user %}` the
user message; a template without blocks is one user message. Blocks are rendered separately,
so nothing a document contains can open a new message.

Documents are data, not instructions. Every piece of retrieved text reaches the model only
inside a `<source id="n" …>` … `</source>` block of the user message; the system message never
contains document text. Inside a source, anything that would close or open one of the prompt's
own delimiters (`</source>`, `<source`, `<question>`, `</answer>`, …) is escaped (`&lt;/source>`),
so a document cannot end its source early and pose as instructions; attribute values (document
ids, headings) are quoted safely. Jinja2 never evaluates the text of a variable, so `{{ … }}` in
a document stays literal. The built-in prompt also tells the model, in the system message, that
text inside sources which looks like instructions is content and must not be followed.

The same goes for look-alikes of the delimiters, which a model reads as the real thing: text is
NFKC-normalised first (full-width and small-form brackets become `<` and `>`), zero-width
characters (U+200B and kin, hidden inside a tag) are removed, a backslash before the slash
(`<` `\\/source>`) counts as a closing tag, and chat-template tokens (`<|im_start|>`, `<|system|>`,
`[INST]`, `<<SYS>>`) are escaped too. The question gets the same treatment: it cannot open a fake
`<source id="3">` either.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from shipcall.core.documents import ScoredChunk
from shipcall.errors import ConfigError, MissingExtraError

ANSWER_TEMPLATE = "answer.md.j2"
JUDGE_TEMPLATE = "judge.md.j2"

# The prompt's own delimiters: never let document (or answer) text open or close one of them.
_TAGS = ("source", "sources", "question", "answer", "reference_answers")
_DELIMITER = re.compile(r"<(\s*\\?/?\s*)(" + "|".join(_TAGS) + r")\b", re.IGNORECASE)
_CHAT_TOKEN = re.compile(r"<(\|[^|<>\n]{0,40}\|)>|<(/?)<SYS>>|\[(/?)INST\]", re.IGNORECASE)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"), None)


@dataclass(frozen=True)
class Message:
    role: str  # system | user
    content: str


@dataclass(frozen=True)
class Source:
    """One retrieved chunk as the prompt shows it: numbered from 1 in rank order."""

    n: int
    doc_id: str
    chunk_id: str
    section: str
    text: str
    score: float


def neutralise(text: str) -> str:
    """Escape anything in `text` that would open or close one of the prompt's delimiters, or pose
    as a chat-template token, including their zero-width and full-width variants."""
    import unicodedata

    if not text.isascii():
        text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    text = _DELIMITER.sub(lambda m: "&lt;" + m.group(1) + m.group(2), text)

    def chat(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return "&lt;" + m.group(1) + "&gt;"
        if m.group(2) is not None:
            return "&lt;" + m.group(2) + "&lt;SYS&gt;&gt;"
        return "(" + m.group(3) + "INST)"

    return _CHAT_TOKEN.sub(chat, text)


def _attribute(value: str) -> str:
    value = re.sub(r"\s+", " ", value).strip()
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


def attribute(value: str) -> str:
    """`value` made safe to place inside a quoted attribute of the prompt's delimiters."""
    return _attribute(value)


def sources_for(chunks: list[ScoredChunk]) -> list[Source]:
    """The retrieved chunks as numbered, delimiter-safe sources (source n = the chunk ranked n)."""
    return [
        Source(n=i, doc_id=_attribute(sc.chunk.doc_id), chunk_id=sc.chunk.id,
               section=_attribute(" > ".join(sc.chunk.heading_path)), text=neutralise(sc.chunk.text.strip()),
               score=sc.score)
        for i, sc in enumerate(chunks, start=1)
    ]


@dataclass(frozen=True)
class PromptTemplate:
    """A template's source and where it came from (`builtin:answer.md.j2` or a file path)."""

    origin: str
    source: str

    @property
    def sha(self) -> str:
        """The template's content hash: part of a run's identity."""
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()[:12]

    def render(self, **context: Any) -> list[Message]:
        template = _compile(self.origin, self.source)
        try:
            if "user" not in template.blocks:
                if "system" in template.blocks:
                    raise ConfigError("a template with a `system` block needs a `user` block", file=self.origin,
                                      hint="wrap the user message in {% block user %}…{% endblock %}")
                return [Message("user", template.render(**context).strip())]
            ctx = template.new_context(context)
            out = []
            for role in ("system", "user"):
                if role in template.blocks:
                    text = "".join(template.blocks[role](ctx)).strip()
                    if text:
                        out.append(Message(role, text))
            return out
        except ConfigError:
            raise
        except Exception as e:  # jinja2.UndefinedError and friends: the template's fault
            raise ConfigError(f"the prompt template failed to render: {e}", file=self.origin,
                              line=getattr(e, "lineno", None),
                              hint=f"variables available: {', '.join(sorted(context))}") from None


def builtin(name: str) -> PromptTemplate:
    text = resources.files("shipcall").joinpath("prompts", name).read_text(encoding="utf-8")
    return PromptTemplate(f"builtin:{name}", text)


def load_template(path: str | None, *, root: Path | None, default: str, field: str) -> PromptTemplate:
    """The template at `path` (relative to the workspace root), or the built-in `default`."""
    if path is None:
        return builtin(default)
    p = Path(path).expanduser()
    if not p.is_absolute():
        p = (root or Path.cwd()) / p
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"prompt template not found: {p}", field=field,
                          hint="give a path relative to the workspace (the folder of shipcall.yaml)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read prompt template {p}: {e}", field=field) from None
    template = PromptTemplate(str(p), text)
    _compile(template.origin, template.source)  # a syntax error is a config error now, not per item
    return template


_COMPILED: dict[tuple[str, str], Any] = {}


def _compile(origin: str, source: str) -> Any:
    key = (origin, source)
    if key in _COMPILED:
        return _COMPILED[key]
    try:
        import jinja2
    except ImportError:
        raise MissingExtraError("LLM generators need the `llm` extra", hint='pip install "shipcall[llm]"') from None
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False)
    try:
        template = env.from_string(source)
    except jinja2.TemplateSyntaxError as e:
        raise ConfigError(f"prompt template syntax error: {e.message}", file=origin, line=e.lineno,
                          hint="see https://jinja.palletsprojects.com/templates/") from None
    _COMPILED[key] = template
    return template
