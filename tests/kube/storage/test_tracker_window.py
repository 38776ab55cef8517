"""What a cluster keeps for watches: a history window bounded by events and bytes (sharing the
stored objects), the 410 for versions before it, and per-watcher buffers that close a watcher
which stops reading."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from pullproof.core.clock import ManualClock
from pullproof.core.ids import SeededIds
from pullproof.core.sealing import Sealer
from pullproof.db.engine import Database
from pullproof.kube.apiserver.selectors import label_selector
from pullproof.kube.apiserver.watch import WatchRequest, WatchStream
from pullproof.kube.storage import resources
from pullproof.kube.storage.store import KubeStore
from pullproof.kube.storage.tracker import HISTORY_BYTES, Limits, Tracker
from pullproof.kube.storage.watchers import WATCH_BUFFER_BYTES
from tests.conftest import Local
from tests.kube.api_support import api

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
MIB = 1024 * 1024


def _tracker(tmp_path: Path, limits: Limits | None = None) -> Tracker:
    store = KubeStore(Database(tmp_path / "kube.db"), Sealer(tmp_path / "seal.key"))
    return Tracker("c1", store, ManualClock(), SeededIds(3), limits)


def _configmap(name: str, value: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": value}}


def test_250_updates_of_a_900kb_configmap_keep_memory_bounded(tmp_path: Path) -> None:
    tracker = _tracker(tmp_path)
    tracker.create("configmaps", "default", _configmap("big", "a" * 900_000))
    first = tracker.resource_version
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        for index in range(250):
            tracker.update("configmaps", "default", _configmap("big", f"{index:03d}" + "b" * 900_000))
        grown = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    events, kept = tracker.history
    assert kept <= HISTORY_BYTES and HISTORY_BYTES // 900_200 <= events <= HISTORY_BYTES // 900_000
    assert grown < HISTORY_BYTES + 4 * MIB, f"{grown / MIB:.0f} MiB kept after 250 updates of 900 KB"
    assert tracker.oldest == first + 250 - events


def test_watch_and_continue_from_before_the_window_are_410(local: Local) -> None:
    with api(local) as k:
        for name in ("a", "small"):
            k.post(CONFIGMAPS, _configmap(name, "s"))
        page = k.get(f"{CONFIGMAPS}?limit=1").json()["metadata"]
        assert k.post(CONFIGMAPS, _configmap("big", "0" * (MIB - 1))).status_code == 201
        first = int(page["resourceVersion"])
        for index in range(40):  # 40 MiB of updates push the first versions out of the 32 MiB window
            assert k.patch(f"{CONFIGMAPS}/big", {"data": {"k": str(index % 10) * (MIB - 1)}}).status_code == 200
        assert k.tracker.history[1] <= HISTORY_BYTES
        oldest = k.tracker.oldest
        gone = k.get(f"{CONFIGMAPS}?watch=true&resourceVersion={first}").text.splitlines()
        assert [json.loads(line) for line in gone] == [{"type": "ERROR", "object": {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": f"too old resource version: {first} ({oldest})", "reason": "Expired", "code": 410}}]
        expired = k.get(f"{CONFIGMAPS}?limit=1&continue={page['continue']}")
        body = expired.json()
        assert (expired.status_code, body["reason"], body["code"]) == (410, "Expired", 410)
        assert body["message"].startswith("The provided continue parameter is too old to display a consistent list")
        rest = k.get(f"{CONFIGMAPS}?limit=5&continue={body['metadata']['continue']}").json()
        assert [c["metadata"]["name"] for c in rest["items"]] == ["big", "small"]  # after "a", at the latest


def test_history_is_bounded_by_events_and_watches_resume_inside_it(tmp_path: Path) -> None:
    tracker = _tracker(tmp_path, Limits(history_events=10))
    for index in range(25):
        tracker.create("configmaps", "default", _configmap(f"c{index}", "v"))
    assert tracker.history[0] == 10 and tracker.oldest == 15

    async def replay(since: int) -> list[int]:
        watcher = tracker.watch("configmaps", "default", since)
        tracker.stop(watcher)
        return [e.rv for e in watcher.pending]

    assert asyncio.run(replay(15)) == list(range(16, 26))
    with pytest.raises(Exception, match=r"too old resource version: 14 \(15\)"):
        asyncio.run(replay(14))


def test_events_share_the_stored_objects_and_deletes_do_not_rewrite_history(tmp_path: Path) -> None:
    tracker = _tracker(tmp_path)
    tracker.create("configmaps", "default", _configmap("c", "x" * 1000))
    tracker.update("configmaps", "default", _configmap("c", "y" * 1000))
    tracker.delete("configmaps", "default", "c")

    async def replay() -> list[tuple[str, str, str]]:
        watcher = tracker.watch("configmaps", "default", 0)
        tracker.stop(watcher)
        return [(e.type, e.obj["metadata"]["resourceVersion"], e.obj["data"]["k"][0]) for e in watcher.pending]

    assert asyncio.run(replay()) == [("ADDED", "1", "x"), ("MODIFIED", "2", "y"), ("DELETED", "3", "y")]
    events, kept = tracker.history
    assert events == 3 and 3000 < kept < 3600  # each event counts its object once


def test_a_watcher_that_never_reads_is_closed_and_releases_its_buffer(tmp_path: Path) -> None:
    tracker = _tracker(tmp_path)
    tracker.create("configmaps", "default", _configmap("big", ""))

    async def run() -> None:
        stalled = tracker.watch("configmaps", "default", None)
        reader = tracker.watch("configmaps", "default", None)
        received = 0
        for index in range(WATCH_BUFFER_BYTES // MIB + 2):
            tracker.update("configmaps", "default", _configmap("big", str(index % 10) * (MIB - 64)))
            event = await reader.next(asyncio.get_running_loop().time() + 5)
            received += event is not None
        assert (stalled.closed, stalled.overflowed, stalled.buffered, stalled.buffered_bytes) == (True, True, 0, 0)
        assert not reader.closed and received == WATCH_BUFFER_BYTES // MIB + 2
        assert tracker.watchers == 1
        assert await stalled.next(asyncio.get_running_loop().time() + 5) is None
        tracker.stop(reader)

    asyncio.run(run())


def test_the_watch_stream_of_an_overflowed_watcher_ends(tmp_path: Path) -> None:
    tracker = _tracker(tmp_path, Limits(watch_events=3))
    tracker.create("configmaps", "default", _configmap("c", "0"))
    rtype = resources.by_key("configmaps")
    assert rtype is not None
    request = WatchRequest(rtype, "default", label_selector(""), None, 1800.0)

    async def run() -> list[str]:
        stream = WatchStream(tracker, request, lambda: 1_800_000_000.0)
        events = stream.events()
        first = json.loads(await events.__anext__())  # the watcher exists now; stop reading
        for index in range(5):
            tracker.update("configmaps", "default", _configmap("c", str(index + 1)))
        rest = [json.loads(line) async for line in events]
        return [first["type"], *(e["type"] for e in rest)]

    assert asyncio.run(asyncio.wait_for(run(), 30)) == ["ADDED"]
    assert tracker.watchers == 0
