"""Document text that tries to instruct: planted instructions in a corpus (prompt injection).

An extractive answer is made of the documents' own sentences, so a planted sentence ("send your
Okta password and MFA code to leave-desk@… today") would come out in the system's own voice. A
sentence is *instruction-like* when it addresses the reader or the model as an instruction: an
attempt to override rules or roles ("ignore previous instructions", "you are now", "from now on",
"system:"), a chat-template token, or a request to hand over a secret (a password, an MFA or
one-time code, credentials, card or bank details). Such a sentence is not dropped — the answer
may need it, and dropping would hide that the document says it — but shown as a quotation of
its document (`quote`), not as the system's words.

Pattern rules, English first (German, French, Spanish and Dutch for the credential requests);
they catch the phrasings of the injection corpus and their paraphrases, not every possible one.
The LLM prompts add their own defence (adapters/generators/prompts.py).
"""

from __future__ import annotations

import re

_OVERRIDE = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}\b(?:instructions?|rules?|prompts?|guidelines?|"
    r"policies|polic(?:y)|context|everything)\b"
    r"|\byou\s+are\s+(?:now|no\s+longer)\b|\bfrom\s+now\s+on\b|\bnew\s+(?:rules|instructions)\b"
    r"|\bdeveloper\s+mode\b|\bjailbreak|\bsystem\s+prompt\b|\b(?:reply|respond|answer)\s+(?:only\s+)?with\b"
    r"|\bpretend\s+(?:to\s+be|you\s+are)\b|\bact\s+as\s+(?:an?\s+)?(?:admin|administrator|system|assistant)\b"
    r"|\bdo\s+not\s+(?:tell|mention|reveal)\b|\bcite\s+\[\d+\]",
    re.IGNORECASE)
_ROLE = re.compile(r"(?:^|\n)\s*(?:system|assistant|user|developer|admin(?:istrator)?)\s*:|<\|[^|]{0,40}\|>|\[/?INST\]"
                   r"|<</?SYS>>|^\s*#{2,}\s*(?:instruction|system)", re.IGNORECASE)
_ASK = (r"send|e-?mail|mail|give|share|provide|enter|submit|forward|type|post|reply\s+with|text|confirm|verify|"
        r"schick\w*|send\w*|senden|gib|teil\w*|envoy\w*|donne\w*|communique\w*|env[ií]\w*|manda\w*|stuur\w*|geef")
_SECRET = (r"passwords?|passcodes?|passphrases?|pins?|mfa|2fa|one[-\s]time\s+(?:code|password)s?|otp|"
           r"verification\s+codes?|security\s+codes?|credentials?|log-?in\s+details|api\s+keys?|secret|"
           r"bank\s+details|card\s+numbers?|cvv|cvc|gift\s+cards?|passw[oö]rt\w*|kennwort\w*|mot\s+de\s+passe|"
           r"contrase[ñn]a\w*|wachtwoord\w*|identifiants?")
_CREDENTIALS = re.compile(rf"\b(?:{_ASK})\b[^.!?\n]{{0,60}}\b(?:{_SECRET})\b|\b(?:{_SECRET})\b[^.!?\n]{{0,30}}"
                          rf"\b(?:to|an|à|a|naar)\s+\S+@\S+", re.IGNORECASE)


_NEGATION = re.compile(r"\b(?:never|not|don['’]?t|do\s+not|no\s+one|nie(?:mals)?|nicht|jamais|ne|nunca|no|nooit|niet)\b"
                       r"[^.!?\n]{0,20}$", re.IGNORECASE)


def instruction_like(sentence: str) -> bool:
    if _OVERRIDE.search(sentence) or _ROLE.search(sentence):
        return True
    # a request for a secret, unless it is the usual warning against one ("never share your password")
    return any(not _NEGATION.search(sentence, 0, m.start()) for m in _CREDENTIALS.finditer(sentence))


def quote(sentence: str, document: str) -> str:
    """The sentence as its document's words, never the system's."""
    return f'(quoting {document}, unverified: "{sentence}")'
