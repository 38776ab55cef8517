"""Token scopes and repository names, as the real clients send them."""

from __future__ import annotations

from pullproof.registry.scope import Scope, parse_scopes, valid_repository


def test_repeated_and_space_joined_scopes_are_merged_per_resource() -> None:
    # containerd and oras send one space-joined value; skopeo and az repeat the parameter
    scopes = parse_scopes(["repository:team/app:pull repository:base:pull", "repository:team/app:push,pull"])
    assert scopes == [Scope("repository", "team/app", ("pull", "push")), Scope("repository", "base", ("pull",))]


def test_catalog_and_metadata_scopes_render_back() -> None:
    scopes = parse_scopes(["registry:catalog:*", "repository:app:delete,metadata_read"])
    assert [s.render() for s in scopes] == ["registry:catalog:*", "repository:app:delete,metadata_read"]


def test_malformed_scopes_are_ignored() -> None:
    assert parse_scopes(["", "repository", "repository:app", ":app:pull", "repository::pull"]) == []
    assert parse_scopes(["repository:app:"]) == [Scope("repository", "app", ())]


def test_names_with_a_port_like_colon_keep_the_last_colon_for_actions() -> None:
    assert parse_scopes(["repository:localhost:5000/app:pull"]) == [
        Scope("repository", "localhost:5000/app", ("pull",))]


def test_repository_grammar() -> None:
    for good in ("app", "team/app", "a.b_c__d-e", "a--b", "x" * 255, "0/1/2"):
        assert valid_repository(good), good
    for bad in ("App", "app/", "/app", "a..b", "a_-b", "-a", "a-", "x" * 256, "a//b", "a b", ""):
        assert not valid_repository(bad), bad
