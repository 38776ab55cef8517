"""The typed schema of the served kinds is what the generator makes from the Kubernetes Go sources."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pullproof.kube.apiserver.protobuf import load_schema
from pullproof.kube.storage.resources import RESOURCES

ROOT = Path(__file__).resolve().parents[3]


def test_every_served_kind_has_its_message() -> None:
    schema = load_schema()
    assert [r.key for r in RESOURCES if r.message not in schema] == []


@pytest.mark.skipif(shutil.which("go") is None, reason="the generator reads the Go module sources")
def test_the_schema_file_is_what_the_generator_writes() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts/gen_protoschema.py"), "--check"], timeout=300,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
