"""ArmService with fake providers: nested collections, cascades, and all-or-nothing writes."""

from __future__ import annotations

from typing import Any

import pytest

from pullproof.arm import errors
from pullproof.arm.models import Resource, ResourceRef, parse_path
from pullproof.arm.providers.base import PutRequest
from pullproof.arm.service import ArmService
from pullproof.core.errors import ServiceError
from pullproof.identity.models import ARM_AUDIENCES, Caller
from tests.conftest import Local

API = "2024-01-01"


class FakeProvider:
    """A resource type that stores what it is given; ``fail_build``/``fail_delete`` simulate a crash midway."""

    actions: frozenset[str] = frozenset()
    long_running_delete = False

    def __init__(self, local: Local, resource_type: str) -> None:
        self.resource_type = resource_type
        self.directory = local.emulator.directory
        self.deleted_ids: list[str] = []
        self.stored_ids: list[str] = []
        self.fail_build = self.fail_delete = False

    def build(self, request: PutRequest) -> dict[str, Any]:
        self.directory.create_managed_identity(request.ref.id, request.ref.name)  # a side effect in the database
        if self.fail_build:
            raise ServiceError(errors.INVALID_CONTENT, detail="boom")
        return {"id": request.ref.id, "name": request.ref.name, "type": self.resource_type, "properties": {}}

    def stored(self, resource: Resource) -> None:
        self.stored_ids.append(resource.id)

    def render(self, resource: Resource, api_version: str) -> dict[str, Any]:
        return resource.body

    def deleted(self, resource: Resource, *, cascade: bool) -> None:
        if self.fail_delete:
            raise RuntimeError("crash while releasing")
        self.deleted_ids.append(resource.id)

    def action(self, resource: Resource, action: str, payload: dict[str, Any], caller: Caller) -> tuple[int, Any]:
        raise AssertionError("no actions")


class World:
    def __init__(self, local: Local) -> None:
        emulator = local.emulator
        self.sub = emulator.operator.subscription_id
        self.clusters = FakeProvider(local, "Test.Fake/clusters")
        self.pools = FakeProvider(local, "Test.Fake/clusters/pools")
        self.arm = ArmService(emulator.arm.store, emulator.rbac, emulator.issuer, emulator.clock, emulator.ids,
                              [self.clusters, self.pools])
        self.caller = emulator.issuer.verify(local.token(), ARM_AUDIENCES)
        self.arm.put_group(self.caller, self.sub, "rg1", {"location": "westeurope"})

    def ref(self, tail: str) -> ResourceRef:
        ref = parse_path(f"/subscriptions/{self.sub}/resourceGroups/rg1/providers/Test.Fake/{tail}").resource
        assert ref is not None
        return ref

    def put(self, tail: str) -> dict[str, Any]:
        return self.arm.put_resource(self.caller, self.ref(tail), {}, API)[1]


@pytest.fixture
def world(local: Local) -> World:
    return World(local)


def test_nested_collection_lists_only_the_parents_children(world: World) -> None:
    for tail in ("clusters/c1", "clusters/c2", "clusters/c1/pools/p1", "clusters/c2/pools/p2"):
        world.put(tail)
    listed = world.arm.list_collection(world.caller, world.ref("clusters/C1/pools"), API)
    clusters = world.arm.list_collection(world.caller, world.ref("clusters"), API)
    assert [r["name"] for r in listed] == ["p1"]
    assert [r["name"] for r in clusters] == ["c1", "c2"]
    with pytest.raises(ServiceError) as missing:
        world.arm.list_collection(world.caller, world.ref("clusters/c9/pools"), API)
    assert missing.value.code is errors.RESOURCE_NOT_FOUND


def test_deleting_a_parent_deletes_its_children(world: World) -> None:
    world.put("clusters/c1")
    world.put("clusters/c1/pools/p1")
    assert world.arm.delete_resource(world.caller, world.ref("clusters/c1"), API)
    assert world.arm.store.get(world.ref("clusters/c1/pools/p1").id) is None
    assert world.clusters.deleted_ids == [world.ref("clusters/c1").id]
    assert world.pools.deleted_ids == [world.ref("clusters/c1/pools/p1").id]  # the child released what it owned


def test_group_delete_releases_each_resource_once(world: World) -> None:
    for tail in ("clusters/c1", "clusters/c1/pools/p1", "clusters/c1/pools/p2", "clusters/c2"):
        world.put(tail)
    world.arm.delete_group(world.caller, world.sub, "rg1")
    assert world.clusters.deleted_ids == [world.ref("clusters/c1").id, world.ref("clusters/c2").id]
    assert sorted(world.pools.deleted_ids) == [world.ref(f"clusters/c1/pools/{p}").id for p in ("p1", "p2")]
    assert world.arm.store.resources(world.sub) == []


def test_a_failed_put_leaves_nothing_behind(local: Local, world: World) -> None:
    world.clusters.fail_build = True
    with pytest.raises(ServiceError):
        world.put("clusters/c1")
    ref = world.ref("clusters/c1")
    assert world.arm.store.get(ref.id) is None
    assert local.emulator.directory.managed_identity(ref.id) is None  # the side effect was rolled back
    assert world.clusters.stored_ids == []


def test_a_failed_group_delete_changes_nothing(local: Local, world: World) -> None:
    world.put("clusters/c1")
    world.put("clusters/c2")
    world.clusters.fail_delete = True
    with pytest.raises(RuntimeError):
        world.arm.delete_group(world.caller, world.sub, "rg1")
    group = world.arm.get_group(world.caller, world.sub, "rg1")
    assert group.name == "rg1"
    assert [r.name for r in world.arm.store.resources(world.sub, group="rg1")] == ["c1", "c2"]
