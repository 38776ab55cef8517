from __future__ import annotations

from pathlib import Path

from pullproof.catalog import doc_pages
from pullproof.core.reasons import REASON_TEXT, Reason

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_generated_pages_are_current() -> None:
    for name, text in doc_pages().items():
        assert (DOCS / name).read_text("utf-8") == text, f"docs/{name} is stale: run scripts/gen_docs.py"


def test_every_reason_is_explained() -> None:
    assert set(REASON_TEXT) == set(Reason)
