"""Parsing of untrusted files in a child process, under a memory cap and a time limit.

A hostile file (a zip bomb, deeply nested HTML, a damaged part that sends a C parser astray) can make a
parser take gigabytes or run for minutes, and Python never gives that memory back. Loading, cleaning and
splitting therefore run in one worker process, started once and reused for many files, whose address
space is capped with `setrlimit`; the parent waits at most `parse_timeout_s` per file and kills and
replaces the worker when it overruns or dies. The file is then skipped with a French reason, like any
unreadable file, and the parent's memory never sees the attack.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import essbot
from essbot import messages
from essbot.config import Settings
from essbot.ingest.loaders import LoadedDocument, SkippedFile, parser_failure_reason
from essbot.types import Chunk

_POLL_S = 0.2  # how often a wait for the worker checks for cancellation
_START_TIMEOUT_S = 120.0


class ParsingCancelled(Exception):
    """Raised by IsolatedParser.chunk when `should_stop` turned true while a file was being parsed."""


def _memory_kb(field: str) -> int:
    """A size from /proc/self/status (Linux), 0 elsewhere."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cap_memory(extra_mb: int) -> int:
    """Cap this process's address space at its current size plus `extra_mb`; the cap in kB, 0 if none."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return 0
    current_kb = _memory_kb("VmSize")
    if not current_kb or extra_mb <= 0:
        return 0
    limit_kb = current_kb + extra_mb * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit_kb * 1024, limit_kb * 1024))
    return limit_kb


def _warm_up(settings: Settings) -> None:
    """Import the parsing stack before the cap, so the cap measures the parsing alone."""
    import bs4  # noqa: F401
    import docx  # noqa: F401
    import pypdf  # noqa: F401

    from essbot.ingest.split import _splitter

    _splitter(settings.chunk_size_words, settings.chunk_overlap_words).split_text("Un texte. Deux phrases.")


def _parse_one(path: Path, source: str, settings: Settings, cap_kb: int) -> tuple[str, Any, bool]:
    """("ok", (doc, chunks), False) or ("skipped", French reason, whether memory ran out)."""
    from essbot.ingest.pipeline import chunk_document

    try:
        return "ok", chunk_document(path, source, settings), False
    except SkippedFile as skip:
        reason, memory_error = skip.reason, isinstance(skip.__cause__, MemoryError)
    except Exception as exc:
        reason, memory_error = parser_failure_reason(path, exc), isinstance(exc, MemoryError)
    # C parsers (lxml) report a failed allocation as a syntax error: a failure near the cap is the cap.
    if memory_error or (cap_kb and _memory_kb("VmPeak") > 0.9 * cap_kb):
        return "skipped", messages.SKIP_PARSE_MEMORY, True
    return "skipped", reason, False


def _serve(conn: Any, settings: Settings) -> None:
    """Worker loop: receive (path, source), answer ("ok", (doc, chunks), closing) or ("skipped", reason, closing).

    `closing` tells the parent that the worker exits after this answer.
    """
    _warm_up(settings)
    cap_kb = _cap_memory(settings.parse_memory_mb)
    # Python keeps the memory a big file took: a worker whose peak resident size grew by more than half its
    # allowance answers, then exits and is replaced by a fresh one. (Ordinary files add about 120 MB once,
    # for the modules and data the parsers load on first use.)
    recycle_at_kb = _memory_kb("VmHWM") + settings.parse_memory_mb * 1024 // 2
    conn.send(("ready", os.getpid()))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        path, source = request
        kind, payload, memory_error = _parse_one(Path(path), source, settings, cap_kb)
        closing = memory_error or _memory_kb("VmHWM") > recycle_at_kb
        try:
            conn.send((kind, payload, closing))
        except MemoryError:
            conn.send(("skipped", messages.SKIP_PARSE_MEMORY, True))
            return
        if closing:
            return


def worker_main() -> None:
    """Entry point of the worker (`python -m essbot.ingest.isolation`): requests on stdin, answers on stdout."""
    # The answers get a private copy of stdout; stdout itself goes to stderr so a library's print cannot
    # corrupt them.
    answers = os.dup(1)
    os.dup2(2, 1)
    receiver = Connection(0, writable=False)
    sender = Connection(answers, readable=False)
    try:
        settings = receiver.recv()
        _serve(_Duplex(receiver, sender), settings)
    except (EOFError, OSError):
        return
    finally:
        sender.close()


class _Duplex:
    """One object with send/recv over the two one-way pipes of the worker."""

    def __init__(self, receiver: Connection, sender: Connection) -> None:
        self.recv, self.send = receiver.recv, sender.send


class IsolatedParser:
    """Loads, cleans and splits files in a child process with memory and time limits; reuse it for many files."""

    def __init__(self, settings: Settings, should_stop: Callable[[], bool] | None = None) -> None:
        self.settings = settings
        self.should_stop = should_stop or (lambda: False)
        self.files_parsed = 0  # requests sent to a worker, for reports and tests
        self.workers_started = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None  # answers from the worker
        self._sender: Connection | None = None  # requests to the worker

    def __enter__(self) -> IsolatedParser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _start(self) -> Connection:
        # A fresh interpreter (not a fork of a threaded server holding the embedding model), started as a
        # module so that no caller's __main__ is imported again.
        package_root = str(Path(essbot.__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        process = subprocess.Popen(
            [sys.executable, "-m", "essbot.ingest.isolation"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
        assert process.stdin is not None and process.stdout is not None
        self._process = process
        self._sender = Connection(os.dup(process.stdin.fileno()), readable=False)
        self._conn = Connection(os.dup(process.stdout.fileno()), writable=False)
        process.stdin.close()
        process.stdout.close()
        self.workers_started += 1
        self._sender.send(self.settings)
        if not self._conn.poll(_START_TIMEOUT_S):
            self._stop_worker()
            raise RuntimeError("essbot parsing worker did not start")
        self._conn.recv()  # ("ready", pid)
        return self._conn

    def _alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _stop_worker(self) -> int | None:
        """Kill the worker (if any) and return its exit code."""
        process = self._process
        for conn in (self._conn, self._sender):
            if conn is not None:
                conn.close()
        self._process = self._conn = self._sender = None
        if process is None:
            return None
        if process.poll() is None:
            process.kill()
        code: int | None = process.wait()
        return code

    def close(self) -> None:
        """Ask the worker to exit, then make sure it did."""
        if self._sender is not None and self._process is not None and self._process.poll() is None:
            try:
                self._sender.send(None)
                self._process.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._stop_worker()

    def chunk(self, path: Path, source: str) -> tuple[LoadedDocument, list[Chunk]]:
        """What `chunk_document` returns for this file, computed in the worker; SkippedFile when it cannot."""
        conn = self._conn if self._alive() else None
        if conn is None:
            self._stop_worker()
            conn = self._start()
        assert self._sender is not None
        self.files_parsed += 1
        try:
            self._sender.send((str(path), source))
        except OSError as exc:
            raise SkippedFile(_death_reason(self._stop_worker())) from exc
        deadline = time.monotonic() + self.settings.parse_timeout_s
        while not conn.poll(_POLL_S):
            if self.should_stop():
                self._stop_worker()
                raise ParsingCancelled(source)
            if time.monotonic() > deadline:
                self._stop_worker()
                raise SkippedFile(messages.SKIP_PARSE_TIMEOUT.format(seconds=self.settings.parse_timeout_s))
        try:
            reply = conn.recv()
        except (EOFError, OSError) as exc:  # the worker died: killed by the system, or crashed in C code
            code = self._stop_worker()
            raise SkippedFile(_death_reason(code)) from exc
        kind, payload, closing = reply
        if closing:
            self._stop_worker()
        if kind == "ok":
            document, chunks = payload
            return document, chunks
        raise SkippedFile(payload)


def _death_reason(exit_code: int | None) -> str:
    import signal

    # SIGKILL: the kernel's out-of-memory killer; SIGABRT: a C library (libxml2, the allocator) aborting when an
    # allocation fails under the worker's address-space limit, which is how a memory bomb often ends.
    if exit_code is not None and exit_code < 0 and -exit_code in (signal.SIGKILL, signal.SIGABRT):
        return messages.SKIP_PARSE_MEMORY
    return messages.SKIP_PARSE_CRASHED.format(detail=f"code {exit_code}")


if __name__ == "__main__":
    worker_main()
