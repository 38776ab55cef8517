"""Init scripts that wait for a Service (``until nc -z HOST PORT; do ...; done``): the loop's parsing, what
counts as reachable, and a pod held at ``Init:0/1`` until the Service has a ready endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from pullproof.kube.apiserver.logs import read_log
from pullproof.kube.node.lifetimes import interpret
from pullproof.kube.node.waits import Loop, reachable, until_loop
from tests.aks.support import step
from tests.conftest import Local
from tests.kube.node.test_container_lifecycle import _cluster, _get
from tests.kube.node.test_init_containers import _c, _column, _pod

WAIT = "until nc -zv db 5432; do echo waiting for db; sleep 2; done; echo db is up"


@pytest.mark.parametrize(("script", "loop"), [
    (WAIT, Loop("db", 5432, "echo waiting for db; sleep 2", "echo db is up")),
    ("until nc -z -w 1 db.data.svc.cluster.local 80; do sleep 1; done", Loop("db.data.svc.cluster.local", 80,
                                                                               "sleep 1", "")),
    ("until nc db 80; do sleep 1; done", None),  # not a port scan: a real client that waits for input
    ("until curl db; do sleep 1; done", None),
    ("echo hi", None),
])
def test_the_leading_until_loop_of_a_script(script: str, loop: Loop | None) -> None:
    assert until_loop(script) == loop


def test_a_waiting_program_prints_its_loop_and_keeps_the_rest() -> None:
    program = interpret(["sh", "-c", WAIT], 0.0)
    assert program.duration is None and program.wait is not None
    assert (program.wait.output, program.wait.period) == ("waiting for db\n", 2.0)
    assert program.wait.rest.log(0.0) == "db is up\n" and program.wait.rest.exit_code == 0


def test_a_service_is_reachable_by_its_names_once_an_endpoint_is_ready(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    assert not reachable(cluster.tracker, "default", "db", 5432)  # no such Service
    cluster.tracker.create("services", "default", {"metadata": {"name": "db"}, "spec": {"ports": [{"port": 5432}]}})
    assert not reachable(cluster.tracker, "default", "db", 5432)  # no endpoint
    cluster.tracker.create("endpoints", "default", {"metadata": {"name": "db"}, "subsets": [
        {"addresses": [{"ip": "10.244.0.9"}], "ports": [{"port": 5432}]}]})
    for host in ("db", "db.default", "db.default.svc", "db.default.svc.cluster.local"):
        assert reachable(cluster.tracker, "other", host, 5432) is (host != "db")  # a short name is per namespace
        assert reachable(cluster.tracker, "default", host, 5432)
    assert not reachable(cluster.tracker, "default", "db", 80)  # a port the Service does not have
    assert not reachable(cluster.tracker, "default", "db.default.example.com", 5432)


def test_an_init_container_waits_until_the_service_answers(local: Local, tmp_path: Path) -> None:
    cluster = _cluster(local, tmp_path)
    _pod(cluster, "app", [_c("wait-for-db", WAIT)], [_c("app", "sleep infinity")])
    step(local)
    step(local, 30)
    pod = _get(cluster, "app")
    assert _column(local, pod) == "Init:0/1"
    waited = read_log(cluster.tracker, "default", "app", {"container": "wait-for-db"})
    assert waited.startswith("waiting for db\nwaiting for db\n")
    cluster.tracker.create("services", "default", {"metadata": {"name": "db"}, "spec": {"ports": [{"port": 5432}]}})
    cluster.tracker.create("endpoints", "default", {"metadata": {"name": "db"}, "subsets": [
        {"addresses": [{"ip": "10.244.0.9"}], "ports": [{"port": 5432}]}]})
    step(local, 15)
    step(local, 15)
    pod = _get(cluster, "app")
    assert pod["status"]["phase"] == "Running", pod["status"]
    log = read_log(cluster.tracker, "default", "app", {"container": "wait-for-db"})
    assert log.startswith("waiting for db\n") and log.endswith("db is up\n")
