"""Node identities and Node objects are written when they change, not each time the data dir is opened."""

from __future__ import annotations

from pathlib import Path

from pullproof.app import Emulator, Endpoints
from pullproof.core.clock import ManualClock
from pullproof.settings import Settings
from tests.aks.support import cluster_of, create_cluster
from tests.conftest import DIRECT, make_local


def _nodes(emulator: Emulator) -> list[tuple[str, str, str, str]]:
    return [(r["name"], r["salt"], r["digest"], r["identities"])
            for r in emulator.db.query("SELECT * FROM nodes ORDER BY name")]


def test_reopening_a_data_dir_keeps_node_rows_and_objects(tmp_path: Path) -> None:
    local = make_local(tmp_path)
    resource = create_cluster(local, "aks-reopen")
    rows, version = _nodes(local.emulator), cluster_of(local, resource).tracker.resource_version
    assert len(rows) == 2
    local.emulator.close()
    again = Emulator(Settings(data_dir=tmp_path / "data"), Endpoints(DIRECT, "http://127.0.0.1:8080"),
                     clock=ManualClock(local.clock.now()))
    try:
        assert _nodes(again) == rows  # same salts: nothing rewritten
        live = again.clusters.get(resource["id"])
        assert live is not None and live.tracker.resource_version == version  # no Node object rewritten
    finally:
        again.close()


def test_a_node_whose_identity_row_is_gone_gets_it_back(tmp_path: Path) -> None:
    local = make_local(tmp_path)
    create_cluster(local, "aks-lost")
    name = _nodes(local.emulator)[0][0]
    local.emulator.directory.delete_node(name)
    local.emulator.close()
    again = Emulator(Settings(data_dir=tmp_path / "data"), Endpoints(DIRECT, "http://127.0.0.1:8080"),
                     clock=ManualClock(local.clock.now()))
    try:
        assert name in [row[0] for row in _nodes(again)]
    finally:
        again.close()
