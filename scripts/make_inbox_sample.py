"""Write the bundled sample inbox: messages to Northwind Labs' support inbox about its product,
Northwind Atlas (the fictional company of the rag sample), each labelled with one of seven
triage labels and tagged with its channel and the sender's customer tier.

Written for this project: hand-written message templates with hand-written slot values, combined
with a fixed seed, so the file is reproducible (`python scripts/make_inbox_sample.py`) and every
message reads like mail a support team gets. Some messages sit near a label boundary on purpose
(a login problem caused by an unpaid invoice, a "bug" that is a feature request), as real inboxes do.

Output: src/shipcall/sample/inbox/{train,test}.jsonl (2:1 per label; every fourth template of a
label appears only in the test split) and labels.txt.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from shipcall.core.metrics.answer import normalize_answer

OUT = Path(__file__).resolve().parents[1] / "src" / "shipcall" / "sample" / "inbox"
SEED = 17

FIRST = ["Ana", "Tom", "Priya", "Lucas", "Mei", "Jonas", "Fatima", "Diego", "Sara", "Kofi", "Inês", "Liam", "Olga",
         "Ravi", "Chloé", "Mateus", "Hannah", "Yusuf", "Marta", "Ethan"]
COMPANY = ["Lumen Grocers", "Harbour Books", "Pinecrest Pharmacy", "Tidewater Outfitters", "Casa Verde Markets",
           "Maple & Rye Bakery", "Orbit Electronics", "Quarry Hardware", "Bluefin Seafood Co.", "Atlas Garden Centre",
           "Northgate Pet Supplies", "Copperleaf Café", "Sol Nascente Lojas", "Redwood Cycles", "Lakeshore Toys"]
STORES = ["3", "5", "12", "two", "forty", "eight", "17", "60"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "September", "October", "November"]
AMOUNTS = ["EUR 49", "EUR 1,240", "CAD 310", "EUR 86.50", "CAD 2,400", "EUR 199", "CAD 75"]
FEATURES = ["the loyalty dashboard", "the stock report", "the staff schedule", "the sales export", "the price sync",
            "the barcode scanner app", "the weekly email digest", "the till integration", "the returns screen"]
ROLES = ["store manager", "area manager", "finance admin", "shift lead", "new cashier", "regional director",
         "external accountant", "IT contractor"]
GREET = ["Hi", "Hello", "Hi team", "Hello support", "Good morning", "Hey", "Dear Northwind team", ""]
SIGN = ["Thanks", "Thank you", "Best regards", "Cheers", "Kind regards", "Regards", "Many thanks", ""]

TEMPLATES: dict[str, list[str]] = {
    "billing": [
        "We were charged {amount} twice on the {month} invoice. Can you refund the duplicate charge?",
        "Our invoice for {month} shows {stores} stores but we only have {stores2}. Please correct it.",
        "How do I change the credit card on file? The old one expires this month.",
        "I need a copy of the {month} invoice with our VAT number on it for our accountant.",
        "Why did our subscription price go up to {amount} a month? Nobody told us about a price change.",
        "Can we switch from monthly to annual billing and get the annual discount?",
        "The payment of {amount} failed but the money left our bank account. Please check.",
        "Please cancel the renewal for next year, we are closing {stores} of our shops.",
        "We got a reminder about an unpaid invoice but we paid it on {month} 3rd. Can you confirm receipt?",
        "Is it possible to pay by bank transfer instead of card? Our finance team prefers SEPA.",
        "Your invoice lists a late fee of {amount}. The delay was on your side, please remove it.",
        "Could you send all invoices to finance@{domain} instead of to me from now on?",
        "We downgraded to the Pro plan in {month} but were still billed for Enterprise.",
        "Do you offer a discount for non-profit organisations? We are a charity shop chain.",
        "I can't find where to download receipts for our expense reports.",
        "Our account was suspended for non-payment, but the card was updated yesterday. Can you reactivate it?",
    ],
    "access_request": [
        "Please give {name} access to the {store_word} account, she is our new {role}.",
        "I need admin rights to add new stores. Who can grant them?",
        "Can you reset two-factor authentication for {name}? He lost his phone.",
        "Please remove access for {name}, who left the company last Friday.",
        "How do I add a {role} who should only see {feature}?",
        "Our {role} is locked out after too many password attempts. Can you unlock the account?",
        "We need read-only access for our {role} for the audit in {month}.",
        "Can you move my login from the old email address to {name}@{domain}?",
        "I was invited to the workspace but the invitation link has expired. Can you send a new one?",
        "Please set up single sign-on with our Google Workspace for all {stores} stores.",
        "{name} needs permission to edit prices, she can only view them at the moment.",
        "Could you transfer ownership of our account from me to {name}? I am changing roles.",
        "Can I get access to the API keys page? It says I do not have permission.",
        "New starter on Monday: {name}, {role}. Please create a login for the {store_word} store.",
    ],
    "bug_report": [
        "{feature} shows yesterday's numbers even after a refresh. Is the sync broken?",
        "The barcode scanner app crashes every time we scan a product with a long name.",
        "Since this morning the till integration duplicates every sale in the report.",
        "When I export {feature} to CSV, the dates come out in the wrong format (month and day swapped).",
        "Error 500 when I open {feature} for the {store_word} store. Other stores work.",
        "The app logs me out every few minutes on the store tablet.",
        "Stock levels went negative after the last update, we definitely have stock on the shelves.",
        "The weekly email digest arrived empty this week, no numbers at all.",
        "Prices with a comma (like 4,99) are saved as 499. This is costing us money at the till!",
        "{feature} never finishes loading in Safari, it works in Chrome.",
        "The returns screen adds VAT twice to refunded items.",
        "Staff schedule shows shifts an hour off since the clocks changed.",
        "We get 'something went wrong' when uploading the product catalogue (about 8,000 lines).",
        "Push notifications stopped arriving on our Android scanners after the update.",
        "Search in {feature} returns nothing for products with accents, e.g. 'pão'.",
        "The loyalty points of some customers disappeared overnight.",
    ],
    "feature_request": [
        "Would it be possible to schedule {feature} to be emailed every Monday?",
        "It would be great if {feature} could be filtered by region.",
        "Could you add a dark mode to the store tablet app? Our evening staff find it too bright.",
        "We would love an integration with Shopify so online and in-store stock stay in sync.",
        "Please let us export {feature} to Excel directly, not only CSV.",
        "Any plans to support multiple currencies in one account? We are opening stores in Canada.",
        "Can you add a way to bulk-edit prices for a whole category?",
        "It would help if the staff schedule could show public holidays.",
        "Feature idea: let customers see their loyalty points on the receipt.",
        "Could the mobile app work offline for a few hours when the store Wi-Fi is down?",
        "We need a French version of the interface for our Montreal stores.",
        "Is there a way to set different user permissions per store? That would really help us.",
    ],
    "sales_lead": [
        "We run {stores} shops and are looking for a new inventory system. Could someone walk us through Atlas?",
        "What does the Enterprise plan cost for about {stores} stores? We would like a quote.",
        "Hi, I saw your talk at Retail Week. Can we book a demo for our operations team next week?",
        "Our contract with another vendor ends in {month}. Do you offer help migrating our data?",
        "Do you have customers in the pharmacy sector? We are evaluating three vendors.",
        "Is there a free trial for a chain of {stores} bakeries?",
        "We are a franchise with {stores} locations in Portugal. Who should I talk to about pricing?",
        "Can you send a proposal and your security documentation? Our procurement needs both by {month}.",
        "I'd like to understand how Atlas compares with what we use today. Is a call possible this week?",
        "We are opening {stores} new stores next year and need a system that scales. Can we talk?",
        "Does Northwind Atlas support on-premise installation? Our board asks before we buy.",
    ],
    "spam": [
        "Congratulations! You have been selected to receive a $500 gift card. Click here to claim.",
        "Increase your website traffic by 300% with our SEO package, only today at half price!!!",
        "Dear sir, I am a prince with an inheritance of 4.5 million dollars and need your help to transfer it.",
        "Your mailbox is almost full. Verify your password here to keep receiving email.",
        "Cheap watches, bags and sunglasses, best replicas, free shipping worldwide.",
        "We buy email lists of retail decision makers. Reply with your price.",
        "URGENT: your account will be deleted in 24 hours unless you confirm your bank details.",
        "Earn EUR 3,000 a week from home, no experience needed, reply YES.",
        "Hot singles in your area are waiting to meet you tonight.",
        "Get a guaranteed business loan in minutes, no credit check! Apply now.",
        "I can get your company on the first page of Google, guaranteed, reply for details.",
        "Invoice #88312 attached, please open the ZIP file to see the payment details.",
    ],
    "other": [
        "Thanks for the quick help yesterday, everything works now!",
        "I am out of the office until {month} 12th with limited access to email.",
        "Where can I find your terms of service and data processing agreement?",
        "Is your office in Lisbon open to visitors? We are in town next week.",
        "Just wanted to say the new update is great, our staff love it.",
        "Can you tell me which data centre region our data is stored in?",
        "We are writing a case study for our newsletter, may we mention Northwind Atlas?",
        "Please unsubscribe me from the product newsletter.",
        "Are you hiring? I would like to apply for a job in your Toronto team.",
        "What are your support hours over the Christmas holidays?",
        "Is there a status page where we can see outages?",
        "Who is our account manager now that {name} has left?",
    ],
}

CHANNELS = {"email": 0.5, "chat": 0.3, "web_form": 0.2}
TIERS_BY_LABEL = {
    "sales_lead": {"prospect": 1.0},
    "spam": {"unknown": 1.0},
    "other": {"free": 0.3, "pro": 0.35, "enterprise": 0.2, "unknown": 0.15},
}
CUSTOMER_TIERS = {"free": 0.3, "pro": 0.45, "enterprise": 0.25}
PER_LABEL = {"billing": 110, "access_request": 95, "bug_report": 110, "feature_request": 70, "sales_lead": 70,
             "spam": 60, "other": 70}
TEST_SHARE = 1 / 2


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def fill(rng: random.Random, template: str) -> str:
    company = rng.choice(COMPANY)
    domain = company.lower().replace(" & ", "").replace(" ", "").replace(".", "").replace("é", "e") + ".com"
    return template.format(amount=rng.choice(AMOUNTS), month=rng.choice(MONTHS), stores=rng.choice(STORES),
                           stores2=rng.choice(STORES), name=rng.choice(FIRST), role=rng.choice(ROLES),
                           feature=rng.choice(FEATURES), domain=domain,
                           store_word=rng.choice(["Porto", "Braga", "Toronto", "Ottawa", "Coimbra", "Hamilton"]))


def message(rng: random.Random, label: str, channel: str, split: str) -> str:
    # Every fourth template of a label is held out of the training split, so that the test split
    # also holds phrasings a classifier has never seen (as a real inbox does).
    templates = TEMPLATES[label] if split == "test" else [t for i, t in enumerate(TEMPLATES[label]) if i % 4 != 3]
    body = fill(rng, rng.choice(templates))
    if channel == "chat":  # short, informal, no signature
        body = body[0].lower() + body[1:] if rng.random() < 0.4 and not body.startswith("I ") else body
        return body
    if channel == "web_form":
        return f"[Contact form] Subject: {body.split('.')[0][:60]}\n{body}"
    greet, sign = rng.choice(GREET), rng.choice(SIGN)
    name, company = rng.choice(FIRST), rng.choice(COMPANY)
    parts = [f"{greet},\n" if greet else "", body, f"\n{sign},\n{name}" if sign else f"\n{name}"]
    if label not in ("spam",) and rng.random() < 0.6:
        parts.append(f"\n{company}")
    return "".join(parts)


def main() -> None:
    rng = random.Random(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    train, test = [], []
    n = 0
    for label, count in PER_LABEL.items():
        seen: set[str] = set()
        cut = round(count * TEST_SHARE)
        for split, size, rows in (("test", cut, test), ("train", count - cut, train)):
            made = 0
            while made < size:
                channel = "email" if label == "spam" and rng.random() < 0.8 else pick(rng, CHANNELS)
                tier = pick(rng, TIERS_BY_LABEL.get(label, CUSTOMER_TIERS))
                text = message(rng, label, channel, split)
                key = normalize_answer(text)  # the normalisation `dataset health` compares by
                if key in seen:
                    continue
                seen.add(key)
                rows.append({"text": text, "label": label, "tags": {"channel": channel, "tier": tier}})
                made += 1
    for name, rows in (("train", train), ("test", test)):
        rng.shuffle(rows)
        with (OUT / f"{name}.jsonl").open("w", encoding="utf-8") as f:
            for r in rows:
                n += 1
                f.write(json.dumps({"id": f"{name[:2]}-{n:04d}", **r}, ensure_ascii=False) + "\n")
    (OUT / "labels.txt").write_text("".join(f"{label}\n" for label in PER_LABEL), encoding="utf-8")
    print(f"wrote {len(train)} training and {len(test)} test messages to {OUT}")


if __name__ == "__main__":
    main()
