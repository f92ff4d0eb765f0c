"""The background re-index on the local store: one upload writes only its document, and the store in service
answers all along."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from essbot.index.embeddings import EssbotEmbedding
from essbot.server.reindex import Reindexer
from tests.data.make_fixtures import write_markdown
from tests.server.conftest import Corpus, live_copy


def row_ids(index: Path) -> dict[str, int]:
    """Chunk id -> SQLite row id: a rewritten chunk gets a new row id."""
    with sqlite3.connect(index / "store.sqlite") as connection:
        return dict(connection.execute("SELECT chunk_id, id FROM chunks"))


def test_upload_writes_only_its_document_while_queries_go_on(
    tmp_path: Path, api_corpus: Corpus, embedding: EssbotEmbedding
) -> None:
    served = live_copy(tmp_path, api_corpus, embedding)
    docs, index, settings, live = served.docs, served.index, served.settings, served.live
    store = live.current.retriever.store
    reindexer = Reindexer(live, settings, embedding_factory=lambda _: embedding)
    before = row_ids(index)
    answers: list[int] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            answers.append(len(live.current.retriever.search("Qui peut demander l'agrément ESUS ?", k=3)))

    asker = threading.Thread(target=ask)
    asker.start()
    write_markdown(docs / "fiche-moineau.md", "# Fonds Moineau\n\nLe fonds Moineau finance les tiers-lieux ruraux.\n")
    reindexer.request()
    assert reindexer.wait_idle(timeout=600)
    stop.set()
    asker.join()

    status = reindexer.status
    assert (status.state, status.generation) == ("succeeded", 1), status.message
    assert live.current.retriever.store is store  # the store in service was updated in place, not reopened
    after = row_ids(index)
    assert {cid: after[cid] for cid in before} == before  # no other document was rewritten
    assert set(after) - set(before)
    top = live.current.retriever.search("Qui finance les tiers-lieux ruraux ?", k=1)[0]
    assert top.chunk.source == "fiche-moineau.md"
    assert answers and min(answers) == 3  # every query during the re-index found its passages
    store.close()
