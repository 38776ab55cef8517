"""Golden files: outputs with their volatile parts (GUIDs, times, tokens, generated names) replaced by
placeholders, compared with ``tests/golden/…``; ``pytest --update-goldens`` rewrites them."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
RULES = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<GUID>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z"), "<TIME>"),
    (re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"), "<TOKEN>"),
    (re.compile(r"aks-(\w+)-\d{8}-vmss"), r"aks-\1-<N>-vmss"),
    (re.compile(r"-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}\b"), "-<HASH>-<ID>"),
    (re.compile(r"-[0-9a-f]{8}\.hcp\."), "-<HEX>.hcp."),
    (re.compile(r"sha256:[0-9a-f]{64}"), "sha256:<DIGEST>"),
]


def normalize(text: str) -> str:
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def check(request: pytest.FixtureRequest, name: str, actual: str) -> None:
    path = GOLDEN / name
    text = normalize(actual)
    if request.config.getoption("--update-goldens") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        if not request.config.getoption("--update-goldens"):
            pytest.fail(f"golden file {name} did not exist; written, review and commit it")
        return
    expected = path.read_text("utf-8")
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), text.splitlines(True), name, "actual"))
        pytest.fail(f"output differs from {name} (run pytest --update-goldens to accept):\n{diff}")
