"""The shared ChunkStore contract (tests/index/contract.py) run on the `postgres` store."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from essbot.index.postgres import PostgresStore

contract = pytest.importorskip("tests.index.contract", reason="contract tests of the store protocol absent")


@pytest.fixture
def factory(postgres_url: str) -> Iterator[Callable[[], PostgresStore]]:
    """New handles on one database, as several processes would open it."""
    opened: list[PostgresStore] = []

    def open_store() -> PostgresStore:
        opened.append(PostgresStore.open(postgres_url, contract.MODEL, contract.DIM))
        return opened[-1]

    yield open_store
    for store in opened:
        store.close()


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda check: check.__name__)
def test_contract(check: Callable[[Callable[[], PostgresStore]], None], factory: Callable[[], PostgresStore]) -> None:
    check(factory)
