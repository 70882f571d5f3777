"""The evaluation contract (contract.yaml): the declared definition of good, written before
building. Pure: pydantic models and validation, no I/O (config/load_contract.py reads the file).

Only `primary` and `metrics` are required. Every other key has a documented default:

| key | default | meaning |
|---|---|---|
| tolerance | 0.02 | largest acceptable drop per cohort on a guarded metric (metric's unit) |
| alpha | 0.05 | significance level of the whole family of metric × cohort tests |
| correction | holm | holm (family-wise error) or bh (false discovery rate) |
| min_cohort_size | 20 | smaller cohorts get an `underpowered` warning at the gate |
| underpowered | warn | an `underpowered` guarded cohort at the gate: warn or block (overall: always blocks) |
| cohorts | [] | tag keys compared per cohort (`topic` → cohorts `topic=hr`, …) |
| guarded | the listed per-item metrics | metrics whose regression in any cohort blocks |
| must_pass | [] | item ids that must be answered perfectly on the primary metric |
| max_error_rate | 0 | share of candidate items allowed to error |

Aggregate-only metrics (latency percentiles, abstain_precision) are threshold checks, never
paired tests, so they cannot be guarded. Unknown keys are errors (extra="forbid"); every
semantic error is a ConfigError naming the dotted field (`metrics.recall@5.min`) with a hint.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shipcall.config.errors import config_error, line_of
from shipcall.config.schema import AnthropicGenerator, OpenAIGenerator
from shipcall.core.judge import SUFFIXES as JUDGE_SUFFIXES
from shipcall.core.judge import scale_labels
from shipcall.core.metrics.registry import _JUDGE_NAME, AT_K_FAMILIES, PLAIN_METRICS, Metric, metric_info
from shipcall.errors import ConfigError

DEFAULT_TOLERANCE = 0.02
DEFAULT_ALPHA = 0.05
DEFAULT_CORRECTION: Literal["holm", "bh"] = "holm"
DEFAULT_MIN_COHORT_SIZE = 20

# Metrics measured in their own unit (milliseconds, tokens, money) rather than as a 0–1 rate.
_UNIT_PREFIXES: tuple[str, ...] = ("latency", "ttft", "tokens", "cost", "length")

DEFAULT_CONTRACT_YAML = """\
# contract.yaml: what "good" means for this feature, declared before building.
# `shipcall contract check` validates it (with --dataset NAME: against your items and the latest
# baseline run); `shipcall gate` applies it. The thresholds below are examples: set them from
# what your baseline reaches and what your users need.
# Only `primary` and `metrics` are required; the other keys show their defaults or an example.

description: "answer employees' questions from our internal docs"   # the user problem, in words (case studies)
primary: contains_answer          # per-item metric that must-pass items are judged on

metrics:                          # thresholds on the candidate's overall value
  recall@5: {min: 0.80}           # higher is better -> min
  contains_answer: {min: 0.70}
  false_answer_rate: {max: 0.05}  # lower is better -> max
  latency_ms_p95: {max: 1500, tolerance: 100}   # per-metric tolerance, in the metric's unit

# cohorts: [topic]                # tag keys of your items to compare per cohort (default: none);
                                  # uncomment once a dataset's items carry them: `shipcall dataset
                                  # show NAME` lists the tags, `shipcall contract check` warns
                                  # about cohorts no item has
tolerance: 0.02                   # largest acceptable drop per cohort on guarded metrics
guarded: [contains_answer, recall@5, false_answer_rate]
                                  # default: the listed metrics that are means of per-item values
                                  # (aggregate-only metrics such as latency percentiles are
                                  # threshold checks, never paired tests)
alpha: 0.05                       # significance level for the whole family of tests
correction: holm                  # holm (family-wise error) | bh (false discovery rate)
min_cohort_size: 20               # smaller cohorts are reported as too small to trust
underpowered: warn                # a guarded cohort too small to rule out a drop: warn | block
                                  # (a guarded metric underpowered overall always blocks)
must_pass: []                     # item ids that must be answered perfectly, e.g. [q-001, q-017]
max_error_rate: 0.01              # share of candidate items allowed to fail with an error (default 0)

# LLM-as-judge (needs the `llm` extra and an API key): run by `shipcall run` after generation.
# judge:
#   provider: {kind: openai, model: gpt-4o-mini, api_key_env: OPENAI_API_KEY}   # or kind: anthropic
#   repeats: 1                      # judge each item N times to measure the judge's own noise
#   metrics:
#     correctness:                  # reported as judge_correctness (0–1); threshold it under metrics:
#       rubric: "5: correct and complete … 1: wrong or unsupported"
#       scale: [1, 5]               # integers lo..hi, or labels worst first: [no, yes]
"""

def is_rate(name: str) -> bool:
    """True for metrics whose values lie in [0, 1]; False for metrics with a unit (ms, tokens)."""
    return not name.startswith(_UNIT_PREFIXES)


def known_metric_names() -> list[str]:
    """The names to suggest: `family@k` patterns and the plain metrics."""
    return [f"{f}@k" for f in AT_K_FAMILIES] + list(PLAIN_METRICS)


class MetricRule(BaseModel):
    """A threshold on one metric's overall value: `min` for higher-is-better metrics, `max` for
    lower-is-better ones, and optionally the metric's own `tolerance` (in its unit)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min: float | None = None
    max: float | None = None
    tolerance: float | None = None


class JudgeMetric(BaseModel):
    """One judge metric: the rubric the judge follows and its scale of verdicts, worst first
    (`[1, 5]`: the integers 1..5; or labels such as `[no, yes]`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rubric: str = Field(min_length=1)
    scale: list[int | float | str | bool] = Field(default_factory=lambda: list[int | float | str | bool]([1, 5]))

    @property
    def labels(self) -> list[str]:
        return scale_labels(self.scale)

    @field_validator("scale")
    @classmethod
    def _valid_scale(cls, value: list[Any]) -> list[Any]:
        scale_labels(value)  # raises ValueError with the reason
        return value


class JudgeConfig(BaseModel):
    """LLM-as-judge: the provider (the same keys as an openai/anthropic generator), how many
    times each item is judged, an optional prompt template, and the judge metrics."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    provider: Annotated[OpenAIGenerator | AnthropicGenerator, Field(discriminator="kind")]
    repeats: int = Field(1, ge=1, le=20)
    prompt: str | None = None
    metrics: dict[str, JudgeMetric] = Field(min_length=1)

    @field_validator("provider")
    @classmethod
    def _provider_keys(cls, value: Any) -> Any:
        if value.prompt is not None:
            raise ValueError("the judge's prompt template is `judge.prompt`, not `judge.provider.prompt`")
        if value.budget is not None:
            raise ValueError("a budget limits a generator's run; the judge's tokens and cost are reported by "
                             "`shipcall show RUN`")
        return value

    @field_validator("metrics")
    @classmethod
    def _names(cls, value: dict[str, JudgeMetric]) -> dict[str, JudgeMetric]:
        for name in value:
            if not _JUDGE_NAME.fullmatch('judge_' + name) or name.endswith(JUDGE_SUFFIXES):
                raise ValueError(f"judge metric name {name!r}: use lower-case letters, digits and _, "
                                 f"not ending in {', '.join(JUDGE_SUFFIXES)}")
        return value


class Contract(BaseModel):
    """The contract. `guarded` is always a resolved list after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""  # the user problem this contract defines "good" for, in words (case studies)
    primary: str
    metrics: dict[str, MetricRule]
    cohorts: list[str] = Field(default_factory=list)
    tolerance: float = DEFAULT_TOLERANCE
    guarded: list[str] = Field(default_factory=list)
    alpha: float = DEFAULT_ALPHA
    correction: Literal["holm", "bh"] = DEFAULT_CORRECTION
    min_cohort_size: int = Field(DEFAULT_MIN_COHORT_SIZE, ge=0)
    underpowered: Literal["warn", "block"] = "warn"
    must_pass: list[str] = Field(default_factory=list)
    max_error_rate: float = 0.0
    judge: JudgeConfig | None = None
    costs: dict[str, float] = Field(default_factory=dict)  # per failure mode, in the user's unit (narratives)
    cost_unit: str = "points"

    @model_validator(mode="before")
    @classmethod
    def _default_guarded(cls, data: Any) -> Any:
        # guarded defaults to the listed metrics that are means of per-item values.
        if isinstance(data, dict) and data.get("guarded") is None and isinstance(data.get("metrics"), dict):
            guarded = []
            for name in data["metrics"]:
                info = metric_info(str(name))
                if info is not None and info.per_item:
                    guarded.append(str(name))
            data = {**data, "guarded": guarded}
        return data

    @field_validator("cohorts", "must_pass", "guarded", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        # A single name is a one-element list; item ids may be written as numbers in YAML.
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            value = [value]
        if isinstance(value, list):
            return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
        return value

    @model_validator(mode="after")
    def _check(self) -> Contract:
        for name, rule in self.metrics.items():
            info = _known(name, f"metrics.{name}")
            _check_rule(name, rule, info)
            _check_judged(name, self.judge, f"metrics.{name}")
        _check_judged(self.primary, self.judge, "primary")
        for i, name in enumerate(self.guarded):
            _check_judged(name, self.judge, f"guarded.{i}")
        primary = _known(self.primary, "primary")
        if not primary.per_item:
            raise ConfigError(
                f"{self.primary} is aggregate-only; the primary metric must have per-item values",
                field="primary", hint="use a per-item metric such as contains_answer, f1 or recall@5",
            )
        for i, name in enumerate(self.guarded):
            info = _known(name, f"guarded.{i}")
            if not info.per_item:
                raise ConfigError(
                    f"{name} is aggregate-only and cannot be guarded",
                    field=f"guarded.{i}",
                    hint="aggregate-only metrics (latency percentiles) are threshold checks under "
                    "`metrics:`, never paired tests; remove it from guarded",
                )
        _check_range("tolerance", self.tolerance, 0.0, None, "the tolerance is a drop size, 0 or more")
        _check_range("alpha", self.alpha, 0.0, 1.0, "alpha is a probability, e.g. 0.05", open_ends=True)
        _check_range("max_error_rate", self.max_error_rate, 0.0, 1.0, "rates are 0–1: write 0.01 for 1%")
        for i, key in enumerate(self.cohorts):
            if not key.strip() or "=" in key:
                raise ConfigError(f"not a tag key: {key!r}", field=f"cohorts.{i}",
                                  hint="list tag keys such as `topic`; cohorts are their values")
        return self

    def tolerance_for(self, metric: str) -> float:
        """The metric's own tolerance if the contract sets one, else the default tolerance."""
        rule = self.metrics.get(metric)
        return rule.tolerance if rule is not None and rule.tolerance is not None else self.tolerance

    @property
    def hash(self) -> str:
        """Content hash of the resolved contract (defaults filled in), recorded with decisions."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def _check_judged(name: str, judge: JudgeConfig | None, field: str) -> None:
    """A judge metric used in the contract must be declared under judge.metrics."""
    if not name.startswith("judge_"):
        return
    base = name[len("judge_"):]
    for suffix in JUDGE_SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    if judge is None or base not in judge.metrics:
        declared = ", ".join(judge.metrics) if judge else "none"
        raise ConfigError(f"{name} needs a judge metric {base!r} under judge.metrics (declared: {declared})",
                          field=field, hint="declare it: judge: {provider: {...}, metrics: {"
                          f"{base}: {{rubric: ..., scale: [1, 5]}}}}}}")


def _known(name: str, field: str) -> Metric:
    info = metric_info(name)
    if info is None:
        close = difflib.get_close_matches(name, [*PLAIN_METRICS, *(f"{f}@5" for f in AT_K_FAMILIES)], n=3)
        suggestion = f"did you mean {', '.join(close)}? " if close else ""
        raise ConfigError(f"unknown metric {name!r}", field=field,
                          hint=f"{suggestion}known metrics: {', '.join(known_metric_names())}")
    return info


def _check_rule(name: str, rule: MetricRule, info: Metric) -> None:
    if rule.min is not None and not info.higher_is_better:
        raise ConfigError(
            f"bad direction: {name} is lower-is-better, so it takes `max`, not `min`",
            field=f"metrics.{name}.min", hint=f"write `{name}: {{max: {rule.min:g}}}`",
        )
    if rule.max is not None and info.higher_is_better:
        raise ConfigError(
            f"bad direction: {name} is higher-is-better, so it takes `min`, not `max`",
            field=f"metrics.{name}.max", hint=f"write `{name}: {{min: {rule.max:g}}}`",
        )
    upper = 1.0 if is_rate(name) else None
    hint = "rates are 0–1: write 0.80 for 80%" if upper else "values are in the metric's unit, 0 or more"
    for key in ("min", "max", "tolerance"):
        value = getattr(rule, key)
        if value is not None:
            _check_range(f"metrics.{name}.{key}", value, 0.0, upper, hint)


def _check_range(field: str, value: float, low: float, high: float | None, hint: str,
                 *, open_ends: bool = False) -> None:
    bad_low = value <= low if open_ends else value < low
    bad_high = high is not None and (value >= high if open_ends else value > high)
    if bad_low or bad_high or value != value:
        span = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        if open_ends:
            span = f"strictly {span}"
        raise ConfigError(f"must be {span} (got {value:g})", field=field, hint=hint)


def _contract_hint(kind: str, path: tuple[str, ...]) -> str | None:
    """Hints only a contract can give (the shared translation in config/errors.py does the rest)."""
    if kind == "missing" and len(path) == 1:
        return "a contract needs `primary:` (a per-item metric) and `metrics:` (thresholds)"
    if kind in ("model_type", "model_attributes_type", "dict_type") and len(path) == 2 and path[0] == "metrics":
        return f"write `{path[1]}: {{min: 0.8}}` (higher is better) or `{{max: 0.05}}` (lower is better)"
    return None


def parse_contract(data: Any, *, file: str | None = None, lines: dict[str, int] | None = None) -> Contract:
    """Validate decoded contract data (pure). Every problem is a ConfigError with the file, the
    line (looked up in `lines`, dotted key → line, when given) and the dotted field."""
    try:
        if not isinstance(data, dict):
            raise ConfigError("a contract must be a mapping with `primary:` and `metrics:`",
                              hint="see the example that `shipcall init` writes")
        return Contract.model_validate(data)
    except ValidationError as e:
        raise config_error(e, Contract, file=file, lines=lines, hint_for=_contract_hint) from None
    except ConfigError as e:
        e.file = file
        e.line = line_of(lines, e.field)
        raise e from None


COHORTS_COMMENTED = "# cohorts: [topic]                # tag keys of your items"


def contract_yaml_with_cohorts(keys: list[str], dataset: str) -> str:
    """DEFAULT_CONTRACT_YAML with `cohorts` set to `keys` (the tags of `dataset`'s items) instead
    of commented out: what `shipcall init --force` writes once a dataset exists."""
    lines = DEFAULT_CONTRACT_YAML.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(COHORTS_COMMENTED))
    end = start + 1
    while end < len(lines) and lines[end].startswith(" " * 20) and lines[end].lstrip().startswith("#"):
        end += 1
    lines[start:end] = [f"cohorts: [{', '.join(keys)}]".ljust(34) + f"# tag keys of {dataset}'s items, "
                        "compared per cohort\n"]
    return "".join(lines)


def default_contract(primary: str = "contains_answer") -> Contract:
    """The contract used when a workspace has none: every documented default, no thresholds,
    nothing guarded (so a comparison runs with tolerance 0.02, alpha 0.05, Holm, no cohorts)."""
    return Contract(primary=primary, metrics={})


def example_contract() -> Contract:
    """The commented example that `shipcall init` writes (DEFAULT_CONTRACT_YAML), parsed."""
    import yaml  # local: only this helper needs YAML

    return parse_contract(yaml.safe_load(DEFAULT_CONTRACT_YAML), file="<example contract>")
