"""Find and open a workspace: the nearest shipcall.yaml, as git finds .git."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from shipcall.config.load import load_workspace_config
from shipcall.config.schema import Variant, WorkspaceConfig
from shipcall.errors import ConfigError, NotFoundError

if TYPE_CHECKING:
    from shipcall.adapters.store.peek import Reader
    from shipcall.adapters.store.store import Store
    from shipcall.config.contract import Contract

CONFIG_NAME = "shipcall.yaml"
CONTRACT_NAME = "contract.yaml"
STATE_DIR = ".shipcall"


def find_root(start: Path | None = None) -> Path:
    """The nearest directory at or above `start` holding shipcall.yaml."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / CONFIG_NAME).is_file():
            return d
    raise NotFoundError(
        f"no {CONFIG_NAME} in {here} or any parent directory",
        hint="run `shipcall init` to create a workspace here, or pass --workspace DIR",
    )


@dataclass
class Workspace:
    root: Path

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> Workspace:
        if path is not None:
            root = Path(path).resolve()
            if not (root / CONFIG_NAME).is_file():
                raise NotFoundError(f"no {CONFIG_NAME} in {root}", hint="run `shipcall init DIR` first")
            return cls(root)
        return cls(find_root())

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def contract_path(self) -> Path:
        return self.root / CONTRACT_NAME

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def index_dir(self) -> Path:
        return self.state_dir / "index"

    @cached_property
    def config(self) -> WorkspaceConfig:
        return load_workspace_config(self.config_path, _registered_kinds)

    def variant(self, name: str | None) -> tuple[str, Variant]:
        """The named variant, or the first one in the file when `name` is None."""
        name = name or self.config.default_variant
        try:
            return name, self.config.variants[name]
        except KeyError:
            raise ConfigError(f"unknown variant {name!r}", field="--variant",
                              hint=f"variants in {CONFIG_NAME}: {', '.join(self.config.variants)}") from None

    def store_url(self) -> str:
        """SHIPCALL_STORE_URL (which wins; SHIPCALL_STORE is its older name), else `store:` in
        shipcall.yaml; a relative SQLite path is taken from the workspace folder."""
        url = os.environ.get("SHIPCALL_STORE_URL") or os.environ.get("SHIPCALL_STORE") or self.config.store
        if url.startswith("sqlite:///") and not url.startswith(("sqlite:////", "sqlite:///file:")):
            rel = url[len("sqlite:///"):]
            url = "sqlite:///" + str((self.root / rel).resolve())
        return url

    def contract(self, path: str | os.PathLike[str] | None = None) -> Contract:
        """`--contract FILE`, else this workspace's contract.yaml, else the documented defaults."""
        from shipcall.config.contract import default_contract  # the contract's models: not for `ask`
        from shipcall.config.load_contract import load_contract

        if path:
            if not Path(path).is_file():
                raise NotFoundError("contract file not found", file=str(path))
            return load_contract(Path(path))
        if self.contract_path.is_file():
            return load_contract(self.contract_path)
        return default_contract()

    def corpus_version(self) -> str | None:
        """The stored corpus version; read without opening the store (SQLAlchemy, migrations)
        when it is a SQLite file not opened yet: a cold `ask` needs nothing else from it."""
        if "store" not in self.__dict__:
            from shipcall.adapters.store.peek import NOT_READ, meta_value

            got = meta_value(self.store_url(), "corpus_version")
            if got is not NOT_READ:
                return got if isinstance(got, str) else None
        return self.store.corpus_version()

    def document_texts(self) -> dict[str, tuple[str, str]]:
        """Every stored document's (content hash, text) by id, what an index slices its chunks
        from; read without opening the store when it is a SQLite file not opened yet (cold `ask`)."""
        if "store" not in self.__dict__:
            from shipcall.adapters.store.peek import NOT_READ, document_texts

            got = document_texts(self.store_url())
            if got is not NOT_READ:
                return got  # type: ignore[return-value]
        return self.store.document_texts()

    @cached_property
    def reader(self) -> Reader | Store:
        """The store for reading runs, outcomes, datasets and documents (`compare`, `gate`,
        dataset health): a SQLite file not opened yet is read without SQLAlchemy
        (adapters/store/peek.py), anything else through the Store."""
        if "store" not in self.__dict__:
            from shipcall.adapters.store.peek import reader

            got = reader(self.store_url(), lambda: self.store)
            if got is not None:
                return got
        return self.store

    @cached_property
    def store(self) -> Store:
        from shipcall.adapters.store.store import Store

        return Store.open(self.store_url())

    def corpus_path(self) -> Path | None:
        p = self.config.corpus.path
        recorded = self.store.get_meta("corpus_path")
        p = recorded or p
        if p is None:
            return None
        path = Path(p)
        return path if path.is_absolute() else (self.root / path)


def _registered_kinds(section: str) -> list[str]:
    """The kinds registered for a variant section or task (built-ins and plugins), for the config check."""
    from shipcall.adapters.registry import CHUNKERS, GENERATORS, RETRIEVERS, TASKS

    return {"chunker": CHUNKERS, "retriever": RETRIEVERS, "generator": GENERATORS, "task": TASKS}[section].names()
