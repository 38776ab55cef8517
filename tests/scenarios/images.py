"""Images and the real clients around them for the AKS scenarios: OCI layouts pushed with skopeo,
kubectl (through the gcloud dispatcher) against a cluster's API, ``az`` on a sped-up emulator,
``pullproof explain``/``check-acr`` as subprocesses, and bounded polling.

Every client gets the environment ``pullproof env`` prints (proxy and CA bundle), so it reaches
Azure's and the cluster's real host names through the emulator's proxy and nothing else."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.azcli import Az
from tests.conftest import Served, start_served, stop_served
from tests.registry.realclients import Skopeo, client_env, write_oci_layout

T = TypeVar("T")
TAG = "8edd399546e2808cc356e1fd28af9f4fbdaf2d3d"  # the seed incident's tag (a git sha)
SCALE = 30.0  # emulated seconds per real second on the servers the pod scenarios start


# servers and az ---------------------------------------------------------------------------------------
def fast_served(factory: pytest.TempPathFactory, name: str, scale: float = SCALE) -> Iterator[Served]:
    """A module's own ``pullproof up --time-scale`` (back-offs and the 600 s progress deadline pass
    in seconds); stopped by PID when the module ends."""
    served = start_served(factory.mktemp(name) / "data", ["--time-scale", str(scale)])
    try:
        yield served
    finally:
        stop_served(served)


def operator_az(served: Served, config_dir: Path) -> Az:
    """``az login`` as the operator (tokens carry wall-clock lifetimes, so az caches them even when sped up)."""
    client = Az(served, config_dir)
    values = client.values
    client.run("login", "--service-principal", "-u", values["PULLPROOF_CLIENT_ID"],
               f"--password={values['PULLPROOF_CLIENT_SECRET']}", "--tenant", values["PULLPROOF_TENANT_ID"])
    return client


# images ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Registry:
    name: str
    id: str
    login: str


def create_registry(az: Az, group: str, name: str) -> Registry:
    created = az.json("acr", "create", "--name", name, "--resource-group", group, "--sku", "Standard")
    return Registry(name, str(created["id"]), str(created["loginServer"]))


def push_image(az: Az, registry: Registry, root: Path, repository: str = "guestbook", tag: str = TAG) -> str:
    """Write a one-layer OCI image layout under ``root`` and push it with skopeo as the operator
    (Owner of the subscription); returns the reference."""
    layout = root / f"{repository}-{tag}"
    write_oci_layout(layout, layers=1, tag=tag)
    ref = f"{registry.login}/{repository}:{tag}"
    creds = f"{az.values['PULLPROOF_CLIENT_ID']}:{az.values['PULLPROOF_CLIENT_SECRET']}"
    Skopeo(client_env(az.values)).push(layout, ref, creds)
    return ref


def registry_with_image(az: Az, group: str, location: str, registry: str, root: Path) -> tuple[Registry, str]:
    """A resource group holding a Standard registry with the guestbook image pushed; the registry and the
    image reference."""
    az.run("group", "create", "--name", group, "--location", location)
    acr = create_registry(az, group, registry)
    return acr, push_image(az, acr, root)


def deployment(name: str, image: str, replicas: int = 2, app: str | None = None, pull_secret: str | None = None,
               api_version: str = "apps/v1", progress_deadline: int | None = None) -> str:
    """A Deployment manifest as a user writes it (YAML)."""
    label = app or name
    secrets = f"      imagePullSecrets:\n      - name: {pull_secret}\n" if pull_secret else ""
    selector = f"  selector:\n    matchLabels:\n      app: {label}\n" if api_version == "apps/v1" else ""
    deadline = f"  progressDeadlineSeconds: {progress_deadline}\n" if progress_deadline is not None else ""
    return (f"apiVersion: {api_version}\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n"
            f"  replicas: {replicas}\n{deadline}{selector}  template:\n    metadata:\n      labels:\n"
            f"        app: {label}\n    spec:\n      containers:\n      - name: {label}\n        image: {image}\n"
            f"        ports:\n"
            f"        - containerPort: 80\n{secrets}")


# kubectl --------------------------------------------------------------------------------------------------
@dataclass
class Kubectl:
    """The real kubectl with one kubeconfig and a private discovery cache, through the proxy."""

    values: dict[str, str]  # what ``pullproof env`` prints
    kubeconfig: Path
    cache: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in client_env(self.values).items() if not k.startswith("KUBE")}
        env["HOME"] = str(self.cache.parent)
        return env

    def __call__(self, *args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        if shutil.which("kubectl") is None:
            pytest.fail("kubectl is not installed: bash scripts/install-kubectl.sh installs it")
        command = ["kubectl", "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache), *args]
        return subprocess.run(command, env=self.env(), input=stdin, capture_output=True, text=True, timeout=timeout,
                              cwd=self.cache.parent)

    def ok(self, *args: str, stdin: str | None = None, timeout: float = 60) -> str:
        result = self(*args, stdin=stdin, timeout=timeout)
        assert result.returncode == 0, f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stderr}"
        return result.stdout

    def apply(self, manifest: str, namespace: str | None = None) -> subprocess.CompletedProcess[str]:
        return self("apply", *(["-n", namespace] if namespace else []), "-f", "-", stdin=manifest)

    def pods(self, selector: str | None = None, namespace: str = "default") -> dict[str, dict[str, Any]]:
        args = ["get", "pods", "-n", namespace, "-o", "json", *(["-l", selector] if selector else [])]
        return {p["metadata"]["name"]: p for p in json.loads(self.ok(*args))["items"]}

    def statuses(self, selector: str | None = None, namespace: str = "default") -> dict[str, str]:
        """NAME → STATUS as ``kubectl get pods`` prints them (server-side table)."""
        args = ["get", "pods", "-n", namespace, "--no-headers", *(["-l", selector] if selector else [])]
        rows = [line.split() for line in self.ok(*args).splitlines() if line.strip()]
        return {row[0]: row[2] for row in rows}


def cluster_kubectl(az: Az, group: str, name: str, home: Path) -> Kubectl:
    """``az aks get-credentials --file`` into a fresh kubeconfig, with a fresh kubectl cache."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "config"
    az.run("aks", "get-credentials", "--resource-group", group, "--name", name, "--file", str(config))
    return Kubectl(az.values, config, home / "cache")


# polling and the pullproof CLI ---------------------------------------------------------------------------
def wait_for(probe: Callable[[], T | None], what: str, timeout: float = 30.0, interval: float = 0.3) -> T:
    """Call ``probe`` until it returns something truthy, at most ``timeout`` real seconds."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def pods_in(kubectl: Kubectl, selector: str, status: str, count: int, namespace: str = "default") -> dict[str, str]:
    """Wait until exactly ``count`` pods match and every one shows ``status``."""
    def probe() -> dict[str, str] | None:
        found = kubectl.statuses(selector, namespace)
        return found if len(found) == count and set(found.values()) == {status} else None

    return wait_for(probe, f"{count} pod(s) {selector} in {status}")


def pullproof(served: Served, *args: str, data_dir: bool = True) -> subprocess.CompletedProcess[str]:
    """The pullproof CLI on the served emulator's data dir (a separate process, as a user runs it)."""
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["COLUMNS"] = "200"
    where = ["--data-dir", str(served.data_dir)] if data_dir else []
    return subprocess.run([sys.executable, "-m", "pullproof", *args, *where], env=env, capture_output=True,
                          text=True, timeout=60)


def explain_pod(served: Served, cluster: str, pod: str, namespace: str = "default") -> tuple[int, dict[str, Any]]:
    """``pullproof explain pod … --output json``: its exit code and the finding."""
    result = pullproof(served, "explain", "pod", pod, "-n", namespace, "--cluster", cluster, "--output", "json")
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout)



def last_pull(served: Served, cluster: str, image: str) -> tuple[int, dict[str, Any]]:
    """``pullproof explain image``: the last pull of ``image`` anywhere on the cluster. (Which pod
    pulled is a race: a pod in back-off may retry and pull before it is deleted, and the pods after it
    on that node find the image already present.)"""
    result = pullproof(served, "explain", "image", image, "--cluster", cluster, "--output", "json")
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout)
