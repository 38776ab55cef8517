"""Against a served emulator: while template bombs are being refused, everyone else is still answered
quickly and the process does not grow."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx

from pullproof.core.tls import trusting
from tests.conftest import start_served, stop_served
from tests.iac.bombs import BOMBS

API = "api-version=2025-04-01"
ATTACKS = ("map/lambda bomb", "range 1e8", "doubling arrays", "nested createArray", "padLeft 2e9",
           "5000-deep expression", "variables keeping 17 M", "map/lambda bomb")


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _token(http: httpx.Client, values: dict[str, str]) -> str:
    response = http.post(f"/{values['PULLPROOF_TENANT_ID']}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": values["PULLPROOF_CLIENT_ID"],
        "client_secret": values["PULLPROOF_CLIENT_SECRET"], "scope": "https://management.azure.com/.default"})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _attack(base: str, ca: str, headers: dict[str, str], url: str, answers: list[Any]) -> None:
    with httpx.Client(base_url=base, verify=trusting(ca), timeout=120) as http:
        for case in ATTACKS:
            body, inner = BOMBS[case]
            response = http.put(url, content=json.dumps({"properties": {"mode": "Incremental", "template": body}}),
                                headers=headers)
            message = (response.json().get("error") or {}).get("message", "")
            answers.append((case, response.status_code, message, inner))


def test_bombs_never_hold_up_other_requests_nor_grow_the_process(tmp_path: Path) -> None:
    served = start_served(tmp_path / "data")
    try:
        values = served.env()
        base, pid, ca = str(served.runtime["direct"]), int(str(served.runtime["pid"])), values["SSL_CERT_FILE"]
        with httpx.Client(base_url=base, verify=trusting(ca), timeout=30) as http:
            headers = {"Authorization": f"Bearer {_token(http, values)}", "Content-Type": "application/json"}
            group = f"/subscriptions/{values['PULLPROOF_SUBSCRIPTION_ID']}/resourcegroups/rg"
            assert http.put(f"{group}?api-version=2024-11-01", json={"location": "eastus"},
                            headers=headers).status_code == 201
            before = _rss_bytes(pid)
            answers: list[Any] = []
            attacker = threading.Thread(target=_attack, args=(
                base, ca, headers, f"{group}/providers/Microsoft.Resources/deployments/bomb?{API}", answers))
            attacker.start()
            waits = []
            while attacker.is_alive():
                started = time.monotonic()
                metadata = http.get("/metadata/endpoints?api-version=2022-09-01")
                waits.append(time.monotonic() - started)
                assert metadata.status_code == 200
            attacker.join()
            after = _rss_bytes(pid)
    finally:
        stop_served(served)
    assert [(case, status) for case, status, _, _ in answers] == [(case, 400) for case in ATTACKS]
    assert all(inner in message for _, _, message, inner in answers)
    assert len(waits) >= 20
    assert max(waits) < 0.2, sorted(waits)[-5:]
    assert after - before < 300 * 1024 * 1024
