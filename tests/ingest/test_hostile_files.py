"""Hostile files (issue 12): damaged Word files, zip bombs, deep HTML and endless words are skipped or bounded.

The attacks are built at full size in the test; the ones that make a parser work for seconds are marked slow.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from essbot import messages
from essbot.config import Settings
from essbot.errors import IngestCancelledError
from essbot.index.embeddings import EssbotEmbedding
from essbot.ingest.isolation import IsolatedParser, ParsingCancelled
from essbot.ingest.loaders import SkippedFile, load_document
from essbot.ingest.pipeline import chunk_document, cut_long_words, ingest
from essbot.ingest.split import cut_long_passage
from essbot.text.tokens import MAX_TERM_CHARS, tokenize_french
from tests.data import hostile_files as hostile
from tests.data import make_fixtures as fx

SETTINGS = Settings()


def prefix(template: str) -> str:
    """The fixed start of a French message, before its first placeholder."""
    return template.split("{")[0]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def skip_reason(parser: IsolatedParser, path: Path) -> str:
    with pytest.raises(SkippedFile) as caught:
        parser.chunk(path, path.name)
    assert "\n" not in caught.value.reason
    return caught.value.reason


@pytest.mark.parametrize(
    ("writer", "cause"),
    [(hostile.write_docx_malformed_xml, "XMLSyntaxError"), (hostile.write_docx_truncated_part, "zlib.error")],
    ids=["malformed-xml", "truncated-part"],
)
def test_damaged_word_file_is_skipped_with_its_cause(
    tmp_path: Path, writer: Callable[[Path], Path], cause: str
) -> None:
    path = writer(tmp_path / "abime.docx")
    with pytest.raises(SkippedFile) as caught:
        load_document(path, path.name, SETTINGS.max_file_bytes)
    assert caught.value.reason == messages.SKIP_DOCX_CORRUPT.format(detail=cause)


def test_docx_bomb_is_refused_before_anything_is_inflated(tmp_path: Path) -> None:
    path = hostile.write_docx_bomb(tmp_path / "bombe.docx")
    assert path.stat().st_size < 1024 * 1024  # a small file…
    started, before = time.perf_counter(), rss_mb()
    with pytest.raises(SkippedFile) as caught:
        chunk_document(path, path.name, SETTINGS)
    assert caught.value.reason.startswith(prefix(messages.SKIP_ZIP_TOO_LARGE))
    assert "se décompresserait en 101 Mo" in caught.value.reason  # …that would expand to 100 MB of XML
    assert time.perf_counter() - started < 2
    assert rss_mb() - before < 20


@pytest.mark.slow
def test_docx_bomb_past_the_zip_check_is_stopped_by_the_memory_cap(tmp_path: Path) -> None:
    bomb = hostile.write_docx_bomb(tmp_path / "bombe.docx")
    good = fx.write_docx(tmp_path / "scic.docx")
    settings = SETTINGS.replace(max_decompressed_mb=500.0)
    before = rss_mb()
    with IsolatedParser(settings) as parser:
        started = time.perf_counter()
        assert skip_reason(parser, bomb) == messages.SKIP_PARSE_MEMORY
        assert time.perf_counter() - started < 60
        doc, chunks = parser.chunk(good, good.name)  # a fresh worker takes the next file
        assert doc.title == "Guide des SCIC" and chunks
        assert parser.workers_started == 2
    assert rss_mb() - before < 50  # the parent never held the inflated XML


@pytest.mark.slow
def test_nested_html_is_stopped_by_the_time_limit(tmp_path: Path) -> None:
    deep = hostile.write_nested_html(tmp_path / "imbrique.html")
    good = fx.write_html(tmp_path / "ptce.html")
    before = rss_mb()
    with IsolatedParser(SETTINGS.replace(parse_timeout_s=10.0)) as parser:
        started = time.perf_counter()
        reason = skip_reason(parser, deep)
        assert reason in {messages.SKIP_PARSE_TIMEOUT.format(seconds=10.0), messages.SKIP_PARSE_MEMORY}
        assert time.perf_counter() - started < 20
        assert parser.chunk(good, good.name)[1]
    assert rss_mb() - before < 50


def test_parsing_stops_when_cancelled(tmp_path: Path) -> None:
    deep = hostile.write_nested_html(tmp_path / "imbrique.html")
    cancel = threading.Event()
    with IsolatedParser(SETTINGS, should_stop=cancel.is_set) as parser:
        parser.chunk(fx.write_markdown(tmp_path / "fiche.md"), "fiche.md")  # the worker is up
        timer = threading.Timer(1.0, cancel.set)
        timer.start()
        started = time.perf_counter()
        with pytest.raises(ParsingCancelled):
            parser.chunk(deep, deep.name)
        assert time.perf_counter() - started < 5
        timer.join()


def test_one_word_markdown_is_cut_into_bounded_passages(tmp_path: Path) -> None:
    path = hostile.write_one_word_markdown(tmp_path / "mot.md")
    started = time.perf_counter()
    with IsolatedParser(SETTINGS) as parser:
        _, chunks = parser.chunk(path, path.name)
    assert time.perf_counter() - started < 30
    assert all(len(chunk.text) <= SETTINGS.max_passage_chars for chunk in chunks)
    assert max(len(word) for chunk in chunks for word in chunk.embed_text.split()) == SETTINGS.max_token_chars


@pytest.mark.slow
def test_one_word_markdown_is_indexed_in_seconds(tmp_path: Path, embedding: EssbotEmbedding) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    hostile.write_one_word_markdown(docs / "mot.md")
    fx.write_markdown(docs / "fiche-spaser.md")
    report = ingest([docs], SETTINGS.replace(index_dir=tmp_path / "idx"), embedding=embedding)
    assert sorted(report.indexed) == ["fiche-spaser.md", "mot.md"]
    assert report.seconds < 60


def test_long_passages_and_words_are_cut() -> None:
    text = " ".join(["coopérative"] * 1000)
    pieces = cut_long_passage(text, 100)
    assert all(len(piece) <= 100 for piece in pieces)
    assert " ".join(pieces) == text  # cut at spaces: nothing lost
    assert cut_long_passage("x" * 250, 100) == ["x" * 100, "x" * 100, "x" * 50]
    assert cut_long_words("un " + "a" * 500 + " mot", 200) == "un " + "a" * 200 + " mot"
    assert tokenize_french("z" * 10_000) == ["z" * MAX_TERM_CHARS]


def test_worker_is_reused_for_many_files(tmp_path: Path) -> None:
    paths = fx.write_files(tmp_path, fx.GOOD_FILES)
    with IsolatedParser(SETTINGS) as parser:
        for path in paths:
            parser.chunk(path, path.name)
        assert (parser.files_parsed, parser.workers_started) == (len(paths), 1)


def write_hostile_folder(folder: Path) -> Path:
    folder.mkdir()
    fx.write_markdown(folder / "fiche-spaser.md")
    hostile.write_docx_malformed_xml(folder / "malforme.docx")
    hostile.write_docx_truncated_part(folder / "tronque.docx")
    hostile.write_docx_bomb(folder / "bombe.docx")
    return folder


def test_cli_ingest_skips_hostile_files_and_indexes_the_rest(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    docs = write_hostile_folder(tmp_path / "docs")
    result = run_cli("ingest", docs, "--index", tmp_path / "idx")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "1 fichier(s) indexé(s), 0 inchangé(s), 3 ignoré(s)" in out
    assert f"ignoré : malforme.docx — {messages.SKIP_DOCX_CORRUPT.format(detail='XMLSyntaxError')}" in out
    assert f"ignoré : tronque.docx — {messages.SKIP_DOCX_CORRUPT.format(detail='zlib.error')}" in out
    assert f"ignoré : bombe.docx — {prefix(messages.SKIP_ZIP_TOO_LARGE)}" in out


def test_failed_file_is_not_parsed_again_until_it_changes(tmp_path: Path, embedding: EssbotEmbedding) -> None:
    docs = write_hostile_folder(tmp_path / "docs")
    settings = SETTINGS.replace(index_dir=tmp_path / "idx")
    ingest([docs], settings, embedding=embedding)
    with IsolatedParser(settings) as parser:
        again = ingest([docs], settings, embedding=embedding, parser=parser)
        assert parser.files_parsed == 0 and parser.workers_started == 0
    assert sorted(skip.source for skip in again.skipped) == ["bombe.docx", "malforme.docx", "tronque.docx"]
    fx.write_docx(docs / "malforme.docx")  # repaired
    repaired = ingest([docs], settings, embedding=embedding)
    assert repaired.indexed == ["malforme.docx"]


def test_cancelled_ingest_leaves_no_index(tmp_path: Path, embedding: EssbotEmbedding) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    fx.write_markdown(docs / "fiche-spaser.md")
    settings = SETTINGS.replace(index_dir=tmp_path / "idx")
    with pytest.raises(IngestCancelledError):
        ingest([docs], settings, embedding=embedding, should_stop=lambda: True)
    assert not (tmp_path / "idx" / "manifest.json").exists()
    assert ingest([docs], settings, embedding=embedding).indexed == ["fiche-spaser.md"]
