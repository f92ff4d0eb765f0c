"""A 5-question sample gold set for the generated corpus, hand-made answers, and an Assistant on the tiny index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from essbot.answer.engine import Assistant
from essbot.answer.types import Answer, Citation
from essbot.config import Settings
from essbot.evaluation.gold import parse_row
from essbot.evaluation.results import Response, score_response, summarize, summarize_by_kind
from essbot.evaluation.runner import EvalRun
from essbot.index.embeddings import EssbotEmbedding
from essbot.index.stores import open_store
from essbot.retrieve import HybridRetriever
from essbot.types import Chunk, Passage
from tests.conftest import Workspace

# Written for tests/data/make_fixtures.GOOD_FILES (the `built_index` corpus): one row of most kinds.
SAMPLE_ROWS = [
    {
        "id": "esus",
        "question": "Qui délivre l'agrément entreprise solidaire d'utilité sociale ?",
        "history": [],
        "answerable": True,
        "expected_sources": ["guide-rtes", "loi-extrait"],
        "expected_keywords": ["délivré"],
        "reference_answer": "La DDEETS du département du siège social.",
        "kind": "fact",
    },
    {
        "id": "scic",
        "question": "Quelle part du capital d'une SCIC une collectivité peut-elle détenir ?",
        "history": [],
        "answerable": True,
        "expected_sources": ["scic"],
        "expected_keywords": ["cinquante pour cent"],
        "reference_answer": "Jusqu'à cinquante pour cent.",
        "kind": "fact",
    },
    {
        "id": "ptce-suivi",
        "question": "Et comment la communauté de communes le soutient-elle ?",
        "history": [
            {"role": "user", "content": "Qu'est-ce qu'un pôle territorial de coopération économique ?"},
            {"role": "assistant", "content": "Un PTCE regroupe des entreprises de l'ESS [1]."},
        ],
        "answerable": True,
        "expected_sources": ["ptce"],
        "expected_keywords": ["tiers-lieu"],
        "reference_answer": "Elle met à disposition un tiers-lieu et cofinance l'animation.",
        "kind": "followup",
    },
    {
        "id": "cress",
        "question": "Qui finance les missions d'intérêt général de la chambre régionale de l'ESS ?",
        "history": [],
        "answerable": True,
        "expected_sources": ["cress-sommaire"],
        "expected_keywords": ["région"],
        "reference_answer": "La région, par une convention pluriannuelle.",
        "kind": "paraphrase",
    },
    {
        "id": "hors-sujet",
        "question": "Quel est le montant du RSA pour une personne seule en Guadeloupe en 2025 ?",
        "history": [],
        "answerable": False,
        "expected_sources": [],
        "expected_keywords": [],
        "reference_answer": "",
        "kind": "unanswerable",
    },
]


def write_gold(path: Path, rows: list[dict[str, object]] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(row, ensure_ascii=False) for row in (SAMPLE_ROWS if rows is None else rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def sample_gold(tmp_path: Path) -> Path:
    return write_gold(tmp_path / "evals" / "sample.jsonl")


@pytest.fixture(scope="session")
def tiny_assistant(built_index: Workspace, embedding: EssbotEmbedding) -> Assistant:
    """An Assistant on the generated corpus, sharing the session's embedding model."""
    index = open_store(Settings(), built_index.index_dir, embedding.model_id)
    return Assistant(HybridRetriever(index, embedding, built_index.settings), built_index.settings)


def passage(
    source: str,
    text: str,
    score: float = 0.9,
    dense: float | None = 0.85,
    title: str = "Titre",
    section: str = "Section",
) -> Passage:
    chunk = Chunk(f"id-{source}-{abs(hash(text)) % 10_000}", text, source, title, None, section, "md")
    return Passage(chunk, score, dense_score=dense)


def answer(
    question: str, text: str, passages: list[Passage], cited: list[int], abstained: bool = False, total_ms: float = 10.0
) -> Answer:
    """An Answer whose i-th citation ([i]) is passages[cited[i - 1] - 1]."""
    citations = [Citation.from_passage(i, passages[n - 1]) for i, n in enumerate(cited, start=1)]
    return Answer(question, text, abstained, citations, passages, {"total": total_ms})


XSS = "<script>alert('x')</script>"


@pytest.fixture(scope="session")
def handmade_run() -> EvalRun:
    """Three scored questions (one answered, one wrongly abstained, one hostile question text), no model."""
    esus = parse_row(
        {
            "id": "esus",
            "question": "Qui délivre l'agrément ESUS ?",
            "answerable": True,
            "expected_sources": ["fiche-esus"],
            "expected_keywords": ["préfet", "cinq ans"],
        }
    )
    scic = parse_row(
        {
            "id": "scic",
            "question": "Qu'est-ce qu'une SCIC ?",
            "answerable": True,
            "expected_sources": ["fiche-scic"],
            "expected_keywords": ["coopérative"],
            "kind": "paraphrase",
            "history": [{"role": "user", "content": "Bonjour"}],
        }
    )
    hostile = parse_row({"id": "xss", "question": f"Et {XSS} ?", "answerable": False, "kind": "unanswerable"})
    esus_passages = [
        passage("fiche-esus.pdf", "L'agrément ESUS est délivré par le préfet.", dense=0.9),
        passage("fiche-glossaire.md", f"Glossaire {XSS}", dense=0.8),
    ]
    scic_passages = [passage("fiche-scic.html", "La SCIC est une société coopérative.", dense=0.82)]
    responses = {
        "esus": Response(
            esus_passages,
            answer(esus.question, "L'agrément ESUS est délivré par le préfet [1].", esus_passages, [1], total_ms=12.0),
            12.0,
        ),
        "scic": Response(
            scic_passages, answer(scic.question, "Je ne trouve pas.", scic_passages, [], True, 30.0), 30.0
        ),
        "xss": Response(
            esus_passages, answer(hostile.question, f"Réponse {XSS} [1].", esus_passages, [2], total_ms=18.0), 18.0
        ),
    }
    results = [score_response(item, responses[item.id]) for item in (esus, scic, hostile)]
    meta = {"gold": "evals/sample.jsonl", "settings": {"abstain_min_dense": 0.8, "top_k": 5}}
    return EvalRun("hybrid", results, meta, summarize(results), summarize_by_kind(results))
