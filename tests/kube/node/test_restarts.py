"""The kubelet's crash back-off: 10 s doubling to 300 s, forgotten once a container ran 10 minutes."""

from __future__ import annotations

import pytest

from pullproof.kube.node.restarts import CrashBackoff, crash_message, go_duration, wants_restart

POD = {"metadata": {"name": "web", "namespace": "default", "uid": "u-1"}, "spec": {}}


@pytest.mark.parametrize(("seconds", "text"), [(10, "10s"), (40, "40s"), (80, "1m20s"), (160, "2m40s"),
                                               (300, "5m0s"), (3600, "1h0m0s")])
def test_go_duration(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text


def test_crash_message_is_the_kubelets() -> None:
    assert crash_message(20, "app", POD) == "back-off 20s restarting failed container=app pod=web_default(u-1)"


@pytest.mark.parametrize(("policy", "code", "restart"), [
    (None, 0, True), ("Always", 1, True), ("OnFailure", 0, False), ("OnFailure", 2, True), ("Never", 1, False)])
def test_restart_policy(policy: str | None, code: int, restart: bool) -> None:
    assert wants_restart({"spec": {"restartPolicy": policy}}, code) is restart


def test_periods_double_to_the_cap() -> None:
    backoff, key, now, periods = CrashBackoff(), ("u-1", "app"), 0.0, []
    assert backoff.blocked(key, now, now) is None  # the first exit restarts at once
    backoff.next(key, now, now)
    for _ in range(7):
        finished = now + 1  # each instance runs one second
        period = backoff.blocked(key, finished, finished)
        assert period is not None
        periods.append(period)
        assert backoff.blocked(key, finished, finished + period - 0.001) == period
        assert backoff.blocked(key, finished, finished + period) is None
        now = finished + period
        backoff.next(key, finished, now)
    assert periods == [10, 20, 40, 80, 160, 300, 300]


def test_a_container_that_ran_ten_minutes_starts_over_at_ten_seconds() -> None:
    backoff, key = CrashBackoff(), ("u-1", "app")
    backoff.next(key, 0, 0)
    backoff.next(key, 1, 11)
    assert backoff.blocked(key, 12, 12) == 20
    assert backoff.blocked(key, 11 + 600, 11 + 600) == 20  # exactly twice the cap: still remembered
    assert backoff.blocked(key, 11 + 601, 11 + 601) is None
    backoff.next(key, 11 + 601, 11 + 601)
    assert backoff.blocked(key, 11 + 602, 11 + 602) == 10
