"""Benchmark pullproof's registry data plane against the CNCF reference registry, side by side.

One run starts, in a temporary directory and on 127.0.0.1 only:

* ``pullproof up`` (a fresh data dir), with a registry ``benchacr`` created through ARM; it is
  measured **direct** (``https://127.0.0.1:PORT`` with Host and SNI ``benchacr.azurecr.io``) and
  **through its CONNECT proxy** (``https://benchacr.azurecr.io`` via ``http://127.0.0.1:PROXY``),
  with ACR token auth: each client gets a bearer token once from ``/oauth2/token`` (Basic
  credentials of the operator service principal) and sends it on every request;
* Debian's ``docker-registry`` (distribution 2.x, installed with apt-get when missing) over TLS with
  its own self-signed certificate, filesystem storage in the same temp dir, **no auth**.

The same client code (httpx2, HTTP/1.1 keep-alive, the OCI Distribution API) drives all three:

* push = for every blob ``HEAD`` (404), ``POST /blobs/uploads/``, ``PUT <Location>&digest=`` with
  the whole blob (monolithic), then ``PUT`` the OCI manifest; one extra row pushes the 64 MiB layer
  as ``PATCH`` requests of 8 MiB (``Content-Range``) and an empty closing ``PUT``;
* pull = ``GET`` the manifest by tag, then ``GET`` the config and every layer, hashing the bytes and
  checking the digest, as real clients do;
* manifest ``HEAD`` requests per second from 8 client processes (bounded by count and by time);
* when ``curl`` is installed, one more pull row: ``GET`` of the 64 MiB blob with curl (a C client,
  same flags for all three), which shows the servers' rate without the Python client's limits.

Blobs are unique per target and round (no deduplication). Dirty pages are flushed (``sync``) before
every timed transfer, so none pays for the writeback of another. Rounds rotate the order of the
targets so drift hits all alike; each figure is the median of its rounds, with the server's CPU
time (``/proc/PID/stat``) per operation. Ratios are pullproof / reference (higher is better for
pullproof); goals: pull >= 1.0, push and manifest rate >= 0.8. ``--py-spy`` records the pullproof
process per phase (raw collapsed stacks, for profiling).

    .venv/bin/python scripts/bench_registry.py [--quick] [--json PATH] [--markdown PATH]
                                               [--py-spy PATH --profile-dir DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import ipaddress
import json
import multiprocessing as mp
import os
import platform
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx2
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from rich.console import Console
from rich.table import Table

MIB = 1 << 20
REPO = "bench"
REGISTRY = "benchacr"
LOGIN = f"{REGISTRY}.azurecr.io"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
REFERENCE_BIN = Path("/usr/bin/docker-registry")
ARM_SCOPE = "https://management.core.windows.net//.default"

GOALS = {"pull": 1.0, "push": 0.8, "manifest": 0.8}


# --------------------------------------------------------------------------------------------------
# processes


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


def stop(server: Server) -> None:
    """SIGTERM the process we started (by its pid), SIGKILL if it does not exit."""
    process = server.process
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


def clean_env() -> dict[str, str]:
    """Our environment without proxy variables or distribution's ``REGISTRY_*`` overrides."""
    return {k: v for k, v in os.environ.items()
            if not k.upper().endswith("_PROXY") and not k.upper().startswith("REGISTRY_")}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from ``/proc``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pullproof_command() -> list[str]:
    script = Path(sys.executable).parent / "pullproof"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pullproof"]


@dataclass
class Pullproof:
    server: Server
    data_dir: Path
    port: int
    proxy_port: int
    env: dict[str, str]

    @property
    def ca(self) -> str:
        return str(self.data_dir / "tls" / "ca.pem")


def start_pullproof(root: Path, timeout: float = 60.0) -> Pullproof:
    data_dir = root / "pullproof"
    log = root / "pullproof.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*pullproof_command(), "up", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", "0",
             "--proxy-port", "0"], stdout=out, stderr=subprocess.STDOUT, env=clean_env())
    server = Server("pullproof", process, log)
    runtime = data_dir / "runtime.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if "ready" in log.read_text("utf-8", "replace") and runtime.exists():
            info = json.loads(runtime.read_text("utf-8"))
            try:
                exported = subprocess.run([*pullproof_command(), "env", "--data-dir", str(data_dir)], check=True,
                                          capture_output=True, text=True, env=clean_env(), timeout=60).stdout
            except (subprocess.SubprocessError, OSError):
                stop(server)
                raise
            env = {}
            for line in exported.splitlines():
                words = shlex.split(line)
                if len(words) == 2 and words[0] == "export" and "=" in words[1]:
                    key, _, value = words[1].partition("=")
                    env[key] = value
            return Pullproof(server, data_dir, int(info["port"]), int(info["proxy_port"]), env)
        time.sleep(0.05)
    stop(server)
    raise SystemExit(f"pullproof up did not become ready:\n{log.read_text('utf-8', 'replace')[-2000:]}")


def create_registry(pp: Pullproof) -> None:
    """Resource group ``bench`` and registry ``benchacr`` through ARM, as the operator."""
    env = pp.env
    tenant, sub = env["PULLPROOF_TENANT_ID"], env["PULLPROOF_SUBSCRIPTION_ID"]
    with httpx2.Client(base_url=f"https://127.0.0.1:{pp.port}", verify=pp.ca, trust_env=False, timeout=60) as arm:
        token = arm.post(f"/{tenant}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": env["PULLPROOF_CLIENT_ID"],
            "client_secret": env["PULLPROOF_CLIENT_SECRET"], "scope": ARM_SCOPE})
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        group = arm.put(f"/subscriptions/{sub}/resourcegroups/bench", params={"api-version": "2024-11-01"},
                        json={"location": "eastus"}, headers=headers)
        group.raise_for_status()
        registry = arm.put(f"/subscriptions/{sub}/resourceGroups/bench/providers/Microsoft.ContainerRegistry/"
                           f"registries/{REGISTRY}", params={"api-version": "2025-11-01"},
                           json={"location": "eastus", "sku": {"name": "Standard"}}, headers=headers)
        if registry.status_code not in (200, 201):
            raise SystemExit(f"creating the registry failed: {registry.status_code} {registry.text}")


def ensure_reference(console: Console) -> None:
    """Install Debian's ``docker-registry`` (distribution) with apt-get when it is missing."""
    if REFERENCE_BIN.exists():
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise SystemExit(f"{REFERENCE_BIN} is missing; install it with: sudo apt-get install -y docker-registry")
    console.print("[dim]installing docker-registry with apt-get ...[/dim]")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env, stdout=subprocess.DEVNULL, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "docker-registry"], check=True, env=env,
                   stdout=subprocess.DEVNULL, timeout=600)
    if not REFERENCE_BIN.exists():
        raise SystemExit(f"apt-get installed docker-registry but {REFERENCE_BIN} is still missing")


def self_signed(directory: Path) -> tuple[Path, Path]:
    """An ECDSA P-256 certificate for 127.0.0.1 (pullproof's leaves are P-256 too); returns (cert, key)."""
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                    x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    return cert_path, key_path


REFERENCE_CONFIG = """\
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root}
  cache:
    blobdescriptor: inmemory
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:{port}
  tls:
    certificate: {cert}
    key: {key}
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: false
"""


@dataclass
class Reference:
    server: Server
    port: int
    cert: Path


def start_reference(root: Path, timeout: float = 30.0) -> Reference:
    cert, key = self_signed(root / "reference-tls")
    port = free_port()
    config = root / "reference.yml"
    config.write_text(REFERENCE_CONFIG.format(root=root / "reference", port=port, cert=cert, key=key), "utf-8")
    log = root / "reference.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(REFERENCE_BIN), "serve", str(config)], stdout=out, stderr=subprocess.STDOUT,
                                   env=clean_env())
    server = Server("reference", process, log)
    deadline = time.monotonic() + timeout
    with httpx2.Client(verify=str(cert), trust_env=False, timeout=2) as probe:
        while time.monotonic() < deadline and process.poll() is None:
            with contextlib.suppress(httpx2.HTTPError):
                if probe.get(f"https://127.0.0.1:{port}/v2/").status_code == 200:
                    return Reference(server, port, cert)
            time.sleep(0.1)
    stop(server)
    raise SystemExit(f"docker-registry did not start:\n{log.read_text('utf-8', 'replace')[-2000:]}")


# --------------------------------------------------------------------------------------------------
# the client (one code path for every target)


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    base: str
    verify: str
    pid: int
    host: str | None = None          # Host header and TLS SNI (direct to 127.0.0.1)
    proxy: str | None = None
    basic: tuple[str, str] | None = None   # credentials for /oauth2/token (None: no auth)


class Session:
    """One registry client: a keep-alive connection, and a bearer token fetched once."""

    def __init__(self, target: Target) -> None:
        self.target = target
        headers = {"Host": target.host} if target.host else {}
        self.http = httpx2.Client(base_url=target.base, verify=target.verify, proxy=target.proxy, trust_env=False,
                                  timeout=httpx2.Timeout(120.0), headers=headers)
        self.extensions: dict[str, Any] = {"sni_hostname": target.host} if target.host else {}
        if target.basic is not None:
            response = self.request("GET", "/oauth2/token", params={
                "service": LOGIN, "scope": f"repository:{REPO}:pull,push"}, auth=target.basic)
            if response.status_code != 200:
                raise SystemExit(f"{target.label}: token request failed: {response.status_code} {response.text}")
            self.http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def request(self, method: str, url: str, **kwargs: Any) -> httpx2.Response:
        return self.http.request(method, url, extensions=self.extensions, **kwargs)

    @contextlib.contextmanager
    def stream(self, method: str, url: str, **kwargs: Any) -> Iterator[httpx2.Response]:
        with self.http.stream(method, url, extensions=self.extensions, **kwargs) as response:
            yield response

    def close(self) -> None:
        self.http.close()


@dataclass(frozen=True)
class Blob:
    digest: str
    data: bytes

    @classmethod
    def of(cls, data: bytes) -> Blob:
        return cls(f"sha256:{hashlib.sha256(data).hexdigest()}", data)


@dataclass(frozen=True)
class Image:
    tag: str
    config: Blob
    layers: tuple[Blob, ...]

    def manifest(self) -> bytes:
        def descriptor(blob: Blob, media: str) -> dict[str, Any]:
            return {"mediaType": media, "digest": blob.digest, "size": len(blob.data)}
        return json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": descriptor(self.config, OCI_CONFIG),
                           "layers": [descriptor(b, OCI_LAYER) for b in self.layers]}).encode()

    @property
    def size(self) -> int:
        return len(self.config.data) + sum(len(b.data) for b in self.layers)


def make_image(tag: str, base: bytes, layer_size: int, count: int) -> Image:
    """Unique content: each layer is a 32-byte tag-derived prefix then a slice of the random ``base``."""
    layers = []
    for index in range(count):
        prefix = hashlib.sha256(f"{tag}/{index}".encode()).digest()
        offset = (index * 4099) % max(1, len(base) - layer_size)
        layers.append(Blob.of(prefix + base[offset + len(prefix): offset + layer_size]))
    config = Blob.of(json.dumps({"architecture": "amd64", "os": "linux", "created": tag,
                                 "rootfs": {"type": "layers", "diff_ids": [b.digest for b in layers]}}).encode())
    return Image(tag, config, tuple(layers))


def _path(location: str) -> str:
    """A ``Location`` header (relative or absolute) as path + query, for the session's base URL."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _with_digest(location: str, digest: str) -> str:
    path = _path(location)
    return path + ("&" if "?" in path else "?") + urlencode({"digest": digest})


def _expect(response: httpx2.Response, *codes: int) -> httpx2.Response:
    if response.status_code not in codes:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: {response.status_code} "
                           f"{response.text[:300]}")
    return response


def upload(session: Session, blob: Blob, chunk: int | None = None) -> None:
    _expect(session.request("HEAD", f"/v2/{REPO}/blobs/{blob.digest}"), 404)
    location = _expect(session.request("POST", f"/v2/{REPO}/blobs/uploads/"), 202).headers["location"]
    octets = {"Content-Type": "application/octet-stream"}
    if chunk is None:
        _expect(session.request("PUT", _with_digest(location, blob.digest), content=blob.data, headers=octets), 201)
        return
    view = memoryview(blob.data)
    for start in range(0, len(view), chunk):
        part = bytes(view[start:start + chunk])
        headers = {**octets, "Content-Range": f"{start}-{start + len(part) - 1}"}
        location = _expect(session.request("PATCH", _path(location), content=part, headers=headers),
                           202).headers["location"]
    _expect(session.request("PUT", _with_digest(location, blob.digest), headers={"Content-Length": "0"}), 201)


def push(session: Session, image: Image, chunk: int | None = None) -> None:
    upload(session, image.config)
    for layer in image.layers:
        upload(session, layer, chunk)
    _expect(session.request("PUT", f"/v2/{REPO}/manifests/{image.tag}", content=image.manifest(),
                            headers={"Content-Type": OCI_MANIFEST}), 201)


def fetch_blob(session: Session, digest: str, size: int) -> None:
    hasher = hashlib.sha256()
    got = 0
    with session.stream("GET", f"/v2/{REPO}/blobs/{digest}") as response:
        _expect(response, 200)
        for chunk in response.iter_raw(MIB):
            hasher.update(chunk)
            got += len(chunk)
    if got != size or f"sha256:{hasher.hexdigest()}" != digest:
        raise RuntimeError(f"pulled {digest}: {got} bytes, digest sha256:{hasher.hexdigest()}")


def curl_blob(session: Session, digest: str, size: int) -> int:
    """GET one blob with curl (a C client) to /dev/null: the server's rate without Python on the client side."""
    target = session.target
    command = ["curl", "--silent", "--show-error", "--fail", "--output", "/dev/null", "--write-out",
               "%{size_download}", "--cacert", target.verify]
    auth = session.http.headers.get("Authorization")
    if auth:
        command += ["--header", f"Authorization: {auth}"]
    if target.host:
        port = urlsplit(target.base).port
        command += ["--resolve", f"{target.host}:{port}:127.0.0.1", f"https://{target.host}:{port}"]
    else:
        if target.proxy:
            command += ["--proxy", target.proxy]
        command.append(target.base)
    command[-1] += f"/v2/{REPO}/blobs/{digest}"
    done = subprocess.run(command, capture_output=True, text=True, env=clean_env(), timeout=300)
    if done.returncode != 0 or int(done.stdout or 0) != size:
        raise RuntimeError(f"curl {digest}: exit {done.returncode}, {done.stdout} bytes, {done.stderr.strip()}")
    return size


def pull(session: Session, tag: str) -> int:
    """Pull an image by tag; returns the bytes of its blobs."""
    response = _expect(session.request("GET", f"/v2/{REPO}/manifests/{tag}", headers={"Accept": OCI_MANIFEST}), 200)
    manifest = response.json()
    total = 0
    for descriptor in [manifest["config"], *manifest["layers"]]:
        fetch_blob(session, descriptor["digest"], int(descriptor["size"]))
        total += int(descriptor["size"])
    return total


# --------------------------------------------------------------------------------------------------
# measuring


@dataclass
class Figure:
    key: str            # pull, push or manifest (which goal applies)
    metric: str
    unit: str
    values: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)     # server CPU seconds per operation
    failures: dict[str, int] = field(default_factory=dict)

    def median(self, target: str) -> float:
        return statistics.median(self.values[target]) if self.values.get(target) else 0.0

    def cpu_median(self, target: str) -> float | None:
        return statistics.median(self.cpu[target]) if self.cpu.get(target) else None

    def paired(self, target: str) -> list[float]:
        """Per-round ratios target / reference: each round measures all targets back to back, so
        pairing them cancels the machine's drift between rounds."""
        return [mine / ref for mine, ref in zip(self.values.get(target, []), self.values.get("reference", []),
                                                strict=False) if ref]

    def ratio(self, target: str) -> float:
        """Median of the paired per-round ratios."""
        pairs = self.paired(target)
        return statistics.median(pairs) if pairs else float("nan")

    def spread(self, target: str) -> str:
        pairs = self.paired(target)
        return f"{min(pairs):.2f}-{max(pairs):.2f}" if len(pairs) > 1 else ""

    def add(self, target: str, value: float, cpu: float) -> None:
        self.values.setdefault(target, []).append(value)
        self.cpu.setdefault(target, []).append(cpu)


@dataclass(frozen=True)
class Budget:
    rounds: int
    head_rounds: int
    head_seconds: float
    head_per_client: int
    clients: int
    small_layers: int


class Profiler:
    """Optional py-spy recordings of the pullproof process, one file per (phase, target)."""

    def __init__(self, py_spy: Path | None, directory: Path | None, pid: int) -> None:
        self.py_spy = py_spy
        self.directory = directory
        self.pid = pid
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    @contextlib.contextmanager
    def record(self, phase: str, target: Target) -> Iterator[None]:
        if self.py_spy is None or self.directory is None or target.pid != self.pid:
            yield
            return
        out = self.directory / f"{phase}-{target.key}.txt"
        recorder = subprocess.Popen([str(self.py_spy), "record", "--pid", str(self.pid), "--format", "raw",
                                     "--rate", "250", "--nonblocking", "--threads", "--idle", "-o", str(out)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # let it attach
        try:
            yield
        finally:
            os.kill(recorder.pid, signal.SIGINT)
            try:
                recorder.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(recorder.pid, signal.SIGKILL)
                recorder.wait()


def pushed(session: Session, image: Image, chunk: int | None = None) -> int:
    """Push ``image``; the bytes moved, for a rate."""
    push(session, image, chunk)
    return image.size


def measured(target: Target, op: Callable[[], int]) -> tuple[float, float]:
    """(MiB/s, server CPU seconds) of ``op()``, which returns the bytes it moved.

    Dirty pages are flushed first (untimed), so no operation pays for the writeback of the one before.
    """
    os.sync()
    cpu0 = cpu_seconds(target.pid)
    start = time.perf_counter()
    moved = op()
    elapsed = time.perf_counter() - start
    return moved / MIB / elapsed, cpu_seconds(target.pid) - cpu0


def transfers(targets: Sequence[Target], budget: Budget, profiler: Profiler, console: Console) -> list[Figure]:
    base = os.urandom(64 * MIB + 64 * 4099)
    big = Figure("push", "push one 64 MiB layer (+ config, manifest)", "MiB/s")
    big_pull = Figure("pull", "pull one 64 MiB layer (manifest, config, layer)", "MiB/s")
    small = Figure("push", f"push {budget.small_layers} x 1 MiB layers", "MiB/s")
    small_pull = Figure("pull", f"pull {budget.small_layers} x 1 MiB layers", "MiB/s")
    chunked = Figure("push", "push 64 MiB as 8 x 8 MiB PATCH + PUT", "MiB/s")
    curl = Figure("pull", "GET the 64 MiB blob with curl (C client)", "MiB/s")
    has_curl = shutil.which("curl") is not None
    sessions = {t.key: Session(t) for t in targets}
    try:
        for round_no in range(budget.rounds + 1):   # round 0 warms up (connections, caches) and is not kept
            order = list(targets[round_no % len(targets):]) + list(targets[:round_no % len(targets)])
            for target in order:
                session = sessions[target.key]
                tag = f"r{round_no}-{target.key}"
                steps: list[tuple[Figure, str, Callable[[], int]]] = []
                one = make_image(f"{tag}-big", base, 64 * MIB, 1)
                many = make_image(f"{tag}-small", base, MIB, budget.small_layers)
                patched = make_image(f"{tag}-chunked", base, 64 * MIB, 1)
                steps.append((big, "push-big", partial(pushed, session, one)))
                steps.append((big_pull, "pull-big", partial(pull, session, one.tag)))
                if has_curl:
                    layer = one.layers[0]
                    steps.append((curl, "curl-big",
                                  partial(curl_blob, session, layer.digest, len(layer.data))))
                steps.append((small, "push-small", partial(pushed, session, many)))
                steps.append((small_pull, "pull-small", partial(pull, session, many.tag)))
                steps.append((chunked, "push-chunked",
                              partial(pushed, session, patched, 8 * MIB)))
                for figure, phase, op in steps:
                    with profiler.record(phase, target):
                        rate, cpu = measured(target, op)
                    if round_no:
                        figure.add(target.key, rate, cpu)
                del one, many, patched, steps
            if round_no:
                console.print(f"[dim]transfer round {round_no}/{budget.rounds} done[/dim]")
    finally:
        for session in sessions.values():
            session.close()
    return [big, big_pull, small, small_pull, chunked] + ([curl] if has_curl else [])


def _head_worker(target: Target, tag: str, count: int, seconds: float, barrier: Any, results: Any) -> None:
    """One manifest-HEAD client (a process): token once, warm up, then a bounded loop."""
    try:
        session = Session(target)
        for _ in range(20):
            _expect(session.request("HEAD", f"/v2/{REPO}/manifests/{tag}", headers={"Accept": OCI_MANIFEST}), 200)
    except BaseException as exc:
        barrier.abort()
        results.put((0, 1, 0.0, 0.0, repr(exc)))
        return
    barrier.wait()
    done = failed = 0
    start = time.perf_counter()
    deadline = start + seconds
    while done < count and time.perf_counter() < deadline:
        response = session.request("HEAD", f"/v2/{REPO}/manifests/{tag}", headers={"Accept": OCI_MANIFEST})
        failed += response.status_code != 200
        done += 1
    end = time.perf_counter()
    session.close()
    results.put((done, failed, start, end, ""))


def head_rate(target: Target, tag: str, budget: Budget, seconds: float, per_client: int) -> tuple[float, float, int]:
    """(requests/s, server CPU seconds per request, failures) with ``budget.clients`` client processes."""
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(budget.clients + 1)
    results = ctx.Queue()
    workers = [ctx.Process(target=_head_worker, args=(target, tag, per_client, seconds, barrier, results),
                           daemon=True) for _ in range(budget.clients)]
    for worker in workers:
        worker.start()
    try:
        barrier.wait(timeout=120)
        cpu0 = cpu_seconds(target.pid)
        rows = [results.get(timeout=seconds + 120) for _ in workers]
        cpu1 = cpu_seconds(target.pid)
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive() and worker.pid is not None:
                os.kill(worker.pid, signal.SIGKILL)
                worker.join()
    errors = [r[4] for r in rows if r[4]]
    if errors:
        raise SystemExit(f"{target.label}: manifest HEAD client failed: {errors[0]}")
    total = sum(r[0] for r in rows)
    elapsed = max(r[3] for r in rows) - min(r[2] for r in rows)
    return total / elapsed, (cpu1 - cpu0) / max(total, 1), sum(r[1] for r in rows)


def manifests(targets: Sequence[Target], budget: Budget, profiler: Profiler, console: Console) -> Figure:
    figure = Figure("manifest", f"manifest HEAD, {budget.clients} concurrent clients", "req/s")
    base = os.urandom(MIB)
    tag = "head"
    for target in targets:   # one small image per target to HEAD
        session = Session(target)
        try:
            push(session, make_image(f"{tag}-{target.key}", base, 4096, 1))
            _expect(session.request("PUT", f"/v2/{REPO}/manifests/{tag}",
                                    content=make_image(f"{tag}-{target.key}", base, 4096, 1).manifest(),
                                    headers={"Content-Type": OCI_MANIFEST}), 201)
        finally:
            session.close()
    for target in targets:  # warm-up
        head_rate(target, tag, budget, min(0.5, budget.head_seconds), 200)
    for round_no in range(budget.head_rounds):
        order = list(targets[round_no % len(targets):]) + list(targets[:round_no % len(targets)])
        for target in order:
            with profiler.record("head", target):
                rate, cpu, failed = head_rate(target, tag, budget, budget.head_seconds, budget.head_per_client)
            figure.add(target.key, rate, cpu)
            if failed:
                figure.failures[target.key] = figure.failures.get(target.key, 0) + failed
        console.print(f"[dim]manifest HEAD round {round_no + 1}/{budget.head_rounds} done[/dim]")
    return figure


# --------------------------------------------------------------------------------------------------
# reporting


def _cpu_note(figure: Figure, target: str) -> str:
    cpu = figure.cpu_median(target)
    if cpu is None:
        return ""
    if figure.unit == "req/s":
        return f"{cpu * 1e6:,.0f} us CPU/req"
    return f"{cpu:.2f} s server CPU"


def _goal(figure: Figure) -> float:
    return GOALS[figure.key]


def render(console: Console, figures: Sequence[Figure], targets: Sequence[Target], budget: Budget) -> None:
    table = Table(title="Registry: pullproof / reference (docker-registry, distribution 2.x)")
    table.add_column("measure")
    names = {t.key: t.label for t in targets}
    table.add_column(names["reference"], justify="right")
    for key in ("direct", "proxy"):
        table.add_column(names[key], justify="right")
        table.add_column(f"{key} / ref", justify="right")
    table.add_column("goal", justify="center")
    for figure in figures:
        cells = [figure.metric]
        for key in ("reference", "direct", "proxy"):
            note = _cpu_note(figure, key)
            cell = f"{figure.median(key):,.1f} {figure.unit}" + (f"\n[dim]{note}[/dim]" if note else "")
            cells.append(cell)
            if key != "reference":
                ratio = figure.ratio(key)
                colour = "green" if ratio >= _goal(figure) else "red"
                spread = figure.spread(key)
                cells.append(f"[{colour}]{ratio:.2f}[/{colour}]" + (f"\n[dim]{spread}[/dim]" if spread else ""))
        cells.append(f">= {_goal(figure):.1f}")
        table.add_row(*cells)
    console.print(table)
    for key in ("direct", "proxy"):
        met = [f for f in figures if f.ratio(key) >= _goal(f)]
        missed = ", ".join(f.metric for f in figures if f not in met) or "none"
        console.print(f"{names[key]}: {len(met)}/{len(figures)} goals met; missed: {missed}")
    for figure in figures:
        for key, count in figure.failures.items():
            console.print(f"[red]{figure.metric}: {count} failed requests on {names[key]}[/red]")
    console.print(
        f"[dim]{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"median of {budget.rounds} rotating rounds (after one warm-up round) for transfers, "
        f"{budget.head_rounds} of <= {budget.head_seconds}s and <= {budget.head_per_client} requests per client "
        "for HEAD; ratio = median of per-round ratios (range below it); one keep-alive HTTP/1.1 client (httpx2) "
        f"per target for transfers, {budget.clients} client "
        "processes for HEAD. Reference: TLS (self-signed P-256), NO auth; pullproof: ACR bearer token on every "
        "request. Ratio = pullproof / reference; goals: pull >= 1.0, push and manifest rate >= 0.8.[/dim]")


def to_json(figures: Sequence[Figure]) -> dict[str, Any]:
    return {f.metric: {"unit": f.unit, "goal": _goal(f),
                       "median": {k: f.median(k) for k in f.values},
                       "ratio": {k: f.ratio(k) for k in ("direct", "proxy")},
                       "paired_ratios": {k: f.paired(k) for k in ("direct", "proxy")},
                       "server_cpu_median": {k: f.cpu_median(k) for k in f.cpu},
                       "rounds": f.values, "failures": f.failures} for f in figures}


def to_markdown(figures: Sequence[Figure]) -> str:
    lines = ["| measure | reference (TLS, no auth) | pullproof direct | direct / ref | pullproof via proxy "
             "| proxy / ref | goal | met (direct, proxy) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | :---: | :---: |"]
    for f in figures:
        def cell(key: str, figure: Figure = f) -> str:
            note = _cpu_note(figure, key)
            return f"{figure.median(key):,.1f} {figure.unit}" + (f" ({note})" if note else "")
        met = ", ".join("yes" if f.ratio(k) >= _goal(f) else "no" for k in ("direct", "proxy"))
        def ratio(key: str, figure: Figure = f) -> str:
            spread = figure.spread(key)
            return f"{figure.ratio(key):.2f}" + (f" ({spread})" if spread else "")
        lines.append(f"| {f.metric} | {cell('reference')} | {cell('direct')} | {ratio('direct')} | "
                     f"{cell('proxy')} | {ratio('proxy')} | >= {_goal(f):.1f} | {met} |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="one round, short HEAD loops (a smoke run, noisy)")
    parser.add_argument("--rounds", type=int, help="transfer rounds (default 5, --quick 1)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown to this file")
    parser.add_argument("--py-spy", type=Path, help="py-spy executable: record the pullproof process per phase")
    parser.add_argument("--profile-dir", type=Path, help="where --py-spy writes its raw (collapsed) stacks")
    parser.add_argument("--skip", action="append", default=[], choices=["transfers", "manifests"],
                        help="leave out a part (repeatable)")
    args = parser.parse_args(argv)
    budget = (Budget(1, 1, 1.5, 1500, 8, 50) if args.quick else Budget(5, 3, 4.0, 5000, 8, 50))
    if args.rounds:
        budget = Budget(max(1, args.rounds), budget.head_rounds, budget.head_seconds, budget.head_per_client,
                        budget.clients, budget.small_layers)
    console = Console(width=None if Console().is_terminal else 150)
    ensure_reference(console)
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="pullproof-bench-registry-") as tmp:
        root = Path(tmp)
        try:
            pp = start_pullproof(root)
            servers.append(pp.server)
            create_registry(pp)
            ref = start_reference(root)
            servers.append(ref.server)
            creds = (pp.env["PULLPROOF_CLIENT_ID"], pp.env["PULLPROOF_CLIENT_SECRET"])
            targets = [
                Target("reference", "reference (TLS, no auth)", f"https://127.0.0.1:{ref.port}", str(ref.cert),
                       ref.server.pid),
                Target("direct", "pullproof direct", f"https://127.0.0.1:{pp.port}", pp.ca, pp.server.pid, host=LOGIN,
                       basic=creds),
                Target("proxy", "pullproof via proxy", f"https://{LOGIN}", pp.ca, pp.server.pid,
                       proxy=f"http://127.0.0.1:{pp.proxy_port}", basic=creds),
            ]
            version = subprocess.run([str(REFERENCE_BIN), "--version"], capture_output=True, text=True,
                                     timeout=30).stdout.strip()
            console.print(f"[dim]reference: {version}; pullproof pid {pp.server.pid}, reference pid "
                          f"{ref.server.pid}; temp dir {root}[/dim]")
            profiler = Profiler(args.py_spy, args.profile_dir, pp.server.pid)
            figures: list[Figure] = []
            if "transfers" not in args.skip:
                figures += transfers(targets, budget, profiler, console)
            if "manifests" not in args.skip:
                figures.append(manifests(targets, budget, profiler, console))
        finally:
            for server in reversed(servers):
                stop(server)
    render(console, figures, targets, budget)
    if args.json:
        args.json.write_text(json.dumps(to_json(figures), indent=2) + "\n", "utf-8")
    if args.markdown:
        args.markdown.write_text(to_markdown(figures), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
