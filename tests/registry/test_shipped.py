"""The AKS system images pullproof ships in mcr.microsoft.com: deterministic blobs, valid OCI indexes with
the platforms AKS has, real entrypoints; stored at start-up where absent, and a loaded image wins."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

from pullproof.registry.loader import Image, read_image, store_image
from pullproof.registry.models import OCI_INDEX, OCI_MANIFEST
from pullproof.registry.shipped import IMAGES, REGISTRY, ShippedImage, build, ship
from tests.conftest import Local, make_local
from tests.registry.layouts import oci_layout


def _find(repository: str, tag: str) -> ShippedImage:
    return next(i for i in IMAGES if i.repository == repository and i.tag == tag)


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_builds_are_byte_for_byte_identical() -> None:
    for image in IMAGES:
        first, second = build(image), build(image)
        assert first.blobs == second.blobs
        assert first.manifests == second.manifests


def test_digest_of_coredns_is_stable() -> None:
    """A fixed digest: any change to the bytes (mtime, gzip header, key order) shows here."""
    image = build(_find("oss/v2/kubernetes/coredns", "v1.11.3-6"))
    assert image.digest == _sha(image.manifests[-1][2])
    assert image.digest == COREDNS_DIGEST


def test_every_image_is_a_valid_multi_platform_index() -> None:
    for shipped in IMAGES:
        image = build(shipped)
        _, kind, data, _ = image.manifests[-1]
        index = json.loads(data)
        assert kind == OCI_INDEX and index["mediaType"] == OCI_INDEX and index["schemaVersion"] == 2
        platforms = [(m["platform"]["os"], m["platform"]["architecture"]) for m in index["manifests"]]
        expected = [("linux", "amd64"), ("linux", "arm64")] + ([("windows", "amd64")] if shipped.windows else [])
        assert platforms == expected
        manifests = {d: json.loads(b) for d, k, b, _ in image.manifests[:-1]}
        for entry in index["manifests"]:
            manifest = manifests[entry["digest"]]
            assert entry["mediaType"] == manifest["mediaType"] == OCI_MANIFEST
            assert entry["size"] == len(next(b for d, _, b, _ in image.manifests if d == entry["digest"]))
            for blob in [manifest["config"], *manifest["layers"]]:
                assert _sha(image.blobs[blob["digest"]]) == blob["digest"]
                assert len(image.blobs[blob["digest"]]) == blob["size"]
            config = json.loads(image.blobs[manifest["config"]["digest"]])
            platform = entry["platform"]
            assert (config["os"], config["architecture"]) == (platform["os"], platform["architecture"])
            assert config["config"]["Entrypoint"] == list(shipped.entrypoint)
            assert config["config"]["Labels"]["org.opencontainers.image.version"] == shipped.tag
            layer = image.blobs[manifest["layers"][0]["digest"]]
            tar = gzip.decompress(layer)
            assert config["rootfs"]["diff_ids"] == [_sha(tar)]
            with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
                (member,) = archive.getmembers()
                assert member.mtime == 1735689600 and member.uid == 0


def test_catalogue_has_the_aks_components() -> None:
    refs = {i.reference for i in IMAGES}
    for ref in ("mcr.microsoft.com/oss/v2/kubernetes/coredns:v1.11.3-6",
                "mcr.microsoft.com/oss/v2/kubernetes/metrics-server:v0.7.2-6",
                "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.11",
                "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.31.7",
                "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.32.4",
                "mcr.microsoft.com/aks/canipull:v0.1.0"):
        assert ref in refs


def test_start_up_stores_each_image_once(local: Local) -> None:
    emulator = local.emulator
    assert len(emulator.shipped) == len(IMAGES)
    for image in IMAGES:
        tag = emulator.registry_store.tag(REGISTRY, image.repository, image.tag)
        assert tag is not None and tag["digest"] == build(image).digest
    assert ship(emulator.content, emulator.registry_store, emulator.clock) == []  # idempotent


def test_a_reopened_data_dir_builds_nothing(tmp_path: Path) -> None:
    first = make_local(tmp_path)
    first.emulator.close()
    again = make_local(tmp_path)
    try:
        assert again.emulator.shipped == []
    finally:
        again.emulator.close()


def _loaded(directory: Path) -> Image:
    oci_layout(directory)
    return read_image(directory)


def test_a_loaded_image_of_the_same_name_wins(tmp_path: Path) -> None:
    first = make_local(tmp_path)
    emulator = first.emulator
    loaded: Image = _loaded(tmp_path / "layout")
    store_image(loaded, REGISTRY, "oss/v2/kubernetes/coredns", "v1.11.3-6", emulator.content,
                emulator.registry_store, emulator.clock)
    emulator.close()
    again = make_local(tmp_path)
    try:
        tag = again.emulator.registry_store.tag(REGISTRY, "oss/v2/kubernetes/coredns", "v1.11.3-6")
        assert tag is not None and tag["digest"] == loaded.digest
        assert "mcr.microsoft.com/oss/v2/kubernetes/coredns:v1.11.3-6" not in again.emulator.shipped
    finally:
        again.emulator.close()


COREDNS_DIGEST = "sha256:1daaefb08a8da37d6aad28a45869c4ffcf5c717b99c196516228960bbb111d8d"
