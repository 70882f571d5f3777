"""The error hierarchy: every user error says where (file, line, field) and what to do."""

from __future__ import annotations

from collections.abc import Sequence


class ShipcallError(Exception):
    """A user error: printed without a traceback, exit code 2."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        elif self.line:
            where = f"line {self.line}: "
        field = f"{self.field}: " if self.field else ""
        text = f"{where}{field}{self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ConfigError(ShipcallError):
    """Bad shipcall.yaml, contract.yaml or command-line option."""


class DatasetError(ShipcallError):
    """Bad evaluation dataset file or reference."""


class DatasetErrors(DatasetError):
    """Every bad line of a dataset file at once (up to a limit), so a person fixes them in one
    pass instead of one import per mistake. Nothing is stored."""

    def __init__(self, errors: Sequence[ShipcallError], *, file: str | None = None, more: bool = False) -> None:
        lines = len({e.line for e in errors})
        where = f" on {lines}{'+' if more else ''} lines" if lines > 1 else ""
        super().__init__(f"{len(errors)}{'+' if more else ''} errors{where}; nothing was stored", file=file,
                         hint="fix them and import again" + ("; only the first ones are shown" if more else ""))
        self.errors = list(errors)
        self.more = more

    def __str__(self) -> str:
        lines = [f"{self.file}: {self.message}" if self.file else self.message]
        for e in self.errors:
            lines.extend("  " + part for part in str(e).splitlines())
        lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class CorpusError(ShipcallError):
    """Nothing could be ingested, or a corpus file is malformed."""


class StoreError(ShipcallError):
    """The store cannot be opened or is inconsistent."""


class ProviderError(ShipcallError):
    """An LLM provider failed in a way retries could not fix."""


class NotFoundError(ShipcallError):
    """A named run, dataset, variant or workspace does not exist."""


class MissingExtraError(ShipcallError):
    """An optional dependency is not installed; the hint names the install line."""


class ApiError(ShipcallError):
    """A request error with an explicit HTTP status (the server answers with it)."""

    def __init__(self, status: int, message: str, *, field: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, field=field, hint=hint)
        self.status = status


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with what was kept and how to continue ("412 of 809 items done and stored; run the
    same command to continue"). The CLI prints it and exits 130."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
