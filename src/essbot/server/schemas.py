"""Pydantic request and response schemas: the HTTP contract, and the OpenAPI schema shown on /docs.

Names match the contract (Answer, Citation…); modules that also use the domain dataclasses import this
module as `schemas` and write `schemas.Answer`.
"""

from __future__ import annotations

from typing import Any, Literal

from openai.types import Model as OpenAIModel
from openai.types.chat import ChatCompletion as OpenAIChatCompletion
from pydantic import BaseModel, ConfigDict, Field, field_validator

from essbot.answer.safety import check_text


class ErrorDetail(BaseModel):
    code: str = Field(description="Code stable, en anglais, pour les programmes (ex. `invalid_question`).")
    message: str = Field(description="Message en français, affichable tel quel à l'utilisateur.")


class Error(BaseModel):
    """Every error of the API has this shape."""

    error: ErrorDetail


# --- the Answer contract (see ARCHITECTURE.md) -----------------------------------------------------


class Citation(BaseModel):
    id: int = Field(description="Numéro n du marqueur `[n]` dans le texte de la réponse.")
    source: str = Field(description="Nom du fichier tel qu'indexé (chemin relatif au dossier des documents).")
    title: str
    page: int | None = Field(description="Page (à partir de 1) pour un PDF, sinon null.")
    section: str
    text: str = Field(description="Passage cité, en texte brut (jamais du HTML à interpréter).")
    score: float
    article: str | None = Field(None, description="Numéro de l'article de loi cité (« L. 3332-17-1 »), sinon null.")
    updated: str | None = Field(
        None,
        description="Date de la source (ISO : « 2026-11-01 », ou l'année seule « 2015 » si elle seule est connue).",
    )


class Passage(BaseModel):
    source: str
    title: str
    page: int | None
    section: str
    text: str
    score: float
    article: str | None = None
    updated: str | None = None


class Answer(BaseModel):
    """Texts are plain text: display them as text, never as HTML."""

    question: str
    answer: str = Field(description="Réponse en français ; chaque `[n]` renvoie à la citation d'id n.")
    abstained: bool = Field(description="Vrai quand les documents ne permettent pas de répondre (pas de citation).")
    citations: list[Citation]
    retrieved: list[Passage] = Field(description="Passages consultés, cités ou non.")
    timings_ms: dict[str, float]


class HistoryMessage(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class Filters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str | list[str] | None = Field(None, description="Préfixe(s) du nom de fichier source.")
    doc_type: str | list[str] | None = Field(None, description="pdf, html, markdown, text ou docx.")

    @field_validator("source", "doc_type")
    @classmethod
    def _usable_text(cls, value: str | list[str] | None) -> str | list[str] | None:
        for text in [value] if isinstance(value, str) else value or []:
            if check_text(text):
                raise ValueError(check_text(text))
        return value

    def as_mapping(self) -> dict[str, str | list[str]]:
        return {key: value for key, value in self.model_dump().items() if value is not None}


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: str = Field(
        description="Question en français (longueur limitée par max_question_chars, 2000 caractères par défaut).",
        examples=["Qui délivre l'agrément ESUS ?"],
    )
    history: list[HistoryMessage] = Field(
        default_factory=list, max_length=50, description="Tours précédents, du plus ancien au plus récent."
    )
    k: int | None = Field(None, ge=1, le=20, description="Nombre de passages consultés (5 par défaut).")
    filters: Filters | None = None


# --- service ---------------------------------------------------------------------------------------


class IndexingStatus(BaseModel):
    state: Literal["idle", "running", "succeeded", "failed", "cancelled"]
    started_at: float | None = Field(description="Horodatage Unix du début de la dernière réindexation.")
    finished_at: float | None
    message: str = Field(description="Résumé en français de la dernière réindexation.")
    generation: int = Field(description="Nombre d'index mis en service depuis le démarrage.")
    pending: bool = Field(False, description="Une autre réindexation attend la fin de celle en cours.")
    timeout_s: float = Field(0.0, description="Durée au-delà de laquelle une réindexation est annulée.")


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(
        description="« degraded » : le serveur répond, mais sans recherche par similarité (voir `warning`)."
    )
    index: str = Field(description="Nom du dossier de l'index (jamais son chemin).")
    chunks: int
    documents: int
    generator: str
    embedding_model: str
    indexing: IndexingStatus
    warning: str | None = Field(None, description="Ce qui dégrade le service et comment le rétablir, en français.")


class Document(BaseModel):
    source: str
    title: str
    doc_type: str
    pages: int | None
    chunks: int
    size_bytes: int
    skipped: str | None = Field(description="Motif (en français) quand le fichier n'a pas pu être indexé.")


class DocumentList(BaseModel):
    documents: list[Document]
    chunks: int
    indexing: IndexingStatus


class SkippedPart(BaseModel):
    name: str = Field(description="Fichier de l'archive LEGI.")
    reason: str = Field(description="Motif (en français) pour lequel il n'est pas indexé.")


class DocumentChange(BaseModel):
    source: str
    status: Literal["indexing"]
    replaced: bool = Field(description="Vrai si un document du même nom a été remplacé.")
    message: str
    legi_at: str | None = Field(
        default=None,
        description="Texte officiel LEGI : date (AAAA-MM-JJ) à laquelle les versions d'articles sont en vigueur.",
    )
    articles: int | None = Field(default=None, description="Texte officiel LEGI : nombre d'articles indexés.")
    skipped: list[SkippedPart] = Field(
        default_factory=list,
        description="Texte officiel LEGI : fichiers de l'archive ignorés (mal formés…), avec leur motif (100 au plus).",
    )


# --- OpenAI-compatible chat completions ------------------------------------------------------------


class ChatMessage(BaseModel):
    """An OpenAI chat message; `content` may be a string or a list of parts ({"type": "text", "text": …})."""

    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        parts = self.content or []
        return "".join(str(part.get("text", "")) for part in parts if part.get("type", "text") == "text")


class ChatCompletionRequest(BaseModel):
    """OpenAI's body; sampling options (temperature, max_tokens…) are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = "essbot"
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


class ChatCompletion(OpenAIChatCompletion):
    """OpenAI's `chat.completion` (the `openai` package's own type), with essbot's two extra fields.

    `usage` counts words, not tokens: essbot has no tokenizer of its own.
    """

    citations: list[Citation] = Field(description="Extension essbot : les sources citées dans la réponse.")
    abstained: bool = Field(description="Extension essbot : vrai quand les documents ne répondent pas.")


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[OpenAIModel]
