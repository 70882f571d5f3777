"""The embedding classifiers (the `dense` extra, slow tier): `embedding-logreg` on the bundled
inbox and `zero-shot` from label descriptions alone, with the packaged MiniLM; embeddings are
cached, so a second build embeds nothing."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest

from tests.app.test_task_classify import ok

pytest.importorskip("sentence_transformers")
INBOX = Path(str(files("shipcall") / "sample" / "inbox"))
DESCRIPTIONS = {
    "billing": "invoices, charges, payments, refunds and subscription prices",
    "access_request": "give, remove or reset someone's login, permissions or account access",
    "bug_report": "something in the product is broken, crashes, shows errors or wrong numbers",
    "feature_request": "a wish for a new feature or an improvement of the product",
    "sales_lead": "a prospect asks for a demo, a quote, a trial or pricing to buy the product",
    "spam": "unsolicited advertising, scams, phishing and prizes",
    "other": "thanks, out of office, general questions about the company",
}


@pytest.mark.slow
def test_embedding_classifiers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shipcall.app.init import init_workspace

    zero = {"kind": "zero-shot", "labels": DESCRIPTIONS}
    ws = init_workspace(tmp_path / "ws", extra_variants=(
        "  embed:\n    task: classify\n    classifier: {kind: embedding-logreg, train: inbox-train}\n"
        f"  zero:\n    task: classify\n    classifier: {json.dumps(zero)}\n"))
    for split in ("train", "test"):
        ok(capsys, ws, "dataset", "import", str(INBOX / f"{split}.jsonl"), "--task", "classify",
           "--labels", str(INBOX / "labels.txt"), "--name", f"inbox-{split}")
    embed = ok(capsys, ws, "run", "--dataset", "inbox-test", "--variant", "embed", "--json")
    assert embed["errors"] == 0 and embed["metrics"]["accuracy"] > 0.7
    cache = ws / ".shipcall" / "embeddings"
    shards = sorted(p.name for p in cache.rglob("*.npz"))
    assert shards
    zero_run = ok(capsys, ws, "run", "--dataset", "inbox-test", "--variant", "zero", "--json")
    assert zero_run["metrics"]["accuracy"] > 0.4  # far above the 1-in-7 of guessing, with no training data
    assert 0.0 <= zero_run["metrics"]["ece"] <= 1.0
    again = ok(capsys, ws, "run", "--dataset", "inbox-test", "--variant", "embed", "--json")  # cached model
    assert again["metrics"]["accuracy"] == embed["metrics"]["accuracy"]
    new_texts = [p for p in cache.rglob("*.npz") if p.name not in shards]
    assert len(new_texts) <= 1  # at most the label descriptions of zero-shot: the texts were embedded once
