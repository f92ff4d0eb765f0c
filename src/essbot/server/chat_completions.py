"""OpenAI-compatible `POST /v1/chat/completions` and `GET /v1/models`, so chat clients can use essbot as a model.

The last `user` message is the question and the earlier user/assistant turns are the history. The content is
the answer followed by a "Sources :" block; the citations are also in an extra top-level field `citations`.
Streaming sends the answer as it is written, one verified sentence at a time (chat clients concatenate deltas
and cannot take back a token, so only checked, plain text is sent), then the Sources block and `data: [DONE]`.
Response and chunk objects are the `openai` package's own types.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from openai.types import CompletionUsage, Model
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessage
from openai.types.chat.chat_completion import Choice
from openai.types.chat.chat_completion_chunk import Choice as ChunkChoice
from openai.types.chat.chat_completion_chunk import ChoiceDelta
from starlette.responses import Response

from essbot import messages
from essbot.answer.markup import neutralise_markup
from essbot.answer.types import Answer, Citation, Message
from essbot.insights.log import CHANNEL_OPENAI, logged_stream
from essbot.server import schemas
from essbot.server.deps import CurrentAssistant
from essbot.server.disconnect import first_item, until_disconnected
from essbot.server.http_errors import HttpError
from essbot.server.sse import event_stream, stream_error_event, with_first

MODEL_NAME = "essbot"
SOURCES_SEPARATOR = f"\n\n{messages.ANSWER_SOURCES_HEADER}\n"

router = APIRouter(prefix="/v1", tags=["compatibilité OpenAI"])


def format_sources(citations: list[Citation]) -> str:
    """`[1] titre — section, p. N (source)`, one line per citation."""
    lines = []
    for c in citations:
        page = messages.SEARCH_PAGE.format(page=c.page) if c.page else ""
        lines.append(neutralise_markup(f"[{c.id}] {c.title} — {c.section}{page} ({c.source})"))
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
        object="chat.completion",
        created=int(time.time()),
        model=MODEL_NAME,
        choices=[
            Choice(index=0, finish_reason="stop", message=ChatCompletionMessage(role="assistant", content=content))
        ],
        usage=CompletionUsage(
            prompt_tokens=prompt_words, completion_tokens=_words(content), total_tokens=prompt_words + _words(content)
        ),
        citations=[schemas.Citation(**asdict(c)) for c in answer.citations],
        abstained=answer.abstained,
    )


class _Chunks:
    """`chat.completion.chunk` objects of one completion, as SSE `data` fields."""

    def __init__(self) -> None:
        self.id, self.created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def __call__(self, delta: ChoiceDelta, finish: Any = None, **extra: Any) -> dict[str, str]:
        chunk = ChatCompletionChunk(
            id=self.id,
            object="chat.completion.chunk",
            created=self.created,
            model=MODEL_NAME,
            choices=[ChunkChoice(index=0, delta=delta, finish_reason=finish)],
            **extra,
        )
        return {"data": chunk.model_dump_json(exclude_unset=True)}


async def completion_chunks(items: AsyncIterator[str | Answer]) -> AsyncIterator[dict[str, str]]:
    """OpenAI's streaming format: a role chunk, the answer's sentences as they are verified, the Sources block,
    a final chunk with the citations, then [DONE]."""
    chunk = _Chunks()
    yield chunk(ChoiceDelta(role="assistant", content=""))
    shown = ""
    try:
        async for item in items:
            if isinstance(item, Answer):
                # Normally the Answer's text is what was streamed; an abstention decided at the end is added.
                rest = item.answer[len(shown) :] if item.answer.startswith(shown) else "\n\n" + item.answer
                tail = rest + (SOURCES_SEPARATOR + format_sources(item.citations) if item.citations else "")
                if tail:
                    yield chunk(ChoiceDelta(content=tail))
                citations = [asdict(c) for c in item.citations]
                yield chunk(ChoiceDelta(), "stop", citations=citations, abstained=item.abstained)
            else:
                shown += item
                yield chunk(ChoiceDelta(content=item))
    except Exception as exc:
        error = stream_error_event(exc, "POST /v1/chat/completions")
        yield {"data": str(error.data)}
    yield {"data": "[DONE]"}


@router.post(
    "/chat/completions",
    response_model=schemas.ChatCompletion,
    response_model_exclude_none=True,
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
    body: schemas.ChatCompletionRequest, request: Request, assistant: CurrentAssistant, background: BackgroundTasks
) -> schemas.ChatCompletion | Response:
    """Compatible avec les clients OpenAI : `model` est ignoré (toujours « essbot »), les messages `system`
    aussi. Le contenu se termine par un bloc « Sources : » ; le champ supplémentaire `citations` donne les
    sources sous forme structurée."""
    question, history = split_conversation(body.messages)
    if body.stream:
        items = logged_stream(
            assistant.astream(question, history),
            getattr(request.app.state, "question_log", None),
            question,
            CHANNEL_OPENAI,
        )
        first = await until_disconnected(request, first_item(items))  # a bad question is still a JSON error
        if isinstance(first, Response):
            return first  # the client has gone
        return event_stream(completion_chunks(with_first(first, items)))
    answer = await until_disconnected(request, assistant.aask(question, history))
    if isinstance(answer, Response):
        return answer  # the client has gone
    if question_log := getattr(request.app.state, "question_log", None):  # written after the response is sent
        background.add_task(question_log.record, question, answer, CHANNEL_OPENAI)
    return _completion(answer, completion_text(answer), question, history)


@router.get("/models", response_model=schemas.ModelList, summary="Modèles disponibles (format OpenAI)")
async def list_models() -> schemas.ModelList:
    """Un seul modèle, « essbot », pour les clients qui listent les modèles avant de converser."""
    return schemas.ModelList(data=[Model(id=MODEL_NAME, created=0, object="model", owned_by="essbot")])
