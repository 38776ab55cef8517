"""The registry proved with the real clients over real sockets: az, skopeo, containerd's ctr, oras
(Python) and the azure-containerregistry SDK, all through the emulator's proxy with real host names.

One served emulator; registries are made with the real ``az acr create``; principals with the real
``az ad sp create-for-rbac``. Refusals are checked with each client's own message.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.azcli import Az
from tests.conftest import Served
from tests.registry.realclients import (
    NULL_GUID,
    Containerd,
    Skopeo,
    client_env,
    layout_manifest,
    start_containerd,
    stop_containerd,
    write_oci_layout,
)
from tests.registry.wire import Wire

pytestmark = pytest.mark.realclient

AUTH = "authentication required, visit https://aka.ms/acr/authorization for more information."
SKOPEO_NO_TOKEN = "unable to retrieve auth token: invalid username/password: unauthorized: " + AUTH
CTR_ANONYMOUS = "failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized"
CTR_OAUTH = "failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized"
GROUP = "rg-registry-clients"
READER_CONDITION = (
    "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND "
    "!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})) OR "
    "(@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'guestbook'))")


@dataclass(frozen=True)
class Registry:
    name: str
    id: str
    login: str


@dataclass(frozen=True)
class Principal:
    app_id: str
    password: str

    @property
    def creds(self) -> str:
        return f"{self.app_id}:{self.password}"


@pytest.fixture(scope="module")
def az(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Az:
    client = Az(served, tmp_path_factory.mktemp("az-registry"))
    client.login_operator()
    client.run("group", "create", "--name", GROUP, "--location", "eastus")
    return client


@pytest.fixture(scope="module")
def env(az: Az) -> dict[str, str]:
    return client_env(az.values)


@pytest.fixture(scope="module")
def skopeo(env: dict[str, str]) -> Skopeo:
    return Skopeo(env)


def create_registry(az: Az, name: str) -> Registry:
    created = az.json("acr", "create", "--name", name, "--resource-group", GROUP, "--sku", "Standard")
    assert created["provisioningState"] == "Succeeded" and created["adminUserEnabled"] is False
    return Registry(name, created["id"], created["loginServer"])


@pytest.fixture(scope="module")
def acr(az: Az) -> Registry:
    return create_registry(az, "ppclients")


def make_principal(az: Az, name: str, role: str | None = None, scope: str | None = None) -> Principal:
    args = ["--role", role, "--scopes", scope] if role and scope else []
    created = az.json("ad", "sp", "create-for-rbac", "--name", name, *args)
    return Principal(created["appId"], created["password"])


@pytest.fixture(scope="module")
def operator(az: Az) -> Principal:
    return Principal(az.values["PULLPROOF_CLIENT_ID"], az.values["PULLPROOF_CLIENT_SECRET"])


@pytest.fixture(scope="module")
def pusher(az: Az, acr: Registry) -> Principal:
    return make_principal(az, "registry-pusher", "acrpush", acr.id)


@pytest.fixture(scope="module")
def puller(az: Az, acr: Registry) -> Principal:
    return make_principal(az, "registry-puller", "acrpull", acr.id)


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("oci") / "guestbook"
    return root, write_oci_layout(root, layers=3)


@pytest.fixture(scope="module")
def guestbook(acr: Registry, skopeo: Skopeo, image: tuple[Path, str], operator: Principal) -> str:
    """guestbook:v1 pushed by the operator (Owner of the subscription); returns its reference."""
    ref = f"{acr.login}/guestbook:v1"
    skopeo.push(image[0], ref, operator.creds)
    return ref


@pytest.fixture(scope="module")
def containerd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Containerd]:
    daemon = start_containerd(tmp_path_factory.mktemp("ctrd"))
    yield daemon
    stop_containerd(daemon)


# control plane --------------------------------------------------------------------------------------------
def test_acr_show_list_and_check_name(az: Az, acr: Registry) -> None:
    assert az.tsv("acr", "show", "-n", acr.name, "--query", "loginServer") == "ppclients.azurecr.io"
    assert az.tsv("acr", "show", "-n", acr.name, "--query", "id") == (
        f"/subscriptions/{az.values['PULLPROOF_SUBSCRIPTION_ID']}/resourceGroups/{GROUP}/providers/"
        "Microsoft.ContainerRegistry/registries/ppclients")
    listed = az.json("acr", "list", "--resource-group", GROUP)
    assert [(r["name"], r["sku"]["name"]) for r in listed if r["name"] == acr.name] == [("ppclients", "Standard")]
    taken = az.json("acr", "check-name", "-n", acr.name)
    assert taken["nameAvailable"] is False and taken["reason"] == "AlreadyExists"
    assert taken["message"] == "The registry ppclients is already in use."
    assert az.json("acr", "check-name", "-n", "ppclientsfree")["nameAvailable"] is True


# skopeo -------------------------------------------------------------------------------------------------
def test_skopeo_push_then_pull_back_keeps_every_digest(skopeo: Skopeo, guestbook: str, image: tuple[Path, str],
                                                        operator: Principal, tmp_path: Path) -> None:
    skopeo.pull(guestbook, tmp_path / "back", operator.creds)
    digest, manifest = layout_manifest(tmp_path / "back")
    assert digest == image[1]
    original = layout_manifest(image[0])[1]
    assert manifest == original and len(original["layers"]) == 3  # type: ignore[arg-type]
    inspected = json.loads(skopeo.inspect(guestbook, operator.creds).stdout)
    assert inspected["Digest"] == image[1] and inspected["RepoTags"] == ["v1"]
    assert inspected["Layers"] == [layer["digest"] for layer in original["layers"]]  # type: ignore[attr-defined]


def test_skopeo_push_as_an_acrpush_principal(skopeo: Skopeo, acr: Registry, pusher: Principal,
                                             tmp_path: Path) -> None:
    digest = write_oci_layout(tmp_path / "team", layers=2)
    ref = f"{acr.login}/team/app:1.0"
    skopeo.push(tmp_path / "team", ref, pusher.creds)
    assert json.loads(skopeo.inspect(ref, pusher.creds).stdout)["Digest"] == digest


def test_pull_refused_for_a_principal_without_a_role(az: Az, skopeo: Skopeo, guestbook: str,
                                                            containerd: Containerd, env: dict[str, str]) -> None:
    stranger = make_principal(az, "registry-stranger")
    refused = skopeo.inspect(guestbook, stranger.creds, check=False)
    assert refused.returncode == 1 and SKOPEO_NO_TOKEN in refused.stderr
    pulled = containerd.pull(env, guestbook, stranger.creds)
    assert pulled.returncode == 1
    assert f'ctr: failed to resolve reference "{guestbook}": {CTR_OAUTH}' in pulled.stderr


def test_skopeo_push_refused_for_an_acrpull_principal(skopeo: Skopeo, acr: Registry, puller: Principal,
                                                      guestbook: str, tmp_path: Path) -> None:
    write_oci_layout(tmp_path / "new", layers=1)
    ref = f"{acr.login}/guestbook:from-puller"
    refused = skopeo.push(tmp_path / "new", ref, puller.creds, check=False)
    assert refused.returncode == 1
    assert "denied: requested access to the resource is denied" in refused.stderr and AUTH in refused.stderr
    assert json.loads(skopeo.inspect(guestbook, puller.creds).stdout)["RepoTags"] == ["v1"]


# containerd ---------------------------------------------------------------------------------------------
def test_ctr_pull_with_credentials(containerd: Containerd, env: dict[str, str], guestbook: str,
                                   puller: Principal, image: tuple[Path, str]) -> None:
    pulled = containerd.pull(env, guestbook, puller.creds)
    assert pulled.returncode == 0, pulled.stderr
    listed = containerd.ctr(env, "image", "ls", "-q").stdout.split()
    assert guestbook in listed
    described = containerd.ctr(env, "image", "ls").stdout
    assert image[1] in described


def test_ctr_anonymous_pull_only_while_enabled(az: Az, acr: Registry, containerd: Containerd,
                                               env: dict[str, str], guestbook: str) -> None:
    refused = containerd.pull(env, guestbook)
    assert refused.returncode == 1
    assert f'ctr: failed to resolve reference "{guestbook}": {CTR_ANONYMOUS}' in refused.stderr
    assert az.tsv("acr", "update", "-n", acr.name, "--anonymous-pull-enabled", "true",
                  "--query", "anonymousPullEnabled") == "true"
    try:
        pulled = containerd.pull(env, guestbook)
        assert pulled.returncode == 0, pulled.stderr
    finally:
        az.run("acr", "update", "-n", acr.name, "--anonymous-pull-enabled", "false")
    again = containerd.pull(env, guestbook)
    assert again.returncode == 1 and CTR_ANONYMOUS in again.stderr


# oras and the Python SDK --------------------------------------------------------------------------------
def python_env(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY",
                 "all_proxy", "AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_AUTHORITY_HOST"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_oras_push_and_pull_an_artifact_with_basic_auth(acr: Registry, az: Az, pusher: Principal,
                                                        puller: Principal, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import oras.client  # type: ignore[import-untyped]

    python_env(monkeypatch, az.values)
    monkeypatch.chdir(tmp_path)  # oras only pushes files under the working directory
    Path("notes.txt").write_text("release notes\n")
    target = f"{acr.login}/artifacts/notes:v1"
    pushing = oras.client.OrasClient(hostname=acr.login, auth_backend="basic")
    pushing.auth.set_basic_auth(pusher.app_id, pusher.password)
    response = pushing.push(target=target, files=["notes.txt:text/plain"], quiet=True)
    pushing.session.close()
    assert response.status_code == 201
    for backend in ("basic", "token"):
        pulling = oras.client.OrasClient(hostname=acr.login, auth_backend=backend)
        pulling.auth.set_basic_auth(puller.app_id, puller.password)
        files = pulling.pull(target=target, outdir=str(tmp_path / backend))
        assert [Path(f).read_text() for f in files] == ["release notes\n"]
        assert pulling.get_tags(target) == ["v1"]
        pulling.session.close()


def test_sdk_lists_repositories_and_tags(acr: Registry, az: Az, guestbook: str, image: tuple[Path, str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.containerregistry import ContainerRegistryClient
    from azure.identity import ClientSecretCredential

    python_env(monkeypatch, az.values)
    v = az.values
    # both are closed, so no connection through the proxy outlives the test
    with ClientSecretCredential(v["PULLPROOF_TENANT_ID"], v["PULLPROOF_CLIENT_ID"],
                                v["PULLPROOF_CLIENT_SECRET"]) as credential, \
            ContainerRegistryClient(endpoint=f"https://{acr.login}", credential=credential,
                                    audience="https://containerregistry.azure.net") as client:
        assert "guestbook" in list(client.list_repository_names())
        tags = list(client.list_tag_properties("guestbook"))
        assert [(t.name, t.digest) for t in tags] == [("v1", image[1])]
        properties = client.get_repository_properties("guestbook")
        assert (properties.name, properties.tag_count, properties.manifest_count) == ("guestbook", 1, 1)
        assert client.get_manifest_properties("guestbook", "v1").digest == image[1]


# az acr ---------------------------------------------------------------------------------------------------
def test_acr_login_expose_token_works_as_a_password(az: Az, acr: Registry, skopeo: Skopeo, guestbook: str,
                                                    image: tuple[Path, str], containerd: Containerd,
                                                    env: dict[str, str]) -> None:
    exposed = az.json("acr", "login", "-n", acr.name, "--expose-token")
    assert exposed["loginServer"] == acr.login and exposed["username"] == NULL_GUID
    assert exposed["accessToken"] == exposed["refreshToken"]
    inspected = skopeo.inspect(guestbook, f"{NULL_GUID}:{exposed['accessToken']}")
    assert json.loads(inspected.stdout)["Digest"] == image[1]
    # what a kubelet hands containerd after the credential provider's exchange
    pulled = containerd.pull(env, guestbook, f"{NULL_GUID}:{exposed['refreshToken']}")
    assert pulled.returncode == 0, pulled.stderr
    forged = skopeo.inspect(guestbook, f"{NULL_GUID}:{exposed['accessToken'][:-4]}AAAA", check=False)
    assert forged.returncode == 1 and SKOPEO_NO_TOKEN in forged.stderr
    # an access token bought with the refresh token is no password: it cannot buy further tokens
    with Wire(az.values["HTTPS_PROXY"], az.values["SSL_CERT_FILE"]).client(acr.login) as http:
        bought = http.post("/oauth2/token", data={"grant_type": "refresh_token", "service": acr.login,
                                                  "scope": "repository:guestbook:pull",
                                                  "refresh_token": exposed["refreshToken"]})
    assert bought.status_code == 200
    refused = skopeo.inspect(guestbook, f"{NULL_GUID}:{bought.json()['access_token']}", check=False)
    assert refused.returncode == 1 and SKOPEO_NO_TOKEN in refused.stderr
    chained = containerd.pull(env, guestbook, f"{NULL_GUID}:{bought.json()['access_token']}")
    assert chained.returncode == 1 and CTR_OAUTH in chained.stderr


def test_admin_user_credentials_show_renew_and_disable(az: Az, acr: Registry, skopeo: Skopeo, guestbook: str) -> None:
    assert az.tsv("acr", "update", "-n", acr.name, "--admin-enabled", "true", "--query", "adminUserEnabled") == "true"
    shown = az.json("acr", "credential", "show", "-n", acr.name)
    assert shown["username"] == acr.name
    old = {p["name"]: p["value"] for p in shown["passwords"]}
    assert sorted(old) == ["password", "password2"]
    assert skopeo.inspect(guestbook, f"{acr.name}:{old['password']}").returncode == 0
    renewed = az.json("acr", "credential", "renew", "-n", acr.name, "--password-name", "password2")
    new = {p["name"]: p["value"] for p in renewed["passwords"]}
    assert new["password"] == old["password"] and new["password2"] != old["password2"]
    stale = skopeo.inspect(guestbook, f"{acr.name}:{old['password2']}", check=False)
    assert stale.returncode == 1 and SKOPEO_NO_TOKEN in stale.stderr
    assert skopeo.inspect(guestbook, f"{acr.name}:{new['password2']}").returncode == 0
    az.run("acr", "update", "-n", acr.name, "--admin-enabled", "false")
    disabled = skopeo.inspect(guestbook, f"{acr.name}:{new['password']}", check=False)
    assert disabled.returncode == 1 and SKOPEO_NO_TOKEN in disabled.stderr


def test_repository_list_show_tags_show_and_delete(az: Az, acr: Registry, skopeo: Skopeo, guestbook: str,
                                                   image: tuple[Path, str], operator: Principal) -> None:
    skopeo.push(image[0], f"{acr.login}/scratch/app:v1", operator.creds)
    assert {"guestbook", "scratch/app"} <= set(az.json("acr", "repository", "list", "-n", acr.name))
    assert az.json("acr", "repository", "show-tags", "-n", acr.name, "--repository", "guestbook") == ["v1"]
    shown = az.json("acr", "repository", "show", "-n", acr.name, "--repository", "guestbook")
    assert (shown["registry"], shown["imageName"], shown["tagCount"]) == (acr.login, "guestbook", 1)
    az.run("acr", "repository", "delete", "-n", acr.name, "--repository", "scratch/app", "--yes")
    gone = skopeo.inspect(f"{acr.login}/scratch/app:v1", operator.creds, check=False)
    assert gone.returncode == 1 and "name unknown: repository name not known to registry" in gone.stderr


def test_repository_delete_needs_acrdelete(az: Az, acr: Registry, skopeo: Skopeo, pusher: Principal,
                                           image: tuple[Path, str], tmp_path: Path) -> None:
    skopeo.push(image[0], f"{acr.login}/doomed:v1", pusher.creds)
    as_pusher = Az(az.served, tmp_path / "az-pusher")
    as_pusher.run("login", "--service-principal", "-u", pusher.app_id, "--password=" + pusher.password,
                  "--tenant", az.values["PULLPROOF_TENANT_ID"])
    refused = as_pusher.run("acr", "repository", "delete", "-n", acr.name, "--repository", "doomed", "--yes",
                            check=False)
    assert refused.returncode == 1
    assert f"Error: {AUTH} Correlation ID: " in refused.stderr
    assert skopeo.inspect(f"{acr.login}/doomed:v1", pusher.creds).returncode == 0
    az.run("role", "assignment", "create", "--assignee", pusher.app_id, "--role", "AcrDelete", "--scope", acr.id)
    as_pusher.run("acr", "repository", "delete", "-n", acr.name, "--repository", "doomed", "--yes")
    gone = skopeo.inspect(f"{acr.login}/doomed:v1", pusher.creds, check=False)
    assert gone.returncode == 1 and "name unknown: repository name not known to registry" in gone.stderr


# repository permissions (RBAC Registry + ABAC Repository Permissions) -----------------------------------
@pytest.fixture(scope="module")
def abac(az: Az, skopeo: Skopeo, image: tuple[Path, str], operator: Principal) -> Registry:
    """A second registry with guestbook and other pushed while in the legacy mode."""
    registry = create_registry(az, "ppabac")
    for repository in ("guestbook", "other"):
        skopeo.push(image[0], f"{registry.login}/{repository}:v1", operator.creds)
    return registry


def test_abac_mode_ignores_acrpull_and_honours_repository_reader(az: Az, abac: Registry, skopeo: Skopeo) -> None:
    reader = make_principal(az, "abac-reader", "acrpull", abac.id)
    guestbook, other = f"{abac.login}/guestbook:v1", f"{abac.login}/other:v1"
    assert skopeo.inspect(guestbook, reader.creds).returncode == 0
    mode = az.tsv("acr", "update", "-n", abac.name, "--role-assignment-mode", "rbac-abac",
                  "--query", "roleAssignmentMode")
    assert mode == "AbacRepositoryPermissions"
    refused = skopeo.inspect(guestbook, reader.creds, check=False)
    assert refused.returncode == 1 and SKOPEO_NO_TOKEN in refused.stderr
    az.run("role", "assignment", "create", "--assignee", reader.app_id, "--role",
           "Container Registry Repository Reader", "--scope", abac.id)
    assert skopeo.inspect(guestbook, reader.creds).returncode == 0
    assert skopeo.inspect(other, reader.creds).returncode == 0


def test_abac_condition_restricts_the_repository_reader(az: Az, abac: Registry, skopeo: Skopeo) -> None:
    az.run("acr", "update", "-n", abac.name, "--role-assignment-mode", "rbac-abac")
    limited = make_principal(az, "abac-limited")
    az.run("role", "assignment", "create", "--assignee", limited.app_id, "--role",
           "Container Registry Repository Reader", "--scope", abac.id,
           "--condition", READER_CONDITION, "--condition-version", "2.0")
    assert skopeo.inspect(f"{abac.login}/guestbook:v1", limited.creds).returncode == 0
    refused = skopeo.inspect(f"{abac.login}/other:v1", limited.creds, check=False)
    assert refused.returncode == 1 and SKOPEO_NO_TOKEN in refused.stderr


def test_abac_condition_on_the_exchange_path(az: Az, abac: Registry, skopeo: Skopeo, tmp_path: Path) -> None:
    """The path a kubelet takes: Entra token, exchange, refresh token as the null-GUID password. The
    exchange passes a role limited by a condition; the condition decides per repository."""
    az.run("acr", "update", "-n", abac.name, "--role-assignment-mode", "rbac-abac")
    kubelet = make_principal(az, "abac-kubelet")
    object_id = az.tsv("ad", "sp", "show", "--id", kubelet.app_id, "--query", "id")
    mismatched = az.run("role", "assignment", "create", "--assignee-object-id", object_id,
                        "--assignee-principal-type", "User", "--role", "Container Registry Repository Reader",
                        "--scope", abac.id, check=False)
    assert mismatched.returncode == 1
    assert (f"The PrincipalId '{object_id.replace('-', '')}' has type 'ServicePrincipal' , which is different "
            "from specified PrinciaplType 'User'.") in mismatched.stderr
    broken = az.run("role", "assignment", "create", "--assignee", kubelet.app_id, "--role",
                    "Container Registry Repository Reader", "--scope", abac.id,
                    "--condition", READER_CONDITION[:-1], "--condition-version", "2.0", check=False)
    assert broken.returncode == 1
    assert "The given role assignment condition is invalid. The condition ends early." in broken.stderr
    az.run("role", "assignment", "create", "--assignee", kubelet.app_id, "--role",
           "Container Registry Repository Reader", "--scope", abac.id,
           "--condition", READER_CONDITION, "--condition-version", "2.0")
    as_kubelet = Az(az.served, tmp_path / "az-kubelet")
    as_kubelet.run("login", "--service-principal", "-u", kubelet.app_id, "--password=" + kubelet.password,
                   "--tenant", az.values["PULLPROOF_TENANT_ID"])
    exposed = as_kubelet.json("acr", "login", "-n", abac.name, "--expose-token")
    assert exposed["username"] == NULL_GUID
    creds = f"{NULL_GUID}:{exposed['refreshToken']}"
    assert skopeo.inspect(f"{abac.login}/guestbook:v1", creds).returncode == 0
    refused = skopeo.inspect(f"{abac.login}/other:v1", creds, check=False)
    assert refused.returncode == 1 and SKOPEO_NO_TOKEN in refused.stderr
