"""Seed 002, the incident, with the real az, skopeo and kubectl over real sockets: a managed-identity
cluster whose kubelet identity has no AcrPull, 2 replicas in ImagePullBackOff with the real 401,
``rollout status`` timing out (and, with time sped up, exceeding its progress deadline), the
explanation, the AcrPull role assignment to the kubelet identity, the pods recreated and Running.

The module runs its own ``pullproof up --time-scale 30`` and brings one world to the incident (both
replicas in ImagePullBackOff), shared by the tests that only read it. The rollout-timeout test adds
a rollout of its own in its own namespace; the fix builds an incident of its own (resource group,
registry, cluster). So every test passes alone and in any order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.azcli import Az
from tests.conftest import Served
from tests.scenarios.images import (
    Kubectl,
    Registry,
    cluster_kubectl,
    deployment,
    explain_pod,
    fast_served,
    last_pull,
    operator_az,
    pods_in,
    registry_with_image,
    wait_for,
)

pytestmark = pytest.mark.realclient

GROUP, CLUSTER, APP = "rg-wiz-exercise-a", "aks-wiz-dev", "guestbook-app"


@dataclass(frozen=True)
class Platform:
    """The module's emulator and the operator's az; each world lives in its own resource group."""

    served: Served
    az: Az
    home: Path


@dataclass(frozen=True)
class Story:
    served: Served
    az: Az
    acr: Registry
    image: str
    kubectl: Kubectl
    group: str
    cluster: str


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    for served in fast_served(tmp_path_factory, "seed-incident"):
        home = tmp_path_factory.mktemp("seed-incident-clients")
        yield Platform(served, operator_az(served, home / "az"), home)


def incident(platform: Platform, group: str, cluster: str, registry: str) -> Story:
    """Infrastructure without the role-assignment module, then the app deployment (as in the seed), up to
    both replicas in ImagePullBackOff."""
    home, az = platform.home / group, platform.az
    acr, image = registry_with_image(az, group, "eastus", registry, home / "oci")
    created = az.json("aks", "create", "--resource-group", group, "--name", cluster, "--enable-managed-identity",
                      "--node-count", "2")
    assert created["provisioningState"] == "Succeeded"
    kubectl = cluster_kubectl(az, group, cluster, home / "kube")
    applied = kubectl.apply(deployment(APP, image, replicas=2, app="guestbook"))
    assert applied.stdout == f"deployment.apps/{APP} created\n", applied.stderr
    pods_in(kubectl, "app=guestbook", "ImagePullBackOff", 2)
    return Story(platform.served, az, acr, image, kubectl, group, cluster)


@pytest.fixture(scope="module")
def story(platform: Platform) -> Story:
    """The seed's incident, shared by the tests that only read it."""
    return incident(platform, GROUP, CLUSTER, "acrwizdev")


def test_both_replicas_end_in_image_pull_back_off(story: Story) -> None:
    """Between two back-offs a pod shows ErrImagePull for a moment: wait for a table with both in back-off."""
    def in_back_off() -> list[str] | None:
        table = story.kubectl.ok("get", "pods", "-n", "default").splitlines()
        rows = [line.split()[:4] for line in table[1:]]
        return table if len(rows) == 2 and all(row[1:] == ["0/1", "ImagePullBackOff", "0"] for row in rows) else None

    table = wait_for(in_back_off, "both replicas in ImagePullBackOff")
    assert table[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert all(line.split()[0].startswith(f"{APP}-") for line in table[1:])


def test_rollout_status_times_out(story: Story) -> None:
    """The CI step of the seed: ``kubectl rollout status`` gives up with exit code 1. It watches a rollout
    of its own, in its own namespace, with a progress deadline of a day (48 real minutes at 30x), so the
    5 s timeout always comes first whatever else has run."""
    story.kubectl.ok("create", "namespace", "ci")
    manifest = deployment(APP, story.image, replicas=2, app="guestbook", progress_deadline=86400)
    applied = story.kubectl.apply(manifest, namespace="ci")
    assert applied.stdout == f"deployment.apps/{APP} created\n", applied.stderr
    pods_in(story.kubectl, "app=guestbook", "ImagePullBackOff", 2, namespace="ci")
    result = story.kubectl("rollout", "status", f"deployment/{APP}", "-n", "ci", "--timeout=5s")
    assert result.returncode == 1
    assert result.stderr == "error: timed out waiting for the condition\n"
    assert set(result.stdout.splitlines()) == {
        f'Waiting for deployment "{APP}" rollout to finish: 0 of 2 updated replicas are available...'}


def test_describe_shows_the_seed_401(story: Story) -> None:
    pod = sorted(story.kubectl.pods("app=guestbook"))[0]
    described = story.kubectl.ok("describe", "pod", pod)
    login = story.acr.login
    message = (f'Failed to pull image "{story.image}": failed to pull and unpack image "{story.image}": '
               f'failed to resolve reference "{story.image}": failed to authorize: failed to fetch anonymous token: '
               f"unexpected status from GET request to https://{login}/oauth2/token?scope=repository%3Aguestbook"
               f"%3Apull&service={login}: 401 Unauthorized")
    events = described.split("Events:", 1)[1].splitlines()
    failed = [line for line in events if "Failed to pull image" in line]
    assert failed and all(line.rstrip().endswith(message) for line in failed), described
    assert all(line.split()[:2] == ["Warning", "Failed"] and " kubelet " in line for line in failed)
    assert any(line.rstrip().endswith("Error: ErrImagePull") for line in described.splitlines())
    assert any(line.rstrip().endswith("Error: ImagePullBackOff") for line in described.splitlines())
    assert any(line.rstrip().endswith(f'Back-off pulling image "{story.image}"') for line in described.splitlines())
    waiting = story.kubectl.pods("app=guestbook")[pod]["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["reason"] in ("ImagePullBackOff", "ErrImagePull")
    assert waiting["message"].endswith(message.split(": ", 1)[1])


def test_rollout_status_reports_the_progress_deadline(story: Story) -> None:
    """600 emulated seconds after the rollout started (20 s of real time at 30x)."""
    result = story.kubectl("rollout", "status", f"deployment/{APP}", "--timeout=60s", timeout=90)
    assert result.returncode == 1
    assert result.stderr == f'error: deployment "{APP}" exceeded its progress deadline\n'
    status = json.loads(story.kubectl.ok("get", "deployment", APP, "-o", "json"))["status"]
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Progressing"]["reason"] == "ProgressDeadlineExceeded"
    assert conditions["Available"]["reason"] == "MinimumReplicasUnavailable"


def test_explain_names_the_kubelet_identity(story: Story) -> None:
    kubelet = story.az.json("aks", "show", "--resource-group", GROUP, "--name", CLUSTER,
                            "--query", "identityProfile.kubeletidentity")
    pod = sorted(story.kubectl.pods("app=guestbook"))[0]
    code, finding = explain_pod(story.served, f"{GROUP}/{CLUSTER}", pod)
    assert code == 10
    assert finding["code"] == "KUBELET_IDENTITY_NO_ACRPULL" and finding["exitCode"] == 10
    assert kubelet["objectId"] in finding["summary"]
    assert f"--assignee-object-id {kubelet['objectId']}" in finding["fix"]["az"]
    assert story.acr.id in finding["fix"]["az"]


def test_acrpull_for_the_kubelet_identity_fixes_new_pods(platform: Platform) -> None:
    """The fix, on an incident of its own (the shared one keeps its missing AcrPull)."""
    story = incident(platform, "rg-wiz-exercise-b", "aks-wiz-fix", "acrwizfix")
    object_id = story.az.tsv("aks", "show", "--resource-group", story.group, "--name", story.cluster,
                             "--query", "identityProfile.kubeletidentity.objectId")
    assigned = story.az.json("role", "assignment", "create", "--assignee-object-id", object_id,
                             "--assignee-principal-type", "ServicePrincipal", "--role", "acrpull",
                             "--scope", story.acr.id)
    assert assigned["principalId"] == object_id and assigned["scope"] == story.acr.id
    listed = story.az.json("role", "assignment", "list", "--scope", story.acr.id,
                           "--query", "[?roleDefinitionName=='AcrPull'].principalId")
    assert listed == [object_id]
    old = set(story.kubectl.pods("app=guestbook"))
    deleted = story.kubectl.ok("delete", "pods", "-n", "default", "-l", "app=guestbook", timeout=90)
    assert sorted(deleted.splitlines()) == sorted(f'pod "{name}" deleted' for name in old)
    running = pods_in(story.kubectl, "app=guestbook", "Running", 2)
    assert not set(running) & old
    rolled = story.kubectl("rollout", "status", f"deployment/{APP}", "--timeout=30s", timeout=60)
    assert rolled.returncode == 0, rolled.stderr
    assert rolled.stdout.splitlines()[-1] == f'deployment "{APP}" successfully rolled out'
    code, finding = last_pull(story.served, f"{story.group}/{story.cluster}", story.image)
    assert (code, finding["code"]) == (0, "PULL_OK")
    events = story.kubectl.ok("get", "events", "-o", "jsonpath={range .items[*]}{.reason} {.message}{'\\n'}{end}")
    assert any(line.startswith(f'Pulled Successfully pulled image "{story.image}" in ') for line in events.splitlines())
    for pod in running:
        described = story.kubectl.ok("describe", "pod", pod)
        assert "Started container guestbook" in described
