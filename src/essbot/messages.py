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
SKIP_LEGI_MALFORMED = "fichier LEGI illisible : XML mal formé ({detail})"
SKIP_LEGI_FORBIDDEN = "fichier XML refusé : entités ou références externes interdites ({detail})"
SKIP_LEGI_NOT_ARTICLE = "fichier XML qui n'est pas un article LEGI (élément racine <{tag}>, <ARTICLE> attendu)"
SKIP_LEGI_STRUCTURE = "fichier de structure LEGI (<{tag}>), pas un article : rien à indexer"
SKIP_LEGI_MISSING = "article LEGI incomplet : {field} absent ou vide"
SKIP_LEGI_BAD_DATE = "article LEGI invalide : {field} n'est pas une date AAAA-MM-JJ (« {value} »)"
SKIP_LEGI_NOT_IN_FORCE = (
    "version de l'article {number} non en vigueur au {at} (état {state}, en vigueur à partir du {start}{end})"
)
LEGI_UNTIL = " jusqu'au {end}"
SKIP_LEGI_NONE_IN_FORCE = "archive LEGI sans article en vigueur au {at} ({count} versions d'articles lues)"
SKIP_LEGI_ARCHIVE_CORRUPT = "archive .tar.gz illisible ou corrompue ({detail})"
SKIP_LEGI_MEMBER_TOO_LARGE = "fichier trop volumineux pour un article LEGI (plus de 4 Mo)"
SKIP_LEGI_ARCHIVE_ENCRYPTED = "archive chiffrée : déposez l'archive .tar.gz en clair, telle que la DILA la publie"
SKIP_LEGI_ARCHIVE_INFLATED = (
    "archive qui se décompresse au-delà de {limit_mb:.0f} Mo (voir legi_max_inflated_mb) : archive piégée, "
    "ou extrait trop large (déposez un code ou une loi à la fois)"
)
SKIP_LEGI_ARCHIVE_MEMBERS = (
    "archive de plus de {limit} fichiers (voir legi_max_members) : archive piégée, ou extrait trop large "
    "(déposez un code ou une loi à la fois)"
)
SKIP_LEGI_ARCHIVE_UNSAFE = "archive refusée : l'élément « {name} » {reason}"
SKIP_LEGI_MEMBER_PATH = "sort de l'archive (chemin absolu ou « .. »)"
SKIP_LEGI_MEMBER_LINK = "est un lien (symbolique ou physique), ce qu'une archive LEGI ne contient jamais"
SKIP_LEGI_MEMBER_SPECIAL = "n'est ni un fichier ni un dossier (périphérique, tube)"
SKIP_LEGI_BAD_RECORDED_DATE = "date d'indexation LEGI enregistrée illisible (« {value} ») : redéposez le fichier"
SKIP_ZIP_TOO_LARGE = (
    "fichier compressé qui se décompresserait en {size_mb:.0f} Mo ({members} éléments ; limite {limit_mb:.0f} Mo, "
    "voir max_decompressed_mb) : archive piégée ou document démesuré"
)
SKIP_PARSE_MEMORY = "analyse interrompue : mémoire dépassée (limite parse_memory_mb) ; fichier piégé ou démesuré"
SKIP_PARSE_TIMEOUT = "analyse interrompue au bout de {seconds:g} s (limite parse_timeout_s) ; fichier piégé ou démesuré"
SKIP_PARSE_CRASHED = "l'analyse du fichier a échoué brutalement ({detail}) ; fichier piégé ou endommagé"
SKIP_TOO_NESTED = "structure trop profondément imbriquée pour être lue ; fichier piégé ou endommagé"

# --- ingestion summary ---
INGEST_SCANNING = "Analyse des documents"
INGEST_EMBEDDING = "Calcul des vecteurs"
INGEST_RAY_PREPARING = "Analyse et vectorisation sur Ray ({workers} worker(s))"
INGEST_RAY_MISSING = "L'option --ray demande le paquet Ray : pip install 'essbot[ray]'"
INGEST_RAY_UNREACHABLE = (
    "Impossible de joindre le cluster Ray « {address} » : aucun cluster ne répond à cette adresse. Vérifiez-la "
    "(auto, ray://hôte:10001) ou lancez --ray sans adresse pour démarrer Ray sur cette machine."
)
INGEST_RAY_BAD_ADDRESS = (
    "Adresse Ray invalide : « {address} ». Attendu : auto, local, ray://hôte:port ou hôte:port "
    "(placez les dossiers à indexer avant --ray)."
)
INGEST_RAY_WORKER_LOST = "le worker Ray qui analysait ce fichier s'est arrêté brutalement ({detail})"
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
INGEST_CANCELLED = (
    "Indexation interrompue avant la fin : chaque document de l'index est dans son état précédent ou déjà à jour ; "
    "relancez l'indexation pour terminer."
)

# --- index errors ---
INDEX_NOT_FOUND = (
    "Aucun index trouvé dans {path}. Construisez-le d'abord avec : essbot ingest documents/ --index {path}"
)
INDEX_CORRUPT = (
    "L'index {path} est incomplet ou endommagé ({detail}). "
    "Reconstruisez-le avec : essbot ingest --rebuild --index {path}"
)
DENSE_SEARCH_SUSPENDED = (
    "L'index a été reconstruit avec le modèle d'embedding « {built} », mais ce serveur utilise « {configured} » : "
    "la recherche par similarité est suspendue (seule la recherche par mots-clés répond). Redémarrez ce serveur "
    "avec le modèle de l'index (réglages embedding_backend et embedding_model) pour la rétablir."
)
DENSE_SEARCH_RESUMED = "L'index utilise de nouveau le modèle « {model} » : la recherche par similarité reprend."
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
STORE_UNKNOWN = "Stockage « {name} » inconnu (réglage store) ; valeurs possibles : {known}."
INDEX_BUSY = "L'index {path} est déjà en cours de construction par un autre processus ; réessayez plus tard."

# --- embeddings ---
EMBEDDING_UNKNOWN_BACKEND = "Moteur d'embedding inconnu : « {name} ». Moteurs disponibles : {available}."
EMBEDDING_LOAD_FAILED = "Impossible de charger le modèle d'embedding « {model} » ({backend}) : {detail}"
EMBEDDING_MISSING_PACKAGE = (
    "Le moteur d'embedding « {backend} » nécessite le paquet Python « {package} » : pip install {package}"
)
# embedding_backend = "openai" (an OpenAI-compatible /v1/embeddings endpoint): no URL or key in these messages
EMBEDDING_ENDPOINT_MISSING = (
    "Le moteur d'embedding « openai » demande l'adresse du service : réglez embedding_base_url "
    "(ou ESSBOT_EMBEDDING_BASE_URL), par exemple https://albert.api.etalab.gouv.fr/v1."
)
EMBEDDING_ENDPOINT_UNREACHABLE = (
    "Le service de vectorisation ne répond pas ({detail}) après {attempts} essai(s) : vérifiez "
    "embedding_base_url et le réseau, ou augmentez embedding_timeout_s."
)
EMBEDDING_ENDPOINT_BUSY = (
    "Le service de vectorisation est indisponible ou surchargé (HTTP {status}) après {attempts} essai(s) : "
    "réessayez plus tard, ou réduisez embedding_concurrency."
)
EMBEDDING_ENDPOINT_AUTH = (
    "Le service de vectorisation refuse la clé d'API (HTTP {status}) : vérifiez embedding_api_key "
    "(ou ESSBOT_EMBEDDING_API_KEY)."
)
EMBEDDING_ENDPOINT_NOT_FOUND = (
    "Le service de vectorisation ne connaît pas cette adresse ou le modèle « {model} » (HTTP {status}) : "
    "vérifiez embedding_base_url et embedding_model."
)
EMBEDDING_ENDPOINT_REJECTED = (
    "Le service de vectorisation a refusé la requête (HTTP {status}) pour le modèle « {model} » : vérifiez "
    "embedding_model, ou réduisez embedding_batch_size."
)
EMBEDDING_ENDPOINT_BAD_REPLY = (
    "Réponse inattendue du service de vectorisation pour le modèle « {model} » ({detail}) : est-ce bien un "
    "service compatible OpenAI /v1/embeddings ?"
)
EMBEDDING_DIM_MISMATCH = (
    "Le service de vectorisation renvoie des vecteurs de dimension {got}, alors que embedding_dim vaut {expected}."
)

# --- disk (CLI) ---
DISK_UNKNOWN_PATH = "les fichiers de l'index"
DISK_FULL = "Disque plein : impossible d'écrire {path}. Libérez de la place puis relancez la commande."
DISK_READ_ONLY = (
    "Le dossier de {path} est en lecture seule : choisissez un dossier accessible en écriture (--index) "
    "ou changez ses droits."
)
DISK_NO_PERMISSION = "Accès refusé à {path} : vérifiez les droits du dossier ou choisissez-en un autre (--index)."

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
QUESTION_INVALID_TEXT = "La question ne peut pas être traitée : {problem}."
TEXT_BAD_UNICODE = "texte mal encodé (caractère Unicode invalide, par exemple un demi-caractère « surrogate » isolé)"
TEXT_CONTROL_CHARACTER = "texte contenant un caractère de contrôle (octet nul ou autre caractère non imprimable)"
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
CONTRAST_BAD_LINE = (
    "Ensemble de contraste {path}, ligne {line} : un objet JSON avec un champ « text » non vide est attendu."
)
CONTRAST_UNREADABLE = "Ensemble de contraste {path} illisible ({error}) : vérifiez le réglage contrast_corpus."
CONTRAST_TOO_BIG = "Ensemble de contraste {path} trop volumineux (plus de {limit} Mo)."
CONTRAST_TOO_MANY = "Ensemble de contraste {path} : plus de {limit} passages ; gardez les plus représentatifs."
CONTRAST_ENCODING_FAILED = (
    "Les passages de contraste (questions hors du champ des documents) n'ont pas pu être encodés ({error}) : "
    "ce contrôle d'abstention est désactivé."
)
ABSTAIN_OUT_OF_SCOPE = (
    "Je ne trouve pas cela dans les documents : cette question semble sortir du champ de l'économie sociale "
    "et solidaire et de l'action des collectivités, que couvrent mes documents. Je ne peux donc pas y répondre."
)
SMALL_TALK_GREETING = (
    "Bonjour ! Je réponds aux questions des collectivités sur l'économie sociale et solidaire (loi ESS, agrément "
    "ESUS, SPASER, SCIC, subventions, achats responsables…), en citant mes sources. Quelle est votre question ?"
)
SMALL_TALK_THANKS = "Avec plaisir. Si vous avez une autre question sur l'économie sociale et solidaire, posez-la."
SMALL_TALK_REPLIES = frozenset({SMALL_TALK_GREETING, SMALL_TALK_THANKS})  # no « réponse non trouvée » note on these
ABSTAIN_OTHER_LANGUAGE = (
    "essbot répond aux questions posées en français, à partir de documents en français. "
    "Pouvez-vous reformuler votre question en français ? (essbot answers questions asked in French.)"
)
ABSTAIN_NO_VERIFIED_CLAIM = (
    "Je ne trouve pas dans les documents de passage qui confirme une réponse à cette question. "
    "La CRESS de votre région ou le RTES pourront vous orienter."
)
LLM_UNREACHABLE = "Le service de génération est injoignable ou ne répond pas ({detail})."
LLM_FAILED = "Le service de génération a renvoyé une erreur ({detail})."
LLM_NOT_CONFIGURED = (
    "Le générateur « {name} » n'est pas configuré : renseignez {setting} (fichier essbot.toml ou variable "
    "d'environnement {env})."
)
LLM_MISSING_PACKAGE = "Le générateur « {name} » nécessite un paquet absent : pip install 'essbot[llm]' ({detail})."
GENERATOR_UNKNOWN = "Générateur inconnu : « {name} ». Générateurs disponibles : {available}."
ANSWER_SOURCES_HEADER = "Sources :"
# The date of a cited source, in the source lists (CLI, chat UI, feedback export).
SOURCE_UPDATED_DAY = "mis à jour le {day}"
SOURCE_UPDATED_YEAR = "mis à jour en {year}"
SOURCE_IN_FORCE_SINCE = "version en vigueur depuis le {day}"
SOURCE_ARTICLE = "Art. {article}, {text}"
# Appended to an answer citing a source older than stale_source_years.
STALE_SOURCE_DAY = "Source datée du {day} : vérifiez la version en vigueur sur Légifrance."
STALE_SOURCE_YEAR = "Source datée de {year} : vérifiez la version en vigueur sur Légifrance."
CHAT_WELCOME = (
    "essbot — posez vos questions sur l'économie sociale et solidaire (ESS). "
    "/nouveau : nouvelle conversation ; /quitter : sortir."
)
CHAT_RESET = "Nouvelle conversation."

# --- HTTP API ---
API_NOT_FOUND = "Adresse introuvable : {path}. La documentation de l'API est sur /docs."
API_METHOD_NOT_ALLOWED = "Méthode {method} non autorisée sur {path}."
API_HTTP_ERROR = "Requête refusée (HTTP {status})."
API_INVALID_JSON = "Le corps de la requête n'est pas un JSON valide ({detail})."
API_INVALID_REQUEST = "Requête invalide : {details}."
API_INVALID_FIELD = "champ « {field} » : {problem}"
API_FIELD_MISSING = "champ obligatoire manquant"
API_FIELD_BAD_TYPE = "type de valeur incorrect"
API_FIELD_BAD_VALUE = "valeur non acceptée"
API_FIELD_EXTRA = "champ inconnu"
API_BODY_TOO_LARGE = (
    "Requête trop volumineuse (limite {limit_kb} Ko). Raccourcissez la question ou l'historique de conversation."
)
API_UPLOAD_TOO_LARGE = "Fichier trop volumineux (limite {limit_mb:g} Mo ; voir max_upload_mb et max_file_mb)."
API_RATE_LIMITED = "Trop de requêtes : au plus {limit} par minute. Réessayez dans {retry} s."
API_INTERNAL_ERROR = (
    "Erreur interne du serveur ; elle a été journalisée. Réessayez dans un instant "
    "(référence à donner à l'administrateur : {request_id})."
)
API_GENERATION_FAILED = (
    "Le service de rédaction des réponses est momentanément indisponible. Réessayez dans un instant "
    "(référence à donner à l'administrateur : {request_id})."
)
API_INDEX_UNAVAILABLE = (
    "La base documentaire est momentanément indisponible. Réessayez dans un instant "
    "(référence à donner à l'administrateur : {request_id})."
)
API_ADMIN_DISABLED = (
    "La gestion des documents est désactivée sur ce serveur : définissez la variable d'environnement "
    "ESSBOT_ADMIN_TOKEN pour l'activer."
)
API_ADMIN_TOKEN_MISSING = "Jeton d'administration manquant : ajoutez l'en-tête « Authorization: Bearer <jeton> »."
API_ADMIN_TOKEN_WRONG = "Jeton d'administration refusé."
API_UPLOAD_MISSING_FILE = "Aucun fichier reçu : envoyez le document dans le champ « file » (multipart/form-data)."
API_UPLOAD_BAD_NAME = "Nom de fichier refusé : « {name} ». Utilisez des lettres, chiffres, tirets, points et espaces."
API_UPLOAD_REFUSED = "Document refusé ({source}) : {reason}."
API_UPLOAD_ACCEPTED = (
    "Document « {source} » enregistré ; la réindexation est en cours, l'ancien index répond en attendant."
)
API_UPLOAD_LEGI_ACCEPTED = (
    "Texte officiel « {source} » enregistré : {articles} article(s) en vigueur au {at}{skipped} ; la réindexation "
    "est en cours, l'ancien index répond en attendant."
)
API_UPLOAD_LEGI_SKIPPED = ", {count} fichier(s) de l'archive ignoré(s) (voir « skipped »)"
API_UPLOAD_BAD_DATE = (
    "Date refusée : « {value} ». Donnez le paramètre at au format AAAA-MM-JJ (par exemple 2026-01-01)."
)
API_UPLOAD_DATE_NOT_LEGI = (
    "Le paramètre at (date de la version en vigueur) ne s'applique qu'aux textes officiels LEGI (.xml, .tar.gz)."
)
API_DELETE_ACCEPTED = (
    "Document « {source} » supprimé ; la réindexation est en cours, l'ancien index répond en attendant."
)
API_UPLOAD_EXISTS = (
    "Un document nommé « {source} » existe déjà : pour le remplacer, renvoyez-le avec le paramètre "
    "replace=true (l'ancienne version est gardée jusqu'à la mise en service du nouvel index)."
)
API_DOCUMENT_BAD_NAME = "Nom de document invalide : « {source} » (caractère interdit ou nom trop long)."
API_DOCUMENT_NOT_FOUND = (
    "Document introuvable : « {source} ». La liste des documents est sur GET /v1/documents (jeton d'administration)."
)
# --- read-only document views (GET /documents/view, GET /documents/page.png) ---
VIEW_SOURCE = "Fichier : {source}"
VIEW_SECTION = "Section : {section}"
VIEW_PAGE = "Page {page}"
VIEW_UPDATED = "Mis à jour : {date}"
VIEW_NOTE = (
    "Texte du document tel qu'essbot l'a lu (mise en forme simplifiée, en lecture seule) ; le passage cité est "
    "surligné."
)
VIEW_PASSAGE_NOT_FOUND = (
    "Le passage cité n'a pas été retrouvé : le document a peut-être changé depuis la réponse. Texte actuel ci-dessous."
)
VIEW_ERROR_TITLE = "Document non disponible"
VIEW_NOT_FOUND = "Document introuvable : « {source} » ne fait pas partie des documents indexés."
VIEW_PASSAGE_UNKNOWN = (
    "Passage introuvable dans « {source} » : le document a peut-être été réindexé depuis la réponse. "
    "Posez à nouveau la question pour obtenir un lien à jour."
)
VIEW_LINK_REFUSED = (
    "Lien refusé : ce lien de consultation n'est pas valide (incomplet, modifié ou créé par un autre serveur). "
    "Ouvrez la source depuis la réponse de l'assistant."
)
VIEW_NO_PAGE = "Aperçu indisponible : ce passage n'a pas de page dans un PDF."
API_REINDEX_FAILED = "La réindexation a échoué ; l'index précédent reste en service. Détail : {detail}"
API_REINDEX_CANCELLED = "Réindexation annulée à la demande ; l'index précédent reste en service."
API_REINDEX_TIMED_OUT = (
    "Réindexation interrompue au bout de {seconds:g} s (limite reindex_timeout_s) ; l'index précédent reste en "
    "service. Un fichier trop lourd est peut-être en cause : consultez la liste des documents."
)
API_REINDEX_CANCEL_ACCEPTED = "Réindexation en cours annulée ; l'index précédent reste en service."
API_REINDEX_NOTHING_TO_CANCEL = "Aucune réindexation en cours."
API_CHAT_NO_QUESTION = "La conversation ne contient aucun message de rôle « user » : aucune question à traiter."
API_STREAM_FAILED = (
    "La réponse n'a pas pu être terminée ; réessayez (référence à donner à l'administrateur : {request_id})."
)
API_FOLDER_MISMATCH = (
    "Le dossier des documents {folder} ne contient aucun des fichiers de l'index {index} : ce n'est sans doute pas "
    "le dossier indexé. Lancez le serveur avec --documents (ou ESSBOT_DOCUMENTS_DIR) pointant vers ce dossier ; "
    "sans cela, la réindexation retirerait tous les documents de l'index."
)
