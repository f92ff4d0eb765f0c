"""Latency of normal questions while an anonymous client sends the « long history » attack in a loop (issue 12).

The attack: `POST /v1/ask` with « Et ça ? » and a history of about 56 KB. Before the fix its text was glued onto the
search query and embedded whole (7.7 s each, everyone else waiting). Loopback only: the script starts
`python -m essbot.server` on a free 127.0.0.1 port (rate limit off, so the attacker is not simply refused), measures
one normal client alone, beside --attackers attackers (1 by default), then beside as many ordinary clients (for
scale), --duration seconds each (bounded). A second server then runs with the default rate limit behind a trusted
proxy (every request carries X-Forwarded-For, as from a reverse proxy): the attacker has one address, the normal
requests come from many users, each with their own; the attacker's budget is spent first (a persistent attacker).
It prints the figures and writes benchmarks/results/attack_latency.json.

Usage: python benchmarks/attack_latency.py [--duration 20] [--index DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_load import QUESTIONS, ROOT, ensure_index, free_port, percentile, start_server

from essbot.config import Settings

MAX_DURATION_S = 60
HISTORY = [
    {"role": "user", "content": "Qu'est-ce que le dispositif local d'accompagnement " + "vraiment " * 3000 + "?"},
    {"role": "assistant", "content": "Le DLA accompagne les structures de l'ESS [1]. " * 600},
]


ATTACKER_ADDRESS = {"X-Forwarded-For": "198.51.100.66"}


def user_address(turn: int) -> dict[str, str]:
    """A different user (documentation range 10.x) for each normal question, as many agents of a town hall."""
    return {"X-Forwarded-For": f"10.{turn // 65536 % 256}.{turn // 256 % 256}.{turn % 256}"}


async def normal_client(http: httpx.AsyncClient, deadline: float, latencies: list[float]) -> None:
    turn = 0
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        response = await http.post(
            "/v1/ask", json={"question": QUESTIONS[turn % len(QUESTIONS)]}, headers=user_address(turn)
        )
        turn += 1
        if response.status_code == 200:
            latencies.append(time.perf_counter() - started)


async def attacker(http: httpx.AsyncClient, deadline: float, counts: dict[str, int]) -> None:
    while time.perf_counter() < deadline:
        response = await http.post(
            "/v1/ask", json={"question": "Et ça ?", "history": HISTORY}, headers=ATTACKER_ADDRESS
        )
        counts[str(response.status_code)] = counts.get(str(response.status_code), 0) + 1


async def phase(url: str, duration: float, attackers: int, neighbours: int = 0) -> dict[str, Any]:
    """One measured normal client, beside `attackers` attack loops or `neighbours` other normal clients."""
    latencies: list[float] = []
    counts: dict[str, int] = {}
    deadline = time.perf_counter() + duration
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        await asyncio.gather(
            normal_client(http, deadline, latencies),
            *(attacker(http, deadline, counts) for _ in range(attackers)),
            *(normal_client(http, deadline, []) for _ in range(neighbours)),
        )
    return {
        "attackers": attackers,
        "normal_answers": len(latencies),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "attack_responses": counts,
    }


async def exhaust_budget(url: str, most: int = 1000) -> int:
    """Send the attack until the first 429: the attacker's budget for this minute is spent."""
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        for sent in range(1, most + 1):
            response = await http.post(
                "/v1/ask", json={"question": "Et ça ?", "history": HISTORY}, headers=ATTACKER_ADDRESS
            )
            if response.status_code == 429:
                return sent
    return most


def ratio(loaded: dict[str, Any], idle: dict[str, Any]) -> float | None:
    return round(loaded["p95_ms"] / idle["p95_ms"], 2) if idle["p95_ms"] else None


@contextlib.contextmanager
def running_server(index: Path, log: Path, default_limit: bool = False, **settings: str) -> Iterator[str]:
    """An `essbot serve` on a free loopback port; its URL while the block runs."""
    port = free_port()
    if default_limit:
        settings["ESSBOT_RATE_LIMIT_PER_MINUTE"] = str(Settings().rate_limit_per_minute)
    server = start_server(index, port, log, **settings)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20.0, help=f"seconds per phase (max {MAX_DURATION_S})")
    parser.add_argument("--index", type=Path, default=ROOT / "indexes" / "default")
    parser.add_argument("--attackers", type=int, default=1, help="clients sending the attack back to back")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "attack_latency.json")
    args = parser.parse_args()
    duration = min(args.duration, MAX_DURATION_S)
    body = len(json.dumps({"question": "Et ça ?", "history": HISTORY}).encode())
    ensure_index(args.index)
    with tempfile.TemporaryDirectory() as tmp:
        # No rate limit: the attacker is served as fast as the server can (a botnet of many addresses).
        with running_server(args.index.resolve(), Path(tmp) / "unlimited.log") as url:
            asyncio.run(phase(url, 3, 0))  # warm-up
            idle = asyncio.run(phase(url, duration, 0))
            attacked = asyncio.run(phase(url, duration, args.attackers))
            # For scale: the same number of ordinary users instead of attackers.
            busy = asyncio.run(phase(url, duration, 0, neighbours=args.attackers))
        # Default settings behind a trusted proxy: the attacker's one address is held to the default rate limit.
        proxied = {"ESSBOT_TRUSTED_PROXIES": "127.0.0.1"}
        with running_server(args.index.resolve(), Path(tmp) / "limited.log", default_limit=True, **proxied) as url:
            asyncio.run(phase(url, 3, 0))
            idle_limited = asyncio.run(phase(url, duration, 0))
            # A persistent attacker: its minute's budget is spent before the measure (steady state, not the burst).
            spent = asyncio.run(exhaust_budget(url))
            attacked_limited = asyncio.run(phase(url, duration, args.attackers))
    figures = {
        "attack_body_bytes": body,
        "no_rate_limit": {
            "idle": idle,
            "under_attack": attacked,
            "beside_as_many_normal_clients": busy,
            "p95_ratio": ratio(attacked, idle),
            "p95_ratio_normal_neighbours": ratio(busy, idle),
        },
        "default_rate_limit_behind_proxy": {
            "attack_requests_before_first_429": spent,
            "idle": idle_limited,
            "under_attack": attacked_limited,
            "p95_ratio": ratio(attacked_limited, idle_limited),
        },
        "target": "p95 under attack < 2 × idle p95",
    }
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Résultats écrits dans {args.out}")


if __name__ == "__main__":
    main()
