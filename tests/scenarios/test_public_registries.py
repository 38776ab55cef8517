"""The public registries with real clients through the proxy: an image loaded with ``pullproof image
load`` beside the running server is what ``skopeo inspect`` sees at its real name, and what a pod of an
emulated cluster pulls (``kubectl create deployment … --image=nginx:1.27``); one nobody loaded gets the
registry's own refusal, and the pod its containerd wording."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Served
from tests.registry.layouts import docker_save
from tests.registry.realclients import Skopeo, client_env, write_oci_layout
from tests.scenarios.images import cluster_kubectl, fast_served, operator_az, pods_in, wait_for

pytestmark = pytest.mark.realclient


def image_load(served: Served, ref: str, source: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "pullproof", "image", "load", ref, str(source), "--data-dir",
                           str(served.data_dir)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().rpartition("@")[2]


def test_skopeo_inspects_loaded_public_images(served: Served, tmp_path: Path) -> None:
    skopeo = Skopeo(client_env(served.env()))
    layout = tmp_path / "helloworld"
    write_oci_layout(layout, layers=2)
    mcr = image_load(served, "mcr.microsoft.com/azuredocs/aks-helloworld:v1", layout)
    nginx = image_load(served, "nginx:1.27", docker_save(tmp_path / "nginx.tar", "nginx:1.27"))
    seen = json.loads(skopeo.inspect("mcr.microsoft.com/azuredocs/aks-helloworld:v1", None).stdout)
    assert seen["Digest"] == mcr and seen["Os"] == "linux"
    assert json.loads(skopeo.inspect("docker.io/library/nginx:1.27", None).stdout)["Digest"] == nginx
    missing = skopeo.inspect("mcr.microsoft.com/azuredocs/nothing:v1", None, check=False)
    assert missing.returncode != 0 and "name unknown: repository name not known to registry" in missing.stderr
    hub = skopeo.inspect("docker.io/library/nothing:v1", None, check=False)
    assert hub.returncode != 0 and "requested access to the resource is denied" in hub.stderr


@pytest.fixture(scope="module")
def fast(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    yield from fast_served(tmp_path_factory, "public-pods")


def test_a_pod_pulls_a_loaded_public_image_and_not_one_nobody_loaded(fast: Served, tmp_path: Path) -> None:
    az = operator_az(fast, tmp_path / "az")
    az.run("group", "create", "--name", "rg-public", "--location", "eastus")
    az.run("aks", "create", "-g", "rg-public", "-n", "aks-public", "--node-count", "1")
    kubectl = cluster_kubectl(az, "rg-public", "aks-public", tmp_path / "kube")
    image_load(fast, "nginx:1.27", docker_save(tmp_path / "nginx.tar", "nginx:1.27"))
    kubectl.ok("create", "deployment", "web", "--image=nginx:1.27")
    pods_in(kubectl, "app=web", "Running", 1)
    kubectl.ok("create", "deployment", "hello", "--image=mcr.microsoft.com/azuredocs/aks-helloworld:v1")
    wanted = ('rpc error: code = NotFound desc = failed to pull and unpack image '
              '"mcr.microsoft.com/azuredocs/aks-helloworld:v1": failed to resolve reference '
              '"mcr.microsoft.com/azuredocs/aks-helloworld:v1": mcr.microsoft.com/azuredocs/aks-helloworld:v1: '
              "not found")
    wait_for(lambda: any(wanted in str(e.get("message")) for e in
                         json.loads(kubectl.ok("get", "events", "-o", "json"))["items"]), "the not-found event")
    assert set(kubectl.statuses("app=hello").values()) <= {"ErrImagePull", "ImagePullBackOff"}
