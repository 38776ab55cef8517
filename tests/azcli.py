"""Running the real Azure CLI (installed from PyPI into .venv-az) against a served emulator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Served

VERSION_CACHE = {
    "versions": {"azure-cli": {"local": "2.91.0"}, "core": {"local": "2.91.0"}, "telemetry": {"local": "1.1.0"}},
    "update_time": "9999-01-01 00:00:00.000000",
    "check_time": "9999-01-01 00:00:00.000000",
}


def az_path() -> str:
    found = os.environ.get("PULLPROOF_TEST_AZ") or str(ROOT / ".venv-az" / "bin" / "az")
    if not Path(found).exists():
        found = shutil.which("az") or ""
    if not found:
        pytest.fail("the real Azure CLI is not installed: bash scripts/install.sh --test installs it into .venv-az")
    return found


@dataclass
class Az:
    """One az configuration directory; ``mode`` is 'proxy' (real host names) or 'cloud' (custom cloud)."""

    served: Served
    config_dir: Path
    mode: str = "proxy"
    node_args: tuple[str, ...] = ()
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "versionCheck.json").write_text(json.dumps(VERSION_CACHE))
        self.values = self.served.env(*self.node_args)

    def environ(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
        env.update(self.values)
        env["AZURE_CONFIG_DIR"] = str(self.config_dir)
        if self.mode == "cloud":
            for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
                env.pop(name, None)
            env["AZURE_CORE_INSTANCE_DISCOVERY"] = "false"
        env.update(self.extra_env)
        return env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([az_path(), *args], env=self.environ(), capture_output=True, text=True, timeout=180)
        if check and result.returncode != 0:
            raise AssertionError(f"az {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "-o", "json").stdout or "null")

    def tsv(self, *args: str) -> str:
        return self.run(*args, "-o", "tsv").stdout.strip()

    def use_cloud(self) -> None:
        """In 'cloud' mode, register the direct listener as a custom cloud and make it active."""
        if self.mode == "cloud":
            self.run("cloud", "register", "--name", "Local", "--endpoint-resource-manager",
                     self.values["PULLPROOF_DIRECT_URL"] + "/")
            self.run("cloud", "set", "--name", "Local")

    def login_operator(self) -> None:
        v = self.values
        self.use_cloud()
        self.run("login", "--service-principal", "-u", v["PULLPROOF_CLIENT_ID"],
                 "--password=" + v["PULLPROOF_CLIENT_SECRET"], "--tenant", v["PULLPROOF_TENANT_ID"])
