"""The one exception the Bicep compiler raises: a message located at a file, line and column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pos:
    """A 1-based source position."""

    line: int
    column: int


NOWHERE = Pos(0, 0)


class BicepError(Exception):
    """A compile error; ``str()`` renders ``path(line,col) : Error BCP: message`` like the real CLI."""

    def __init__(self, message: str, file: Path | str | None = None, line: int = 0, column: int = 0) -> None:
        self.message = message
        self.file = str(file) if file is not None else "<memory>"
        self.line = line
        self.column = column
        super().__init__(self.render())

    @classmethod
    def at(cls, message: str, file: Path | str | None, pos: Pos) -> BicepError:
        return cls(message, file, pos.line, pos.column)

    def render(self) -> str:
        return f"{self.file}({self.line},{self.column}) : Error pullproof-bicep: {self.message}"
