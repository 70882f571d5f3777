"""The commented files `shipcall init` writes."""

WORKSPACE_YAML = """\
# shipcall workspace. Every command finds this file in the current folder or above it.
# Docs: the README's "Configuration" section. Unknown keys are errors, not silent defaults.

# Where datasets, runs and decisions are stored. SQLite under .shipcall/ by default; a team
# can share a Postgres store (postgresql+psycopg://user:pass@host/db). SHIPCALL_STORE_URL overrides.
store: sqlite:///.shipcall/shipcall.db

corpus:
  # The documents to answer from. `shipcall ingest PATH` records PATH and uses it from then on;
  # `shipcall ingest` with no PATH re-reads it. Relative paths are relative to this file.
  path: {corpus_path}
  format: folder        # folder (.md .html .txt .pdf) | beir (corpus.jsonl)
  max_file_mb: 20       # larger files are skipped, with a reason

evaluation:
  k: [1, 3, 5, 10]      # cut-offs for recall@k, precision@k, hit@k, mrr@k, ndcg@k

# How logged queries (`shipcall serve`) get cohorts, for review sampling, `shipcall drift`,
# `--weights production` and `shipcall monitor`: keyword rules per tag key, else the tags of the
# nearest dataset item. Uncomment to add rules:
# production:
#   cohorts:
#     topic: {{keywords: {{it: [laptop, vpn, password], travel: [flight, hotel]}}}}
#   similarity: 0.3         # below: a query is unlike any dataset item
#   drift_threshold: 0.15   # cohort-mix distance above which the dataset no longer represents production

# A variant is one complete configuration of the feature. The first one is the default
# wherever --variant is left out. `extends: OTHER` copies another variant and overrides keys.
variants:
  baseline:
    chunker: {{kind: heading, size: 300, overlap: 50}}   # fixed | heading | sentence | document; words
    retriever: {{kind: bm25, k: 5}}                      # also: stemmer, stopwords, k1, b
    generator: {{kind: extractive, min_score: 0.16}}     # abstain below; `shipcall calibrate` picks it
  # A change to try: uncomment, `shipcall run --dataset NAME --variant candidate`, then
  # `shipcall gate --baseline RUN --candidate RUN`.
  # candidate:
  #   extends: baseline
  #   chunker: {{kind: sentence, size: 120, overlap: 20}}
{extra_variants}"""
