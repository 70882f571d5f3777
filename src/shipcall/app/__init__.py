"""Use cases, named after the CLI verbs: each takes explicit dependencies (a workspace, names,
options), composes the store, adapters and the pure core, and returns vocabulary."""
