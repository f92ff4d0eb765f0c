"""Two `essbot serve` replicas share their rate-limit counters through a real Redis (`rate_limit_storage`).

Without a shared store each replica would count alone, so a client spreading its requests over a load balancer
would get N times the limit. Redis is Debian's `redis-server`, started on a loopback port for the test.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import Corpus, Server, free_port, start_server, stop_server

REDIS = shutil.which("redis-server")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if REDIS is None:
        pytest.skip("redis-server absent (apt-get install redis-server, fait par `make test`)")
    pytest.importorskip("coredis", reason="paquet Python coredis absent (pip install -e '.[dev]')")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not _answers_ping(port):
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("redis-server did not start")
        time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _replica(root: Path, corpus: Corpus, name: str, redis_url: str) -> Server:
    own = root / name
    copy = Corpus(shutil.copytree(corpus.docs, own / "documents"), shutil.copytree(corpus.index, own / "index"))
    return start_server(own, copy, ESSBOT_RATE_LIMIT_PER_MINUTE="4", ESSBOT_RATE_LIMIT_STORAGE=redis_url)


@pytest.mark.slow
def test_replicas_share_one_limit_through_redis(tmp_path: Path, api_corpus: Corpus, redis_url: str) -> None:
    first = _replica(tmp_path, api_corpus, "a", redis_url)
    try:
        second = _replica(tmp_path, api_corpus, "b", redis_url)
        try:
            with httpx.Client(timeout=30) as http:
                # The same client alternates between the replicas, as behind a round-robin load balancer.
                statuses = [http.get(f"{(first, second)[i % 2].url}/v1/models").status_code for i in range(4)]
                assert statuses == [200, 200, 200, 200]
                for replica in (first, second):
                    refused = http.get(f"{replica.url}/v1/models")
                    assert refused.status_code == 429, replica.log_tail()
                    assert "par minute" in refused.json()["error"]["message"]
        finally:
            stop_server(second)
    finally:
        stop_server(first)
