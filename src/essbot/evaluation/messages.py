"""User-facing French strings of the evaluation suite, kept together for review and translation."""

from __future__ import annotations

# --- gold set loading ---
GOLD_MISSING = "Jeu de questions introuvable : {path}"
GOLD_UNREADABLE = "Lecture impossible du jeu de questions {path} ({detail})."
GOLD_BAD_JSON = "{path}, ligne {line} : JSON invalide ({detail})."
GOLD_NOT_OBJECT = "{path}, ligne {line} : un objet JSON est attendu."
GOLD_MISSING_FIELD = "{path}, ligne {line} : champ obligatoire « {field} » absent."
GOLD_BAD_TYPE = "{path}, ligne {line} : le champ « {field} » doit être {expected}."
GOLD_DUPLICATE_ID = "{path}, ligne {line} : identifiant « {id} » déjà utilisé ligne {first}."
GOLD_BAD_KIND = "{path}, ligne {line} : type de question « {kind} » inconnu (attendus : {kinds})."
GOLD_NO_SOURCE = "{path}, ligne {line} : une question avec réponse doit indiquer au moins une source attendue."
GOLD_UNANSWERABLE_SOURCES = "{path}, ligne {line} : une question sans réponse ne doit pas avoir de source attendue."
GOLD_BAD_HISTORY = "{path}, ligne {line} : historique invalide, élément {item} (role user|assistant et content texte)."
GOLD_EMPTY_QUESTION = "{path}, ligne {line} : la question est vide."
GOLD_EMPTY = "Le jeu de questions {path} ne contient aucune question."

# --- running ---
PROGRESS = "Évaluation ({name})"
CORPUS_MISSING = (
    "Corpus {path} absent : l'évaluation de {gold} est ignorée "
    "(le jeu « seeds » s'appuie sur le dossier ../shared/seeds à côté du dépôt)."
)
INDEX_STALE = (
    "Attention : l'index {index} ne correspond plus aux documents de {docs} ; relancez « essbot ingest » "
    "pour évaluer la version actuelle."
)
BUILDING_INDEX = "Construction de l'index d'évaluation {index} à partir de {docs}…"
UNKNOWN_PRESET = "Configuration de comparaison inconnue : « {name} » (disponibles : {available}, ou un fichier .toml)."
LLM_NOT_CONFIGURED = "non configuré : aucun LLM (generator, llm_base_url ou llamacpp_model_path)"
PRESET_SKIPPED = "Configuration « {name} » ignorée : {reason}"
WROTE_REPORT = "Rapport écrit : {json} et {html}"
WROTE_COMPARISON = "Comparaison écrite : {md}, {json} et {html}"
JUDGE_FAILED = "évaluation par le LLM impossible ({detail})"
JUDGE_UNREADABLE = "réponse du LLM juge illisible (JSON attendu) : score non calculé"

# --- report labels (HTML and Markdown) ---
CHECK_LABELS = {
    "retrieval": "aucune source attendue dans les 5 premiers passages",
    "abstained": "abstention à tort (la question a une réponse)",
    "answered": "réponse alors que les documents ne répondent pas",
    "keywords": "mots-clés attendus absents de la réponse",
    "citations": "citation d'une source non attendue",
    "support": "phrase citée non justifiée par son passage",
    "faithfulness": "fidélité jugée insuffisante par le LLM",
    "error": "erreur pendant la réponse",
}
METRIC_LABELS = {
    "questions": "questions",
    "hit@1": "retrieval hit@1",
    "hit@5": "retrieval hit@5",
    "mrr@10": "MRR@10",
    "keyword_recall": "rappel des mots-clés",
    "citation_precision": "précision des citations",
    "citation_support": "justification des citations",
    "abstention_precision": "précision de l'abstention",
    "abstention_recall": "rappel de l'abstention",
    "false_abstention": "abstentions à tort (questions avec réponse)",
    "abstention_accuracy": "exactitude de l'abstention",
    "latency_p50_ms": "latence p50 (ms)",
    "latency_p95_ms": "latence p95 (ms)",
    "faithfulness": "faithfulness (LLM)",
    "answer_relevancy": "answer_relevancy (LLM)",
}
