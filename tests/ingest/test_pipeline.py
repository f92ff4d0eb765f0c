"""Incremental ingestion with the real model: what is parsed, embedded, kept, removed and skipped."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from essbot.config import Settings
from essbot.errors import EssbotError, IndexIncompatibleError, NothingIndexedError
from essbot.index.embeddings import EssbotEmbedding, create_embedding
from essbot.index.stores import open_store, store_exists
from essbot.ingest.pipeline import IngestReport, discover_files, ingest
from essbot.retrieve import HybridRetriever
from essbot.types import FileRecord
from tests.conftest import SEEDS_DIR, Workspace, stored_chunks
from tests.data import make_fixtures as fx


def chunk_ids(settings: Settings, source: str | None = None) -> set[str]:
    chunks = stored_chunks(settings.index_dir)
    return {chunk.chunk_id for chunk in chunks if source is None or chunk.source == source}


def run(workspace: Workspace, embedding: EssbotEmbedding, rebuild: bool = False) -> IngestReport:
    return ingest([workspace.docs], workspace.settings, embedding=embedding, rebuild=rebuild)


def files_of(settings: Settings) -> dict[str, FileRecord]:
    store = open_store(settings)
    try:
        return store.files()
    finally:
        store.close()


def top_source(settings: Settings, embedding: EssbotEmbedding, question: str) -> str:
    store = open_store(settings, model_id=embedding.model_id)
    try:
        return HybridRetriever(store, embedding, settings).search(question, k=1)[0].chunk.source
    finally:
        store.close()


# --- first build -----------------------------------------------------------------------------------


def test_first_build_indexes_every_good_file(built_index: Workspace) -> None:
    report = built_index.report
    assert sorted(report.indexed) == sorted(fx.GOOD_FILES)
    assert (report.skipped, report.unchanged, report.removed_files) == ([], [], [])
    assert report.changed
    assert report.chunks_added == report.chunks_total == report.embedded == len(chunk_ids(built_index.settings))
    assert "6 fichier(s) indexé(s)" in report.summary()


# --- incremental runs ------------------------------------------------------------------------------


def test_second_run_on_unchanged_files_embeds_nothing(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    report = run(workspace, embedding)
    assert (report.embedded, report.changed) == (0, False)
    assert sorted(report.unchanged) == sorted(fx.GOOD_FILES)
    assert report.chunks_total == workspace.report.chunks_total
    assert report.summary().startswith("Aucun changement")


def test_modified_file_reembeds_only_its_new_chunks(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    before = chunk_ids(workspace.settings)
    fiche = workspace.docs / "fiche-spaser.md"
    fiche.write_text(fiche.read_text() + "\n## Calendrier\n\nLe schéma est révisé tous les trois ans.\n")
    report = run(workspace, embedding)
    after = chunk_ids(workspace.settings)
    assert report.indexed == ["fiche-spaser.md"]
    assert len(report.unchanged) == len(fx.GOOD_FILES) - 1
    assert report.embedded == len(after - before) == report.chunks_added == 1
    assert report.chunks_removed == 0
    assert top_source(workspace.settings, embedding, "Tous les combien le schéma est-il révisé ?") == "fiche-spaser.md"


def test_edited_paragraph_replaces_its_chunk(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    fiche = workspace.docs / "fiche-spaser.md"
    old = chunk_ids(workspace.settings, "fiche-spaser.md")
    fiche.write_text(fiche.read_text().replace("seuil réglementaire", "seuil de cent millions d'euros"))
    report = run(workspace, embedding)
    new = chunk_ids(workspace.settings, "fiche-spaser.md")
    assert (report.embedded, report.chunks_added, report.chunks_removed) == (1, 1, 1)
    assert len(old & new) == 1
    assert report.chunks_total == workspace.report.chunks_total


def test_deleted_file_loses_its_chunks(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    removed = chunk_ids(workspace.settings, "scic.docx")
    (workspace.docs / "scic.docx").unlink()
    report = run(workspace, embedding)
    assert report.removed_files == ["scic.docx"]
    assert (report.embedded, report.chunks_removed, report.chunks_added) == (0, len(removed), 0)
    assert chunk_ids(workspace.settings, "scic.docx") == set()
    assert "scic.docx" not in files_of(workspace.settings)


def test_touched_file_embeds_nothing_and_is_not_hashed_again(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    path = workspace.docs / "ptce.html"
    new_mtime = path.stat().st_mtime_ns + 5_000_000_000
    os.utime(path, ns=(new_mtime, new_mtime))
    report = run(workspace, embedding)
    assert (report.embedded, report.changed, report.indexed) == (0, False, [])
    assert files_of(workspace.settings)["ptce.html"].mtime_ns == new_mtime


def test_identical_text_in_two_files_is_embedded_once(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    shutil.copy(workspace.docs / "fiche-spaser.md", workspace.docs / "copie-fiche-spaser.md")
    report = run(workspace, embedding)
    copied = chunk_ids(workspace.settings, "copie-fiche-spaser.md")
    assert report.indexed == ["copie-fiche-spaser.md"]
    assert len(copied) == report.chunks_added == 2
    assert copied.isdisjoint(chunk_ids(workspace.settings, "fiche-spaser.md"))  # ids name the file
    assert report.embedded == 0  # vectors come from the original's chunks


def test_identical_files_in_a_new_index_are_embedded_once(tmp_path: Path, embedding: EssbotEmbedding) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a.md", "b.md"):
        fx.write_markdown(docs / name)
    report = ingest([docs], Settings(index_dir=tmp_path / "index"), embedding=embedding)
    assert report.chunks_total == 4
    assert report.embedded == 2


def test_rebuild_embeds_everything_again(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    report = run(workspace, embedding, rebuild=True)
    assert report.changed
    assert report.embedded == report.chunks_total == workspace.report.chunks_total
    assert sorted(report.indexed) == sorted(fx.GOOD_FILES)


def test_new_chunk_settings_resplit_every_file(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    settings = workspace.settings.replace(chunk_size_words=20, chunk_overlap_words=2)
    report = ingest([workspace.docs], settings, embedding=embedding)
    assert sorted(report.indexed) == sorted(fx.GOOD_FILES)
    assert report.chunks_total > workspace.report.chunks_total
    assert 0 < report.embedded < report.chunks_total  # unchanged short passages keep their vectors
    store = open_store(settings)
    assert store.splitter == settings.splitter_signature()
    store.close()
    assert run(workspace, embedding).indexed == sorted(fx.GOOD_FILES)  # and back again


def test_files_outside_the_new_paths_are_removed(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    report = ingest([workspace.docs / "fiche-spaser.md"], workspace.settings, embedding=embedding)
    assert sorted(report.removed_files) == sorted(set(fx.GOOD_FILES) - {"fiche-spaser.md"})
    assert {c.source for c in stored_chunks(workspace.index_dir)} == {"fiche-spaser.md"}


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(fx.BAD_FILES))
def test_each_bad_file_is_skipped_with_its_reason(tmp_path: Path, embedding: EssbotEmbedding, name: str) -> None:
    folder = tmp_path / "docs"
    fx.write_files(folder, {name: fx.BAD_FILES[name]})
    fx.write_markdown(folder / "fiche-spaser.md")
    settings = Settings(index_dir=tmp_path / "index")
    report = ingest([folder], settings, embedding=embedding)
    assert [skipped.source for skipped in report.skipped] == [name]
    assert report.skipped[0].reason.startswith(fx.BAD_FILE_REASONS[name])
    assert report.indexed == ["fiche-spaser.md"]
    assert top_source(settings, embedding, "Qui doit adopter un SPASER ?") == "fiche-spaser.md"


def test_all_bad_files_together_leave_a_usable_index(bad_folder: Path, embedding: EssbotEmbedding) -> None:
    settings = Settings(index_dir=bad_folder.parent / "index")
    report = ingest([bad_folder], settings, embedding=embedding)
    assert sorted(s.source for s in report.skipped) == sorted(fx.BAD_FILES)
    assert report.chunks_total == 2
    again = ingest([bad_folder], settings, embedding=embedding)
    assert (again.changed, again.embedded) == (False, 0)
    assert sorted(s.source for s in again.skipped) == sorted(fx.BAD_FILES)  # still reported, not re-read


def test_file_over_the_size_limit_is_skipped(tmp_path: Path, embedding: EssbotEmbedding) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    fx.write_markdown(docs / "court.md", "# Court\n\nUn PTCE.\n")
    fx.write_markdown(docs / "long.md", fx.MARKDOWN_FICHE * 10)
    settings = Settings(index_dir=tmp_path / "index", max_file_mb=0.001)
    report = ingest([docs], settings, embedding=embedding)
    assert [(s.source, s.reason.split(" (")[0]) for s in report.skipped] == [("long.md", "fichier trop volumineux")]
    assert report.indexed == ["court.md"]


def test_bad_files_added_to_an_existing_index_keep_it_usable(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    fx.write_files(workspace.docs, fx.BAD_FILES)
    report = run(workspace, embedding)
    assert len(report.skipped) == len(fx.BAD_FILES)
    assert (report.embedded, report.chunks_total) == (0, workspace.report.chunks_total)
    assert top_source(workspace.settings, embedding, "Qui délivre l'agrément ESUS ?") == "guide-rtes.pdf"


def test_file_that_becomes_unreadable_loses_its_chunks(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    fx.write_corrupt_pdf(workspace.docs / "guide-rtes.pdf")
    report = run(workspace, embedding)
    assert [s.source for s in report.skipped] == ["guide-rtes.pdf"]
    assert chunk_ids(workspace.settings, "guide-rtes.pdf") == set()


def test_nothing_indexable_raises_and_writes_no_index(bad_folder: Path, embedding: EssbotEmbedding) -> None:
    (bad_folder / "fiche-spaser.md").unlink()
    settings = Settings(index_dir=bad_folder.parent / "index")
    with pytest.raises(NothingIndexedError, match="Aucun passage"):
        ingest([bad_folder], settings, embedding=embedding)
    assert not store_exists(settings)


def test_missing_path_is_a_french_error(tmp_path: Path, embedding: EssbotEmbedding) -> None:
    with pytest.raises(EssbotError, match="Chemin introuvable"):
        ingest([tmp_path / "absent"], Settings(index_dir=tmp_path / "index"), embedding=embedding)


def test_changed_files_with_another_model_require_rebuild(workspace: Workspace) -> None:
    (workspace.docs / "fiche-spaser.md").write_text("# Nouvelle fiche\n\nTexte modifié.\n")
    other = create_embedding(Settings(embedding_model="e5-small-enpt-q4"))
    with pytest.raises(IndexIncompatibleError, match="--rebuild"):
        ingest([workspace.docs], workspace.settings, embedding=other)


# --- discovering files -----------------------------------------------------------------------------


def test_discovery_skips_hidden_and_office_lock_files(tmp_path: Path) -> None:
    for name in ("a.md", ".cache/b.md", "sous-dossier/c.txt", ".cachee.md", "~$brouillon.docx", "__pycache__/d.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [source for _, source in discover_files([tmp_path])] == ["a.md", "sous-dossier/c.txt"]


def test_discovery_prefixes_sources_when_several_roots(tmp_path: Path) -> None:
    for name in ("lois/a.md", "fiches/a.md", "seul.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    found = discover_files([tmp_path / "lois", tmp_path / "fiches", tmp_path / "seul.txt"])
    assert [source for _, source in found] == ["fiches/a.md", "lois/a.md", "seul.txt"]


# --- the shared seeds ------------------------------------------------------------------------------


def test_the_five_seeds_are_all_indexed(seeds_index: Workspace) -> None:
    report = seeds_index.report
    assert len(report.indexed) == 5 and report.skipped == []
    assert {source[:4] for source in report.indexed} == {"000_", "001_", "002_", "003_", "004_"}
    sources = {chunk.source for chunk in stored_chunks(seeds_index.index_dir)}
    assert sources == {path.name for path in SEEDS_DIR.glob("*.txt")}


def test_seed_web_scrape_is_indexed_without_cookie_panel(seeds_index: Workspace) -> None:
    chunks = [c for c in stored_chunks(seeds_index.index_dir) if c.source.startswith("004_")]
    assert len(chunks) > 5
    assert not [c.chunk_id for c in chunks if "cookie" in c.embed_text.lower() or "Panneau de gestion" in c.text]
