"""The chainlit app: welcome text, starters, streamed answers with their sources, and feedback.

chainlit loads this file by path (see ui/mount.py); it gets its Settings and Assistant from ui/runtime.py.
Everything from documents or the generator is escaped before chainlit renders it (see ui/rendering.py).
"""

from __future__ import annotations

import asyncio
import base64
import logging
from pathlib import Path
from typing import Any

import chainlit as cl

from essbot.answer.types import Answer, Message
from essbot.errors import EssbotError
from essbot.server.ratelimit import ClientLimiter, scope_client
from essbot.ui import messages, rendering, runtime, sources
from essbot.ui.conversation import remember_and_offer_export
from essbot.ui.data_layer import FeedbackDataLayer
from essbot.ui.feedback import AnswerRecord

log = logging.getLogger("essbot.ui")

HISTORY_KEY = "essbot_history"
MAX_HISTORY_MESSAGES = 12  # the last six exchanges are enough to resolve a follow-up question
# Inlined: a /public URL would resolve against the host page inside the widget.
PROFILE_ICON = "data:image/svg+xml;base64," + base64.b64encode(
    (Path(__file__).parent / "assets" / "public" / "essbot-icon.svg").read_bytes()
).decode("ascii")


@cl.data_layer
def feedback_data_layer() -> FeedbackDataLayer:
    """Makes chainlit show the 👍/👎 buttons and hands each rating to our SQLite store."""
    return FeedbackDataLayer(lambda: runtime.current().feedback)


@cl.set_chat_profiles
async def chat_profiles(user: Any = None, language: Any = None) -> list[cl.ChatProfile]:
    # A single profile shows no selector; its description is the welcome text above the starters.
    return [
        cl.ChatProfile(
            name=messages.PROFILE_NAME, markdown_description=messages.WELCOME, icon=PROFILE_ICON, default=True
        )
    ]


@cl.set_starters
async def starters(user: Any = None, language: Any = None) -> list[cl.Starter]:
    return [cl.Starter(label=label, message=question) for label, question in messages.STARTERS]


@cl.on_chat_start
async def start_chat() -> None:
    cl.user_session.set(HISTORY_KEY, [])
    try:
        # Load the index now, in a worker thread, so that the first question does not wait for it.
        await asyncio.to_thread(runtime.current().assistant)
    except EssbotError as exc:
        await cl.Message(content=_error_text(exc)).send()


@cl.on_message
async def answer_question(message: cl.Message) -> None:
    question = message.content
    history: list[Message] = list(cl.user_session.get(HISTORY_KEY) or [])
    reply = cl.Message(content="", author=messages.APP_NAME)
    limiter = runtime.current().limiter
    verdict = await limiter.hit(_client_address(limiter), "chat")
    if not verdict.allowed:  # chat messages count like API requests (one budget per client)
        reply.content = rendering.escape_markdown(verdict.message)
        await reply.send()
        return
    try:
        final = await _stream_answer(question, history, reply)
    except EssbotError as exc:
        reply.content = _error_text(exc)
        await reply.send()
        return
    except Exception:
        log.exception("answer failed for a chat question")
        reply.content = messages.UNEXPECTED_ERROR
        await reply.send()
        return

    reply.content = sources.answer_content(final)
    # Remembered before sending, as the 👍/👎 buttons appear with the message. chainlit rates the run step
    # that holds the message (its parent), or the message itself when there is none.
    record = AnswerRecord.from_answer(question, final, _client_type())
    for rated_id in {reply.id, reply.parent_id} - {None}:
        runtime.current().feedback.remember(str(rated_id), record)
    await reply.send()
    # One « Sources (n) » disclosure under the answer (ui/sources.py).
    if final.citations:
        props = sources.sources_props(final, runtime.current().links)
        await cl.CustomElement(name=sources.ELEMENT_NAME, props=props, display="inline").send(for_id=reply.id)
    turns = [*history, Message("user", question), Message("assistant", final.answer)]
    cl.user_session.set(HISTORY_KEY, turns[-MAX_HISTORY_MESSAGES:])
    await remember_and_offer_export(question, final, reply)
    if question_log := runtime.current().question_log:  # after the answer is shown, never in its way
        await question_log.arecord(question, final, _client_type(), [reply.id, reply.parent_id])


async def _stream_answer(question: str, history: list[Message], reply: cl.Message) -> Answer:
    """Stream the text deltas into `reply` and return the final, verified Answer."""
    assistant = await asyncio.to_thread(runtime.current().assistant)
    final: Answer | None = None
    async for item in assistant.astream(question, history):
        if isinstance(item, Answer):
            final = item
        else:
            await reply.stream_token(rendering.escape_inline(item))
    assert final is not None  # Assistant.stream always ends with the Answer
    return final


def _error_text(exc: EssbotError) -> str:
    return messages.ANSWER_ERROR.format(message=rendering.escape_markdown(exc.user_message))


def _client_address(limiter: ClientLimiter) -> str:
    """The address of the chat's client, as the rate limit sees it (trusted proxies only)."""
    try:
        scope = cl.context.session.environ.get("asgi.scope") or {}
    except Exception:  # no websocket session (tests calling the callback directly)
        return "unknown"
    return scope_client(scope, limiter.trusted)


def _client_type() -> str:
    """Where the question came from: "webapp" (the chat page) or "copilot" (the widget)."""
    try:
        return str(cl.context.session.client_type)
    except Exception:  # only a label for the feedback export
        return ""
