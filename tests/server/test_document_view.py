"""GET /documents/view and GET /documents/page.png: signed links, escaping, traversal, unknown sources, previews."""

from __future__ import annotations

import html
import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from essbot import messages
from essbot.answer.engine import Assistant
from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding
from essbot.ingest.pipeline import ingest
from essbot.server.document_view import DocumentLinks, DocumentViews, indexed_chunk, install_document_views
from essbot.types import Chunk
from tests.data.make_fixtures import write_docx, write_law_text
from tests.data.poisoned_fiche import IMG_TAG, SCRIPT_TAG, write_poisoned_fiche

REPO = Path(__file__).resolve().parents[2]
FICHES = ("fiche-spaser.pdf", "fiche-ptce.md", "fiche-cress-ess-france.html")
HOSTILE_HTML = """<!DOCTYPE html><html><head><title>Fiche piégée</title>
<script>window.__xss = 3</script><style>body{display:none}</style></head>
<body><main><h1>Fiche piégée</h1><h2>Le fonds Mésange</h2>
<p>Le fonds Mésange finance les coopératives d'habitants de la commune de Trifouilly.
<img src="x" onerror="window.__xss=4"> <a href="javascript:alert(1)">Lien</a></p>
<p>Le dossier se dépose auprès du service de l'économie sociale et solidaire de la mairie.</p>
</main></body></html>"""
ADMIN_TOKEN = "jeton-admin-de-test"


@dataclass
class ViewSetup:
    settings: Settings
    assistant: Assistant
    links: DocumentLinks


@pytest.fixture(scope="module")
def view_setup(tmp_path_factory: pytest.TempPathFactory, embedding: EssbotEmbedding) -> ViewSetup:
    """A real PDF, Markdown and HTML fiche, the poisoned fiche and a hostile HTML page, indexed."""
    from essbot.index.stores import open_store
    from essbot.retrieve import HybridRetriever

    root = tmp_path_factory.mktemp("document-view")
    docs = root / "documents"
    docs.mkdir()
    for name in FICHES:
        shutil.copy2(REPO / "documents" / name, docs / name)
    write_poisoned_fiche(docs)
    (docs / "fiche-piegee.html").write_text(HOSTILE_HTML, encoding="utf-8")
    write_docx(docs / "scic.docx")
    write_law_text(docs / "loi-extrait.txt")
    (root / "secret.md").write_text("# Secret\n\nNe doit jamais sortir du serveur.\n", encoding="utf-8")
    settings = Settings(index_dir=root / "index", documents_dir=docs, admin_token=ADMIN_TOKEN)
    ingest([docs], settings, embedding=embedding)
    store = open_store(settings, model_id=embedding.model_id)
    assistant = Assistant(HybridRetriever(store, embedding, settings), settings)
    return ViewSetup(settings, assistant, DocumentLinks.from_settings(settings))


def make_client(setup: ViewSetup, **changes: object) -> TestClient:
    settings = setup.settings.replace(**changes) if changes else setup.settings
    app = FastAPI()
    install_document_views(app, DocumentViews(settings, lambda: setup.assistant, setup.links))
    return TestClient(app)


@pytest.fixture(scope="module")
def client(view_setup: ViewSetup) -> Iterator[TestClient]:
    with make_client(view_setup) as test_client:
        yield test_client


def all_chunks(setup: ViewSetup) -> list[Chunk]:
    store = setup.assistant.retriever.store
    return store.fetch([chunk_id for record in store.files().values() for chunk_id in record.chunk_ids])


def chunk_of(setup: ViewSetup, source: str, containing: str) -> Chunk:
    chunks = all_chunks(setup)
    return next(c for c in chunks if c.source == source and containing in c.text)


def test_signed_link_opens_the_markdown_text_at_the_cited_passage(view_setup: ViewSetup, client: TestClient) -> None:
    chunk = chunk_of(view_setup, "fiche-ptce.md", "")
    path = view_setup.links.view_path(chunk.source, chunk.chunk_id)
    assert path.endswith("#extrait")
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    cited = re.search(r'<p class="cited" id="extrait">(.*?)</p>', page, re.S)
    assert cited, "the cited passage has no anchor"
    assert chunk.text.split("\n")[0][:60] in cited.group(1).replace("&#x27;", "'")
    assert f"<h1>{chunk.title}</h1>".replace("'", "&#x27;") in page
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script" not in csp and "frame-ancestors 'self'" in csp


@pytest.mark.parametrize(
    ("source", "containing", "heading"),
    [
        ("scic.docx", "cinquante pour cent", "Le rôle des collectivités"),
        ("loi-extrait.txt", "autorité administrative", "L. 3332-17-1"),
        ("fiche-cress-ess-france.html", "", ""),
    ],
)
def test_word_text_and_html_sources_open_at_their_passage(
    view_setup: ViewSetup, client: TestClient, source: str, containing: str, heading: str
) -> None:
    chunk = chunk_of(view_setup, source, containing)
    page = client.get(view_setup.links.view_path(source, chunk.chunk_id)).text
    cited = re.search(r'<p class="cited" id="extrait">(.*?)</p>', page, re.S)
    assert cited, page[-2000:]
    first_line = chunk.text.split("\n")[0][:50]
    assert html.escape(first_line) in cited.group(1) or first_line in html.unescape(cited.group(1))
    # The section's heading comes just before the passage.
    before = page[: cited.start()]
    last_heading = re.findall(r"<h[2-6]>(.*?)</h[2-6]>", before)
    assert last_heading, "no heading before the cited passage"
    assert heading in html.unescape(last_heading[-1])


def test_document_markup_is_escaped_never_served(view_setup: ViewSetup, client: TestClient) -> None:
    for source, containing in (("fiche-regie-lilas-solidaire.md", "espaces publics"), ("fiche-piegee.html", "Mésange")):
        chunk = chunk_of(view_setup, source, containing)
        page = client.get(view_setup.links.view_path(source, chunk.chunk_id)).text
        body = page.split("</head>", 1)[1]
        assert not re.search(r"<(script|img|a|iframe|style|link)\b", body, re.I), body
        assert containing in body
    # As in the chat: the poisoned fiche's markup is reduced to its words, shown neither as markup nor as text.
    chunk = chunk_of(view_setup, "fiche-regie-lilas-solidaire.md", "espaces publics")
    assert SCRIPT_TAG in chunk.text
    page = client.get(view_setup.links.view_path(chunk.source, chunk.chunk_id)).text
    assert "cliquez ici" in page and "espaces publics" in page
    for markup in (SCRIPT_TAG, IMG_TAG, "&lt;script", "&lt;img", "javascript:"):
        assert markup not in page


def test_pdf_page_is_an_image_of_the_cited_page_with_the_passage_highlighted(
    view_setup: ViewSetup, client: TestClient
) -> None:
    from PIL import Image

    chunk = chunk_of(view_setup, "fiche-spaser.pdf", "Décret n° 2022-767")
    response = client.get(view_setup.links.page_path(chunk.source, chunk.chunk_id))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content)).convert("RGB")
    assert image.width == 1100 and image.height > image.width  # a portrait page, fit to a fixed width
    assert yellow_pixels(image) > 2000  # the highlight

    # Another page's passage: its own page, highlighted elsewhere.
    other = next(c for c in all_chunks(view_setup) if c.source == chunk.source and c.page == 1)
    first_page = Image.open(io.BytesIO(client.get(view_setup.links.page_path(other.source, other.chunk_id)).content))
    assert first_page.convert("RGB").tobytes() != image.tobytes()
    assert yellow_pixels(first_page.convert("RGB")) > 2000


def yellow_pixels(image: object) -> int:
    """Yellowish pixels (red and green high, blue low), which a black-on-white page lacks."""
    import numpy as np

    pixels = np.asarray(image).astype(int)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return int(((red > 200) & (green > 180) & (blue < 160)).sum())


def test_page_of_a_document_that_is_not_a_pdf_is_refused_in_french(view_setup: ViewSetup, client: TestClient) -> None:
    chunk = chunk_of(view_setup, "fiche-ptce.md", "")
    response = client.get(view_setup.links.page_path(chunk.source, chunk.chunk_id))
    assert response.status_code == 404
    assert response.json()["error"]["message"] == messages.VIEW_NO_PAGE


@pytest.mark.parametrize(
    "source",
    ["../secret.md", "..%2Fsecret.md", "/etc/passwd", "documents/../../secret.md", "inconnu.md", "fiche-ptce.md/.."],
)
def test_traversal_and_unknown_sources_are_a_french_404(view_setup: ViewSetup, client: TestClient, source: str) -> None:
    from urllib.parse import unquote

    raw = unquote(source)
    signature = view_setup.links.signature(raw, "abc")  # even a correctly signed link
    response = client.get(f"/documents/view?source={quote(raw)}&chunk=abc&sig={signature}")
    assert response.status_code == 404
    assert "Document introuvable" in response.text and "documents indexés" in response.text
    assert "Ne doit jamais sortir" not in response.text
    image = client.get(f"/documents/page.png?source={quote(raw)}&chunk=abc&sig={signature}")
    assert image.status_code == 404 and image.json()["error"]["code"] == "document_not_found"


def test_unsigned_or_forged_links_are_refused_unless_documents_are_public(view_setup: ViewSetup) -> None:
    chunk = chunk_of(view_setup, "fiche-ptce.md", "")
    query = f"/documents/view?source={chunk.source}&chunk={chunk.chunk_id}"
    with make_client(view_setup) as client:
        for path in (query, query + "&sig=" + "0" * 32, query.replace(chunk.chunk_id, "autre") + "&sig=x"):
            refused = client.get(path)
            assert refused.status_code == 403
            assert "Lien refusé" in refused.text
            assert chunk.text[:40] not in refused.text
        # Another server's (or an old process's) key: refused too.
        forged = DocumentLinks(b"another key").view_path(chunk.source, chunk.chunk_id)
        assert client.get(forged).status_code == 403
        # The administrator, with the bearer token; a wrong token is refused.
        assert client.get(query, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 200
        assert client.get(query, headers={"Authorization": "Bearer faux"}).status_code == 403
    with make_client(view_setup, public_documents=True) as client:
        assert client.get(query).status_code == 200


def test_links_survive_a_restart_when_an_admin_token_is_set(view_setup: ViewSetup) -> None:
    again = DocumentLinks.from_settings(view_setup.settings)
    assert again.signature("a.md", "x") == view_setup.links.signature("a.md", "x")
    without_token = view_setup.settings.replace(admin_token="")
    assert DocumentLinks.from_settings(without_token).signature("a.md", "x") != DocumentLinks.from_settings(
        without_token
    ).signature("a.md", "x")


def test_a_passage_no_longer_indexed_still_opens_its_document_with_a_note(
    view_setup: ViewSetup, client: TestClient
) -> None:
    source = "fiche-cress-ess-france.html"
    assert indexed_chunk(view_setup.assistant, source, "disparu") is None
    response = client.get(view_setup.links.view_path(source, "disparu"))
    assert response.status_code == 200
    assert 'class="cited"' not in response.text
    assert "n&#x27;a pas été retrouvé" in response.text
    image = client.get(view_setup.links.page_path("fiche-spaser.pdf", "disparu"))
    assert image.status_code == 404 and "Passage introuvable" in image.json()["error"]["message"]


def test_passage_is_found_on_a_page_despite_hyphenation_ligatures_and_spacing() -> None:
    from essbot.server.page_preview import matched_positions

    page = "En-tête\r\nLes coopé-\r\nratives d'habitants béné\ufb01cient d'une garantie.\r\nAutre paragraphe sans lien."
    found = matched_positions(page, "Les coopératives d'habitants bénéficient d'une garantie.")
    covered = "".join(page[i] for i in found)
    assert covered.startswith("Lescoop") and covered.endswith("garantie")
    assert "Autre" not in covered and "tête" not in covered
    assert matched_positions(page, "Un passage qui n'est pas sur cette page du tout.") == []


def test_overlapping_windows_of_a_section_are_shown_once_and_only_the_cited_one_is_marked() -> None:
    from essbot.server.document_render import document_blocks

    def window(chunk_id: str, text: str, path: tuple[str, ...]) -> Chunk:
        return Chunk(chunk_id, text, "f.md", "Fiche", None, path[-1], "markdown", path)

    first = window("a", "Première phrase du passage. Deuxième phrase partagée entre fenêtres.", ("Titre", "Section"))
    second = window("b", "Deuxième phrase partagée entre fenêtres. Troisième phrase.", ("Titre", "Section"))
    third = window("c", "Autre section, autre texte.", ("Titre", "Autre"))
    assert [block.text for block, _ in document_blocks([first, second, third], "c")][2:4] == [
        first.text,
        "Troisième phrase.",
    ]
    parts = document_blocks([first, second, third], "b")
    assert [(block.level, block.text, cited) for block, cited in parts] == [
        (1, "Titre", False),
        (2, "Section", False),
        (0, "Première phrase du passage.", False),
        (0, second.text, True),
        (2, "Autre", False),
        (0, third.text, False),
    ]
