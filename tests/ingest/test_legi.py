"""The DILA LEGI loader on team-written article files (tests/data/legi/) in the real LEGI schema.

Code du travail L3332-17-1 has three versions (2008, 2014, 2019), L3332-17-2 one; loi n° 2014-856 has its
article 1 in force and its article 13 modified in 2015, then abrogated in 2019. LEGIARTI000099999999.xml is
cut in the middle, as a damaged download would be.
"""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest

from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding
from essbot.ingest.legi import chunk_legi, parse_article
from essbot.ingest.loaders import SkippedFile
from essbot.ingest.pipeline import ingest
from essbot.types import Chunk
from tests.conftest import stored_chunks

LEGI_DIR = Path(__file__).parents[1] / "data" / "legi"
MALFORMED = "LEGIARTI000099999999.xml"
ESUS_2019, ESUS_2014, ESUS_2008 = "LEGIARTI000038610212.xml", "LEGIARTI000029337282.xml", "LEGIARTI000006904264.xml"


def settings_at(day: str = "", **changes: object) -> Settings:
    return Settings().replace(legi_date=day, **changes)


def chunks_in_force(day: str = "") -> dict[str, Chunk]:
    """Chunks of every fixture file in force at `day`, by file name."""
    found = {}
    for path in sorted(LEGI_DIR.glob("*.xml")):
        try:
            [chunk] = chunk_legi(path, path.name, settings_at(day))[1]
        except SkippedFile:
            continue
        found[path.name] = chunk
    return found


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """The fixtures as a LEGI dump would ship them: a .tar.gz with the files deep in folders."""
    path = tmp_path / "legi-extrait.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for file in sorted(LEGI_DIR.glob("*.xml")):
            tar.add(file, arcname=f"legi/global/code_et_TNC_en_vigueur/article/LEGI/ARTI/{file.name}")
    return path


# --- one article version per file ------------------------------------------------------------------


def test_only_the_version_in_force_today_is_kept() -> None:
    assert sorted(chunks_in_force()) == [
        "LEGIARTI000029314817.xml",  # loi ESS, article 1
        "LEGIARTI000029337288.xml",  # L3332-17-2
        ESUS_2019,
    ]


def test_article_chunk_has_number_text_title_hierarchy_and_version_date() -> None:
    chunk = chunks_in_force()[ESUS_2019]
    assert (chunk.article, chunk.title, chunk.updated, chunk.doc_type) == (
        "L. 3332-17-1",
        "Code du travail",
        "2019-05-24",
        "legi",
    )
    assert chunk.section == "Article L3332-17-1"
    assert chunk.heading_path[0] == "Partie législative"
    assert chunk.heading_path[-2:] == ("Section 3 : Composition et gestion du plan", "Article L3332-17-1")
    assert "durée de cinq ans" in chunk.text and "deux ans" not in chunk.text
    # <p> and <br/> of the CONTENU become paragraphs.
    assert "\n\n1° L'entreprise poursuit" in chunk.text and "\n\n2° La charge" in chunk.text


def test_a_past_date_keeps_the_versions_then_in_force() -> None:
    in_2016 = chunks_in_force("2016-01-01")
    assert ESUS_2014 in in_2016 and ESUS_2019 not in in_2016 and ESUS_2008 not in in_2016
    assert "durée de deux ans" in in_2016[ESUS_2014].text
    # Article 13 of the loi ESS, in its 2015 wording, not yet abrogated in 2016.
    assert in_2016["LEGIARTI000031053826.xml"].updated == "2015-08-19"
    assert "LEGIARTI000029314939.xml" in chunks_in_force("2015-01-01")
    assert ESUS_2008 in chunks_in_force("2010-06-30")


def test_a_version_not_in_force_is_skipped_with_its_window_in_french() -> None:
    with pytest.raises(SkippedFile) as abrogated:
        chunk_legi(LEGI_DIR / "LEGIARTI000031053826.xml", "a.xml", settings_at("2024-01-01"))
    assert abrogated.value.reason == (
        "version de l'article 13 non en vigueur au 01/01/2024 (état ABROGE, en vigueur à partir du 19/08/2015 "
        "jusqu'au 01/04/2019)"
    )
    with pytest.raises(SkippedFile, match="non en vigueur au 01/01/2010"):
        chunk_legi(LEGI_DIR / ESUS_2019, "b.xml", settings_at("2010-01-01"))


def test_the_day_a_version_ends_belongs_to_the_next_one() -> None:
    on_the_day = chunks_in_force("2019-05-24")
    assert ESUS_2019 in on_the_day and ESUS_2014 not in on_the_day


def test_malformed_file_is_skipped_with_a_french_reason() -> None:
    with pytest.raises(SkippedFile, match="fichier LEGI illisible : XML mal formé"):
        chunk_legi(LEGI_DIR / MALFORMED, MALFORMED, settings_at())


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        ("<SECTION_TA><ID>LEGISCTA000006177960</ID></SECTION_TA>", "fichier de structure LEGI"),
        ("<html><body>page</body></html>", "pas un article LEGI"),
        (
            "<ARTICLE><META><META_COMMUN><ID>LEGIARTI000000000001</ID></META_COMMUN><META_SPEC><META_ARTICLE>"
            "<NUM>2</NUM><ETAT>VIGUEUR</ETAT><DATE_DEBUT>2014-08-02</DATE_DEBUT><DATE_FIN>2999-01-01</DATE_FIN>"
            "</META_ARTICLE></META_SPEC></META><BLOC_TEXTUEL><CONTENU> </CONTENU></BLOC_TEXTUEL></ARTICLE>",
            "BLOC_TEXTUEL/CONTENU absent ou vide",
        ),
        (
            "<ARTICLE><META><META_COMMUN><ID>LEGIARTI000000000001</ID></META_COMMUN><META_SPEC><META_ARTICLE>"
            "<NUM>2</NUM><DATE_DEBUT>02/08/2014</DATE_DEBUT></META_ARTICLE></META_SPEC></META></ARTICLE>",
            "DATE_DEBUT n'est pas une date",
        ),
    ],
    ids=["section-file", "not-legi", "empty-content", "bad-date"],
)
def test_files_that_are_not_usable_articles_are_skipped(tmp_path: Path, xml: str, reason: str) -> None:
    path = tmp_path / "fichier.xml"
    path.write_text(xml, encoding="utf-8")
    with pytest.raises(SkippedFile, match=reason):
        chunk_legi(path, path.name, settings_at())


def test_entity_expansion_attack_is_refused(tmp_path: Path) -> None:
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    path = tmp_path / "bombe.xml"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE ARTICLE [<!ENTITY l0 "ha">{laughs}]><ARTICLE>&l9;</ARTICLE>',
        encoding="utf-8",
    )
    with pytest.raises(SkippedFile, match="entités ou références externes interdites"):
        chunk_legi(path, path.name, settings_at())


def test_dated_titles_follow_the_chosen_day() -> None:
    xml = (LEGI_DIR / ESUS_2019).read_text(encoding="utf-8")
    renamed = xml.replace(
        '<TITRE_TXT c_titre_court="Code du travail" debut="2008-05-01" fin="2999-01-01"',
        '<TITRE_TXT c_titre_court="Code du travail (ancien)" debut="1973-01-01" fin="2008-05-01" '
        'id_txt="LEGITEXT000006072051">Code du travail (ancien)</TITRE_TXT>'
        '<TITRE_TXT c_titre_court="Code du travail" debut="2008-05-01" fin="2999-01-01"',
    )
    assert parse_article(renamed.encode(), Settings().replace(legi_date="2024-01-01").legi_at).text_title == (
        "Code du travail"
    )


# --- an archive of a dump ---------------------------------------------------------------------------


def test_archive_keeps_one_chunk_per_article_in_force(archive: Path) -> None:
    doc, chunks = chunk_legi(archive, archive.name, settings_at())
    assert sorted((c.title, c.article) for c in chunks) == [
        ("Code du travail", "L. 3332-17-1"),
        ("Code du travail", "L. 3332-17-2"),
        ("LOI n° 2014-856 du 31 juillet 2014", "1"),
    ]
    assert {c.source for c in chunks} == {archive.name}
    assert [c.updated for c in chunks if c.article == "L. 3332-17-1"] == ["2019-05-24"]
    # The damaged member is reported by name, the rest of the archive is indexed.
    assert [(name.rsplit("/", 1)[-1], reason[:28]) for name, reason in doc.skipped_parts] == [
        (MALFORMED, "fichier LEGI illisible : XML")
    ]
    assert doc.updated == "2019-05-24" and doc.doc_type == "legi"


def test_archive_at_a_past_date(archive: Path) -> None:
    _, chunks = chunk_legi(archive, archive.name, settings_at("2016-01-01"))
    by_article = {(c.title, c.article): c for c in chunks}
    assert by_article[("Code du travail", "L. 3332-17-1")].updated == "2014-08-02"
    assert by_article[("LOI n° 2014-856 du 31 juillet 2014", "13")].updated == "2015-08-19"


def test_archive_without_article_in_force_is_skipped(archive: Path) -> None:
    with pytest.raises(SkippedFile, match="archive LEGI sans article en vigueur au 01/01/2000"):
        chunk_legi(archive, archive.name, settings_at("2000-01-01"))


def test_corrupt_archive_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "coupee.tar.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00not really gzip")
    with pytest.raises(SkippedFile, match=r"archive \.tar\.gz illisible"):
        chunk_legi(path, path.name, settings_at())


# --- through ingestion and the CLI ------------------------------------------------------------------


def test_ingesting_a_legi_folder_and_an_archive(tmp_path: Path, archive: Path, embedding: EssbotEmbedding) -> None:
    docs = tmp_path / "documents"
    shutil.copytree(LEGI_DIR, docs / "legi")
    shutil.copy(archive, docs / archive.name)
    settings = Settings(index_dir=tmp_path / "index", legi_date="2024-01-01")
    report = ingest([docs], settings, embedding=embedding)
    assert sorted(report.indexed) == [
        "legi-extrait.tar.gz",
        "legi/LEGIARTI000029314817.xml",
        "legi/LEGIARTI000029337288.xml",
        f"legi/{ESUS_2019}",
    ]
    reasons = {s.source: s.reason for s in report.skipped}
    assert reasons[f"legi/{ESUS_2008}"].startswith("version de l'article L3332-17-1 non en vigueur au 01/01/2024")
    assert reasons[f"legi/{MALFORMED}"].startswith("fichier LEGI illisible")
    assert any(s.startswith("legi-extrait.tar.gz:") and s.endswith(MALFORMED) for s in reasons)
    chunks = stored_chunks(settings.index_dir)
    assert all(c.article and c.updated for c in chunks)
    # Another date is another set of versions: the files are split again.
    report = ingest([docs], settings.replace(legi_date="2016-01-01"), embedding=embedding)
    assert f"legi/{ESUS_2014}" in report.indexed and f"legi/{ESUS_2019}" not in report.indexed


def test_cli_ingest_at_a_date(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = run_cli("ingest", LEGI_DIR, "--at", "2024-13-01", "--index", tmp_path / "index")
    assert bad.exit_code != 0 and "--at" in bad.output
