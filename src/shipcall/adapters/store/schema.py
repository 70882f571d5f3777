"""The live tables as SQLAlchemy Core objects (no ORM), shared by SQLite and Postgres: what the
queries use. They equal the result of every migration in `migrations/` applied in order
(tests/store/test_migrations.py compares them column by column); a new column goes into a new
migration and here, never into a released migration.

Python-side `default=`s fill values a query leaves out; `server_default`s are part of the DDL."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

migrations = Table(
    "shipcall_migrations", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("applied_at", String(40), nullable=False),
)

meta = Table(
    "meta", metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
)

documents = Table(
    "documents", metadata,
    Column("id", String(1000), primary_key=True),
    Column("hash", String(64), nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("text", Text, nullable=False),
    Column("sections", Text, nullable=False, default="[]"),  # JSON, decode.sections_json
    Column("ingested_at", String(40), nullable=False),
)

document_versions = Table(
    "document_versions", metadata,
    Column("doc_id", String(1000), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("first_seen", String(40), nullable=False),
    PrimaryKeyConstraint("doc_id", "hash"),
)

corpora = Table(
    "corpora", metadata,
    Column("version", String(64), primary_key=True),
    Column("n_documents", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
)

datasets = Table(
    "datasets", metadata,
    Column("name", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("n_items", Integer, nullable=False),
    Column("source", Text, nullable=False, default=""),
    Column("warnings", Text, nullable=False, default="[]"),
    Column("created_at", String(40), nullable=False),
    Column("task", Text, nullable=False, server_default="rag"),  # m005: rag | classify | summarize
    PrimaryKeyConstraint("name", "version"),
)

dataset_items = Table(
    "dataset_items", metadata,
    Column("dataset", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("item_id", String(500), nullable=False),
    Column("data", Text, nullable=False),
    PrimaryKeyConstraint("dataset", "version", "item_id"),
)

runs = Table(
    "runs", metadata,
    Column("id", String(64), primary_key=True),
    Column("variant", String(200), nullable=False),
    Column("variant_hash", String(64), nullable=False),
    Column("config", Text, nullable=False),
    Column("dataset", String(200), nullable=False),
    Column("dataset_version", Integer, nullable=False),
    Column("corpus_version", String(64), nullable=False),
    Column("code_version", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40)),
    Column("n_items", Integer, nullable=False, default=0),
    Column("errors", Integer, nullable=False, default=0),
    Column("metrics", Text, nullable=False, default="{}"),
    Column("cohorts", Text, nullable=False, default="{}"),
    Column("seq", Integer, nullable=False, default=0),
    Column("task", Text, nullable=False, server_default="rag"),  # m005: the dataset's task
)

item_results = Table(
    "item_results", metadata,
    Column("run_id", String(64), nullable=False),
    Column("item_id", String(500), nullable=False),
    Column("position", Integer, nullable=False),
    Column("data", Text, nullable=False),
    Column("metrics", Text, nullable=False),
    Column("error", Text),
    UniqueConstraint("run_id", "item_id", name="uq_item_results_run_item"),
)

Index("ix_item_results_run", item_results.c.run_id)

decisions = Table(
    "decisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("verdict", String(10), nullable=False),
    Column("baseline_run", String(64)),
    Column("candidate_run", String(64)),
    Column("contract_hash", String(64)),
    Column("author", String(200), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("override", Boolean, nullable=False, default=False),
    Column("reasons", Text, nullable=False, default="[]"),
    Column("evidence", Text, nullable=False, default="{}"),
    Column("created_at", String(40), nullable=False),
)

# -- production log (m003): one row per answered query of `shipcall serve`, already redacted ----
production_log = Table(
    "production_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("variant", String(200), nullable=False),
    Column("variant_hash", String(64), nullable=False, default=""),
    Column("arm", String(20), nullable=False, default="baseline"),  # baseline | candidate
    Column("user_hash", String(64)),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False, default=""),
    Column("abstained", Boolean, nullable=False, default=False),
    Column("support", Float, nullable=False, default=0.0),
    Column("retrieved", Text, nullable=False, default="[]"),   # JSON [{doc_id, chunk_id, score, rank}]
    Column("citations", Text, nullable=False, default="[]"),   # JSON [{doc_id, chunk_id}]
    Column("latency_ms", Text, nullable=False, default="{}"),  # JSON {retrieve, generate, total, redact}
    Column("redactions", Text, nullable=False, default="{}"),  # JSON {EMAIL: 1, ...}
    Column("corpus_version", String(64), nullable=False, default=""),
    UniqueConstraint("request_id", name="uq_production_log_request"),
)
Index("ix_production_log_created", production_log.c.created_at)
Index("ix_production_log_variant", production_log.c.variant)

production_feedback = Table(
    "production_feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(64), nullable=False),
    Column("rating", String(10), nullable=False),  # up | down
    Column("comment", Text, nullable=False, default=""),
    Column("redactions", Text, nullable=False, default="{}"),
    Column("created_at", String(40), nullable=False),
)
Index("ix_production_feedback_request", production_feedback.c.request_id)

# -- LLM providers (m002): the response cache and the judge's verdicts ---------------------------
response_cache = Table(
    "response_cache", metadata,
    Column("key", String(64), primary_key=True),        # sha256 of provider, endpoint, model, params, prompt
    Column("provider", String(50), nullable=False),
    Column("model", String(200), nullable=False),
    Column("response", Text, nullable=False),           # JSON: text, tokens, finish_reason, latency, ttft
    Column("tokens_in", Integer, nullable=False, default=0),
    Column("tokens_out", Integer, nullable=False, default=0),
    Column("created_at", String(40), nullable=False),
)

judgements = Table(
    "judgements", metadata,
    Column("run_id", String(64), nullable=False),
    Column("item_id", String(500), nullable=False),
    Column("metric", String(200), nullable=False),      # the judge metric's name (correctness)
    Column("repeat", Integer, nullable=False),          # 0 .. repeats-1
    Column("label", Text),                              # the verdict on the rubric's scale; NULL on error
    Column("value", Float),                             # the verdict normalised to 0–1
    Column("reasoning", Text, nullable=False, default=""),
    Column("judge_model", String(200), nullable=False),
    Column("prompt_hash", String(64), nullable=False),
    Column("error", Text),
    Column("tokens_in", Integer, nullable=False, default=0),
    Column("tokens_out", Integer, nullable=False, default=0),
    Column("cost", Float, nullable=False, default=0.0),
    Column("cached", Boolean, nullable=False, default=False),
    Column("created_at", String(40), nullable=False),
    PrimaryKeyConstraint("run_id", "item_id", "metric", "repeat"),
)

# -- review queue and reviews (m004): logged queries judged by people, promoted into datasets -----
review_queue = Table(
    "review_queue", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # queue order
    Column("request_id", String(64), nullable=False),
    Column("batch", String(40), nullable=False),                  # one `review sample` call
    Column("strategy", String(20), nullable=False),               # stratified | random
    Column("reasons", Text, nullable=False, default="[]"),        # JSON: negative_feedback, abstained, ...
    Column("stratum", String(400), nullable=False, default=""),   # variant · cohort
    Column("cohorts", Text, nullable=False, default="{}"),        # JSON tags assigned at sampling
    Column("nearest_item", String(500)),
    Column("similarity", Float),
    Column("queued_at", String(40), nullable=False),
    UniqueConstraint("request_id", name="uq_review_queue_request"),
)

reviews = Table(
    "reviews", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(64), nullable=False),
    Column("reviewer", String(200), nullable=False),
    Column("rank", Integer, nullable=False),                      # 1: first reviewer of the query, 2: second
    Column("verdict", String(20), nullable=False),                # correct | incorrect | should_abstain
    Column("failure_mode", String(40)),
    Column("gold_answer", Text, nullable=False, default=""),      # redacted
    Column("evidence", Text, nullable=False, default="[]"),       # JSON doc ids
    Column("tags", Text, nullable=False, default="{}"),           # JSON, redacted
    Column("note", Text, nullable=False, default=""),             # redacted
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    UniqueConstraint("request_id", "reviewer", name="uq_reviews_request_reviewer"),
)
Index("ix_reviews_request", reviews.c.request_id)

review_promotions = Table(
    "review_promotions", metadata,
    Column("request_id", String(64), nullable=False),
    Column("dataset", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("item_id", String(500), nullable=False),
    Column("promoted_at", String(40), nullable=False),
    PrimaryKeyConstraint("request_id", "dataset"),
)

# -- drafts (m006): candidate items drafted from the corpus, reviewed by people, then promoted ----
drafts = Table(
    "drafts", metadata,
    Column("id", String(64), primary_key=True),                   # draft-<10 hex>
    Column("position", Integer, nullable=False),                  # queue order
    Column("batch", String(40), nullable=False),                  # one `dataset draft` call
    Column("dataset", String(200), nullable=False),               # the dataset it is drafted for
    Column("kind", String(20), nullable=False),                   # factoid | paraphrase | multi_hop | unanswerable
    Column("generator", String(200), nullable=False),             # extractive | a variant name
    Column("data", Text, nullable=False),                         # JSON: question, answers, evidence, tags, source
    Column("created_at", String(40), nullable=False),
    Column("verdict", String(10)),                                # accept | reject | NULL (pending)
    Column("reviewer", String(200)),
    Column("reviewed_at", String(40)),
    Column("edits", Text, nullable=False, default="{}"),          # JSON: the reviewer's changed fields
    Column("note", Text, nullable=False, default=""),
    Column("promoted_version", Integer),                          # dataset version it entered, once promoted
)
Index("ix_drafts_dataset", drafts.c.dataset)
