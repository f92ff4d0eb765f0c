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
