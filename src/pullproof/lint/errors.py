"""Input errors: what makes ``pullproof lint`` exit 2 (a path that does not exist, a Bicep syntax
error, a JSON or YAML file that does not parse)."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    def __init__(self, message: str, path: Path | None = None, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.column = column
