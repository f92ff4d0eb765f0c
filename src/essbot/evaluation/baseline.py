"""The "obvious approach" baseline: a plain llama-index VectorStoreIndex over the same documents.

How it is built, so that the comparison is fair and only the retrieval pipeline differs:
- the same files, read by essbot's loaders as raw text (one llama-index Document per PDF page, carrying
  `file_name` and `page_label` like llama-index's own PDF reader; llama-index's SimpleDirectoryReader without
  the optional `llama-index-readers-file` package would read PDF bytes as text), *without* essbot's cleaning;
- llama-index's default splitter (`SentenceSplitter`, 1024 tokens, overlap 200) and default in-memory vector
  store, the same embedding model (essbot's backend through llama-index's BaseEmbedding interface);
- dense top-k retrieval only (`as_retriever(similarity_top_k=10)`), no BM25, fusion, de-duplication or
  abstention gate: the first Settings.top_k nodes are answered from;
- the answer is composed exactly as essbot's default answer is (same follow-up heuristic, same extractive
  generator, same citation verification); it "abstains" only when no sentence could be cited.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from essbot import messages as core_messages
from essbot.answer.citations import verify_citations
from essbot.answer.followup import FollowupPolicy, resolve_query
from essbot.answer.generators import ExtractiveGenerator, GenerationRequest
from essbot.answer.types import Answer, Message
from essbot.answer.weights import TermWeights
from essbot.config import Settings
from essbot.evaluation.gold import GoldItem
from essbot.evaluation.results import DEPTH, Response
from essbot.ingest.loaders import SkippedFile, load_document
from essbot.ingest.pipeline import discover_files
from essbot.text.sentences import content_tokens
from essbot.types import Chunk, Passage

if TYPE_CHECKING:
    from essbot.index.embeddings import EssbotEmbedding


def load_llama_documents(paths: Sequence[Path], settings: Settings) -> tuple[list[Any], dict[str, tuple[str, str]]]:
    """llama-index Documents (one per PDF page, one per other file) and each source's (title, doc_type)."""
    from llama_index.core import Document

    documents, info = [], {}
    for path, source in discover_files(paths):
        try:
            loaded = load_document(path, source, settings.max_file_bytes)
        except SkippedFile:
            continue
        info[source] = (loaded.title, loaded.doc_type)
        for page in loaded.pages:
            if page.text.strip():
                metadata: dict[str, Any] = {"file_name": source}
                if page.number is not None:
                    metadata["page_label"] = str(page.number)
                documents.append(Document(text=page.text, metadata=metadata))
    return documents, info


def idf_weights(texts: Sequence[str]) -> TermWeights:
    """Inverse document frequency over the baseline's own nodes (the formula of essbot's BM25 weights)."""
    frequency: dict[str, int] = {}
    for text in texts:
        for token in content_tokens(text):
            frequency[token] = frequency.get(token, 0) + 1
    total = max(len(texts), 1)
    return TermWeights({t: math.log((total + 1) / (f + 0.5)) for t, f in frequency.items()}, total)


class LlamaIndexBaseline:
    """A plain VectorStoreIndex with its default splitter, answered like essbot's extractive default."""

    def __init__(self, paths: Sequence[Path], settings: Settings, embedding: EssbotEmbedding | None = None) -> None:
        from llama_index.core import VectorStoreIndex

        from essbot.index.embeddings import create_embedding

        self.settings = settings
        documents, self._info = load_llama_documents(paths, settings)
        self.index = VectorStoreIndex.from_documents(documents, embed_model=embedding or create_embedding(settings))
        self.retriever = self.index.as_retriever(similarity_top_k=DEPTH)
        nodes = list(self.index.docstore.docs.values())
        self.node_count = len(nodes)
        self.generator = ExtractiveGenerator(settings, idf_weights([node.get_content() for node in nodes]))

    def _passage(self, rank: int, hit: Any) -> Passage:
        node = hit.node
        source = str(node.metadata.get("file_name", ""))
        title, doc_type = self._info.get(source, ("", ""))
        page = node.metadata.get("page_label")
        chunk = Chunk(node.node_id, node.get_content(), source, title, int(page) if page else None, "", doc_type)
        score = float(hit.score or 0.0)
        return Passage(chunk, score, dense_score=score, dense_rank=rank)

    def _search(self, query: str) -> list[Passage]:
        return [self._passage(rank, hit) for rank, hit in enumerate(self.retriever.retrieve(query), start=1)]

    def respond(self, item: GoldItem) -> Response:
        started = time.perf_counter()
        history = [Message(turn.role, turn.content) for turn in item.history]  # type: ignore[arg-type]
        policy = FollowupPolicy.from_settings(self.settings)
        query, ranking = resolve_query(item.question, history, self._search, self.generator.weights, policy)
        retrieved = time.perf_counter()
        passages = ranking[: self.settings.top_k]
        raw = "".join(self.generator.stream(GenerationRequest(item.question, query, passages, history)))
        verified = verify_citations(raw, passages)
        abstained = not verified.citations
        text = core_messages.ABSTAIN_NO_VERIFIED_CLAIM if abstained else verified.text
        done = time.perf_counter()
        timings = {
            "retrieve": (retrieved - started) * 1000,
            "generate": (done - retrieved) * 1000,
            "total": (done - started) * 1000,
        }
        answer = Answer(item.question, text, abstained, [] if abstained else verified.citations, passages, timings)
        return Response(ranking, answer, timings["total"])
