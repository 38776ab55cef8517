"""The data dir's timeline: restarts continue it, readers share it, a new speed-up never runs it backwards."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pullproof.db.engine import Database
from pullproof.db.timeline import shared_clock


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return Database(tmp_path / "pullproof.db")


def test_a_new_data_dir_starts_at_wall_time_and_scale_one(db: Database) -> None:
    clock = shared_clock(db, None)
    assert clock.scale == 1.0
    assert abs(clock.now() - time.time()) < 1


def test_a_restart_and_a_reader_continue_the_sped_up_timeline(db: Database, tmp_path: Path) -> None:
    server = shared_clock(db, 1000.0)
    time.sleep(0.05)  # 50 emulated seconds
    ahead = server.now() - time.time()
    assert ahead > 40
    reader = shared_clock(Database(tmp_path / "pullproof.db"), None)  # another process: explain, check-acr
    restarted = shared_clock(db, 1000.0)
    for clock in (reader, restarted):
        assert clock.scale == 1000.0
        assert abs(clock.now() - server.now()) < 5  # the same "now" (a few ms of wall time apart, times 1000)
        assert clock.origins == server.origins


def test_a_new_speed_up_starts_a_segment_at_the_current_emulated_time(db: Database) -> None:
    fast = shared_clock(db, 1000.0)
    time.sleep(0.05)
    before = fast.now()
    slow = shared_clock(db, 1.0)
    assert slow.scale == 1.0
    assert slow.now() >= before  # never backwards
    assert slow.now() - time.time() > 40  # the emulated time gained at 1000x is kept
    assert shared_clock(db, None).origins == slow.origins


def test_real_maps_emulated_time_back_to_the_wall(db: Database) -> None:
    clock = shared_clock(db, 30.0)
    emulated_hour_later = clock.now() + 3600
    assert abs(clock.real(emulated_hour_later) - (time.time() + 120)) < 1
