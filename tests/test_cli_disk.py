"""The CLI on a full disk and on a read-only index folder: a French message and exit 1, no traceback.

Real small file systems (tmpfs, mounted by the test: needs root, as in CI; skipped otherwise).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

REPO = Path(__file__).resolve().parents[1]
FICHE = REPO / "documents" / "fiche-ptce.md"


def _mount(point: Path, options: str) -> Iterator[Path]:
    point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.decode(errors='replace').strip()})")
    try:
        yield point
    finally:
        subprocess.run(["umount", str(point)], check=False)


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    yield from _mount(tmp_path / "petit-disque", "size=64k")


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    yield from _mount(tmp_path / "lecture-seule", "ro,size=64k")


def _assert_french_failure(result: Result, words: str) -> None:
    assert result.exit_code == 1, result.output
    assert words in result.output
    assert "Traceback" not in result.output


def test_ingest_on_a_full_disk(run_cli: Callable[..., Result], full_disk: Path) -> None:
    _assert_french_failure(run_cli("ingest", FICHE, "--index", full_disk / "index"), "Disque plein")


def test_ingest_into_a_read_only_folder(run_cli: Callable[..., Result], read_only: Path) -> None:
    _assert_french_failure(run_cli("ingest", FICHE, "--index", read_only / "index"), "lecture seule")
