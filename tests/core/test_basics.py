from __future__ import annotations

from pathlib import Path

import pytest

from pullproof.core.clock import ManualClock, SystemClock, isoformat, parse_time
from pullproof.core.errors import ErrorRegistry, ServiceError
from pullproof.core.hashing import digest_password, digest_secret, matches, new_salt
from pullproof.core.ids import RandomIds, SeededIds
from pullproof.settings import Settings


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(100.0)
    assert clock.now() == 100.0
    clock.advance(10)
    assert clock.now() == 110.0


def test_system_clock_scale_must_be_positive() -> None:
    with pytest.raises(ValueError):
        SystemClock(0)
    assert SystemClock(60).now() > 0


def test_timestamps_round_trip() -> None:
    assert isoformat(0) == "1970-01-01T00:00:00.0000000Z"
    assert parse_time("2026-11-27T17:42:19.1234567Z") == pytest.approx(parse_time("2026-11-27T17:42:19.123456Z"))
    assert parse_time("2026-11-27T17:42:19+00:00") == parse_time("2026-11-27T17:42:19Z")


def test_seeded_ids_are_deterministic_and_random_ids_are_not() -> None:
    assert SeededIds(3).guid() == SeededIds(3).guid()
    assert RandomIds().guid() != RandomIds().guid()
    secret = RandomIds().secret(40)
    assert len(secret) == 40


@pytest.mark.parametrize("ids", [RandomIds(), SeededIds(7)], ids=["random", "seeded"])
def test_secrets_never_start_like_a_command_line_option(ids: RandomIds | SeededIds) -> None:
    made = [ids.secret() for _ in range(400)]  # about 3 in 100 would start with "-" if the first were unrestricted
    assert all(s[0].isalnum() for s in made)
    assert any("-" in s or "~" in s or "." in s or "_" in s for s in made)
    assert len(set(made)) == len(made)


def test_secrets_and_passwords_are_salted_digests() -> None:
    salt = new_salt()
    digest = digest_secret("s3cret", salt)
    assert "s3cret" not in digest and matches(digest_secret("s3cret", salt), digest)
    assert digest_secret("s3cret", new_salt()) != digest
    assert matches(digest_password("pw", salt), digest_password("pw", salt))


def test_error_registry_rejects_duplicates_and_renders_templates() -> None:
    registry = ErrorRegistry("x", "X")
    code = registry.register("k", "Code", 400, "Thing '{name}' is bad.", "why")
    with pytest.raises(ValueError):
        registry.register("k", "Code", 400, "again", "why")
    error = ServiceError(code, name="a")
    assert error.message == "Thing 'a' is bad." and error.status == 400


def test_settings_read_environment_and_flags_win(tmp_path: Path) -> None:
    env = {"PULLPROOF_PORT": "9443", "PULLPROOF_DATA_DIR": str(tmp_path), "PULLPROOF_TIME_SCALE": "2.5"}
    settings = Settings.from_env(env, port=7443)
    assert settings.port == 7443 and settings.data_dir == tmp_path and settings.time_scale == 2.5
