"""Redaction on the shapes the security review found missed or wrongly redacted (D1-D3), the new
kinds, the look-alikes that must survive, and the pieces underneath (normalisation offsets,
libphonenumber agreement, Luhn, card networks). Recall and precision on the regression fixture
are in tests/server/test_redact.py; on the evaluation corpus in benchmarks/redaction.py."""

from __future__ import annotations

import random

import pytest

pytest.importorskip("phonenumbers")
pytest.importorskip("stdnum")

from shipcall.app.redact import Redactor  # noqa: E402
from shipcall.config.schema import RedactionConfig  # noqa: E402

R = Redactor()


@pytest.mark.parametrize(("text", "expected"), [
    # cards and IBANs: every separator people paste, every network, Luhn always
    ("card 4197.2174.8693.5138 please", "card [CARD] please"),
    ("card 4197/2174/8693/5138", "card [CARD]"),
    ("card 4197\u00a02174\u00a08693\u00a05138", "card [CARD]"),
    ("Mir 2200 0818 3658 4924", "Mir [CARD]"),
    ("Troy 9792 6019 6674 9820", "Troy [CARD]"),
    ("RuPay 6080 7568 2031 0768", "RuPay [CARD]"),
    ("IBAN DE89.3704.0044.0532.0130.00", "IBAN [IBAN]"),
    ("IBAN\u00a0NL91\u00a0ABNA\u00a00417\u00a01643\u00a000", "IBAN\u00a0[IBAN]"),
    # SSNs: without dashes, other dashes, an "id" word nearby
    ("SSN 536221234", "SSN [SSN]"),
    ("ssn 536\u201322\u20131234", "ssn [SSN]"),
    ("social security number 536 22 1234", "social security number [SSN]"),
    ("my employee id and ssn: 489-36-5521", "my employee id and ssn: [SSN]"),
    # phones: a phone word anywhere shortly before; numbers of any region
    ("phone number: 4155550132", "phone number: [PHONE]"),
    ("my cell, if it's urgent, is 0151 23456789", "my cell, if it's urgent, is [PHONE]"),
    ("celular (11) 91234-5678", "celular [PHONE]"),
    ("telefonum 0532 123 45 67", "telefonum [PHONE]"),
    ("電話番号は090-1234-5678です", "電話番号は[PHONE]です"),
    ("Toronto 416-555-0123", "Toronto [PHONE]"),
    # e-mails: IDN, full-width, spelled
    ("mail jörg.müller@beispiel.de", "mail [EMAIL]"),
    ("почта иван.петров@пример.рф", "почта [EMAIL]"),
    ("ｊａｎｅ．ｄｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "[EMAIL]"),
    ("reach me at john dot smith at acme dot co dot uk", "reach me at [EMAIL]"),
    ("write to anna.berg[at]example[dot]se", "write to [EMAIL]"),
    # IPs with leading zeros
    ("from 192.168.001.010 again", "from [IP] again"),
    # the kinds that were not handled at all
    ("NI number: AB 12 34 56 C", "NI number: [NINO]"),
    ("DOB: 07/04/1986", "DOB: [DOB]"),
    ("geboren am 4. Juli 1979", "geboren am [DOB]"),
    ("born on March 3, 1990 in Ohio", "born on [DOB] in Ohio"),
    ("Send it to 221B Baker Street, London NW1 6XE", "Send it to [ADDRESS], London [ADDRESS]"),
    ("Hauptstraße 5, 10115 Berlin", "[ADDRESS], [ADDRESS] Berlin"),
    ("12 rue de la Paix, 75002 Paris", "[ADDRESS], [ADDRESS] Paris"),
    ("Rua Augusta 25, 1100-048 Lisboa", "[ADDRESS], [ADDRESS] Lisboa"),
    ("My name is Jennifer Walsh and I can't log in", "My name is [NAME] and I can't log in"),
    ("I'm Oliver Bennett, the new starter", "I'm [NAME], the new starter"),
    ("Hi, this is Marcus Lee from payroll", "Hi, this is [NAME] from payroll"),
    ("Signed, Robert E. Kline", "Signed, [NAME]"),
    ("Mit freundlichen Grüßen\nAnna Schmidt", "Mit freundlichen Grüßen\n[NAME]"),
])
def test_review_shapes_are_redacted(text: str, expected: str) -> None:
    assert R.redact(text).text == expected


@pytest.mark.parametrize("text", [
    "SNMP walk of 1.3.6.1.2.1.1.5.0 returns the hostname",   # an OID once became [PHONE]
    "ISBN 0-306-40615-2 is in the library",                  # an ISBN-10 once became [PHONE]
    "firmware 10.2.0.15 fixes the Wi-Fi drop",               # a firmware version once became [IP]
    "Chrome 120.0.6099.109 is approved", "EAN 4006381333931 on the box", "order number 4155552671 is late",
    "ORD-2024-000123", "logged at 2024-03-15T10:30:00Z", "UUID 123e4567-e89b-12d3-a456-426614174000",
    "MAC 00:1A:2B:3C:4D:5E", "1234 5678 9012 3456 is the sample card", "IMEI 35-209900-176148-1",
    "part no. 123-45-6789", "Bestellnummer 0151 2345 6789", "numéro de commande 06 12 34 56 78",
    "Invoice no. 0044 2079 4609 58 was paid.", "UPS 1Z 999 AA1 01 2345 6784", "file@2x.png is missing",
    "look at example dot com for the docs", "I'm Not sure which form to use", "This is Important: read it",
    "the project was born in 2019", "Wall Street is up 2%", "IP range 10.0.0.0/8 is internal",
    "subnet mask 255.255.255.0", "DNS 1.1.1.1", "the meeting is on 12/03/2024",
])
def test_look_alikes_survive(text: str) -> None:
    assert R.redact(text).text == text, R.find(text)


def test_offsets_follow_the_original_text_through_normalisation() -> None:
    text = "tel\u200b: +44\u200b20\u200b7946\u200b0958 and ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ, e\u0301te\u0301"
    out = R.redact(text)
    assert out.text == "tel\u200b: [PHONE] and [EMAIL], e\u0301te\u0301" and out.counts == {"PHONE": 1, "EMAIL": 1}


def test_a_hostile_question_is_read_once_through() -> None:
    """The shapes that took the old redactor a second each (D5) are redacted here; their cost is in
    benchmarks/redaction.py (no timing in tests)."""
    for unit in ("+1 2-3.4 ", "1 ", "1.", "+1 22 333 ", "call 0123456789 ", "4111 ", "DE89 "):
        text = (unit * (4000 // len(unit) + 1))[:4000]
        assert isinstance(R.redact(text).text, str)


def test_phone_validity_agrees_with_phonenumbers() -> None:
    import phonenumbers
    from phonenumbers import PhoneNumberType as T

    from shipcall.core.redaction import phonemeta

    rng = random.Random(7)
    checked = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        rules = phonemeta.rules(region)
        for kind in (T.FIXED_LINE, T.MOBILE, T.TOLL_FREE):
            ex = phonenumbers.example_number_for_type(region, kind)
            if ex is None:
                continue
            nsn = phonenumbers.national_significant_number(ex)
            for v in (nsn, nsn[:-1], nsn + "7", "".join(rng.choice("0123456789") for _ in nsn)):
                try:
                    num = phonenumbers.parse(f"+{rules.country_code}{v}", None)
                except phonenumbers.NumberParseException:
                    continue
                mine = rules.valid(phonenumbers.national_significant_number(num))
                assert mine == phonenumbers.is_valid_number_for_region(num, region), (region, v)
                checked += 1
    assert checked > 1500


def test_luhn_and_networks() -> None:
    from stdnum import luhn

    from shipcall.core.redaction.cards import is_card, luhn_ok, network_ok

    rng = random.Random(3)
    for _ in range(2000):
        n = "".join(rng.choice("0123456789") for _ in range(rng.randint(12, 19)))
        assert luhn_ok(n) == luhn.is_valid(n)
    assert network_ok("2200081836584924") and network_ok("9792601966749820")  # Mir, Troy
    assert not network_ok("9999081836584924")
    assert is_card("4111111111111111") and not is_card("4111111111111112")


def test_kinds_can_be_switched_off_and_new_kinds_are_configurable() -> None:
    only = Redactor(RedactionConfig(kinds=["email"]))
    text = "My name is Jennifer Walsh, DOB 07/04/1986, jw@example.com, NI AB 12 34 56 C"
    assert only.redact(text).text == "My name is Jennifer Walsh, DOB 07/04/1986, [EMAIL], NI AB 12 34 56 C"
    assert R.redact(text).counts == {"NAME": 1, "DOB": 1, "EMAIL": 1, "NINO": 1}
