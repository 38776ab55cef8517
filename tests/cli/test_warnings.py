"""Every ``pullproof`` command, run as a user runs it but with ``python -W error``, prints no warning:
``--help`` of each command the Typer app lists, and one real invocation of each, with its documented
exit code ([docs/cli.md](../../docs/cli.md)) and nothing on stderr.

The invocations share one data dir that ``pullproof demo --data-dir`` (itself one of them) filled
with the seed incident, fixed: a registry with the guestbook image and a cluster whose pods pulled it.
Each other command only reads it, or adds what no other reads (``deploy`` a new identity; ``gc``
finds nothing to remove; ``up`` starts and stops)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from pullproof.bootstrap import read_operator
from pullproof.cli.main import app
from tests.conftest import ROOT, start_served, stop_served
from tests.registry.layouts import oci_layout

GROUP, ACR, CLUSTER = "rg-wiz-exercise-a", "acrwizdev", "aks-wiz-dev"
IMAGE = f"{ACR}.azurecr.io/guestbook:8edd399546e2808cc356e1fd28af9f4fbdaf2d3d"
INFRA = ROOT / "tests" / "fixtures" / "infra"


def commands() -> list[tuple[str, ...]]:
    """Every command path of the app, groups included: ``("up",)``, ``("explain",)``, ``("explain", "pod")`` …"""
    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        if path:
            yield path
        for name, sub in sorted(getattr(command, "commands", {}).items()):  # a group (typer's own click)
            yield from walk(sub, (*path, name))

    return list(walk(get_command(app), ()))


def leaves() -> list[tuple[str, ...]]:
    """The command paths that run something (not a group)."""
    paths = commands()
    return [p for p in paths if not any(q[:len(p)] == p and q != p for q in paths)]


def pullproof(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["COLUMNS"] = "200"
    return subprocess.run([sys.executable, "-W", "error", "-m", "pullproof", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT)


@dataclass(frozen=True)
class Workspace:
    data_dir: Path
    demo: subprocess.CompletedProcess[str]
    tmp: Path


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    tmp = tmp_path_factory.mktemp("warnings")
    data_dir = tmp / "data"
    return Workspace(data_dir, pullproof("demo", "--data-dir", str(data_dir)), tmp)


def explained_pod(data_dir: Path) -> str:
    """A pod that pulled the image (``explain image`` names it)."""
    found = pullproof("explain", "image", IMAGE, "--cluster", f"{GROUP}/{CLUSTER}", "--output", "json",
                      "--data-dir", str(data_dir))
    subject = str(json.loads(found.stdout)["subject"])
    assert subject.startswith("pod default/"), subject
    return subject.removeprefix("pod default/")


def run_demo(ws: Workspace) -> subprocess.CompletedProcess[str]:
    return ws.demo


def run_up(ws: Workspace) -> subprocess.CompletedProcess[str]:
    """``up`` until it is ready, then SIGTERM: it stops cleanly (exit 0)."""
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    command = [sys.executable, "-W", "error", "-m", "pullproof", "up", "--data-dir", str(ws.data_dir), "--port", "0",
               "--proxy-port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as up:
        try:
            assert up.stdout is not None
            first = up.stdout.readline()
            assert "ready" in first, first
            up.send_signal(signal.SIGTERM)
            out, err = up.communicate(timeout=60)
        finally:
            if up.poll() is None:
                up.kill()
                up.communicate()
    return subprocess.CompletedProcess(command, up.returncode, first + out, err)


def run_env(ws: Workspace) -> subprocess.CompletedProcess[str]:
    served = start_served(ws.data_dir)
    try:
        return pullproof("env", "--data-dir", str(ws.data_dir))
    finally:
        stop_served(served)


def run_manifest(ws: Workspace) -> subprocess.CompletedProcess[str]:
    manifest = ws.tmp / "pod.yaml"  # an API version the cluster serves: nothing to explain, exit 0
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n"
                        f"    image: {IMAGE}\n", encoding="utf-8")
    return pullproof("explain", "manifest", str(manifest))


def run_deploy(ws: Workspace) -> subprocess.CompletedProcess[str]:
    template = ws.tmp / "identity.json"
    template.write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
                       "name": "id-warnings", "location": "eastus"}]}), encoding="utf-8")
    return pullproof("deploy", str(template), "-g", GROUP, "--data-dir", str(ws.data_dir))


def run_image_load(ws: Workspace) -> subprocess.CompletedProcess[str]:
    layout = ws.tmp / "layout"
    if not layout.exists():
        oci_layout(layout)
    return pullproof("image", "load", "mcr.microsoft.com/azuredocs/aks-helloworld:v1", str(layout),
                     "--data-dir", str(ws.data_dir))


# one real invocation per command, with its documented exit code (0 everywhere: a healthy, fixed world)
INVOCATIONS: dict[tuple[str, ...], Callable[[Workspace], subprocess.CompletedProcess[str]]] = {
    ("demo",): run_demo,
    ("up",): run_up,
    ("env",): run_env,
    ("explain", "image"): lambda ws: pullproof("explain", "image", IMAGE, "--cluster", f"{GROUP}/{CLUSTER}",
                                               "--data-dir", str(ws.data_dir)),
    ("explain", "pod"): lambda ws: pullproof("explain", "pod", explained_pod(ws.data_dir), "-n", "default",
                                             "--cluster", f"{GROUP}/{CLUSTER}", "--data-dir", str(ws.data_dir)),
    ("explain", "principal"): lambda ws: pullproof("explain", "principal", read_operator(ws.data_dir).client_id,
                                                   "--registry", ACR, "--repository", "guestbook",
                                                   "--data-dir", str(ws.data_dir)),
    ("explain", "manifest"): run_manifest,
    ("check-acr",): lambda ws: pullproof("check-acr", "--cluster", f"{GROUP}/{CLUSTER}", "--acr", ACR,
                                         "--image", IMAGE.split("/", 1)[1], "--data-dir", str(ws.data_dir)),
    ("gc",): lambda ws: pullproof("gc", "--data-dir", str(ws.data_dir)),
    ("build",): lambda ws: pullproof("build", str(INFRA / "main.bicep")),
    ("deploy",): run_deploy,
    ("lint",): lambda ws: pullproof("lint", str(INFRA)),
    ("image", "load"): run_image_load,
}


def test_every_command_has_an_invocation() -> None:
    assert sorted(leaves()) == sorted(INVOCATIONS)


@pytest.mark.parametrize("path", commands(), ids=" ".join)
def test_help_prints_no_warning(path: tuple[str, ...]) -> None:
    result = pullproof(*path, "--help")
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert "Usage: " in result.stdout


@pytest.mark.parametrize("path", sorted(INVOCATIONS), ids=" ".join)
def test_a_real_invocation_prints_no_warning(path: tuple[str, ...], workspace: Workspace) -> None:
    result = INVOCATIONS[path](workspace)
    assert result.stderr == "", result.stderr
    assert result.returncode == 0, result.stdout
