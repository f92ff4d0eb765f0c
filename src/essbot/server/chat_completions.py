"""OpenAI-compatible `POST /v1/chat/completions` and `GET /v1/models`, so chat clients can use essbot as a model.

The last `user` message is the question and the earlier user/assistant turns are the history. The content is
the answer followed by a "Sources :" block; the citations are also in an extra top-level field `citations`.
Streaming sends the verified answer (citations already renumbered) in OpenAI's chunk format, then
`data: [DONE]`: chat clients concatenate deltas and cannot take back a provisional token.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from essbot import messages
from essbot.answer.types import Answer, Citation, Message
from essbot.server import schemas
from essbot.server.deps import CurrentAssistant
from essbot.server.http_errors import HttpError
from essbot.server.sse import SSE_HEADERS

MODEL_NAME = "essbot"
SOURCES_SEPARATOR = f"\n\n{messages.ANSWER_SOURCES_HEADER}\n"
_WORDS_PER_CHUNK = 4
_PIECES = re.compile(r"\S+\s*|\s+")

router = APIRouter(prefix="/v1", tags=["compatibilité OpenAI"])


def format_sources(citations: list[Citation]) -> str:
    """`[1] titre — section, p. N (source)`, one line per citation."""
    lines = []
    for c in citations:
        page = messages.SEARCH_PAGE.format(page=c.page) if c.page else ""
        lines.append(f"[{c.id}] {c.title} — {c.section}{page} ({c.source})")
    return "\n".join(lines)


def completion_text(answer: Answer) -> str:
    if not answer.citations:
        return answer.answer
    return answer.answer + SOURCES_SEPARATOR + format_sources(answer.citations)


def split_conversation(chat: list[schemas.ChatMessage]) -> tuple[str, list[Message]]:
    """The last user message, and the user/assistant turns before it (our own Sources blocks removed)."""
    last_user = max((i for i, m in enumerate(chat) if m.role == "user"), default=None)
    if last_user is None:
        raise HttpError(400, "invalid_question", messages.API_CHAT_NO_QUESTION)
    history = []
    for m in chat[:last_user]:
        if m.role == "user":
            history.append(Message("user", m.text()))
        elif m.role == "assistant":
            history.append(Message("assistant", m.text().split(SOURCES_SEPARATOR, 1)[0]))
    return chat[last_user].text(), history


def _words(text: str) -> int:
    return len(text.split())


def _completion(answer: Answer, content: str, question: str, history: list[Message]) -> schemas.ChatCompletion:
    prompt_words = _words(question) + sum(_words(m.content) for m in history)
    return schemas.ChatCompletion(
        id=f"chatcmpl-{uuid.uuid4().hex}",
        created=int(time.time()),
        model=MODEL_NAME,
        choices=[schemas.ChatChoice(message=schemas.ChatCompletionMessage(content=content))],
        usage=schemas.ChatUsage(
            prompt_tokens=prompt_words, completion_tokens=_words(content), total_tokens=prompt_words + _words(content)
        ),
        citations=[schemas.Citation(**asdict(c)) for c in answer.citations],
        abstained=answer.abstained,
    )


def _chunk(completion_id: str, created: int, delta: dict[str, str], finish: str | None = None, **extra: Any) -> str:
    payload = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_NAME,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


async def completion_chunks(answer: Answer, content: str) -> AsyncIterator[str]:
    """OpenAI's streaming format: a role chunk, content chunks of a few words, a final chunk, then [DONE]."""
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    yield _chunk(completion_id, created, {"role": "assistant", "content": ""})
    pieces = _PIECES.findall(content)
    for start in range(0, len(pieces), _WORDS_PER_CHUNK):
        yield _chunk(completion_id, created, {"content": "".join(pieces[start : start + _WORDS_PER_CHUNK])})
    citations = [asdict(c) for c in answer.citations]
    yield _chunk(completion_id, created, {}, "stop", citations=citations, abstained=answer.abstained)
    yield "data: [DONE]\n\n"


@router.post(
    "/chat/completions",
    response_model=schemas.ChatCompletion,
    summary="Réponse au format OpenAI (chat completions)",
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Objet chat.completion, ou flux de chat.completion.chunk si stream=true.",
        },
        400: {"model": schemas.Error},
        422: {"model": schemas.Error},
    },
)
async def chat_completions(
    body: schemas.ChatCompletionRequest, assistant: CurrentAssistant
) -> schemas.ChatCompletion | StreamingResponse:
    """Compatible avec les clients OpenAI : `model` est ignoré (toujours « essbot »), les messages `system`
    aussi. Le contenu se termine par un bloc « Sources : » ; le champ supplémentaire `citations` donne les
    sources sous forme structurée."""
    question, history = split_conversation(body.messages)
    answer = await assistant.aask(question, history)  # errors here are still plain JSON errors
    content = completion_text(answer)
    if body.stream:
        return StreamingResponse(
            completion_chunks(answer, content), media_type="text/event-stream", headers=SSE_HEADERS
        )
    return _completion(answer, content, question, history)


@router.get("/models", response_model=schemas.ModelList, summary="Modèles disponibles (format OpenAI)")
async def list_models() -> schemas.ModelList:
    """Un seul modèle, « essbot », pour les clients qui listent les modèles avant de converser."""
    return schemas.ModelList(data=[schemas.ModelCard(id=MODEL_NAME)])
