"""Create a workspace folder: shipcall.yaml, contract.yaml and the store."""

from __future__ import annotations

from pathlib import Path

from shipcall.app.init_files import WORKSPACE_YAML
from shipcall.app.workspace import CONFIG_NAME, CONTRACT_NAME, Workspace
from shipcall.errors import ConfigError


def init_workspace(directory: Path, *, force: bool = False, corpus_path: str | None = None,
                   extra_variants: str = "", contract_yaml: str | None = None) -> Path:
    from shipcall.config.contract import DEFAULT_CONTRACT_YAML

    root = directory.expanduser().resolve()
    if (root / CONFIG_NAME).exists() and not force:
        raise ConfigError(f"a workspace already exists in {root}", file=str(root / CONFIG_NAME),
                          hint="use --force to overwrite shipcall.yaml and contract.yaml (the store is kept)")
    root.mkdir(parents=True, exist_ok=True)
    (root / CONFIG_NAME).write_text(
        WORKSPACE_YAML.format(corpus_path=corpus_path or "null", extra_variants=extra_variants), encoding="utf-8")
    (root / CONTRACT_NAME).write_text(contract_yaml or DEFAULT_CONTRACT_YAML, encoding="utf-8")
    ws = Workspace(root)
    _ = ws.config  # validate what we wrote
    _ = ws.store   # create the store and apply migrations
    from shipcall.adapters.store.secret import load_or_create_secret

    load_or_create_secret(ws.state_dir)  # .shipcall/secret (0600): keys the log's user pseudonyms
    if contract_yaml is None:  # cohorts stay commented out until a dataset exists (re-init with --force)
        _cohorts_from_data(ws)
    return root


def _cohorts_from_data(ws: Workspace) -> None:
    from shipcall.config.contract import contract_yaml_with_cohorts
    from shipcall.core.contract_fit import cohort_keys

    versions = ws.store.dataset_versions()
    if not versions:
        return
    newest = max(versions, key=lambda r: (r["created_at"], r["version"]))
    ds = ws.store.load_dataset(newest["name"], newest["version"])
    keys = cohort_keys(getattr(it, "tags", {}) for it in ds.items)
    if keys:
        ws.contract_path.write_text(contract_yaml_with_cohorts(keys, f"{ds.name}@{ds.version}"), encoding="utf-8")
