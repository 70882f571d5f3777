"""Write the bundled sample meeting notes: 33 meetings at Northwind Labs (the fictional company of
the rag sample), each a transcript of `Speaker: words` turns with a reference summary written for
it and its key points (the topics discussed).

Written for this project: ten kinds of meeting (planning, incident review, budget, hiring, ...),
each with hand-written turns, decisions and actions for three or four different occasions (other
people, numbers, products and outcomes), combined with a fixed seed so the file is reproducible
(`python scripts/make_meetings_sample.py`). Transcripts keep what a recording leaves behind —
small talk, "um", "{vocalsound}" markers, people agreeing — which a summarizer must see past.

Output: src/shipcall/sample/meetings/meetings.jsonl
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "shipcall" / "sample" / "meetings"
SEED = 23

PEOPLE = ["Marta Silva", "Owen Clarke", "Aisha Rahman", "João Pereira", "Beatriz Costa", "Daniel Okafor",
          "Hana Kobayashi", "Tiago Ramos", "Grace Liu", "Noah Bernard", "Sofia Almeida", "Ravi Menon"]
SMALL_TALK = ["Can everyone hear me? {vocalsound}", "Sorry, I was on mute.", "Okay, I think we're all here.",
              "Um, give me a second to share my screen.", "Morning everyone.", "Is the recording on? Good."]
AGREE = ["Yeah, makes sense.", "Mm-hmm.", "Agreed.", "Okay.", "Right, sounds good.", "Sure, fine by me.",
         "Um, yes, I think so.", "Yep {disfmarker} yes."]
CLOSING = ["Great, thanks everyone, talk next week.", "Okay, that's time. Thanks all.",
           "Thanks, I'll send the notes around.", "Good meeting, thank you."]

# kind -> (title, topics); each topic: (key point, [discussion turns], decision, action, summary sentence)
# Slots in {braces} are filled per occasion from OCCASIONS.
KINDS: dict[str, dict] = {
    "release": {
        "title": "{product} release planning",
        "topics": [
            ("Release date for {product}",
             ["The build for {product} is feature complete, QA found {bugs} open bugs yesterday.",
              "Two of those bugs block the checkout flow, so we can't ship with them.",
              "If we fix the blockers this week, we could release on {date}."],
             "So we release {product} on {date}, provided the checkout blockers are fixed by Friday.",
             "{p2} will fix the two checkout bugs by Friday.",
             "The team set the {product} release for {date}, on condition that the two checkout blockers among "
             "the {bugs} open bugs are fixed by Friday."),
            ("Customer communication",
             ["Support needs the release notes at least three days before the release.",
              "Last time customers learned about the new menu from the app itself, and we got a lot of tickets.",
              "We should also email the {tier} customers directly, they asked for advance notice."],
             "We send release notes to support three days ahead and email {tier} customers.",
             "{p3} will write the release notes and the customer email.",
             "Release notes go to support three days ahead and {tier} customers get an email; {p3} writes both."),
            ("Rollback plan",
             ["If the sync fails after the release, we need to roll back within an hour.",
              "The database migration is the risky part, it can't be undone easily.",
              "We could run the migration a day early, separately from the app release."],
             "The migration runs a day before the release, so the app release can be rolled back on its own.",
             "{p1} will schedule the migration for the day before.",
             "To keep the release reversible, the database migration runs a day early; {p1} schedules it."),
        ],
        "occasions": [
            {"product": "Atlas 4.2", "bugs": "eleven", "date": "the 14th of March", "tier": "Enterprise"},
            {"product": "the scanner app 2.0", "bugs": "seven", "date": "the 2nd of June", "tier": "Pro"},
            {"product": "Atlas Payments", "bugs": "fifteen", "date": "the 21st of September", "tier": "Enterprise"},
            {"product": "the loyalty module", "bugs": "four", "date": "the 9th of November", "tier": "Pro"},
        ],
    },
    "incident": {
        "title": "Incident review: {incident}",
        "topics": [
            ("What happened during the {incident}",
             ["On {day} at {time} the {system} stopped accepting requests for {minutes} minutes.",
              "About {customers} customers were affected, mostly stores in Portugal.",
              "The alert fired, but the on-call engineer was paged only after twenty minutes."],
             "We agree the outage lasted {minutes} minutes and the paging delay made it worse.",
             "{p2} will write the timeline for the incident report.",
             "The {system} was down for {minutes} minutes on {day}, affecting about {customers} customers, and "
             "paging the on-call engineer took twenty minutes."),
            ("Root cause",
             ["The root cause was {cause}.",
              "We had a test for it, but it only ran in staging with a much smaller data set.",
              "So the test passed and the problem only showed up under production load."],
             "The root cause is {cause}; the staging test did not catch it because of the small data set.",
             "{p3} will add a load test with production-sized data.",
             "The root cause was {cause}, which the staging tests missed because they use too little data; "
             "{p3} adds a production-sized load test."),
            ("Preventing it next time",
             ["We should page the on-call engineer directly from the alert, not through the team channel.",
              "And the runbook for the {system} is out of date, it still mentions the old servers.",
              "Let's also add a status page update to the checklist, customers asked about it."],
             "Alerts page the on-call engineer directly and the runbook gets updated this sprint.",
             "{p1} will update the runbook and the paging rules.",
             "Alerts will now page the on-call engineer directly, the outdated runbook gets rewritten and the "
             "status page becomes part of the checklist; {p1} owns these changes."),
        ],
        "occasions": [
            {"incident": "checkout outage", "day": "Tuesday", "time": "ten past nine", "system": "payment service",
             "minutes": "forty", "customers": "300", "cause": "a connection pool limit that was set too low"},
            {"incident": "sync delay", "day": "Saturday", "time": "noon", "system": "stock sync",
             "minutes": "ninety", "customers": "120", "cause": "a full disk on the message queue"},
            {"incident": "login failures", "day": "Monday", "time": "eight in the morning",
             "system": "login service", "minutes": "twenty-five", "customers": "800",
             "cause": "an expired certificate on the identity provider"},
        ],
    },
    "budget": {
        "title": "{quarter} budget review",
        "topics": [
            ("Cloud spending",
             ["Cloud costs came in at {cloud}, about {over} over the plan.",
              "Most of the increase is storage, we keep every log for a year.",
              "If we keep logs for ninety days instead, we save roughly a third."],
             "We reduce log retention to ninety days.",
             "{p2} will change the retention settings and report the savings next month.",
             "Cloud costs were {cloud}, {over} over plan, mostly from storage; the team cut log retention to "
             "ninety days, which {p2} will implement."),
            ("Hiring budget",
             ["We budgeted for {hires} new hires this quarter and we've made two offers so far.",
              "The market is slow, so we may not fill all positions before the quarter ends.",
              "Finance wants to know whether to move the unused money to next quarter."],
             "The unused hiring budget moves to next quarter.",
             "{p1} will confirm the transfer with finance.",
             "Only two of {hires} planned hires have offers, so the unused hiring budget moves to next quarter; "
             "{p1} confirms this with finance."),
            ("Events and travel",
             ["The {event} costs about {event_cost} for the booth and travel.",
              "Last year it brought us a lot of leads, sales says it paid for itself.",
              "We could send three people instead of five to keep the travel costs down."],
             "We go to the {event} with three people.",
             "{p3} will book the booth and travel for three.",
             "The team will attend the {event} (about {event_cost}) with three people instead of five; {p3} "
             "books it."),
        ],
        "occasions": [
            {"quarter": "Q1", "cloud": "EUR 84,000", "over": "twelve percent", "hires": "five",
             "event": "Retail Week conference", "event_cost": "EUR 18,000"},
            {"quarter": "Q2", "cloud": "EUR 91,000", "over": "eight percent", "hires": "four",
             "event": "NRF show in New York", "event_cost": "EUR 32,000"},
            {"quarter": "Q3", "cloud": "EUR 77,000", "over": "five percent", "hires": "six",
             "event": "Web Summit in Lisbon", "event_cost": "EUR 12,000"},
        ],
    },
    "hiring": {
        "title": "Hiring sync for the {role} role",
        "topics": [
            ("Candidates in the final round",
             ["We have three candidates left for the {role} role.",
              "{candidate} did very well in the system design interview.",
              "The other two were good, but neither had experience with {skill}."],
             "We make an offer to {candidate}.",
             "{p1} will prepare the offer for {candidate} this week.",
             "Of three finalists for the {role} role, {candidate} stood out, especially on {skill}, and gets an "
             "offer that {p1} prepares this week."),
            ("Salary range",
             ["{candidate} asked for {salary}, which is above our band.",
              "The band was set last year, the market has moved since then.",
              "We could offer the top of the band plus a signing bonus."],
             "We offer the top of the band and a signing bonus rather than changing the band.",
             "{p2} will get approval for the signing bonus from HR.",
             "Since {candidate} asked for {salary}, above the band, the offer will be the top of the band plus a "
             "signing bonus; {p2} gets HR's approval."),
            ("Interview process",
             ["The take-home exercise takes candidates about six hours, that's too long.",
              "Two candidates dropped out because of it.",
              "We could replace it with a ninety-minute pairing session."],
             "The take-home exercise is replaced by a ninety-minute pairing session.",
             "{p3} will write the new pairing exercise.",
             "Because two candidates dropped out over the six-hour take-home exercise, it is replaced by a "
             "ninety-minute pairing session that {p3} writes."),
        ],
        "occasions": [
            {"role": "senior backend engineer", "candidate": "Leonor", "skill": "payment systems",
             "salary": "EUR 85,000"},
            {"role": "data engineer", "candidate": "Marcus", "skill": "streaming pipelines", "salary": "CAD 140,000"},
            {"role": "mobile developer", "candidate": "Yara", "skill": "offline sync", "salary": "EUR 70,000"},
        ],
    },
    "customer": {
        "title": "Escalation: {customer}",
        "topics": [
            ("The customer's complaint",
             ["{customer} says the {feature} has been unreliable for three weeks.",
              "They have {stores} stores and their managers rely on it every morning.",
              "Their contract renews in {month}, and they mentioned they are looking at other vendors."],
             "We treat this as a renewal risk and give it priority.",
             "{p1} will call their operations director tomorrow.",
             "{customer}, with {stores} stores and a renewal in {month}, complained that the {feature} has been "
             "unreliable for three weeks; the team treats it as a renewal risk and {p1} calls them tomorrow."),
            ("Technical findings",
             ["We looked at the logs, the {feature} times out for accounts with more than {threshold} products.",
              "{customer} has about twice that many.",
              "A fix is possible, it needs the report to be generated in the background."],
             "Engineering builds background generation for large accounts.",
             "{p2} will have the background generation ready in two weeks.",
             "The {feature} times out above {threshold} products and {customer} has twice that; {p2} builds "
             "background generation, due in two weeks."),
            ("Goodwill offer",
             ["Should we offer them something for the trouble?",
              "A month of credit seems fair, it's been three weeks.",
              "Let's not promise it before the fix is live, though."],
             "We offer one month of credit once the fix is live.",
             "{p3} will prepare the credit note.",
             "{customer} will get a month of credit once the fix is live; {p3} prepares it."),
        ],
        "occasions": [
            {"customer": "Lumen Grocers", "feature": "stock report", "stores": "forty", "month": "August",
             "threshold": "50,000"},
            {"customer": "Harbour Books", "feature": "sales export", "stores": "twelve", "month": "May",
             "threshold": "20,000"},
            {"customer": "Casa Verde Markets", "feature": "loyalty dashboard", "stores": "sixty",
             "month": "December", "threshold": "100,000"},
        ],
    },
    "office": {
        "title": "{office} office planning",
        "topics": [
            ("Desk occupancy",
             ["Occupancy in {office} is around {occupancy} on most days.",
              "Tuesdays and Wednesdays are full, Fridays are almost empty.",
              "People say they can't find a desk next to their team on the busy days."],
             "Teams get fixed anchor days so that they sit together.",
             "{p2} will propose anchor days for each team.",
             "The {office} office runs at about {occupancy}, full midweek and empty on Fridays, so each team "
             "will get anchor days; {p2} proposes them."),
            ("Meeting rooms",
             ["We don't have enough small rooms for video calls.",
              "The large room is booked all day but often used by two people.",
              "We could split the large room into two call rooms."],
             "The large room will be split into two call rooms.",
             "{p1} will get quotes from the builder.",
             "Small rooms for calls are scarce while the large room is underused, so it will be split into two "
             "call rooms; {p1} gets quotes."),
            ("Social events",
             ["The summer party budget is {party}.",
              "Last year people preferred something during working hours.",
              "A lunch on the terrace would work for most people."],
             "The summer event will be a lunch on the terrace.",
             "{p3} will organise the lunch.",
             "With a budget of {party}, the summer event will be a lunch on the terrace during working hours, "
             "organised by {p3}."),
        ],
        "occasions": [
            {"office": "Lisbon", "occupancy": "seventy percent", "party": "EUR 6,000"},
            {"office": "Toronto", "occupancy": "fifty-five percent", "party": "CAD 8,000"},
            {"office": "Lisbon", "occupancy": "eighty percent", "party": "EUR 7,500"},
        ],
    },
    "vendor": {
        "title": "Choosing a {category} vendor",
        "topics": [
            ("Comparing the offers",
             ["We have offers from {v1} and {v2}.",
              "{v1} is cheaper at {price1} a year, {v2} asks {price2}.",
              "But {v2} has a data centre in the EU, which legal says matters for us."],
             "We prefer {v2} because of the EU data centre.",
             "{p1} will ask {v2} for a final price.",
             "Between {v1} ({price1} a year) and {v2} ({price2}), the team prefers {v2} for its EU data centre; "
             "{p1} asks for a final price."),
            ("Security review",
             ["Security needs their SOC 2 report before we sign.",
              "{v2} sent it already, it looks fine.",
              "There's one open point about how they handle backups."],
             "Security clears {v2} once the backup question is answered.",
             "{p2} will send {v2} our backup questions.",
             "{v2}'s SOC 2 report looks fine, with one open question about backups that {p2} sends them."),
            ("Migration timeline",
             ["Our current contract ends in {month}.",
              "The migration takes about six weeks with testing.",
              "So we need to sign within a month to be safe."],
             "We aim to sign within a month and migrate before {month}.",
             "{p3} will draft the migration plan.",
             "With the current contract ending in {month} and a six-week migration, the team aims to sign within "
             "a month; {p3} drafts the migration plan."),
        ],
        "occasions": [
            {"category": "customer support software", "v1": "HelpFlow", "v2": "Deskly", "price1": "EUR 24,000",
             "price2": "EUR 31,000", "month": "October"},
            {"category": "payroll", "v1": "PayNorth", "v2": "Salaria", "price1": "EUR 15,000",
             "price2": "EUR 19,500", "month": "January"},
            {"category": "email delivery", "v1": "PostFast", "v2": "Mailcourier", "price1": "EUR 9,000",
             "price2": "EUR 11,000", "month": "June"},
        ],
    },
    "roadmap": {
        "title": "{half} roadmap review",
        "topics": [
            ("Top customer requests",
             ["The most requested feature is {request}, {requests} customers asked for it.",
              "Sales says it came up in most lost deals too.",
              "It's a big piece of work, probably two teams for a quarter."],
             "{request} goes on the roadmap for next quarter.",
             "{p1} will write the product brief for {request}.",
             "{request}, asked for by {requests} customers and raised in lost deals, goes on next quarter's "
             "roadmap; {p1} writes the brief."),
            ("What we drop",
             ["We can't do everything, something has to move.",
              "The {dropped} has had very little usage since the beta.",
              "Let's pause it and revisit in six months."],
             "The {dropped} is paused for six months.",
             "{p2} will tell the beta customers about the pause.",
             "The little-used {dropped} is paused for six months, and {p2} informs its beta customers."),
            ("Technical debt",
             ["The old reporting engine slows every team down.",
              "We spend about a fifth of our time working around it.",
              "Can we reserve one sprint in four for debt?"],
             "One sprint in four is reserved for technical debt.",
             "{p3} will plan the first debt sprint.",
             "Because working around the old reporting engine costs about a fifth of the team's time, one sprint "
             "in four is reserved for technical debt; {p3} plans the first."),
        ],
        "occasions": [
            {"half": "H1", "request": "multi-currency support", "requests": "38", "dropped": "voice ordering pilot"},
            {"half": "H2", "request": "the Shopify integration", "requests": "52", "dropped": "kiosk mode"},
            {"half": "H1", "request": "offline mode for the scanner app", "requests": "27",
             "dropped": "smart shelf labels project"},
        ],
    },
    "onboarding": {
        "title": "Onboarding retrospective",
        "topics": [
            ("First week experience",
             ["The {cohort} new starters said their laptops arrived {late}.",
              "Without a laptop they spent two days reading documents on their phones.",
              "IT says the supplier changed and orders now take longer."],
             "Laptops are ordered two weeks earlier, as soon as the contract is signed.",
             "{p1} will change the ordering step in the hiring checklist.",
             "The {cohort} new starters got their laptops {late}, so laptops will be ordered as soon as the "
             "contract is signed; {p1} updates the hiring checklist."),
            ("Buddy programme",
             ["Everyone who had a buddy rated the first month higher.",
              "But a few buddies were on holiday during the first week.",
              "We should check the buddy's calendar before pairing."],
             "Buddies are chosen among people present in the new starter's first two weeks.",
             "{p2} will pair the next starters with available buddies.",
             "New starters with a buddy rated their first month higher, so buddies will be people present "
             "during the first two weeks; {p2} pairs the next group."),
            ("Mandatory trainings",
             ["The three mandatory trainings take about three hours.",
              "People didn't know production access waits for the trainings.",
              "Engineers lost a few days because of that."],
             "The welcome email will say that production access needs the trainings.",
             "{p3} will update the welcome email.",
             "Engineers lost days not knowing that production access waits for the three mandatory trainings; "
             "{p3} adds this to the welcome email."),
        ],
        "occasions": [
            {"cohort": "eight", "late": "three days late"},
            {"cohort": "five", "late": "a week late"},
            {"cohort": "eleven", "late": "two days late"},
        ],
    },
    "security": {
        "title": "Security review: {topic}",
        "topics": [
            ("Findings of the {topic}",
             ["The {topic} found {findings} issues, {high} of them rated high.",
              "The high ones are about {issue}.",
              "None of them has been exploited as far as we can tell."],
             "The high findings are fixed within thirty days.",
             "{p1} will track the fixes and report weekly.",
             "The {topic} found {findings} issues, {high} high, about {issue}; none were exploited, and the high "
             "ones must be fixed within thirty days, tracked by {p1}."),
            ("Password and access policy",
             ["Some service accounts still use passwords that never expire.",
              "The policy says ninety days for service credentials.",
              "We could move them to short-lived tokens instead."],
             "Service accounts move to short-lived tokens.",
             "{p2} will list the service accounts and their owners.",
             "Service accounts with never-expiring passwords break the ninety-day policy and will move to "
             "short-lived tokens; {p2} lists them and their owners."),
            ("Training",
             ["Phishing test results improved, the click rate went down to {click}.",
              "Sales had the highest click rate again.",
              "Maybe a short session just for them would help."],
             "Sales gets a dedicated phishing session.",
             "{p3} will schedule the session with the sales team.",
             "The phishing click rate fell to {click}, but sales still clicked most, so {p3} schedules a session "
             "for them."),
        ],
        "occasions": [
            {"topic": "penetration test", "findings": "fourteen", "high": "two",
             "issue": "missing rate limits on the login API", "click": "six percent"},
            {"topic": "annual audit", "findings": "nine", "high": "one",
             "issue": "admin accounts without two-factor authentication", "click": "four percent"},
            {"topic": "cloud configuration scan", "findings": "twenty-one", "high": "three",
             "issue": "storage buckets that were publicly readable", "click": "five percent"},
        ],
    },
}


DEPARTMENT = {"release": "engineering", "incident": "engineering", "roadmap": "product", "security": "engineering",
              "budget": "finance", "vendor": "finance", "hiring": "people", "onboarding": "people",
              "office": "people", "customer": "sales"}


def fill(text: str, slots: dict[str, str]) -> str:
    return text.format(**slots)


def meeting(rng: random.Random, kind: str, spec: dict, occasion: dict[str, str], n: int) -> dict:
    people = rng.sample(PEOPLE, 4)
    chair, others = people[0], people[1:]
    slots = {**occasion, "p1": others[0].split()[0], "p2": others[1].split()[0], "p3": others[2].split()[0]}
    owners = {"{p1}": others[0], "{p2}": others[1], "{p3}": others[2]}
    turns: list[tuple[str, str]] = [(rng.choice(people), rng.choice(SMALL_TALK)),
                                    (chair, f"Okay, let's start. Today is the {fill(spec['title'], slots)}.")]
    summary: list[str] = []
    for i, (point, discussion, decision, action, sentence) in enumerate(spec["topics"]):
        turns.append((chair, f"{'First' if i == 0 else 'Next'}, {fill(point, slots)[0].lower()}"
                             f"{fill(point, slots)[1:]}."))
        for line in discussion:
            turns.append((rng.choice(others), fill(line, slots)))
            if rng.random() < 0.6:
                turns.append((rng.choice(people), rng.choice(AGREE)))
        turns.append((chair, fill(decision, slots)))
        owner = next((who for mark, who in owners.items() if action.startswith(mark)), chair)
        turns.append((owner, "Um, okay, I can take that. " + fill(action, slots).replace(owner.split()[0] + " will",
                                                                                          "I will")))
        summary.append(fill(sentence, slots))
    turns.append((chair, rng.choice(CLOSING)))
    title = fill(spec["title"], slots)
    opener = f"The {title} covered {len(spec['topics'])} topics."
    return {"id": f"nw-{n:02d}", "text": "\n".join(f"{who}: {what}" for who, what in turns),
            "reference_summaries": [" ".join([opener, *summary])],
            "key_points": [fill(t[0], slots) for t in spec["topics"]],
            "tags": {"kind": kind, "department": DEPARTMENT[kind]}}


def main() -> None:
    rng = random.Random(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for kind, spec in KINDS.items():
        for occasion in spec["occasions"]:
            rows.append((kind, spec, occasion))
    with (OUT / "meetings.jsonl").open("w", encoding="utf-8") as f:
        for n, (kind, spec, occasion) in enumerate(rows, start=1):
            f.write(json.dumps(meeting(rng, kind, spec, occasion, n), ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} meetings to {OUT / 'meetings.jsonl'}")


if __name__ == "__main__":
    main()
