"""Assertions: item-specific checks on the prediction (the answer, "" for an abstention).

`assertion_pass_rate` = passing assertions / assertions of the item (in the spirit of
promptfoo's deterministic assertions). The checks, by `Assertion.type`:

| type | passes when |
|---|---|
| `contains` | the value occurs in the prediction, case-insensitive |
| `not-contains` | it does not |
| `regex` | `re.search(value, prediction)` finds a match (case-sensitive unless the pattern says `(?i)`) |
| `not-regex` | it finds none |
| `equals` | the prediction equals the value after SQuAD normalisation |
| `min-length` | len(prediction) ≥ value (characters) |
| `max-length` | len(prediction) ≤ value (characters) |

A check that cannot be evaluated (an invalid regular expression, a length that is not a
number) fails; it never raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from shipcall.core.datasets import Assertion, Item
from shipcall.core.metrics.abstention import prediction
from shipcall.core.metrics.answer import normalize_answer
from shipcall.core.runs import ItemResult


def _search(pattern: Any, text: str) -> bool | None:
    """True/False if the pattern matches somewhere; None if the pattern is invalid."""
    try:
        return re.search(str(pattern), text) is not None
    except re.error:
        return None


def _length(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _regex(value: Any, text: str) -> bool:
    return _search(value, text) is True


def _not_regex(value: Any, text: str) -> bool:
    return _search(value, text) is False


def _min_length(value: Any, text: str) -> bool:
    n = _length(value)
    return n is not None and len(text) >= n


def _max_length(value: Any, text: str) -> bool:
    n = _length(value)
    return n is not None and len(text) <= n


ASSERTION_CHECKS: dict[str, Callable[[Any, str], bool]] = {
    "contains": lambda value, text: str(value).lower() in text.lower(),
    "not-contains": lambda value, text: str(value).lower() not in text.lower(),
    "regex": _regex,
    "not-regex": _not_regex,
    "equals": lambda value, text: normalize_answer(str(value)) == normalize_answer(text),
    "min-length": _min_length,
    "max-length": _max_length,
}


def check_assertion(assertion: Assertion, text: str) -> bool:
    """Whether one assertion passes on the text; an unknown type fails."""
    check = ASSERTION_CHECKS.get(assertion.type)
    return check is not None and check(assertion.value, text)


def assertion_pass_rate(assertions: tuple[Assertion, ...], text: str) -> float | None:
    """passing / total over the assertions; None when there are none."""
    if not assertions:
        return None
    return sum(check_assertion(a, text) for a in assertions) / len(assertions)


def score_assertions(item: Item, result: ItemResult) -> dict[str, float]:
    """`assertion_pass_rate` on the prediction for items with assertions; `{}` otherwise."""
    rate = assertion_pass_rate(item.assertions, prediction(result))
    return {} if rate is None else {"assertion_pass_rate": rate}
