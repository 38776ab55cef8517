"""pullproof's version, as the installed distribution reports it (``pyproject.toml`` sets it)."""

from __future__ import annotations

from importlib import metadata

UNKNOWN = "0+unknown"


def version() -> str:
    """The installed ``pullproof`` distribution's version; ``UNKNOWN`` for a source tree never installed."""
    try:
        return metadata.version("pullproof")
    except metadata.PackageNotFoundError:
        return UNKNOWN
