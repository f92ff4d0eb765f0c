"""User-facing French strings, kept together so they can be reviewed and translated."""

from __future__ import annotations

# --- reasons for skipping a file during ingestion (one line each, the file name is prefixed) ---
SKIP_UNSUPPORTED = "format non pris en charge ({ext}) ; formats acceptés : {accepted}"
SKIP_EMPTY = "fichier vide"
SKIP_NO_TEXT = "aucun texte exploitable après nettoyage"
SKIP_TOO_LARGE = "fichier trop volumineux ({size_mb:.1f} Mo, limite {limit_mb:.0f} Mo ; voir max_file_mb)"
SKIP_NOT_UTF8 = "fichier texte non encodé en UTF-8 (réenregistrez-le en UTF-8)"
SKIP_PDF_CORRUPT = "PDF illisible ou corrompu ({detail})"
SKIP_PDF_ENCRYPTED = "PDF protégé par un mot de passe : retirez la protection avant de l'ajouter"
SKIP_PDF_NO_TEXT = "PDF sans couche texte (document numérisé ?) : passez-le d'abord dans un logiciel d'OCR"
SKIP_DOCX_CORRUPT = "document Word illisible ou corrompu ({detail})"
SKIP_UNREADABLE = "lecture impossible ({detail})"

# --- ingestion summary ---
INGEST_SCANNING = "Analyse des documents"
INGEST_EMBEDDING = "Calcul des vecteurs"
INGEST_NOTHING_CHANGED = "Aucun changement : l'index {index} est à jour ({chunks} passages, {files} fichiers)."
INGEST_SUMMARY = (
    "Index {index} : {indexed} fichier(s) indexé(s), {unchanged} inchangé(s), {skipped} ignoré(s) ; "
    "{added} passage(s) ajouté(s), {removed} supprimé(s), {total} au total ; "
    "{embedded} vecteur(s) calculé(s) en {seconds:.1f} s."
)
INGEST_SKIPPED_LINE = "  ignoré : {source} — {reason}"
INGEST_NO_FILES = "Aucun fichier trouvé dans {paths}."
INGEST_NOTHING_INDEXED = "Aucun passage n'a pu être indexé : l'index n'a pas été modifié."
INGEST_PATH_MISSING = "Chemin introuvable : {path}"

# --- index errors ---
INDEX_NOT_FOUND = (
    "Aucun index trouvé dans {path}. Construisez-le d'abord avec : essbot ingest documents/ --index {path}"
)
INDEX_CORRUPT = (
    "L'index {path} est incomplet ou endommagé ({detail}). Reconstruisez-le avec : essbot ingest --rebuild --index {path}"
)
INDEX_MODEL_MISMATCH = (
    "L'index {path} a été construit avec le modèle d'embedding « {built} », mais la configuration actuelle "
    "utilise « {configured} ». Reconstruisez-le avec : essbot ingest --rebuild --index {path} "
    "(ou revenez au modèle d'origine)."
)
INDEX_FORMAT_MISMATCH = (
    "L'index {path} utilise le format {found}, or cette version d'essbot attend le format {expected}. "
    "Reconstruisez-le avec : essbot ingest --rebuild --index {path}"
)
INDEX_SPLITTER_CHANGED = "Réglages de découpage modifiés : tous les documents sont redécoupés."
INDEX_BUSY = "L'index {path} est déjà en cours de construction par un autre processus ; réessayez plus tard."

# --- embeddings ---
EMBEDDING_UNKNOWN_BACKEND = "Moteur d'embedding inconnu : « {name} ». Moteurs disponibles : {available}."
EMBEDDING_LOAD_FAILED = "Impossible de charger le modèle d'embedding « {model} » ({backend}) : {detail}"
EMBEDDING_MISSING_PACKAGE = (
    "Le moteur d'embedding « {backend} » nécessite le paquet Python « {package} » : pip install {package}"
)

# --- configuration ---
CONFIG_BAD_FILE = "Fichier de configuration illisible : {path} ({detail})"
CONFIG_BAD_VALUE = "Valeur invalide pour {name} : « {value} » ({detail})"
CONFIG_UNKNOWN_KEY = "Paramètre inconnu dans {origin} : {name}"

# --- search command ---
SEARCH_EMPTY_QUESTION = "La question est vide."
SEARCH_NO_RESULT = "Aucun passage trouvé."
SEARCH_RESULT_HEADER = "{rank}. {source}{page} — {section} (score {score:.2f})"
SEARCH_PAGE = ", p. {page}"

# --- answers ---
QUESTION_EMPTY = "La question est vide : posez une question sur l'économie sociale et solidaire."
QUESTION_TOO_LONG = (
    "La question est trop longue ({length} caractères, maximum {limit}). Résumez-la en quelques phrases."
)
HISTORY_INVALID = (
    "Historique de conversation invalide ({detail}). Format attendu : une liste JSON de "
    '{{"role": "user" | "assistant", "content": "…"}}.'
)
HISTORY_FILE_INVALID = "Le fichier d'historique {path} n'est pas un JSON valide ({detail})."
ABSTAIN_NOT_FOUND = (
    "Je ne trouve pas la réponse à cette question dans les documents dont je dispose. "
    "Pour une question sur l'ESS dans votre territoire, la chambre régionale de l'ESS (CRESS) de votre région "
    "ou le RTES (Réseau des collectivités territoriales pour une économie solidaire) peuvent vous orienter."
)
ABSTAIN_OUT_OF_SCOPE = (
    "Je ne trouve pas cela dans les documents : cette question semble sortir du champ de l'économie sociale "
    "et solidaire et de l'action des collectivités, que couvrent mes documents. Je ne peux donc pas y répondre."
)
ABSTAIN_OTHER_LANGUAGE = (
    "essbot répond aux questions posées en français, à partir de documents en français. "
    "Pouvez-vous reformuler votre question en français ? (essbot answers questions asked in French.)"
)
ABSTAIN_NO_VERIFIED_CLAIM = (
    "Je ne trouve pas dans les documents de passage qui confirme une réponse à cette question. "
    "La CRESS de votre région ou le RTES pourront vous orienter."
)
LLM_UNREACHABLE = "Le service de génération {url} est injoignable ou ne répond pas ({detail})."
LLM_FAILED = "Le service de génération a renvoyé une erreur ({detail})."
LLM_NOT_CONFIGURED = (
    "Le générateur « {name} » n'est pas configuré : renseignez {setting} (fichier essbot.toml ou variable "
    "d'environnement {env})."
)
LLM_MISSING_PACKAGE = "Le générateur « {name} » nécessite un paquet absent : pip install 'essbot[llm]' ({detail})."
GENERATOR_UNKNOWN = "Générateur inconnu : « {name} ». Générateurs disponibles : {available}."
ANSWER_SOURCES_HEADER = "Sources :"
CHAT_WELCOME = (
    "essbot — posez vos questions sur l'économie sociale et solidaire (ESS). "
    "/nouveau : nouvelle conversation ; /quitter : sortir."
)
CHAT_RESET = "Nouvelle conversation."
