"""The node's platform in the pull: containerd's matcher over an index, a single-platform image of another
os (NotFound) or architecture (pulled; it will not exec), and the Node's ``status.images``."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pullproof.kube.node.models import FailureKind
from pullproof.kube.node.nodeimages import MAX_IMAGES, image_names, merged
from pullproof.kube.node.platforms import Platform, node_platform
from pullproof.kube.node.puller import Pulled, Puller, PullError
from tests.conftest import Local
from tests.kube.node.test_puller import LOGIN, image, inprocess
from tests.kube.node.test_puller import puller_app as puller_app  # the fixture
from tests.registry.support import App

DIGEST = "sha256:" + "c" * 64
ARM64, WINDOWS = Platform("linux", "arm64"), Platform("windows", "amd64")


def pull_on(local: Local, app: App, spec: str, platform: Platform) -> Pulled:
    async def run() -> Pulled:
        async with httpx.AsyncClient(transport=inprocess(local)) as http:
            return await Puller(http).pull(image(spec), app.client_id, app.secret, platform)
    return asyncio.run(run())


def test_the_matcher_prefers_the_nodes_own_platform_then_the_compatible_ones() -> None:
    assert ARM64.rank({"os": "linux", "architecture": "arm64"}) == 0
    assert ARM64.rank({"os": "linux", "architecture": "arm64", "variant": "v8"}) == 0
    assert ARM64.rank({"os": "linux", "architecture": "arm", "variant": "v7"}) == 2
    assert ARM64.rank({"os": "linux", "architecture": "amd64"}) is None
    assert Platform().rank({"os": "linux", "architecture": "386"}) == 1
    assert WINDOWS.rank({"os": "linux", "architecture": "amd64"}) is None
    assert node_platform({"metadata": {"labels": {"kubernetes.io/os": "windows", "kubernetes.io/arch": "amd64"}}}) \
        == WINDOWS and node_platform(None) == Platform()


def test_an_arm64_node_picks_the_arm64_entry_an_amd64_node_finds_none(local: Local, puller_app: App) -> None:
    spec = f"{LOGIN}/multi:arm"
    assert pull_on(local, puller_app, spec, ARM64).size > 0
    with pytest.raises(PullError) as caught:
        pull_on(local, puller_app, spec, Platform())
    assert caught.value.kind is FailureKind.PLATFORM_MISMATCH
    assert caught.value.message == (f'rpc error: code = NotFound desc = failed to pull and unpack image "{spec}": '
                                    "no match for platform in manifest: not found")


def test_a_single_amd64_image_pulls_on_arm64_but_is_foreign(local: Local, puller_app: App) -> None:
    pulled = pull_on(local, puller_app, f"{LOGIN}/guestbook:v1", ARM64)
    assert pulled.foreign == "linux/amd64"
    assert pull_on(local, puller_app, f"{LOGIN}/guestbook:v1", Platform()).foreign is None


def test_a_linux_image_on_a_windows_node_is_not_found(local: Local, puller_app: App) -> None:
    with pytest.raises(PullError) as caught:
        pull_on(local, puller_app, f"{LOGIN}/guestbook:v1", WINDOWS)
    assert caught.value.kind is FailureKind.PLATFORM_MISMATCH and caught.value.not_found
    assert caught.value.message.endswith("no match for platform in manifest: not found")


def test_node_images_are_named_by_digest_and_tag_largest_first_and_capped() -> None:
    ref = image("nginx:1.27")
    assert image_names(ref, "sha256:ab") == ["docker.io/library/nginx@sha256:ab", "docker.io/library/nginx:1.27"]
    assert image_names(image(f"nginx@{DIGEST}"), DIGEST) == [f"docker.io/library/nginx@{DIGEST}"]
    images: list[dict[str, object]] = []
    for n in range(MAX_IMAGES + 5):
        images = merged(images, [f"r/{n}@sha256:{n}", f"r/{n}:v"], 1000 + n)
    assert len(images) == MAX_IMAGES and images[0]["sizeBytes"] == 1000 + MAX_IMAGES + 4
    again = merged(images, ["r/54@sha256:54", "r/54:v"], 1)
    assert len(again) == MAX_IMAGES and again[-1] == {"names": ["r/54@sha256:54", "r/54:v"], "sizeBytes": 1}
