"""Queries of concurrent requests are encoded in one batch, with the same vectors as one by one."""

from __future__ import annotations

import threading
import time

import numpy as np

from essbot.index.embeddings import EssbotEmbedding

QUERIES = [
    "Qui délivre l'agrément ESUS ?",
    "Qu'est-ce qu'une SCIC ?",
    "Le SPASER est-il obligatoire ?",
    "Comment créer un PTCE ?",
    "Quelles aides pour une recyclerie ?",
    "Qu'est-ce que le dispositif local d'accompagnement ?",
]


def test_concurrent_queries_share_one_model_call(embedding: EssbotEmbedding) -> None:
    alone = [embedding.encode_query(query) for query in QUERIES]
    embedding.forget_recent_queries()  # encoded again, not read from the recent queries
    results: dict[int, np.ndarray] = {}
    calls_before = embedding._query_batches
    # The model is busy (as with another request's query): the queries arriving meanwhile wait together.
    with embedding._lock:
        workers = [
            threading.Thread(target=lambda i=i: results.__setitem__(i, embedding.encode_query(QUERIES[i])))
            for i in range(len(QUERIES))
        ]
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + 10
        while len(embedding._pending) < len(QUERIES) and time.monotonic() < deadline:
            time.sleep(0.01)
    for worker in workers:
        worker.join(30)
    assert embedding._query_batches - calls_before == 1
    for i, vector in enumerate(alone):
        assert np.allclose(results[i], vector, atol=1e-4), QUERIES[i]


def test_a_query_searched_again_is_not_encoded_again(embedding: EssbotEmbedding) -> None:
    first = embedding.encode_query("Une commune peut-elle garantir un emprunt d'une SCIC ?")
    calls_before = embedding._query_batches
    again = embedding.encode_query("Une commune peut-elle garantir un emprunt d'une SCIC ?")
    assert embedding._query_batches == calls_before  # the abstention check reuses the search's vector
    assert np.array_equal(first, again)
    assert not again.flags.writeable  # shared between callers: nobody may change it in place
    for number in range(80):
        embedding.encode_query(f"question {number}")
    assert len(embedding._recent) <= 64
