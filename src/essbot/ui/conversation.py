"""Keep a conversation: the chat remembers each question and its Answer, and the « Exporter la conversation
(PDF) » button under the latest answer sends the PDF built by ui/export_pdf.py as a file to download."""

from __future__ import annotations

import asyncio
from datetime import datetime

import chainlit as cl

from essbot.answer.types import Answer
from essbot.ui import messages
from essbot.ui.export_pdf import Exchange, conversation_file_name, conversation_pdf

EXCHANGES_KEY = "essbot_exchanges"
BUTTON_KEY = "essbot_export_button"
EXPORT_ACTION = "export_conversation_pdf"
MAX_EXCHANGES = 100  # a longer conversation keeps its last 100 questions in the PDF


async def remember_and_offer_export(question: str, answer: Answer, reply: cl.Message) -> None:
    """Remember the exchange and move the export button under `reply` (one button, under the latest answer)."""
    exchanges: list[Exchange] = list(cl.user_session.get(EXCHANGES_KEY) or [])
    exchanges = [*exchanges, Exchange(question, answer)][-MAX_EXCHANGES:]
    cl.user_session.set(EXCHANGES_KEY, exchanges)
    previous: cl.Action | None = cl.user_session.get(BUTTON_KEY)
    if previous is not None:
        await previous.remove()
    button = cl.Action(
        name=EXPORT_ACTION, payload={}, label=messages.EXPORT_BUTTON, tooltip=messages.EXPORT_TOOLTIP, icon="file-down"
    )
    await button.send(for_id=reply.id)
    cl.user_session.set(BUTTON_KEY, button)


@cl.action_callback(EXPORT_ACTION)
async def export_conversation(action: cl.Action) -> None:
    exchanges: list[Exchange] = list(cl.user_session.get(EXCHANGES_KEY) or [])
    if not exchanges:
        await cl.Message(content=messages.EXPORT_EMPTY, author=messages.APP_NAME).send()
        return
    when = datetime.now().astimezone()
    content = await asyncio.to_thread(conversation_pdf, exchanges, when)
    name = conversation_file_name(when)
    file = cl.File(name=name, content=content, mime="application/pdf", display="inline")
    await cl.Message(
        content=messages.EXPORT_READY.format(count=len(exchanges)), author=messages.APP_NAME, elements=[file]
    ).send()
