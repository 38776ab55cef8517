"""Real registry clients for tests: OCI image layouts on disk, skopeo, and a private containerd with ctr.

Every client process gets the environment ``pullproof env`` prints (proxy and CA bundle), so it
reaches ``<name>.azurecr.io`` through the emulator's proxy and nothing else.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
NULL_GUID = "00000000-0000-0000-0000-000000000000"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _blob(root: Path, data: bytes) -> dict[str, object]:
    digest = sha256(data)
    path = root / "blobs" / "sha256" / digest.partition(":")[2]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"digest": digest, "size": len(data)}


def _tar(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size, info.mtime = len(content), 0
        tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def write_oci_layout(root: Path, layers: int = 3, tag: str = "v1") -> str:
    """An OCI image layout with ``layers`` random layers; returns the manifest digest."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    # gzip-compressed layers, so skopeo copies them (and the manifest) unchanged
    tars = [_tar(f"file{i}.bin", os.urandom(512 * (i + 1))) for i in range(layers)]
    blobs = [_blob(root, gzip.compress(t, mtime=0)) for t in tars]
    diff_ids = [sha256(t) for t in tars]
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **_blob(root, config)},
        "layers": [{"mediaType": LAYER_GZIP, **b} for b in blobs]}).encode()
    described = _blob(root, manifest)
    index = {"schemaVersion": 2, "manifests": [{"mediaType": OCI_MANIFEST, **described,
                                                "annotations": {"org.opencontainers.image.ref.name": tag}}]}
    (root / "index.json").write_text(json.dumps(index))
    return str(described["digest"])


def layout_manifest(root: Path) -> tuple[str, dict[str, object]]:
    """The digest and parsed manifest of the single image in a layout, with every blob's digest checked."""
    entry = json.loads((root / "index.json").read_text())["manifests"][0]
    for blob in (root / "blobs" / "sha256").iterdir():
        assert sha256(blob.read_bytes()) == "sha256:" + blob.name
    path = root / "blobs" / "sha256" / entry["digest"].partition(":")[2]
    return str(entry["digest"]), json.loads(path.read_bytes())


def client_env(values: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(values)
    return env


@dataclass
class Skopeo:
    env: dict[str, str]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        binary = shutil.which("skopeo")
        if binary is None:
            pytest.fail("skopeo is not installed: bash scripts/install-debian.sh (apt-get install skopeo) installs it")
        result = subprocess.run([binary, "--insecure-policy", *args], env=self.env, capture_output=True, text=True,
                                timeout=120)
        if check and result.returncode != 0:
            raise AssertionError(f"skopeo {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def push(self, layout: Path, ref: str, creds: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("copy", "--retry-times", "0", "--dest-creds", creds, f"oci:{layout}", f"docker://{ref}",
                        check=check)

    def pull(self, ref: str, layout: Path, creds: str | None, check: bool = True) -> subprocess.CompletedProcess[str]:
        auth = ["--src-creds", creds] if creds else ["--src-no-creds"]
        return self.run("copy", "--retry-times", "0", *auth, f"docker://{ref}", f"oci:{layout}:pulled", check=check)

    def inspect(self, ref: str, creds: str | None, check: bool = True) -> subprocess.CompletedProcess[str]:
        auth = ["--creds", creds] if creds else ["--no-creds"]
        return self.run("inspect", "--retry-times", "0", *auth, f"docker://{ref}", check=check)


@dataclass
class Containerd:
    """A private containerd (no CRI plugin) whose socket and state live in a temporary directory."""

    root: Path
    process: subprocess.Popen[bytes]

    @property
    def socket(self) -> str:
        return str(self.root / "containerd.sock")

    def ctr(self, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ctr", "-a", self.socket, *args], env=env, capture_output=True, text=True, timeout=120)

    def pull(self, env: dict[str, str], ref: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
        auth = ["--user", user] if user else []
        return self.ctr(env, "image", "pull", "--snapshotter", "native", *auth, ref)


def start_containerd(root: Path) -> Containerd:
    if shutil.which("containerd") is None or shutil.which("ctr") is None:
        pytest.fail("containerd and ctr are not installed: bash scripts/install-debian.sh "
                    "(apt-get install containerd) installs them")
    if os.geteuid() != 0:  # not a missing client: a private containerd cannot run unprivileged
        pytest.skip("containerd needs root")
    root.mkdir(parents=True, exist_ok=True)
    config = root / "config.toml"
    config.write_text(f'version = 2\nroot = "{root}/root"\nstate = "{root}/state"\n'
                      'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
                      f'[grpc]\n  address = "{root}/containerd.sock"\n')
    log = (root / "containerd.log").open("wb")
    process = subprocess.Popen(["containerd", "--config", str(config)], stdout=log, stderr=subprocess.STDOUT)
    log.close()
    daemon = Containerd(root, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        if Path(daemon.socket).exists() and daemon.ctr(dict(os.environ), "version").returncode == 0:
            return daemon
        time.sleep(0.1)
    stop_containerd(daemon)
    raise RuntimeError("containerd did not start: " + (root / "containerd.log").read_text()[-2000:])


def stop_containerd(daemon: Containerd) -> None:
    if daemon.process.poll() is None:
        daemon.process.send_signal(signal.SIGTERM)
        try:
            daemon.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            daemon.process.kill()
            daemon.process.wait()
