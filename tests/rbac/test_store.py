"""The assignment store at scale: ``check`` uses the principal+scope index and never scans the table."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pullproof.core.clock import ManualClock
from pullproof.core.trace import TraceSink
from pullproof.db.engine import Database
from pullproof.rbac.models import RoleAssignment
from pullproof.rbac.service import RbacService, load_builtin_roles
from pullproof.rbac.store import AssignmentStore

SUB = "/subscriptions/00000000-1111-4222-8333-444444444444"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
TARGET = "00000000-aaaa-4aaa-8aaa-000000000000"
REGISTRY = f"{SUB}/resourceGroups/rg7/providers/Microsoft.ContainerRegistry/registries/acr7"
PULL = "Microsoft.ContainerRegistry/registries/pull/read"


class Nobody:
    def principal_exists(self, object_id: str) -> str | None:
        return None


def fill(store: AssignmentStore, count: int) -> None:
    """``count`` assignments of other principals over 50 groups, plus the target's AcrPull on one registry."""
    with store.db.tx():
        for i in range(count):
            scope = f"{SUB}/resourceGroups/rg{i % 50}/providers/Microsoft.ContainerRegistry/registries/acr{i % 50}"
            store.add(RoleAssignment(f"{i:08d}-0000-4000-8000-000000000000", scope, ACR_PULL, ACR_PULL,
                                     f"{i:08d}-bbbb-4bbb-8bbb-000000000000", "ServicePrincipal", 0.0, 0.0))
        store.add(RoleAssignment("ffffffff-0000-4000-8000-000000000000", REGISTRY, ACR_PULL, ACR_PULL, TARGET,
                                 "ServicePrincipal", 0.0, 0.0))


@pytest.fixture
def make_service(tmp_path: Path) -> Iterator[Callable[[int], tuple[RbacService, sqlite3.Connection]]]:
    opened: list[Database] = []

    def make(count: int) -> tuple[RbacService, sqlite3.Connection]:
        db = Database(tmp_path / f"rbac-{count}.db")
        opened.append(db)
        clock = ManualClock()
        service = RbacService(AssignmentStore(db), load_builtin_roles(), Nobody(), clock,
                              TraceSink(db, clock, batch=1_000_000), "tenant")
        fill(service.store, count)
        return service, db.connection()

    yield make
    for db in opened:
        db.close()


def statements(conn: sqlite3.Connection, action: Callable[[], object]) -> list[str]:
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        action()
    finally:
        conn.set_trace_callback(None)
    return [sql for sql in seen if "role_assignments" in sql]


def vm_steps(conn: sqlite3.Connection, action: Callable[[], object]) -> int:
    """SQLite virtual-machine instructions spent by ``action`` (counted, not timed)."""
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0

    conn.set_progress_handler(tick, 1)
    try:
        action()
    finally:
        conn.set_progress_handler(None, 1)
    return steps[0]


def test_check_searches_the_principal_index(make_service: Callable[[int], tuple[RbacService, sqlite3.Connection]],
                                            ) -> None:
    service, conn = make_service(2000)
    queries = statements(conn, lambda: service.check(TARGET, PULL, REGISTRY))
    assert len(queries) == 1
    plan = [row["detail"] for row in conn.execute("EXPLAIN QUERY PLAN " + queries[0])]
    assert any("USING INDEX role_assignments_principal (principal_id=? AND scope_key=?)" in d for d in plan), plan
    assert not any(d.startswith("SCAN role_assignments") for d in plan), plan


def test_check_costs_the_same_with_many_more_assignments(
        make_service: Callable[[int], tuple[RbacService, sqlite3.Connection]]) -> None:
    small, small_conn = make_service(20)
    large, large_conn = make_service(20_000)
    assert small.check(TARGET, PULL, REGISTRY).allowed and large.check(TARGET, PULL, REGISTRY).allowed
    few = vm_steps(small_conn, lambda: small.check(TARGET, PULL, REGISTRY))
    many = vm_steps(large_conn, lambda: large.check(TARGET, PULL, REGISTRY))
    assert many <= few + 20, (few, many)  # a table scan would cost thousands of steps more
    scan = vm_steps(large_conn, lambda: large.store.under("/"))
    assert scan > 100 * many


def test_other_lookups_use_indexes(make_service: Callable[[int], tuple[RbacService, sqlite3.Connection]]) -> None:
    service, conn = make_service(500)
    for action in (lambda: service.store.for_principal(TARGET), lambda: service.list_at_or_above(REGISTRY),
                   lambda: service.store.duplicate_of(REGISTRY, ACR_PULL, TARGET, None)):
        [query] = statements(conn, action)
        plan = [row["detail"] for row in conn.execute("EXPLAIN QUERY PLAN " + query)]
        assert not any(d.startswith("SCAN role_assignments") for d in plan), (query, plan)
