"""Small English word lists the drafting rules need: verb forms, function words, person nouns,
and the synonym table of `paraphrase` drafts. Pure data and two pure helpers.

Hand-written on purpose: the rules only need to recognise a verb group and turn a verb into
its base form for "did"-questions; an NLP library that does this (spaCy, NLTK) needs a model
or data download, which the offline default may not make. The lists are what the measured
figures in docs/drafting.md were obtained with.
"""

from __future__ import annotations

AUX = frozenset("is was are were has have had will would can could may might must should shall does did do".split())
BE = frozenset("is was are were".split())
ADVERBS = frozenset("""also not never later first already then still often usually always only further soon
initially eventually subsequently originally previously once again jointly mainly largely generally""".split())
PRONOUN_SUBJECTS = {"he": "he", "she": "she", "they": "they", "it": "it"}
POSSESSIVES = frozenset("his her their its".split())
SKIP_START = frozenset("""however although though when while if as because but and also then this these those there
it its after before since so thus therefore yet still meanwhile moreover furthermore despite unlike like whether
what which who whom whose where why how instead rather such others one another no not only even here now today
once upon""".split())
DETERMINERS = frozenset("""the a an this that these those his her their its our your my some any every each all both
many most several other""".split())
FUNCTION = frozenset("""a an the of in on at by for from to with without into onto over under about as and or but
nor so than that which who whom whose where when while is was are were be been being has have had do does did
will would can could may might must should shall not no it its he she they them his her their this these those
there here also only more most such per via up down out off""".split())
PREPOSITIONS = frozenset("""of in on at by for from to with without into onto over under about as during after before
since until through throughout between among against across along around behind beyond within upon toward towards
near via per despite including following""".split())
MONTHS = ("january february march april may june july august september october november december").split()
NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
                     "ninety": 90, "hundred": 100, "dozen": 12})
SCALE_WORDS = frozenset("hundred thousand million billion trillion".split())
PERSON_NOUNS = frozenset("""singer songwriter composer pianist musician actor actress artist writer author poet
painter politician king queen emperor empress president leader minister priest monk lama teacher student
scientist engineer inventor founder member player producer director manager rapper dancer designer
businesswoman businessman entrepreneur philosopher historian general officer lawyer judge architect critic
journalist sculptor violinist cellist conductor diplomat official ruler prince princess duke duchess father
mother sister brother wife husband son daughter friend pupil teacher""".split())
SPEECH_VERBS = frozenset("""writes wrote says said states stated argues argued notes noted claims claimed
asserts asserted explains explained believes believed contends contended recalls recalled""".split())
PERSON_VERBS = SPEECH_VERBS | frozenset("""married met hired dated divorced succeeded replaced defeated taught
influenced praised criticized criticised admired befriended visited joined accompanied""".split())
NOT_PARTICIPLE = frozenset("""red bed need seed speed feed hundred united sacred naked wicked kindred shed wed bred
indeed weed""".split())

# base -> (past, past participle) for the irregular verbs the rules meet most often
IRREGULAR: dict[str, tuple[str, str]] = {}
for _row in """be was been|become became become|begin began begun|break broke broken|bring brought brought|
build built built|buy bought bought|choose chose chosen|come came come|do did done|draw drew drawn|
drive drove driven|eat ate eaten|fall fell fallen|feel felt felt|fight fought fought|find found found|
fly flew flown|forget forgot forgotten|get got got|give gave given|go went gone|grow grew grown|have had had|
hear heard heard|hold held held|keep kept kept|know knew known|lead led led|leave left left|lend lent lent|
lose lost lost|make made made|mean meant meant|meet met met|pay paid paid|read read read|ride rode ridden|
rise rose risen|run ran run|say said said|see saw seen|sell sold sold|send sent sent|shoot shot shot|
show showed shown|sing sang sung|sit sat sat|speak spoke spoken|spend spent spent|stand stood stood|
steal stole stolen|strike struck struck|swim swam swum|take took taken|teach taught taught|tell told told|
think thought thought|throw threw thrown|understand understood understood|wear wore worn|win won won|
write wrote written|arise arose arisen|bear bore born|beat beat beaten|catch caught caught|deal dealt dealt|
feed fed fed|flee fled fled|forbid forbade forbidden|freeze froze frozen|hang hung hung|hide hid hidden|
lay laid laid|seek sought sought|shake shook shaken|shine shone shone|sink sank sunk|spread spread spread|
swear swore sworn|tear tore torn|undertake undertook undertaken|undergo underwent undergone|
withdraw withdrew withdrawn|overcome overcame overcome|rebuild rebuilt rebuilt|rewrite rewrote rewritten|
uphold upheld upheld|bind bound bound|light lit lit|slide slid slid|spin spun spun|stick stuck stuck|
strive strove striven|wake woke woken|weave wove woven|win won won|awake awoke awoken|
set set set|put put put|cut cut cut|hit hit hit|let let let|cost cost cost|shut shut shut""".split("|"):
    _b, _p, _pp = _row.split()
    IRREGULAR[_b] = (_p, _pp)
PAST_FORMS = frozenset(p for p, _ in IRREGULAR.values())
PAST_TO_BASE = {p: b for b, (p, _) in IRREGULAR.items() if p not in ("read", "set", "put", "cut", "hit", "let",
                                                                      "cost", "shut", "spread", "beat")}
PARTICIPLE_TO_BASE = {pp: b for b, (_, pp) in IRREGULAR.items()}
PAST_OF_PARTICIPLE = {pp: IRREGULAR[b][0] for pp, b in PARTICIPLE_TO_BASE.items()}

# Common verbs in the base form, so present-tense verb groups ("employees receive", "the
# manager approves") are recognised; past forms in -ed are recognised by shape.
BASE_VERBS = frozenset("""accept accrue add agree allow apply approve arrange ask assign attend become begin belong
acquire book build buy call cancel carry cause change charge choose claim close collect come complete contain continue
cost count cover create debut decide decline define deliver describe design determine develop die earn enable end
enter establish expect expire feature file follow form found get give go grant grow happen have help hold host
include increase introduce issue join keep last lead learn leave let live lose make manage mean meet move name need note
offer open own pay perform permit place plan play prefer prepare present produce provide publish purchase
reach receive record refuse reimburse release remain replace report represent request require reside return
review rise run say see sell send serve set share show sign sing spend start state stay submit support take
teach tell tour train travel turn use vary visit want win work write""".split())

# Paraphrase rules: a word of the question → a synonym that keeps the meaning in most contexts.
# Verbs are listed by base form (every form is swapped: release/releases/released → issue/…);
# nouns and adjectives as written.
_VERB_SYNONYMS = """release>issue begin>start start>begin receive>get get>receive buy>purchase purchase>buy
create>make build>construct finish>complete end>finish win>earn earn>win compose>write
die>pass_away help>assist need>require require>need allow>permit permit>allow approve>sign_off submit>send
use>employ found>establish establish>set_up marry>wed perform>play appear>feature announce>reveal
attend>go_to describe>portray develop>create include>contain introduce>bring_in invite>ask launch>start
meet>encounter praise>commend reach>attain suggest>propose teach>instruct visit>go_to
provide>offer offer>provide book>reserve reimburse>pay_back request>ask_for cover>pay_for expire>lapse
cancel>call_off keep>retain retain>keep delete>remove remove>delete contact>reach assign>allocate grant>give
store>keep choose>pick select>choose decide>determine show>display hold>host""".split()
_WORD_SYNONYMS = """large>big big>large small>little famous>well-known popular>well-liked album>record song>track
film>movie movie>film award>prize prize>award band>group group>band career>working_life country>nation
nation>country emperor>ruler king>monarch employee>staff_member employees>staff manager>supervisor
managers>supervisors allowance>entitlement salary>pay vacation>holiday holiday>vacation trip>journey
journey>trip laptop>notebook office>workplace company>firm approval>sign-off expenses>costs cost>price
main>primary primary>main annual>yearly yearly>annual total>overall largest>biggest biggest>largest
first>earliest death>passing wife>spouse husband>spouse children>kids money>funds""".split()


def third_person(base: str) -> str:
    """`manage` → `manages`, `carry` → `carries`, `watch` → `watches`."""
    if base.endswith(("s", "sh", "ch", "x", "z", "o")):
        return base + "es"
    if base.endswith("y") and len(base) > 1 and base[-2] not in "aeiou":
        return base[:-1] + "ies"
    return base + "s"


def _forms(base: str) -> tuple[str, str, str, str]:
    """base, third person, past, past participle of a verb (or a phrasal verb `pass away`)."""
    head, _, tail = base.partition(" ")
    tail = " " + tail if tail else ""
    if head in IRREGULAR:
        past, pp = IRREGULAR[head]
    elif head.endswith("e"):
        past = pp = head + "d"
    elif head.endswith("y") and head[-2:-1] not in "aeiou":
        past = pp = head[:-1] + "ied"
    elif head in ("permit", "submit", "plan", "stop", "admit", "commit", "ship", "wed"):
        past = pp = head + head[-1] + "ed" if head != "wed" else "wed"
    else:
        past = pp = head + "ed"
    return head + tail, third_person(head) + tail, past + tail, pp + tail


SYNONYMS: dict[str, str] = {}
for _pair in _VERB_SYNONYMS:
    _a, _b = _pair.split(">")
    for _f, _t in zip(_forms(_a), _forms(_b.replace("_", " ")), strict=True):
        SYNONYMS.setdefault(_f, _t)
for _pair in _WORD_SYNONYMS:
    _a, _b = _pair.split(">")
    SYNONYMS.setdefault(_a, _b.replace("_", " "))
# Whole-question rewordings that keep the question's meaning: (pattern, replacement), first match.
REWORDINGS = (
    (r"^In what year (did|was|were|is|are|does|do|has|had|have) ", r"What year \1 "),
    (r"^Where (did|was|were|is|are|does|do|has|had|have) ", r"In what place \1 "),
    (r"^How many ", "What number of "),
    (r"^How much ", "What amount "),
)


def base_of(word: str) -> str | None:
    """The base form of a verb in the past or third person (`released` → `release`,
    `carried` → `carry`, `stopped` → `stop`, `approves` → `approve`, `won` → `win`); None when
    `word` does not look like such a verb form."""
    w = word.lower()
    if w in PAST_TO_BASE:
        return PAST_TO_BASE[w]
    if w in BASE_VERBS:
        return w
    if w.endswith("ed") and len(w) > 3 and w not in NOT_PARTICIPLE:
        return _regular_base(w)
    if w.endswith("ies") and w[:-3] + "y" in BASE_VERBS:
        return w[:-3] + "y"
    if w.endswith("es") and w[:-2] in BASE_VERBS:
        return w[:-2]
    if w.endswith("s") and w[:-1] in BASE_VERBS:
        return w[:-1]
    return None


def _regular_base(w: str) -> str:
    """`released` → `release`: the common spelling rules of English regular verbs."""
    stem = w[:-2]
    if w.endswith("ied"):
        return w[:-1] if len(w) <= 4 else w[:-3] + "y"  # died → die, carried → carry
    if stem in BASE_VERBS:
        return stem
    if stem + "e" in BASE_VERBS:
        return stem + "e"
    if len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] in "bdgmnprt":
        return stem[:-1]  # stopped → stop, admitted → admit, preferred → prefer
    v = "aeiou"
    c1, c2, c3 = stem[-1], stem[-2] if len(stem) > 1 else "", stem[-3] if len(stem) > 2 else ""
    e = stem + "e"
    if c1 in "vzcu":
        return e  # moved, danced, continued
    if c1 in "sg" and c2 in v + "nr" and not stem.endswith(("ss", "ng", "ss")):
        return e  # used, released, caused, managed, changed, arranged
    if c1 == "t":
        if stem.endswith("eat"):
            return stem if stem.endswith(("treat", "defeat", "heat", "seat", "repeat")) else e  # created
        if c2 == "a" or (c2 in "ou" and c3 and c3 not in v):
            return e  # stated, contributed, promoted
        if c2 == "i" and stem in ("unit", "invit", "cit", "recit", "ignit", "excit", "incit"):
            return e
        return stem  # visited, edited
    if c1 == "r" and c2 in "iua" and c3 and c3 not in v:
        return e  # acquired, featured, declared (toured, cleared keep theirs)
    if c1 == "n" and c2 in "iu" and c3 and c3 not in v:
        return e  # combined, declined, tuned
    if c1 == "l" and c2 not in v + "l":
        return e  # settled, titled
    if c1 in "mk" and c2 in "aiou" and c3 and c3 not in v:  # named, timed, liked, invoked
        return e  # liked, invoked, baked
    if c1 in "bdp" and c2 in "aiou" and c3 and c3 not in v and len(stem) <= 6:
        return e  # described? (scribe), decided, escaped
    return stem


def past_of_participle(word: str) -> str:
    """The simple past of a past participle (`written` → `wrote`; regular verbs are the same)."""
    return PAST_OF_PARTICIPLE.get(word.lower(), word)


def is_participle(word: str) -> bool:
    w = word.lower()
    return (w in PARTICIPLE_TO_BASE or (w.endswith("ed") and len(w) > 3 and w not in NOT_PARTICIPLE)) and w.isalpha()
