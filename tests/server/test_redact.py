"""Redaction measured on a corpus of realistic personal data in many formats and of look-alikes
that must survive (tests/fixtures/redaction.jsonl), plus its configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("phonenumbers")
pytest.importorskip("stdnum")

from shipcall.app.redact import Redactor  # noqa: E402
from shipcall.config.schema import RedactionConfig  # noqa: E402
from shipcall.errors import ConfigError  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "redaction.jsonl"
MIN_RECALL = 0.97
MIN_PRECISION = 0.97


def measure(redactor: Redactor) -> dict[str, object]:
    """Recall: share of the personal data spans entirely covered by a finding (typed recall: by a
    finding of the right kind). Precision: share of findings that overlap a personal data span."""
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    expected = covered = typed = findings = correct = lookalike_lines = 0
    misses, false_positives = [], []
    per_kind: dict[str, list[int]] = {}
    for row in rows:
        text = row["text"]
        spans = []
        for kind, value in row["expect"]:
            start = text.index(value)
            spans.append((kind, start, start + len(value)))
        lookalike_lines += not spans
        found = redactor.find(text)
        for kind, s, e in spans:
            expected += 1
            hit = [f for f in found if f.start <= s and f.end >= e]
            per_kind.setdefault(kind, [0, 0])[1] += 1
            if hit:
                covered += 1
                typed += hit[0].kind == kind
                per_kind[kind][0] += 1
            else:
                misses.append((kind, text[s:e]))
        for f in found:
            findings += 1
            if any(f.start < e and f.end > s for _, s, e in spans):
                correct += 1
            else:
                false_positives.append((f.kind, f.text, text))
    return {"entities": expected, "lookalike_lines": lookalike_lines, "recall": covered / expected,
            "typed_recall": typed / expected, "precision": correct / findings if findings else 1.0,
            "misses": misses, "false_positives": false_positives,
            "per_kind": {k: f"{a}/{b}" for k, (a, b) in sorted(per_kind.items())}}


def test_recall_and_precision_on_the_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    m = measure(Redactor())
    with capsys.disabled():
        print(f"\nredaction: {m['entities']} personal data spans, {m['lookalike_lines']} look-alike lines; "
              f"recall {m['recall']:.3f} (typed {m['typed_recall']:.3f}), precision {m['precision']:.3f}; "
              f"by kind {m['per_kind']}")
    assert m["entities"] >= 140 and m["lookalike_lines"] >= 75
    assert m["recall"] >= MIN_RECALL, m["misses"]
    assert m["precision"] >= MIN_PRECISION, m["false_positives"]
    assert m["typed_recall"] >= MIN_RECALL


def test_typed_placeholders_and_counts() -> None:
    r = Redactor().redact("Mail jane@example.com, call +44 20 7946 0958, card 4111 1111 1111 1111, "
                          "IBAN DE89 3704 0044 0532 0130 00, from 203.0.113.9, SSN 536-22-1234; v2.14.1 on 2024-03-15")
    assert r.text == ("Mail [EMAIL], call [PHONE], card [CARD], IBAN [IBAN], from [IP], SSN [SSN]; "
                      "v2.14.1 on 2024-03-15")
    assert r.counts == {"EMAIL": 1, "PHONE": 1, "CARD": 1, "IBAN": 1, "IP": 1, "SSN": 1}
    assert Redactor().redact("nothing personal here").counts == {}


def test_luhn_and_iban_checksums_decide() -> None:
    r = Redactor()
    assert r.redact("card 4111 1111 1111 1111").text == "card [CARD]"
    assert r.redact("card 4111 1111 1111 1112").text == "card 4111 1111 1111 1112"  # Luhn fails
    assert r.redact("IBAN DE89 3704 0044 0532 0130 00").text == "IBAN [IBAN]"
    assert r.redact("IBAN DE88 3704 0044 0532 0130 00").text == "IBAN DE88 3704 0044 0532 0130 00"  # mod 97


def test_configurable_kinds_patterns_and_allow_list() -> None:
    cfg = RedactionConfig(kinds=["email"], patterns=[{"name": "EMPLOYEE_ID", "pattern": r"\bEMP-\d{6}\b"}],
                          allow=[r"help@example\.com"])
    r = Redactor(cfg)
    out = r.redact("EMP-123456 wrote from jo@example.com to help@example.com, phone +44 20 7946 0958")
    assert out.text == "[EMPLOYEE_ID] wrote from [EMAIL] to help@example.com, phone +44 20 7946 0958"
    off = Redactor(RedactionConfig(enabled=False))
    assert off.redact("jo@example.com").text == "jo@example.com"
    with pytest.raises(ConfigError, match="unknown phone region"):
        Redactor(RedactionConfig(phone_regions=["XX"]))


def test_redaction_config_in_shipcall_yaml(tmp_path: Path) -> None:
    from shipcall.config.load import load_workspace_config

    path = tmp_path / "shipcall.yaml"
    path.write_text("variants:\n  baseline: {}\nredaction:\n  phone_regions: [US]\n  patterns:\n"
                    "    - {name: TICKET, pattern: 'T-\\d+'}\nserver:\n  public: []\n  max_body_bytes: 4096\n")
    cfg = load_workspace_config(path)
    assert cfg.redaction.phone_regions == ["US"] and cfg.redaction.patterns[0].name == "TICKET"
    assert cfg.server.public == [] and cfg.server.max_body_bytes == 4096
    path.write_text("variants:\n  baseline: {}\nredaction:\n  patterns:\n    - {name: BAD, pattern: '('}\n")
    with pytest.raises(ConfigError) as e:
        load_workspace_config(path)
    assert "redaction.patterns.0" in str(e.value) and "not a valid regular expression" in str(e.value)
    path.write_text("variants:\n  baseline: {}\nserver:\n  prot: 9000\n")
    with pytest.raises(ConfigError, match="unknown key"):
        load_workspace_config(path)


def test_answers_are_redacted_in_the_log_but_not_in_the_response(tmp_path: Path) -> None:
    from shipcall.app.ingest import ingest
    from shipcall.app.init import init_workspace
    from shipcall.app.workspace import Workspace
    from shipcall.server.app import create_app
    from tests.server.conftest import TOKEN, http, live

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "helpdesk.md").write_text("# IT helpdesk\n\nThe IT helpdesk is reached at helpdesk@example.com "
                                      "or on +44 20 7946 0555 from 9 to 5.\n")
    (docs / "leave.md").write_text("# Leave\n\nEmployees get 25 days of paid leave per year.\n")
    ws = Workspace(init_workspace(tmp_path / "ws"))
    ingest(ws, str(docs))
    with live(create_app(ws, token=TOKEN)) as url:
        body = http.post(f"{url}/v1/ask", json={"question": "How is the IT helpdesk reached?"}).json()
        assert "helpdesk@example.com" in body["answer"]
        logged = http.get(f"{url}/v1/logs/{body['request_id']}",
                           headers={"Authorization": f"Bearer {TOKEN}"}).json()
    shown = logged["answer"] + " ".join(c["snippet"] for c in logged["citations"])  # the answer and its sentence
    assert "[EMAIL]" in logged["answer"] and "[PHONE]" in shown
    assert "example.com" not in json.dumps(logged) and "7946" not in json.dumps(logged)
