"""The pull log keeps typed records: what goes in comes back equal, stored as the dataclass fields, and
rows an earlier version wrote (``legacy_rows.json``, captured from it) read back as records whose kinds
come from their recorded steps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pullproof.db.engine import Database
from pullproof.kube.node.models import (
    CredentialAttempt,
    CredentialSource,
    Failure,
    FailureKind,
    HttpStep,
    ProviderRun,
    PullRecord,
    StepKind,
)
from pullproof.kube.node.pulllog import PullLog

LEGACY = json.loads((Path(__file__).parent / "legacy_rows.json").read_text())
CLUSTER = "/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/c"


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return Database(tmp_path / "pullproof.db")


def full_record() -> PullRecord:
    provider = ProviderRun("msi", "client-1", "uid/app/1.000/provider", (
        HttpStep(StepKind.IMDS, 200, client_id="client-1"), HttpStep(StepKind.CHALLENGE, 401, challenges=1),
        HttpStep(StepKind.EXCHANGE, 403)), Failure(FailureKind.FORBIDDEN, "token exchange: 403 Forbidden", 403))
    secret = CredentialAttempt(
        CredentialSource.PULL_SECRET, "app-id", "uid/app/1.000/0", False, "acr-auth", None, (
            HttpStep(StepKind.RESOLVE, 401, url="https://a.azurecr.io/v2/app/manifests/v1"),
            HttpStep(StepKind.TOKEN, 401, method="POST", grant="password"),
            HttpStep(StepKind.TOKEN, 401, method="GET", basic=True)),
        failure=Failure(FailureKind.UNAUTHORIZED_CREDENTIALS, "failed to authorize: …", 401))
    anonymous = CredentialAttempt(
        CredentialSource.ANONYMOUS, "", "uid/app/1.000/1", False, steps=(HttpStep(StepKind.RESOLVE, None),),
        failure=Failure(FailureKind.DNS, "dial tcp: lookup a.azurecr.io: no such host"))
    pulled = CredentialAttempt(CredentialSource.PROVIDER, "", "uid/app/1.000/2", True, identity="client-1", steps=(
        HttpStep(StepKind.PROVIDER, cached=True), HttpStep(StepKind.FETCH, 200, digest="sha256:" + "b" * 64, size=0)),
        digest="sha256:" + "b" * 64)
    return PullRecord(0, CLUSTER, "node-0", "default", "app-1", "uid", "app", "a.azurecr.io/app:v1", 1.5, True, "",
                      provider, (secret, anonymous, pulled))


def test_a_record_comes_back_equal(db: Database) -> None:
    log = PullLog(db)
    record = full_record()
    log.add(record)
    log.add(PullRecord(0, CLUSTER, "node-0", "default", "app-1", "uid", "app", "a.azurecr.io/app:v1", 2.5, False,
                       "boom", None, ()))
    latest, first = log.for_pod(CLUSTER, "default", "app-1")
    assert first.seq < latest.seq
    assert first == PullRecord(first.seq, *[getattr(record, f) for f in list(record.__dataclass_fields__)[1:]])
    assert (latest.provider, latest.attempts, latest.message) == (None, (), "boom")
    assert log.count(CLUSTER) == 2


def test_it_is_stored_as_the_dataclass_fields(db: Database) -> None:
    PullLog(db).add(full_record())
    stored = json.loads(db.query("SELECT attempts FROM pull_attempts")[0]["attempts"])
    assert sorted(stored) == ["attempts", "provider"]
    assert stored["provider"]["failure"] == {"kind": "forbidden", "message": "token exchange: 403 Forbidden",
                                             "status": 403}
    secret = stored["attempts"][0]
    assert (secret["source"], secret["secret"], secret["failure"]["kind"]) == ("pullSecret", "acr-auth",
                                                                               "unauthorized-credentials")
    assert secret["steps"][2] == {"step": "token", "status": 401, "method": "GET", "basic": True}
    assert stored["attempts"][1]["steps"] == [{"step": "resolve"}]  # no answer: no status


def insert_legacy(db: Database, row: dict[str, Any]) -> None:
    with db.tx() as conn:
        conn.execute("INSERT INTO pull_attempts (cluster, node, namespace, pod, pod_uid, container, image, at, ok, "
                     "message, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (row["cluster"], row["node"], row["namespace"], row["pod"], row["pod_uid"], row["container"],
                      row["image"], row["at"], row["ok"], row["message"], json.dumps(row["attempts"])))


def read_legacy(db: Database, case: str) -> PullRecord:
    row = LEGACY[case]
    insert_legacy(db, row)
    (record,) = PullLog(db).for_pod(row["cluster"], row["namespace"], row["pod"])
    assert (record.message, record.image, record.ok) == (row["message"], row["image"], False)
    return record


def test_an_old_row_of_a_refused_pull_secret_reads_back(db: Database) -> None:
    record = read_legacy(db, "pull-secret-wrong-password")
    assert record.provider is not None and record.provider.mode == "msi" and record.provider.exchanged
    assert record.provider.failure is not None and record.provider.failure.status == 401
    (attempt,) = record.attempts
    assert (attempt.source, attempt.secret, attempt.ok) == (CredentialSource.PULL_SECRET, "acr-auth", False)
    assert attempt.failure is not None and attempt.failure.kind is FailureKind.UNAUTHORIZED_CREDENTIALS
    assert attempt.error == LEGACY["pull-secret-wrong-password"]["attempts"][1]["error"]
    assert [s.step for s in attempt.steps] == [StepKind.RESOLVE, StepKind.TOKEN, StepKind.TOKEN]


def test_an_old_row_of_a_missing_tag_reads_back(db: Database) -> None:
    record = read_legacy(db, "image-not-found")
    assert record.provider is not None and record.provider.exchanged and record.provider.failure is None
    assert [(a.source, a.failure.kind if a.failure else None) for a in record.attempts] == [
        (CredentialSource.PROVIDER, FailureKind.NOT_FOUND),
        (CredentialSource.PROVIDER, FailureKind.UNAUTHORIZED_ANONYMOUS)]
    assert record.failed_with(FailureKind.NOT_FOUND)
    assert record.correlations == [e["correlation"] for e in LEGACY["image-not-found"]["attempts"]]


def test_the_last_pull_of_an_image_is_the_latest_by_any_pod(db: Database) -> None:
    log = PullLog(db)
    assert log.last_for_image(CLUSTER, "a.azurecr.io/app:v1") is None
    log.add(full_record())
    log.add(PullRecord(0, CLUSTER, "node-1", "web", "app-2", "uid2", "app", "a.azurecr.io/app:v1", 3.0, False,
                       "later", None, ()))
    log.add(PullRecord(0, CLUSTER, "node-1", "web", "other", "uid3", "app", "a.azurecr.io/other:v1", 4.0, True,
                       "", None, ()))
    last = log.last_for_image(CLUSTER.upper(), "a.azurecr.io/app:v1")
    assert last is not None and (last.namespace, last.pod, last.message) == ("web", "app-2", "later")
