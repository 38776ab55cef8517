"""The public registries with a real client through the proxy: an image loaded with ``pullproof image
load`` beside the running server is what ``skopeo inspect`` sees at its real name; one nobody loaded
gets the registry's own refusal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Served
from tests.registry.layouts import docker_save
from tests.registry.realclients import Skopeo, client_env, write_oci_layout

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
