"""Write the generated reference pages into docs/ (``--check`` only compares)."""

from __future__ import annotations

import sys
from pathlib import Path

from pullproof.catalog import doc_pages

DOCS = Path(__file__).resolve().parents[1] / "docs"


def main(argv: list[str]) -> int:
    stale = []
    for name, text in doc_pages().items():
        path = DOCS / name
        if path.exists() and path.read_text("utf-8") == text:
            continue
        stale.append(name)
        if "--check" not in argv:
            path.write_text(text, "utf-8")
    if stale and "--check" in argv:
        print("out of date: " + ", ".join(stale) + " (run scripts/gen_docs.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
