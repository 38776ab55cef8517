"""The real ``az bicep build`` runs pullproof's ``bicep`` when told to use the binary on PATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pullproof.bicep.cli import build
from tests.azcli import VERSION_CACHE, az_path
from tests.bicep.conftest import FIXTURES


@pytest.mark.realclient
def test_az_bicep_build_uses_pullproof(tmp_path: Path) -> None:
    shim_dir = tmp_path / "bin"
    shim_dir.mkdir()
    shim = shim_dir / "bicep"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pullproof.bicep.cli "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    config = tmp_path / "az"
    config.mkdir()
    (config / "versionCheck.json").write_text(json.dumps(VERSION_CACHE), encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")},
        "PATH": f"{shim_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "AZURE_CONFIG_DIR": str(config),
        "AZURE_BICEP_USE_BINARY_FROM_PATH": "true",
        "AZURE_CORE_COLLECT_TELEMETRY": "false",
    }
    main = FIXTURES / "infra" / "main.bicep"
    result = subprocess.run(
        [az_path(), "bicep", "build", "--file", str(main), "--stdout"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    produced = json.loads(result.stdout)
    assert produced["metadata"]["_generator"]["version"].startswith("0.38.5.")
    assert produced == build(main)

    version = subprocess.run(
        [az_path(), "bicep", "version"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert "0.38.5" in version.stdout + version.stderr
