from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import Served


def test_env_without_a_running_emulator_exits_3(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "pullproof", "env", "--data-dir", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 3
    assert "not running" in result.stderr


def test_env_prints_what_real_clients_need(served: Served) -> None:
    values = served.env()
    proxy = f"http://127.0.0.1:{served.runtime['proxy_port']}"
    assert values["HTTPS_PROXY"] == values["HTTP_PROXY"] == proxy
    ca = str(served.data_dir / "tls" / "ca.pem")
    assert values["REQUESTS_CA_BUNDLE"] == values["SSL_CERT_FILE"] == ca
    assert values["AZURE_CORE_COLLECT_TELEMETRY"] == "false"
    for name in ("TENANT_ID", "SUBSCRIPTION_ID", "CLIENT_ID"):
        assert len(values[f"PULLPROOF_{name}"]) == 36
    assert len(values["PULLPROOF_CLIENT_SECRET"]) == 40
    assert values == served.env(), "the operator credentials are stable"


def test_env_node_puts_node_credentials_in_the_proxy_or_app_service_variables(served: Served) -> None:
    imds = served.env("--node", "vm-a")
    assert imds["HTTP_PROXY"].startswith("http://vm-a:") and "IDENTITY_ENDPOINT" not in imds
    app_service = served.env("--node", "vm-a", "--app-service")
    assert app_service["IDENTITY_ENDPOINT"].endswith("/msi/token")
    assert app_service["IDENTITY_HEADER"].startswith("vm-a:")
    assert imds["HTTP_PROXY"].split("@")[0].endswith(app_service["IDENTITY_HEADER"].split(":")[1])
