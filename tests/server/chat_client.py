"""A chat client speaking chainlit's socket.io protocol (python-socketio), as the chat page does."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import socketio


async def chat_replies(url: str, questions: list[str], timeout_s: float = 60) -> list[str]:
    """Send each question in turn over one chat session; the text of the answer to each."""
    client = socketio.AsyncClient(reconnection=False)
    done: asyncio.Queue[str] = asyncio.Queue()
    contents: dict[str, str] = {}

    @client.on("new_message")
    @client.on("update_message")
    async def on_message(step: dict[str, Any]) -> None:
        if step.get("type") == "assistant_message":
            contents[step["id"]] = str(step.get("output") or "")

    @client.on("task_end")
    async def on_task_end(*_: Any) -> None:
        await done.put("end")

    await client.connect(
        url,
        socketio_path="/chat/ws/socket.io",
        transports=["websocket"],
        auth={"sessionId": str(uuid.uuid4()), "clientType": "webapp", "userEnv": "{}"},
        wait_timeout=30,
    )
    replies = []
    try:
        await client.emit("connection_successful")
        await asyncio.wait_for(done.get(), timeout_s)
        while True:  # the chat start runs as tasks of its own: let them end
            try:
                await asyncio.wait_for(done.get(), 2)
            except TimeoutError:
                break
        for question in questions:
            contents.clear()
            step = {
                "id": str(uuid.uuid4()),
                "type": "user_message",
                "name": "Utilisateur",
                "output": question,
                "createdAt": datetime.now(UTC).isoformat(),
            }
            await client.emit("client_message", {"message": step, "fileReferences": []})
            await asyncio.wait_for(done.get(), timeout_s)  # the task that answers ends after sending its message
            while not any(contents.values()):
                await asyncio.wait_for(done.get(), timeout_s)
            replies.append("\n".join(contents.values()))
    finally:
        await client.disconnect()
    return replies
