"""The load-and-faults campaign's machinery: a served emulator that is killed and restarted, clients that
mix registry pushes and pulls, token requests, ConfigMap writes and role assignments against it, and a
ledger of every acknowledged (2xx) write to check after the last restart."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
import yaml

from pullproof.core.tls import trusting
from tests.conftest import Served, start_served

NULL_GUID = "00000000-0000-0000-0000-000000000000"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
TRANSIENT = (httpx.TransportError,)


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class Ledger:
    """Every write a 2xx acknowledged, and what the clients saw."""

    blobs: dict[tuple[str, str], bytes] = field(default_factory=dict)
    manifests: dict[tuple[str, str], tuple[bytes, str]] = field(default_factory=dict)
    configmaps: dict[str, dict[str, str]] = field(default_factory=dict)
    assignments: dict[str, str] = field(default_factory=dict)  # assignment id -> principal id
    identities: set[str] = field(default_factory=set)
    statuses: Counter[str] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, kind: str, response: httpx.Response) -> bool:
        with self.lock:
            self.statuses[f"{response.status_code // 100}xx"] += 1
            if response.status_code >= 500:
                self.server_errors.append(f"{kind} {response.request.method} {response.request.url.path}: "
                                          f"{response.status_code} {response.text[:200]}")
            ok = 200 <= response.status_code < 300
            if ok:
                self.operations[kind] += 1
            return ok

    @property
    def acknowledged(self) -> int:
        return sum(self.operations.values())


class Server:
    """The served emulator under test: killed with SIGKILL and restarted on the same data dir."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.lock = threading.Lock()
        self.epoch = 0
        self.restarts = 0
        self.peak_rss_kib = 0
        self.peak_fds = 0
        self.earlier: list[Served] = []
        self.served = start_served(self.data_dir)

    @property
    def output(self) -> list[str]:
        """What every process so far printed after it was ready (``start_served`` drains the pipe)."""
        return [line for served in (*self.earlier, self.served) for line in served.output]

    @property
    def direct(self) -> str:
        return str(self.served.runtime["direct"])

    def ca(self) -> str:
        return str(self.data_dir / "tls" / "ca.pem")

    def sample(self) -> None:
        """Fold the live process's memory high-water mark and open descriptors into the peaks."""
        pid = self.served.process.pid
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            fds = len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            return
        hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
        self.peak_rss_kib, self.peak_fds = max(self.peak_rss_kib, hwm), max(self.peak_fds, fds)

    def crash_and_restart(self) -> None:
        with self.lock:
            self.sample()
            self.served.process.kill()  # SIGKILL to the PID this test started
            self.served.process.wait(timeout=30)
            self.earlier.append(self.served)
            self.served = start_served(self.data_dir)
            self.epoch += 1
            self.restarts += 1


@dataclass
class World:
    """What the setup created: ids, secrets and tokens every client shares."""

    tenant: str
    subscription: str
    client_id: str
    client_secret: str
    registry: str
    registry_id: str
    kube_host: str
    kube_token: str
    group: str = "rg-load"


class Client:
    """One simulated user on its own thread, with its own HTTP connection to the current server."""

    def __init__(self, index: int, server: Server, world: World, ledger: Ledger, stop: threading.Event) -> None:
        self.index, self.server, self.world, self.ledger, self.stop = index, server, world, ledger, stop
        self.random = random.Random(index)
        self.epoch = -1
        self.http: httpx.Client | None = None
        self.arm_token = self.acr_token = ""
        self.step = 0

    # plumbing --------------------------------------------------------------------------------------------
    def _client(self) -> httpx.Client:
        if self.http is None or self.epoch != self.server.epoch:
            if self.http is not None:
                self.http.close()
            self.epoch = self.server.epoch
            self.http = httpx.Client(base_url=self.server.direct, verify=trusting(self.server.ca()), timeout=30)
        return self.http

    def send(self, method: str, path: str, host: str | None = None, **kwargs: Any) -> httpx.Response | None:
        """One request; ``None`` when the connection failed (the server was being killed)."""
        headers = dict(kwargs.pop("headers", {}))
        if host:
            headers["Host"] = host
        try:
            return self._client().request(method, path, headers=headers, **kwargs)
        except TRANSIENT:
            self.http = None
            time.sleep(0.2)
            return None

    # operations -------------------------------------------------------------------------------------------
    def token(self) -> None:
        w = self.world
        response = self.send("POST", f"/{w.tenant}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": w.client_id, "client_secret": w.client_secret,
            "scope": "https://management.azure.com/.default"})
        if response is not None and self.ledger.saw("token", response):
            self.arm_token = str(response.json()["access_token"])

    def acr_exchange(self) -> None:
        w = self.world
        aad = self.send("POST", f"/{w.tenant}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": w.client_id, "client_secret": w.client_secret,
            "scope": "https://containerregistry.azure.net/.default"})
        if aad is None or not self.ledger.saw("token", aad):
            return
        refresh = self.send("POST", "/oauth2/exchange", host=w.registry, data={
            "grant_type": "access_token", "service": w.registry, "access_token": aad.json()["access_token"]})
        if refresh is None or not self.ledger.saw("acr-exchange", refresh):
            return
        access = self.send("POST", "/oauth2/token", host=w.registry, data={
            "grant_type": "refresh_token", "service": w.registry, "refresh_token": refresh.json()["refresh_token"],
            "scope": f"repository:load/c{self.index}:pull,push repository:load/shared:pull,push"})
        if access is not None and self.ledger.saw("acr-token", access):
            self.acr_token = str(access.json()["access_token"])

    def push(self) -> None:
        repo = self.random.choice([f"load/c{self.index}", "load/shared"])
        auth = {"Authorization": f"Bearer {self.acr_token}"}
        config = json.dumps({"architecture": "amd64", "os": "linux", "client": self.index, "step": self.step}).encode()
        layer = self.random.randbytes(self.random.choice([64, 4096, 200_000]))
        for blob in (config, layer):
            started = self.send("POST", f"/v2/{repo}/blobs/uploads/", host=self.world.registry, headers=auth)
            if started is None or not self.ledger.saw("upload-start", started):
                return
            done = self.send("PUT", started.headers["Location"], host=self.world.registry, headers=auth,
                             params={"digest": sha(blob)}, content=blob)
            if done is None or not self.ledger.saw("blob", done):
                return
            with self.ledger.lock:
                self.ledger.blobs[(repo, sha(blob))] = blob
        manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config), "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha(layer),
                        "size": len(layer)}]}).encode()
        tag = f"c{self.index}-s{self.step}"
        put = self.send("PUT", f"/v2/{repo}/manifests/{tag}", host=self.world.registry,
                        headers={**auth, "Content-Type": OCI_MANIFEST}, content=manifest)
        if put is not None and self.ledger.saw("manifest", put):
            with self.ledger.lock:
                self.ledger.manifests[(repo, sha(manifest))] = (manifest, tag)

    def pull(self) -> None:
        mine = (f"load/c{self.index}", "load/shared")  # what this client's token may pull
        with self.ledger.lock:
            known = [item for item in self.ledger.manifests.items() if item[0][0] in mine]
        if not known:
            return
        (repo, digest), (body, _) = self.random.choice(known)
        auth = {"Authorization": f"Bearer {self.acr_token}", "Accept": OCI_MANIFEST}
        got = self.send("GET", f"/v2/{repo}/manifests/{digest}", host=self.world.registry, headers=auth)
        if got is not None and self.ledger.saw("pull", got):
            assert got.content == body, f"{repo}@{digest} changed"

    def configmap(self) -> None:
        name = f"cm-c{self.index}-s{self.step}"
        data = {"client": str(self.index), "step": str(self.step), "payload": self.random.randbytes(24).hex()}
        response = self.send("POST", "/api/v1/namespaces/default/configmaps", host=self.world.kube_host,
                             headers={"Authorization": f"Bearer {self.world.kube_token}"},
                             json={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data})
        if response is not None and self.ledger.saw("configmap", response):
            with self.ledger.lock:
                self.ledger.configmaps[name] = data

    def role_assignment(self) -> None:
        w = self.world
        auth = {"Authorization": f"Bearer {self.arm_token}"}
        identity = f"/subscriptions/{w.subscription}/resourceGroups/{w.group}/providers/" \
                   f"Microsoft.ManagedIdentity/userAssignedIdentities/id-c{self.index}-s{self.step}"
        made = self.send("PUT", f"{identity}?api-version=2024-11-30", headers=auth, json={"location": "eastus"})
        if made is None or not self.ledger.saw("identity", made):
            return
        with self.ledger.lock:
            self.ledger.identities.add(identity)
        principal = made.json()["properties"]["principalId"]
        name = str(hashlib.md5(identity.encode()).hexdigest())  # a GUID-shaped name per identity
        name = f"{name[:8]}-{name[8:12]}-{name[12:16]}-{name[16:20]}-{name[20:32]}"
        assignment = f"{w.registry_id}/providers/Microsoft.Authorization/roleAssignments/{name}"
        body = {"properties": {"principalId": principal, "principalType": "ServicePrincipal", "roleDefinitionId":
                f"/subscriptions/{w.subscription}/providers/Microsoft.Authorization/roleDefinitions/"
                "7f951dda-4ed3-4680-a7ca-43fe172d538d"}}
        put = self.send("PUT", f"{assignment}?api-version=2022-04-01", headers=auth, json=body)
        if put is not None and self.ledger.saw("role-assignment", put):
            with self.ledger.lock:
                self.ledger.assignments[assignment] = principal

    def run(self) -> None:
        operations: list[tuple[Callable[[], None], int]] = [
            (self.push, 4), (self.pull, 3), (self.token, 1), (self.acr_exchange, 1), (self.configmap, 3),
            (self.role_assignment, 1)]
        while not self.stop.is_set():
            if not self.arm_token:
                self.token()
            if not self.acr_token:
                self.acr_exchange()
            if self.arm_token and self.acr_token:
                self.random.choices([op for op, _ in operations], [w for _, w in operations])[0]()
            self.step += 1
        if self.http is not None:
            self.http.close()


def kube_credentials(kubeconfig_b64: str) -> tuple[str, str]:
    """(API host, bearer token) of a ``listClusterUserCredential`` kubeconfig."""
    document = yaml.safe_load(base64.b64decode(kubeconfig_b64))
    server = document["clusters"][0]["cluster"]["server"]
    return server.removeprefix("https://").split(":")[0], document["users"][0]["user"]["token"]


def upload_while_another_process_opens(server: Server, world: World, token: str) -> int:
    """Stream a blob upload and, half-way through its body, run ``pullproof gc`` on the data dir to the end;
    the status of the finished upload (201 when a second process leaves a live upload alone)."""
    half = b"x" * 65536

    def body() -> Iterator[bytes]:
        yield half
        subprocess.run([sys.executable, "-m", "pullproof", "gc", "--data-dir", str(server.data_dir)],
                       capture_output=True, timeout=120, check=False)
        yield half

    auth = {"Host": world.registry, "Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.direct, verify=trusting(server.ca()), timeout=120) as http:
        started = http.post("/v2/load/shared/blobs/uploads/", headers=auth)
        assert started.status_code == 202, started.text
        done = http.put(started.headers["Location"], params={"digest": sha(half + half)}, content=body(),
                        headers=auth)
        return done.status_code


def cli_loop(data_dir: Path, args: list[str], stop: threading.Event, runs: Counter[str], key: str) -> None:
    """Run a pullproof command on the data dir again and again (another process, as a user would)."""
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    while not stop.is_set():
        done = subprocess.run([sys.executable, "-m", "pullproof", *args, "--data-dir", str(data_dir)], env=env,
                              capture_output=True, text=True, timeout=120)
        runs[f"{key} exit {done.returncode}"] += 1
        if "Traceback" in done.stderr:
            runs[f"{key} traceback"] += 1
