"""The README's main job, as a person runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

SEED_MESSAGE = ("failed to authorize: failed to fetch anonymous token: unexpected status from GET request to "
                "https://acrwizdev.azurecr.io/oauth2/token?scope=repository%3Aguestbook%3Apull&"
                "service=acrwizdev.azurecr.io: 401 Unauthorized")

SOURCES = {"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}

def test_demo_tells_the_seed_incident_and_ends_running() -> None:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-W", "error", "-m", "pullproof", "demo"], capture_output=True, text=True,
                            timeout=120, env={"COLUMNS": "400", "PATH": "/usr/bin:/bin", "HOME": "/tmp", **SOURCES})
    took = time.monotonic() - started
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert result.stderr == ""  # every warning is an error here: none is raised
    assert took < 30, f"the demo took {took:.1f}s"
    assert SEED_MESSAGE in out
    assert out.count("ImagePullBackOff") >= 2
    assert "KUBELET_IDENTITY_NO_ACRPULL" in out
    assert "guid(acr.id, kubeletIdentityPrincipalId, 'AcrPull')" in out
    assert 'deployment "guestbook-app" successfully rolled out' in out
    assert "The incident reproduced, explained and fixed" in out
