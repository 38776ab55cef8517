"""guid() and uniqueString() against every test vector of the reference (§1.1, §1.2)."""

from __future__ import annotations

import pytest

from pullproof.iac.hashes import guid, murmur64, template_hash, unique_string

GUIDS = [
    (("foo", "bar", "baz"), "2ed86837-7c7c-5eaa-9864-dd077fd19b0d"),
    (("asdf",), "228d27cc-6fdb-5934-b7ac-1efccebade04"),
    (("hello", "world"), "a5b868f8-11fe-567a-ace0-e77cc87f104e"),
    (("hello-world",), "a5b868f8-11fe-567a-ace0-e77cc87f104e"),
    (("world", "hello"), "b1db13b3-4ca6-5782-bf9e-8495c3532f9d"),
    (("11111111-1111-1111-1111-111111111111",), "b9ad9ff7-bd61-59bf-9806-3f2c95fc3c4f"),
    (("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-aks-demo",),
     "95882114-5240-5787-be45-dcc4b7e299f7"),
    (("ü",), "8d599bba-b377-5498-bc4f-38fe1f1327ee"),
    (("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-aks-demo/providers/"
      "Microsoft.ContainerRegistry/registries/acraksdemo", "22222222-2222-2222-2222-222222222222", "AcrPull"),
     "5246b77b-89d2-5810-952a-5879ad9175b5"),
    (("/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/rg-aks-demo/providers/"
      "microsoft.containerregistry/registries/acraksdemo", "22222222-2222-2222-2222-222222222222", "AcrPull"),
     "59d1e937-5624-5584-b55f-4229b7d17209"),
]

UNIQUE = [
    (("snap", "crackle", "pop"), "byghxckddilkc"),
    (("asd", "asdf", "asdf"), "iizpqit7ih3cc"),
    (("aaa",), "zavj67f3en4hc"),
    (("bbb",), "w5eragfxe33cy"),
    (("zzz",), "cryksdzzzawae"),
    (("xxx", "yyy", "zzz"), "lghi7k5js7itq"),
    (("/subscriptions/00000000-0000-0000-0000-000000000000", "resource-id"), "cwvxuqg24sifi"),
    (("test",), "rbgf3xv4ufgzg"),
    (("hello", "world"), "a7wkljktk6wne"),
    (("hello-world",), "a7wkljktk6wne"),
    (("abc",), "cgtzqvhu4i23s"),
    (("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg",), "bmg7c6xu4tw46"),
    (("foo", "bar", "baz"), "xzi4ioaxtmth4"),
    (("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-aks-demo",), "llxbkap6fn6vg"),
    (("11111111-1111-1111-1111-111111111111",), "6zbart53pjzem"),
    (("",), "aaaaaaaaaaaaa"),
    (("aksAcrRole", "main"), "3e633oju55yc4"),
]


@pytest.mark.parametrize(("args", "expected"), GUIDS)
def test_guid_vectors(args: tuple[str, ...], expected: str) -> None:
    assert guid(*args) == expected


@pytest.mark.parametrize(("args", "expected"), UNIQUE)
def test_unique_string_vectors(args: tuple[str, ...], expected: str) -> None:
    assert unique_string(*args) == expected


def test_guid_is_version_5_and_joins_with_dashes() -> None:
    value = guid("a", "b")
    assert value == guid("a-b") and value[14] == "5" and value[19] in "89ab"


def test_murmur_tail_lengths_all_reach_both_lanes() -> None:
    seen = {murmur64(b"x" * n) for n in range(17)}
    assert len(seen) == 17
    assert all(0 <= v < 2**64 for v in seen)


def test_template_hash_is_stable_and_key_order_free() -> None:
    assert template_hash({"a": 1, "b": [1, 2]}) == template_hash({"b": [1, 2], "a": 1})
    assert template_hash({"a": 1}) != template_hash({"a": 2})
