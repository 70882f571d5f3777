"""What kind of answer a question asks for, read from its wording, and where answers of that
kind stand in a sentence.

Types: `number`, `money`, `duration` (also frequencies: "every Monday"), `date` (also times and
weekdays), `person` (people, roles, teams, organisations), `contact` (e-mail, URL, chat
channel, phone), `yesno`, `definition`, `procedure`, and `other` (a thing or a name: "What
program…", "Which tool…", "Where…").

Why by hand: the only model shipcall may load is a sentence encoder, so there is no tagger or
entity recogniser to lean on; the question words of English ("how many", "when", "who") and the
surface forms of amounts, dates and addresses are regular enough for patterns, and patterns are
fast, offline and explainable. A question of no recognised kind gets `other`; every caller falls
back to the whole sentence when no span of the asked kind is found.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

AnswerType = Literal["number", "money", "duration", "date", "person", "contact", "yesno", "definition",
                     "procedure", "other"]
# Types answered with the whole sentence (or list): a span would drop what the reader needs.
SENTENCE_TYPES: frozenset[str] = frozenset(["yesno", "definition", "procedure"])

_I = re.IGNORECASE
_AUX = ("is", "are", "was", "were", "do", "does", "did", "can", "could", "should", "may", "might", "must",
        "will", "would", "shall", "has", "have", "had", "am", "isn't", "aren't", "don't", "doesn't", "can't")
_MONEY_WORDS = (r"cost|costs|price|prices|priced|fee|fees|salary|salaries|wage|budget|spend|spent|spending|"
                r"pay|paid|pays|payment|charge|charged|reimburs\w*|allowance|per diem|stipend|expense\w*|"
                r"dollars?|euros?|pounds?|money|worth|revenue|ceiling|cap|limit|afford|fund\w*|bonus|"
                r"compensat\w*|refund\w*")
_TIME_UNITS = (r"(?:milli)?seconds?|minutes?|mins?|hours?|hrs?|days?|nights?|weeks?|fortnights?|months?|"
               r"quarters?|years?|yrs?|decades?|centur(?:y|ies)|sprints?|shifts?")

_RULES: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    ("number", re.compile(r"\b(what|which) (percentage|percent|proportion|fraction|share|ratio)\b", _I)),
    ("contact", re.compile(
        r"\b(e-?mail address(es)?|(what|which)\s+(?:[\w'-]+\s+){0,3}?(e-?mail|url|link|web ?site|web ?page|address|"
        r"channel|mailbox|alias|phone|hotline)s?\b|urls?\b|web ?site|web ?page|link to|slack channel|"
        r"chat channel|phone number|hotline|(who|where) (do|should|can|could) (i|we) (e-?mail|write to|contact|"
        r"call|message|ping)|how (do|can|should|could) (i|we) (contact|reach|e-?mail|call)|"
        r"how (is|are|can|do) [\w\s'-]{1,40} (reached|contacted))\b", _I)),
    ("money", re.compile(
        rf"\bhow much\b[^?]*\b({_MONEY_WORDS})\b|\b({_MONEY_WORDS})\b[^?]*\bhow much\b|"
        rf"\bhow much (money|does it cost|do(es)? \w+ (cost|pay|charge))|"
        rf"\b(what|which)\b[\w\s'-]{{0,30}}\b(price|cost|fee|salary|budget|allowance|per diem|stipend|"
        rf"spending limit|spending ceiling|reimbursement|cap|ceiling)s?\b", _I)),
    ("duration", re.compile(
        rf"\bhow (long|soon|quickly|often|frequently|early|far (in advance|ahead|back))\b|"
        rf"\bhow many ({_TIME_UNITS}|(business|working|calendar) days)\b|\bwithin how\b|"
        rf"\bwhat (is the )?(period|duration|frequency|notice period|waiting period|retention period|"
        rf"turnaround|lead time)\b|\bfor how long\b|\bhow much (time|notice)\b|"
        rf"\bafter how (long|many)\b|\bat what point\b", _I)),
    ("date", re.compile(
        r"\b(when|what (year|date|day|month|time|century|decade|season|days)|which (year|date|days?|month|"
        r"century|decade|weekdays?)|by what date|until when|what is the deadline|by when|from when|since when|"
        r"on which (day|date)|in (which|what) (year|month|century|decade)|deadlines?|due date)\b", _I)),
    ("number", re.compile(
        r"\bhow (many|much|old|big|large|far|high|tall|deep|wide|heavy|small|fast)\b|"
        r"\bwhat (percentage|percent|proportion|share|fraction|number|amount|rate|size|version|score|"
        r"ratio|level)\b|\bwhich (version|number|percentage)\b|\bwhat is the (maximum|minimum|limit|"
        r"number|total|population|size)\b", _I)),
    ("person", re.compile(
        r"\b(who|whom|whose)\b|\b(which|what) (team|teams|person|people|department|"
        r"group|manager|role|company|companies|organi[sz]ation|firm|vendor|supplier|provider|agency|body|"
        r"committee|individual|artist|author|band|player|official|leader|owner|approver|reviewer|"
        r"country|nation|city|university|school|party|king|queen|president|singer|member)\b", _I)),
    ("procedure", re.compile(
        r"^(how (do|can|should|would|must|may|could) (i|we|you|one|someone|a \w+|my|our)|how to)\b|"
        r"\bwhat (are the )?steps\b|\bwhat (should|do|must|can) (i|we) do\b|\bwhat is the (process|procedure)\b|"
        r"\bwhat happens (if|when)\b", _I)),
    ("definition", re.compile(
        r"^what (is|are|was|were) (an? |the )?[\w'-]+( [\w'-]+){0,3}\??$|\bwhat does .+ (mean|stand for)\b|"
        r"\b(define|definition of|meaning of|what is meant by|what do (we|you) mean by)\b|^(why|how come)\b", _I)),
    ("other", re.compile(r"^(what|which|where|how)\b", _I)),
)
# Keyword queries ("home office stipend Lisbon") name what they want with a noun.
_KEYWORD_RULES: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    ("number", re.compile(r"\b(what|which) (percentage|percent|proportion|fraction|share|ratio)\b", _I)),
    ("contact", re.compile(r"\b(e-?mail( address)?|address|url|link|website|phone( number)?|hotline|channel|"
                           r"contact)\b", _I)),
    ("money", re.compile(r"\b(allowance|stipend|budget|cost|price|fee|salary|per diem|reimbursement|"
                         r"spending limit|card limit|ceiling|cap|rate card|bonus|rate)s?\b", _I)),
    ("duration", re.compile(r"\b(duration|length|how long|period|timeout|time|cycle|frequency|sla|"
                            r"retention|notice|validity|expiry)\b", _I)),
    ("date", re.compile(r"\b(deadline|date|day|days|when|schedule|opening hours|hours)\b", _I)),
    ("number", re.compile(r"\b(quota|number|count|limit|size|maximum|minimum|max|min|percentage|"
                          r"how many|sessions|capacity|version)\b", _I)),
    ("person", re.compile(r"\b(owner|approver|approval|sign-?off|contact person|who|responsible)s?\b", _I)),
)
# Which further kinds of span also answer a type ("within 72 hours" answers a deadline).
ACCEPTS: dict[str, tuple[str, ...]] = {
    "number": ("number", "money", "duration"), "money": ("money", "number"), "duration": ("duration", "date"),
    "date": ("date", "duration"), "person": ("person", "contact"), "contact": ("contact",),
    "other": ("other",),
}
_WH_START = re.compile(r"(?:^|[,;:]\s*)((?:and |or |but |so )?(?:by |for |in |at |on |to |from |with |of |"
                       r"until |since |after )?(?:how|what|which|who|whom|whose|when|where|why)\b.*)$", _I)
# Words by which a question names the kind of its answer ("What is the e-mail address…?"): a
# sentence holding a span of that kind has what they ask for, even without the words themselves.
TYPE_WORDS: dict[str, frozenset[str]] = {
    "contact": frozenset("email mail address url link website site web page phone number hotline channel contact "
                         "reach".split()),
    "money": frozenset("cost costs price fee fees amount much money pay paid spend".split()),
    "date": frozenset("date day days year time deadline when month".split()),
    "duration": frozenset("long duration period time length often frequency soon quickly".split()),
    "number": frozenset("number many much percentage percent share size count".split()),
    "person": frozenset("who whom whose person people someone name".split()),
}
_LAST_QUESTION = re.compile(r"[^.!?]*\?\s*$")
_SUBORDINATE = re.compile(
    rf"^(?:if|when|whenever|once|after|before|while|since|as soon as|in case|unless|although|though|because)\b"
    rf"[^,?]*,\s*((?:{'|'.join(re.escape(a) for a in _AUX)}|how|what|which|who|whom|whose|when|where|why)\b.*)$", _I)


@lru_cache(maxsize=1024)  # answer_type and asks_for_several both ask it of every question
def interrogative(question: str) -> str:
    """The part of a question that asks: its last sentence ending in `?` (else all of it), from
    its last clause that starts with a question word. In "I'm on call this week. Who takes
    over my pager?" that is "Who takes over my pager?"; in "Does my vacation go up, and by how
    much?" it is "and by how much?"."""
    q = " ".join(question.split())
    m = _LAST_QUESTION.search(q) if "?" in q else None  # no "?": no match, without the regex's scan from every start
    part = m.group(0).strip() if m else q
    main = _SUBORDINATE.match(part)
    if main:  # "When we ship a release, does it go through a canary?": the main clause asks
        part = main.group(1)
    wh = _WH_START.search(part)
    if wh and wh.start(1) > 0 and not re.match(r"(how|what|which|who|whom|whose|when|where|why)\b", part, _I):
        return wh.group(1)
    return part


def answer_type(question: str) -> AnswerType:
    """The kind of answer the question's wording asks for (see the module docstring): the rule
    that matches earliest in the asking part wins (so "How big can a file be when…" asks for a
    number, not a date; "What is the reporting deadline?" asks for a date); a question opening
    with an auxiliary verb is yes/no; a keyword query without a question word is typed by the last
    noun it names that says a kind."""
    q = interrogative(question)
    first = q.split(" ", 1)[0].lower().strip("\"'(¿")
    if first in _AUX:
        return "yesno"
    if "?" not in question and not re.search(r"\b(how|what|which|who|whom|whose|when|where|why)\b", q, _I):
        # the head of an English noun compound is its last noun: "payment run day" asks for a day
        last: tuple[int, AnswerType] | None = None
        for kind, pattern in _KEYWORD_RULES:
            for m in pattern.finditer(q):
                if last is None or m.end() > last[0]:
                    last = (m.end(), kind)
        return last[1] if last else "other"
    best: tuple[int, int, AnswerType] | None = None
    for order, (kind, pattern) in enumerate(_RULES):
        found = pattern.search(q)
        if found and kind != "other" and (best is None or (found.start(), order) < best[:2]):
            best = (found.start(), order, kind)
    return best[2] if best else "other"  # "What program…", "Which tool…", "Where…"


# --- spans of each type in a sentence ------------------------------------------------------------

_NUM_WORD = (r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
             r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
             r"ninety|hundred|thousand|million|billion|dozen)")
_NUM_LOOSE = rf"(?:{_NUM_WORD}|a|an|half an?|a half|a few|a couple of|several)"
_NUMBER_CORE = rf"(?:\d[\d,]*(?:\.\d+)?|\.\d+|{_NUM_WORD}(?:[ -](?:{_NUM_WORD}|and))*|{_NUM_LOOSE})"
_MONTHS = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
           r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?")
_DAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?"
_CURRENCY = r"(?:USD|EUR|CAD|GBP|CHF|AUD|JPY|NZD|SEK|NOK|DKK|INR|BRL|MXN|US\$|C\$|A\$|R\$)"
_SCALE = r"(?:\s?(?:k|m|bn|million|billion|thousand|trillion)\b)?"

_MONEY = re.compile(
    rf"(?:[$€£¥₹]\s?|\b{_CURRENCY}\s?)\d[\d,]*(?:\.\d+)?{_SCALE}|"
    rf"\b\d[\d,]*(?:\.\d+)?{_SCALE}\s?(?:{_CURRENCY}|dollars|euros|pounds|cents|yen)\b")
_DURATION = re.compile(
    rf"\b(?:within |up to |at least |at most |about |around |less than |more than |"
    rf"after |for )?(?:{_NUMBER_CORE}(?:\s?(?:to|-|–|or)\s?{_NUMBER_CORE})?[ -]"
    rf"(?:(?:consecutive|continuous|full|business|working|calendar|school|paid|unpaid)[ -])?"
    rf"(?:{_TIME_UNITS}))\b|"
    rf"\b(?:every|each) (?:other |second |third )?(?:\w+ )?(?:{_TIME_UNITS}|{_DAYS}|morning|evening|"
    rf"night|quarter|release|sprint)\b|"
    rf"\b(?:once|twice|three times|\w+ times) (?:a|per|every|each) \w+\b|"
    rf"\b(?:daily|weekly|fortnightly|monthly|quarterly|annually|yearly|hourly|biweekly|nightly)\b|"
    rf"\b(?:immediately|same day|next (?:business |working )?day|overnight)\b", _I)
_DATE = re.compile(
    rf"\b(?:(?:the )?\d{{1,2}}(?:st|nd|rd|th)?(?: of)? {_MONTHS}(?:,? \d{{4}})?|"
    rf"{_MONTHS} \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?|{_MONTHS},? \d{{4}}|"
    rf"(?:early |late |mid-?)?{_MONTHS}|"
    rf"\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|"
    rf"(?:the )?(?:(?:early|late|mid)[ -])?(?:1[0-9]|20)\d\ds?|"
    rf"(?:the )?\d{{1,2}}(?:st|nd|rd|th) century|"
    rf"{_DAYS}(?: (?:morning|afternoon|evening|night))?(?:(?: after| before| at)? \d{{1,2}}(?::\d\d)?\s?(?:am|pm)?)?|"
    rf"\d{{1,2}}(?::\d\d)?\s?(?:am|pm|a\.m\.|p\.m\.)|\d{{1,2}}:\d\d|"
    rf"(?:the )?(?:first|last|\d{{1,2}}(?:st|nd|rd|th)) (?:working |business )?day of (?:the|each|every) "
    rf"(?:month|quarter|year)|(?:end|start|beginning|middle) of (?:the )?(?:month|quarter|year|{_MONTHS}))\b")
_NUMBER = re.compile(
    rf"(?<![\w.:])(?:[$€£]\s?)?\d[\d,]*(?:\.\d+)?(?:\s?%| per ?cent| percent)?"
    rf"(?:\s?(?:to|-|–|or|and)\s?\d[\d,]*(?:\.\d+)?%?)?{_SCALE}(?![\w]|:\d)|"  # "20:00" is a time
    rf"\b{_NUM_WORD}(?:[ -](?:{_NUM_WORD}|and))*\b|\b(?:a|one) (?:half|third|quarter)\b", _I)
_CONTACT = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://[^\s)>\]]+|\bwww\.[^\s)>\]]+|(?<![\w&])#[a-z0-9][\w-]+|"
    r"\+?\d[\d ().-]{7,}\d|\b(?:ext\.?|extension) \d+\b|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|dev|app)"
    r"\b(?:/[^\s)]*)?", _I)
# People, roles, teams and organisations: a run of capitalised words (with inner "of", "and",
# "the", "&"), a role noun with up to two words before it, an @handle.
_CAP = r"(?:[A-Z][\w'’&-]*\.?|[A-Z]{2,})"
_CAP_RUN = re.compile(rf"\b{_CAP}(?:(?: (?:of|and|the|de|da|do|dos|van|von|der|la|le|for|&))* {_CAP})*")
_ROLE = (r"(?:team|manager|lead|owner|director|officer|committee|department|desk|board|council|group|"
         r"engineer|admin(?:istrator)?|approver|reviewers?|counsel|controller|partner|specialist|"
         r"coordinator|representative|head|chair|president|secretary|assistant|supervisor|on-call|"
         r"colleague|buddy|mentor|champion|steward|auditor|accountant|recruiter|agent|commander)s?")
_ROLE_PHRASE = re.compile(rf"\b(?:(?:the|your|their|our|his|her|an?) )?(?:[\w-]+ ){{0,2}}{_ROLE}\b"
                          rf"(?: of (?:the )?{_CAP}(?: {_CAP})*)?")
_HANDLE = re.compile(r"(?<![\w.])@[\w.-]+")
_QUOTED = re.compile(r"`[^`]+`|\"[^\"]{2,80}\"|“[^”]{2,80}”")

SPAN_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "money": (_MONEY,),
    "duration": (_DURATION,),
    "date": (_DATE,),
    "number": (_NUMBER,),
    "contact": (_CONTACT,),
    "person": (_HANDLE, _ROLE_PHRASE, _CAP_RUN),
    "other": (_QUOTED, _CAP_RUN),
}
_NOT_NAMES = re.compile(rf"(?:{_MONTHS}|{_DAYS}|{_CURRENCY}|The|A|An|If|In|On|At|For|To|Our|Your|This|That|"
                        rf"These|Those|It|We|You|They|He|She|Each|Every|All|Any|When|Where|What|Which|Who|"
                        rf"How|Why|After|Before|During|Once|Only|Please|Note|See|Also|And|But|Or)")
# Closed-class words (quantifiers, number words, adverbs, conjunctions): capitalised only where a
# sentence or a table cell starts, never a name ("Never pay a vendor…", "Two assistants are…").
_CLOSED = frozenset("""a an the if in on at for to by of as up our your my their his her its this that these those
    it we you they he she i each every all any both either neither none no not nor yes only also most more
    some many much few several never always often sometimes usually rarely here there then now today tomorrow
    yesterday otherwise however instead unless although though since because while until so yet still even
    just again once twice when where what which who whom whose how why after before during please note see
    and but or with without from into onto about above below between under over per via new other another
    such same own one two three four five six seven eight nine ten eleven twelve first second third last next
    do does did don't can cannot may might must should will would shall is are was were be been has have had
    total""".split())


@lru_cache(maxsize=200_000)  # pure; a sentence is examined for many questions
def typed_spans(sentence: str, kind: str) -> tuple[tuple[int, int], ...]:
    """Character spans of answers of `kind` in the sentence (every match of each of the kind's
    patterns, so that overlapping readings all compete), trimmed of edge punctuation."""
    found: list[tuple[int, int]] = []
    for pattern in SPAN_PATTERNS.get(kind, ()):
        for m in pattern.finditer(sentence):
            a, b = m.span()
            if pattern is _CAP_RUN:
                if _NOT_NAMES.fullmatch(m.group(0).rstrip(".")) or is_closed_word(m.group(0).rstrip(".")):
                    continue  # a capital that marks a sentence start, a month or a currency: no name
                first = m.group(0).split(" ", 1)
                if len(first) == 2 and at_start(sentence, a) and (
                        first[0].lower() in _CLOSED or re.match(r"(?:the|a|an) ", first[1])):
                    # "Use the Google Meet…", "Both Okta and…": the first word is capitalised because the
                    # sentence starts there; the name is what follows
                    rest = re.match(r"(?:(?:of|and|the|a|an|for|&) )*", first[1])
                    a += len(first[0]) + 1 + (rest.end() if rest else 0)
                    if a >= b or not sentence[a].isupper():
                        continue
            found.append((a, b))
    out = []
    for a, b in found:
        while b > a and sentence[b - 1] in ".,;:)'\"”’ ":
            b -= 1
        while a < b and sentence[a] in "(\"'“‘ `":
            a += 1
        while b > a and sentence[b - 1] == "`":
            b -= 1
        if b > a:
            out.append((a, b))
    return tuple(sorted(set(out)))


_START_BEFORE = re.compile(r"(?:^|[.!?:;]\s+|^\s*[-*•]\s+|\|\s*)$")


def at_start(text: str, i: int) -> bool:
    """Whether position `i` starts a sentence, a clause after ":" or ";", a list item or a table cell:
    a capital there says nothing about a name."""
    return bool(_START_BEFORE.search(text[max(0, i - 4):i])) if i > 0 else True


def is_closed_word(word: str) -> bool:
    """A function word, number word or common adverb: never a name, however it is capitalised."""
    return word.lower() in _CLOSED


_LIST_HEAD = re.compile(r"\b(?:which|what)\s+((?:[\w'-]+\s+){0,3}?[\w'-]+)\s+(?:and\s+[\w\s'-]{0,40}?\s+)?"
                        r"(?:are|do|does|can|could|should|must|may|might|will|would|have|has|did|were|was|is|"
                        r"we|i|you|they|need|needs|to)\b", re.I)
_NOT_PLURAL = re.compile(r"(?:ss|us|is|ous|ics|news|series|species|'s)$", re.I)
_WH_CLAUSES = re.compile(r"\b(?:how|what|which|who|whom|whose|when|where|why)\b", re.I)


def asks_for_several(question: str) -> bool:
    """Whether the question asks for more than one thing, so that one short span cannot answer it
    and the answer is the sentence, row or list itself: two questions in one ("Who approves it, and
    how many quotes are needed?"), or a list ("Which tools are we allowed to use?": the head noun
    after which/what is plural)."""
    q = interrogative(question)
    whole = " ".join(question.split())
    last = _LAST_QUESTION.search(whole) if "?" in whole else None
    asking = last.group(0) if last else whole
    if len(_WH_CLAUSES.findall(re.sub(r"\bhow (?:many|much|long|often|far|soon)\b", "how", asking))) >= 2 \
            and re.search(r",?\s+(?:and|or)\s+(?:\w+\s+)?(?:how|what|which|who|whom|whose|when|where|why)\b",
                          asking, re.I):
        return True
    m = _LIST_HEAD.search(q)
    if m is None or not q.lower().startswith(("which", "what")):
        return False
    head = m.group(1).split()[-1]
    return head.lower().endswith("s") and not _NOT_PLURAL.search(head) and len(head) > 3
