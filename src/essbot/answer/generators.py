"""Answer generators behind one interface: `extractive` (offline default), `openai`, `llamacpp`.

A generator streams text deltas containing `[n]` markers that refer to the numbered passages it was given;
the engine verifies and renumbers them afterwards. Adding a generator is one class in GENERATORS.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from essbot import messages
from essbot.answer.evidence import SentenceVectors
from essbot.answer.prompts import build_messages
from essbot.answer.scoring import ScoredSentence, add_evidence, score_sentences
from essbot.answer.types import Message
from essbot.answer.weights import TermWeights
from essbot.config import Settings
from essbot.errors import GenerationError
from essbot.text.sentences import content_tokens
from essbot.types import Passage


@dataclass
class GenerationRequest:
    question: str  # as the user asked it
    query: str  # standalone version used for retrieval (differs for follow-ups)
    passages: list[Passage]
    history: list[Message] = field(default_factory=list)
    # The passages' sentences scored without sentence vectors (`score_sentences`), when the caller has them
    # already (the abstention check scores them too): computed again when absent.
    ranked: Sequence[ScoredSentence] | None = None


class Generator(Protocol):
    name: ClassVar[str]

    def stream(self, request: GenerationRequest) -> Iterator[str]: ...


class ChatModel(Protocol):
    """Generators backed by an LLM can also complete a prompt (used to condense follow-up questions)."""

    def complete(self, prompt: str) -> str: ...


# --- extractive ----------------------------------------------------------------------------------

_FINAL_PUNCT = re.compile(r"\s*([.!?…;:])$")


def attach_marker(sentence: str, number: int) -> str:
    """'Il vaut 5 ans.' -> 'Il vaut 5 ans [1].'"""
    match = _FINAL_PUNCT.search(sentence)
    end = "." if not match or match.group(1) in ";:" else match.group(1)
    body = sentence[: match.start()] if match else sentence
    return f"{body} [{number}]{end}"


class ExtractiveGenerator:
    """Composes the answer from the passages' own best sentences, each followed by its citation.

    It never writes a claim that is not a sentence of a passage: no model, no network, a few milliseconds.
    """

    name: ClassVar[str] = "extractive"

    def __init__(self, settings: Settings, weights: TermWeights, evidence: SentenceVectors | None = None) -> None:
        self.settings = settings
        self.weights = weights
        self.evidence = evidence

    def select(self, request: GenerationRequest) -> list[ScoredSentence]:
        bonuses = self.evidence.bonuses if self.evidence is not None else None
        if request.ranked is None:
            ranked = score_sentences(request.question, request.query, request.passages, self.weights, bonuses)
        else:
            ranked = add_evidence(request.query, request.ranked, bonuses)
        if not ranked:
            return []
        best = ranked[0]
        chosen = [best]
        words = len(best.sentence.split())
        sources = {request.passages[best.passage_rank].chunk.source}
        for candidate in ranked[1:]:
            if len(chosen) >= self.settings.extractive_max_sentences:
                break
            if candidate.score < self.settings.extractive_min_ratio * best.score:
                break
            source = request.passages[candidate.passage_rank].chunk.source
            # Another document must earn its place more clearly than another sentence of the same one.
            if source not in sources and candidate.score < (self.settings.extractive_min_ratio + 0.1) * best.score:
                continue
            size = len(candidate.sentence.split())
            if words + size > self.settings.extractive_max_words:
                continue
            if any(content_tokens(candidate.sentence) <= content_tokens(c.sentence) for c in chosen):
                continue  # adds nothing new
            chosen.append(candidate)
            sources.add(source)
            words += size
        return chosen  # best first: the opening sentence is the most direct answer

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        emitted: set[str] = set()
        headed: set[str] = set()  # law articles whose heading (« Article 15 : ») was already said
        for candidate in self.select(request):
            chunk = request.passages[candidate.passage_rank].chunk
            heading = f"{chunk.section.strip()} : "
            for part in candidate.parts:
                if chunk.article is not None and part.startswith(heading):
                    if chunk.section in headed:
                        part = part[len(heading) :]
                    headed.add(chunk.section)
                if part not in emitted:
                    yield (" " if emitted else "") + attach_marker(part, candidate.passage_rank + 1)
                    emitted.add(part)


# --- LLM generators ------------------------------------------------------------------------------


class OpenAIGenerator:
    """Any OpenAI-compatible chat endpoint (Albert, Mistral, vLLM, Ollama, llama.cpp server) via llama-index."""

    name: ClassVar[str] = "openai"

    def __init__(self, settings: Settings, weights: TermWeights | None = None) -> None:
        if not settings.llm_base_url or not settings.llm_model:
            raise GenerationError(
                messages.LLM_NOT_CONFIGURED.format(
                    name=self.name, setting="llm_base_url et llm_model", env="ESSBOT_LLM_BASE_URL / ESSBOT_LLM_MODEL"
                )
            )
        try:
            from llama_index.llms.openai_like import OpenAILike
        except ImportError as exc:
            raise GenerationError(messages.LLM_MISSING_PACKAGE.format(name=self.name, detail=exc)) from exc
        self.settings = settings
        self._llm = OpenAILike(
            model=settings.llm_model,
            api_base=settings.llm_base_url,
            api_key=settings.llm_api_key.get_secret_value() or "sans-cle",
            is_chat_model=True,
            timeout=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
            temperature=settings.llm_temperature,
            max_tokens=settings.llm_max_tokens,
            context_window=8192,
        )

    def _error(self, exc: Exception) -> GenerationError:
        """A French message without the provider's text (it may hold keys or host names): that goes to `cause`."""
        import openai

        if isinstance(exc, openai.APIConnectionError | openai.APITimeoutError | ConnectionError | TimeoutError):
            return GenerationError(messages.LLM_UNREACHABLE.format(detail=type(exc).__name__), repr(exc))
        status = getattr(exc, "status_code", None)
        return GenerationError(
            messages.LLM_FAILED.format(detail=f"HTTP {status}" if status else type(exc).__name__), repr(exc)
        )

    @staticmethod
    def _chat(raw: list[dict[str, str]]) -> list[Any]:
        from llama_index.core.llms import ChatMessage

        return [ChatMessage(role=m["role"], content=m["content"]) for m in raw]

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        raw: Any = build_messages(request.question, request.passages, request.history)
        try:
            # The openai client that llama-index configured (key, URL, timeout, retries), used directly so that
            # the HTTP stream is closed as soon as this generator is (client gone): llama-index's own
            # stream_chat leaves the response open until it is garbage-collected.
            client = self._llm._get_client()
            with client.chat.completions.create(messages=raw, stream=True, **self._llm._get_model_kwargs()) as chunks:
                for chunk in chunks:
                    delta = chunk.choices[0].delta.content if chunk.choices else None
                    if delta:
                        yield delta
        except Exception as exc:
            raise self._error(exc) from exc

    def complete(self, prompt: str) -> str:
        try:
            return str(self._llm.chat(self._chat([{"role": "user", "content": prompt}])).message.content or "")
        except Exception as exc:
            raise self._error(exc) from exc


class LlamaCppGenerator:
    """A local GGUF model through llama-cpp-python (optional extra: pip install 'essbot[llm]')."""

    name: ClassVar[str] = "llamacpp"

    def __init__(self, settings: Settings, weights: TermWeights | None = None) -> None:
        if not settings.llamacpp_model_path:
            raise GenerationError(
                messages.LLM_NOT_CONFIGURED.format(
                    name=self.name, setting="llamacpp_model_path", env="ESSBOT_LLAMACPP_MODEL_PATH"
                )
            )
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise GenerationError(messages.LLM_MISSING_PACKAGE.format(name=self.name, detail=exc)) from exc
        self.settings = settings
        try:
            self._llm = Llama(
                model_path=resolve_gguf_path(settings.llamacpp_model_path),
                n_ctx=settings.llamacpp_n_ctx,
                n_threads=settings.llamacpp_threads,
                verbose=False,
            )
        except (ValueError, OSError, RuntimeError) as exc:
            raise GenerationError(messages.LLM_FAILED.format(detail=exc), repr(exc)) from exc

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        raw: Any = build_messages(request.question, request.passages, request.history)
        try:
            for chunk in self._llm.create_chat_completion(
                messages=raw,
                stream=True,
                temperature=self.settings.llm_temperature,
                max_tokens=self.settings.llm_max_tokens,
                repeat_penalty=1.15,
            ):
                choice: Any = chunk["choices"][0]  # type: ignore[index]
                delta = choice.get("delta", {}).get("content")
                if delta:
                    yield str(delta)
        except (ValueError, RuntimeError) as exc:
            raise GenerationError(messages.LLM_FAILED.format(detail=exc), repr(exc)) from exc

    def complete(self, prompt: str) -> str:
        result: Any = self._llm.create_chat_completion(
            messages=[{"role": "user", "content": prompt}], temperature=0.0, max_tokens=self.settings.llm_max_tokens
        )
        return str(result["choices"][0]["message"].get("content") or "")


def resolve_gguf_path(value: str) -> str:
    """A .gguf path, or `python:PACKAGE` for a model shipped in an installed pip package.

    Such a package either holds the .gguf file or, when the model is split across several packages,
    exposes `assemble()` that writes the whole file once and returns its path.
    """
    if not value.startswith("python:"):
        return value
    import importlib
    from pathlib import Path

    package = value.split(":", 1)[1]
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise GenerationError(messages.LLM_MISSING_PACKAGE.format(name="llamacpp", detail=exc)) from exc
    assemble = getattr(module, "assemble", None)
    if callable(assemble):
        return str(assemble())
    roots = [Path(p) for p in getattr(module, "__path__", [])]
    found = sorted(p for root in roots for p in root.rglob("*.gguf"))
    if not found:
        raise GenerationError(
            messages.LLM_NOT_CONFIGURED.format(
                name="llamacpp",
                setting=f"llamacpp_model_path ({value} ne contient aucun .gguf)",
                env="ESSBOT_LLAMACPP_MODEL_PATH",
            )
        )
    return str(found[0])


GENERATORS: dict[str, type[ExtractiveGenerator] | type[OpenAIGenerator] | type[LlamaCppGenerator]] = {
    ExtractiveGenerator.name: ExtractiveGenerator,
    OpenAIGenerator.name: OpenAIGenerator,
    LlamaCppGenerator.name: LlamaCppGenerator,
}


def create_generator(
    settings: Settings, weights: TermWeights, name: str | None = None, evidence: SentenceVectors | None = None
) -> Any:
    """Instantiate the generator named in Settings (or `name`); `evidence` serves the extractive one."""
    name = name or settings.generator
    cls = GENERATORS.get(name)
    if cls is None:
        raise GenerationError(messages.GENERATOR_UNKNOWN.format(name=name, available=", ".join(GENERATORS)))
    return ExtractiveGenerator(settings, weights, evidence) if cls is ExtractiveGenerator else cls(settings, weights)
