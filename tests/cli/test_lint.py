"""``pullproof lint`` as a person runs it on the repository's fixtures: no warning, nothing on stderr."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

SOURCES = {"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}

def test_lint_with_preflight_prints_nothing_on_stderr() -> None:
    result = subprocess.run([sys.executable, "-W", "error", "-m", "pullproof", "lint", "--preflight",
                             str(ROOT / "tests/fixtures/infra"), str(ROOT / "tests/lint/fixtures/guestbook")],
                            capture_output=True, text=True, timeout=300, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin",
                                                                             "HOME": "/tmp", **SOURCES})
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert "2/2 pods Running" in result.stdout
