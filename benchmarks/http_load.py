"""HTTP load benchmark: throughput and latency of `POST /v1/ask` under 1, 8 and 32 concurrent clients, and
time to first streamed token on `POST /v1/ask/stream`.

Loopback only: the script starts `python -m essbot.server` on a free 127.0.0.1 port (rate limit off, no UI),
runs each level for --duration seconds (bounded), then stops the server. The index is indexes/default, built
with `essbot ingest` when missing, or --index DIR.

Usage: python benchmarks/http_load.py [--duration 30] [--clients 1,8,32] [--index DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
ESSBOT = Path(sys.executable).with_name("essbot")
MAX_DURATION_S = 120
STARTUP_TIMEOUT_S = 120
COLUMNS = ("clients", "answers_per_s", "p50_ms", "p95_ms", "max_ms", "engine_p50_ms", "errors", "answers")
QUESTIONS = [
    "Qui délivre l'agrément ESUS ?",
    "Qu'est-ce qu'un pôle territorial de coopération économique ?",
    "Comment une collectivité peut-elle entrer au capital d'une SCIC ?",
    "À quoi sert le dispositif local d'accompagnement ?",
    "Quelles structures relèvent de l'insertion par l'activité économique ?",
    "Qu'est-ce qu'un SPASER et qui doit en adopter un ?",
    "Quelle est la différence entre une subvention et un marché public ?",
    "Qu'est-ce qu'une convention pluriannuelle d'objectifs ?",
    "Que prévoit la loi du 31 juillet 2014 sur l'ESS ?",
    "Quel est le rôle des CRESS ?",
    "Comment réserver un marché public à des structures d'insertion ?",
    "Comment former les élus à l'économie sociale et solidaire ?",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_index(index: Path) -> None:
    if (index / "store.sqlite").is_file():
        return
    print(f"Index absent : construction de {index} (essbot ingest)…", flush=True)
    subprocess.run([str(ESSBOT), "ingest", str(ROOT / "documents"), "--index", str(index), "--quiet"], check=True)


def start_server(index: Path, port: int, log: Path, **settings: str) -> subprocess.Popen[bytes]:
    """`essbot serve` without the UI; `settings` are ESSBOT_* variables (rate limit off unless given)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSBOT_")}
    env["ESSBOT_RATE_LIMIT_PER_MINUTE"] = "0"  # one client address sends every request
    env.update(settings)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "essbot.server",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--index",
                str(index),
                "--no-ui",
                "--no-access-log",
            ],
            cwd=log.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"Le serveur s'est arrêté ({process.returncode}) :\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"Le serveur n'a pas répondu en {STARTUP_TIMEOUT_S} s.")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank] * 1000


async def run_level(url: str, clients: int, duration: float) -> dict[str, Any]:
    """`clients` loops posting questions back to back for `duration` seconds."""
    latencies: list[float] = []
    engine: list[float] = []  # the Answer's own timings_ms.total: time inside Assistant.ask
    errors: list[str] = []
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:

        async def client_loop(number: int) -> None:
            turn = number
            while time.perf_counter() < deadline:
                question = QUESTIONS[turn % len(QUESTIONS)]
                turn += clients
                started = time.perf_counter()
                try:
                    response = await http.post("/v1/ask", json={"question": question})
                    if response.status_code != 200 or "answer" not in response.json():
                        errors.append(f"HTTP {response.status_code}")
                        continue
                    engine.append(response.json()["timings_ms"]["total"] / 1000)
                except httpx.HTTPError as exc:
                    errors.append(type(exc).__name__)
                    continue
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client_loop(i) for i in range(clients)))
        elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "answers": len(latencies),
        "answers_per_s": round(len(latencies) / elapsed, 2),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
        "engine_p50_ms": round(percentile(engine, 50), 1),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
    }


async def time_to_first_token(url: str, runs: int) -> dict[str, Any]:
    """Sequential streamed questions: time to the first `token` event and to the `done` event."""
    first: list[float] = []
    done: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        for i in range(runs):
            started = time.perf_counter()
            async with http.stream("POST", "/v1/ask/stream", json={"question": QUESTIONS[i % len(QUESTIONS)]}) as r:
                r.raise_for_status()
                async for line in r.aiter_lines():
                    if line == "event: token" and len(first) == len(done):
                        first.append(time.perf_counter() - started)
                    elif line == "event: done":
                        done.append(time.perf_counter() - started)
    return {
        "runs": runs,
        "first_token_p50_ms": round(percentile(first, 50), 1),
        "first_token_p95_ms": round(percentile(first, 95), 1),
        "done_p50_ms": round(percentile(done, 50), 1),
        "done_p95_ms": round(percentile(done, 95), 1),
    }


async def bench(url: str, levels: list[int], duration: float, ttft_runs: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        for question in QUESTIONS:  # warm-up: every code path and page of the index touched once
            (await http.post("/v1/ask", json={"question": question})).raise_for_status()
        health = (await http.get("/health")).json()
    results = []
    for clients in levels:
        print(f"  {clients} client(s) pendant {duration:g} s…", flush=True)
        results.append(await run_level(url, clients, duration))
    return {"server": health, "levels": results, "stream": await time_to_first_token(url, ttft_runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=ROOT / "indexes" / "default")
    parser.add_argument("--duration", type=float, default=30.0, help=f"secondes par niveau (max {MAX_DURATION_S})")
    parser.add_argument("--clients", default="1,8,32", help="niveaux de concurrence, séparés par des virgules")
    parser.add_argument("--ttft-runs", type=int, default=30, help="questions en flux pour le premier jeton")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "http_load.json")
    args = parser.parse_args()
    duration = max(1.0, min(args.duration, MAX_DURATION_S))
    levels = [int(n) for n in args.clients.split(",") if n.strip()]
    index = args.index.resolve()
    ensure_index(index)

    workdir = Path(tempfile.mkdtemp(prefix="essbot-http-bench-"))
    port = free_port()
    load_before = os.getloadavg()
    process = start_server(index, port, workdir / "server.log")
    try:
        payload = asyncio.run(bench(f"http://127.0.0.1:{port}", levels, duration, args.ttft_runs))
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    payload = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_avg_before": [round(x, 2) for x in load_before],
            "load_avg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "duration_s_per_level": duration,
        **payload,
    }
    print(
        f"\nIndex {payload['server']['index']} ({payload['server']['chunks']} passages), "
        f"générateur {payload['server']['generator']}, {os.cpu_count()} CPU, charge avant {load_before[0]:.2f}"
    )
    header = ["clients", "réponses/s", "p50 ms", "p95 ms", "max ms", "moteur p50", "erreurs", "réponses"]
    print("\n" + " ".join(f"{name:>11}" for name in header))
    for row in payload["levels"]:
        cells = [row[key] for key in COLUMNS]
        print(" ".join(f"{cell:>11}" for cell in cells))
    stream = payload["stream"]
    print(
        f"\nFlux SSE ({stream['runs']} questions à la suite) : premier jeton p50 {stream['first_token_p50_ms']} ms, "
        f"p95 {stream['first_token_p95_ms']} ms ; réponse complète p50 {stream['done_p50_ms']} ms"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nRésultats écrits dans {args.out}")


if __name__ == "__main__":
    main()
