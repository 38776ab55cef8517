"""Watch streams: initial ADDED events, resourceVersion semantics, selectors, Tables, 410."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from pullproof.kube.apiserver.selectors import label_selector
from pullproof.kube.apiserver.watch import WatchRequest, WatchStream
from pullproof.kube.storage import resources
from pullproof.kube.storage.tracker import Tracker
from tests.conftest import Local
from tests.kube.api_support import TABLE, api, pod

PODS = resources.find("", "v1", "pods")
assert PODS is not None


def _collect(tracker: Tracker, request: WatchRequest, writes: Any = None) -> list[dict[str, Any]]:
    async def run() -> list[dict[str, Any]]:
        stream = WatchStream(tracker, request, lambda: 1_800_000_000.0)
        lines: list[dict[str, Any]] = []

        async def consume() -> None:
            async for chunk in stream.events():
                lines.append(json.loads(chunk))

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.05)
        if writes:
            writes()
        await task
        return lines

    return asyncio.run(run())


def _request(since: int | None, selector: str = "", table: str | None = None, bookmarks: bool = False) -> WatchRequest:
    assert PODS is not None
    return WatchRequest(PODS, "default", label_selector(selector), since, 0.2, table, "Metadata", bookmarks)


def test_watch_from_zero_lists_current_objects_then_follows(local: Local) -> None:
    with api(local) as k:
        k.post("/api/v1/namespaces/default/pods", pod("a"))

        def writes() -> None:
            k.tracker.create("pods", "default", {"metadata": {"name": "b", "labels": {"app": "guestbook"}}})
            k.tracker.delete("pods", "default", "a")

        events = _collect(k.tracker, _request(None), writes)
        assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
            ("ADDED", "a"), ("ADDED", "b"), ("DELETED", "a")]
        assert events[0]["object"]["kind"] == "Pod"


def test_watch_after_a_resource_version_replays_history_and_ends_with_a_bookmark(local: Local) -> None:
    with api(local) as k:
        rv = k.tracker.resource_version
        k.post("/api/v1/namespaces/default/pods", pod("a"))
        current = k.tracker.get("pods", "default", "a")
        current["metadata"]["labels"]["x"] = "y"
        k.tracker.update("pods", "default", current)
        events = _collect(k.tracker, _request(rv, bookmarks=True))
        assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "BOOKMARK"]
        assert events[-1]["object"]["metadata"]["resourceVersion"] == str(k.tracker.resource_version)


def test_objects_leaving_the_selection_are_deleted_events(local: Local) -> None:
    with api(local) as k:
        k.post("/api/v1/namespaces/default/pods", pod("a"))
        rv = k.tracker.resource_version

        def writes() -> None:
            current = k.tracker.get("pods", "default", "a")
            current["metadata"]["labels"] = {"app": "other"}
            k.tracker.update("pods", "default", current)

        events = _collect(k.tracker, _request(rv, "app=guestbook"), writes)
        assert [(e["type"], e["object"]["metadata"]["labels"]["app"]) for e in events] == [("DELETED", "other")]


def test_table_watch_sends_one_row_tables_with_headers_once(local: Local) -> None:
    with api(local) as k:
        k.post("/api/v1/namespaces/default/pods", pod("a"))
        k.post("/api/v1/namespaces/default/pods", pod("b"))
        events = _collect(k.tracker, _request(None, table="v1"))
        assert [e["object"]["kind"] for e in events] == ["Table", "Table"]
        assert events[0]["object"]["columnDefinitions"] and events[1]["object"]["columnDefinitions"] == []
        assert events[1]["object"]["rows"][0]["cells"][:3] == ["b", "0/1", "Pending"]


def test_too_old_resource_version_is_an_expired_error_event(local: Local) -> None:
    with api(local) as k:
        k.post("/api/v1/namespaces/default/pods", pod("a"))
        stale = Tracker(k.tracker.cluster, k.tracker.store, k.tracker.clock, k.tracker.ids)  # a restarted server
        stale.create("configmaps", "default", {"metadata": {"name": "c"}})
        expired = _collect(stale, _request(1))
        assert expired[0]["type"] == "ERROR"
        status = expired[0]["object"]
        assert (status["code"], status["reason"]) == (410, "Expired")
        assert status["message"].startswith("too old resource version: 1 (")


def test_watch_over_http_with_timeout_and_table_accept(local: Local) -> None:
    with api(local) as k:
        k.post("/api/v1/namespaces/default/pods", pod("a"))
        response = k.get("/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1", {"Accept": TABLE})
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        lines = [json.loads(line) for line in response.text.splitlines()]
        assert [(e["type"], e["object"]["rows"][0]["cells"][0]) for e in lines] == [("ADDED", "a")]


@pytest.mark.parametrize("flag", ["True", "t", "1", "TRUE", "yes"])
def test_watch_flag_is_parsed_as_apimachinery_parses_query_booleans(local: Local, flag: str) -> None:
    """The official Python client sends ``watch=True``: a watch, as apimachinery reads a query flag (anything
    but ``0`` and ``false``)."""
    with api(local) as k:
        k.post("/api/v1/namespaces/default/pods", pod("a"))
        response = k.get(f"/api/v1/namespaces/default/pods?watch={flag}&timeoutSeconds=1&allowWatchBookmarks={flag}")
        lines = [json.loads(line) for line in response.text.splitlines()]
        assert [(e["type"], e["object"]["metadata"].get("name")) for e in lines][:1] == [("ADDED", "a")]
        assert {e["type"] for e in lines[1:]} <= {"BOOKMARK"}


@pytest.mark.parametrize("flag", ["false", "FALSE", "0"])
def test_a_false_watch_flag_lists(local: Local, flag: str) -> None:
    with api(local) as k:
        k.post("/api/v1/namespaces/default/pods", pod("a"))
        listed = k.get(f"/api/v1/namespaces/default/pods?watch={flag}").json()
        assert listed["kind"] == "PodList" and [p["metadata"]["name"] for p in listed["items"]] == ["a"]
