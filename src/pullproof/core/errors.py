"""Wire error codes, one registry per protocol surface, and the exception that carries them.

A service raises ``ServiceError(code, **params)``; one renderer per surface turns it into the
body the real service sends. No route builds an error body by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ErrorCode:
    """One wire error: its surface, code, HTTP status and message template."""

    surface: str
    code: str
    status: int
    message: str
    description: str
    number: int | None = None

    def render(self, params: dict[str, Any]) -> str:
        return self.message.format(**params)


@dataclass
class ErrorRegistry:
    """All the error codes of one protocol surface (OAuth2, ARM, Graph, OCI, IMDS, Kubernetes)."""

    surface: str
    title: str
    codes: dict[str, ErrorCode] = field(default_factory=dict)

    def register(
        self, key: str, code: str, status: int, message: str, description: str, number: int | None = None
    ) -> ErrorCode:
        if key in self.codes:
            raise ValueError(f"error {key} registered twice in {self.surface}")
        entry = ErrorCode(self.surface, code, status, message, description, number)
        self.codes[key] = entry
        return entry

    def all(self) -> list[ErrorCode]:
        return [self.codes[key] for key in sorted(self.codes)]


class ServiceError(Exception):
    """A failure the caller sees on the wire; ``params`` fill the code's message template."""

    def __init__(self, code: ErrorCode, headers: dict[str, str] | None = None, **params: Any) -> None:
        self.code = code
        self.params = params
        self.headers = headers or {}
        super().__init__(f"{code.code}: {self.message}")

    @property
    def message(self) -> str:
        return self.code.render(self.params)

    @property
    def status(self) -> int:
        return self.code.status

    def error_object(self) -> dict[str, Any]:
        """The error as an ARM-style ``{"code", "message"}`` object (an error that carries more, such as
        ``details``, ``target`` or ``additionalInfo``, overrides it; the surface's renderer wraps it)."""
        return {"code": self.code.code, "message": self.message}
