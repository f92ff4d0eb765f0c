"""French strings of the chat UI, the widget and the feedback commands (the rest live in essbot/messages.py)."""

from __future__ import annotations

APP_NAME = "essbot"
PROFILE_NAME = "essbot"

WELCOME = (
    "**Bonjour, je suis essbot**, l'assistant des agents et des élus des collectivités pour l'économie sociale "
    "et solidaire (ESS).\n\n"
    "Je réponds à partir d'un fonds de fiches pratiques : agrément ESUS, SPASER et achats responsables, "
    "clauses sociales et marchés réservés, subventions et conventions, SCIC, PTCE, DLA, CRESS, loi ESS de 2014… "
    "Chaque réponse cite ses sources [1], [2]… avec le document, la page et le passage : vérifiez-les.\n\n"
    "**Mes limites :** je ne connais que ces documents ; quand ils ne répondent pas, je le dis. Je ne donne pas "
    "d'avis juridique et je ne remplace ni vos services juridiques ni la CRESS de votre région. "
    "Ne saisissez pas de données personnelles."
)

# (label shown on the button, question sent); drawn from questions that agents and élus actually ask.
STARTERS: tuple[tuple[str, str], ...] = (
    ("Qu'est-ce qu'un SPASER ?", "Qu'est-ce qu'un SPASER ?"),
    ("Qui délivre l'agrément ESUS ?", "Qui délivre l'agrément ESUS ?"),
    ("Entrer au capital d'une SCIC ?", "Ma commune peut-elle entrer au capital d'une SCIC ?"),
    ("Subvention ou marché public ?", "Subvention ou marché public : comment choisir ?"),
    ("Qu'est-ce qu'un marché réservé ?", "Qu'est-ce qu'un marché réservé ?"),
    ("Qu'est-ce que le DLA ?", "Qu'est-ce que le DLA ?"),
)

SOURCE_PAGE = ", p. {page}"
SOURCE_BODY_DATED = "{where} — {date}"
# --- the « Sources (n) » disclosure under an answer (ui/sources.py, public/elements/EssbotSources.jsx) ---
SOURCES_SUMMARY = "Sources ({count})"
CARD_PAGE = "p. {page}"
CARD_PDF_PREVIEW = "Page citée, passage surligné"
CARD_DOCUMENT_PREVIEW = "Document ouvert au passage cité, surligné"
CARD_OPEN = "Ouvrir le document au passage cité (nouvel onglet)"
CARD_OPEN_PAGE = "Agrandir la page citée (nouvel onglet)"
CARD_PASSAGE = "Passage cité"
CARD_FILE = "Fichier"
CARD_PREVIEW_FAILED = "Aperçu indisponible pour le moment ; le passage cité figure ci-dessus."
CARD_SHOW_PREVIEW = "Afficher l'aperçu"
ABSTAINED_NOTE = "ℹ️ **Réponse non trouvée dans les documents.**"
ANSWER_ERROR = "⚠️ {message}"
UNEXPECTED_ERROR = (
    "⚠️ Une erreur inattendue s'est produite pendant la préparation de la réponse. Réessayez dans un instant ; "
    "si le problème persiste, signalez-le à l'administrateur d'essbot."
)

# --- conversation export (PDF) ---
EXPORT_BUTTON = "Exporter la conversation (PDF)"
EXPORT_TOOLTIP = "Télécharger les questions, les réponses et leurs sources dans un PDF à classer ou transmettre"
EXPORT_READY = "Votre conversation au format PDF ({count} question(s)) :"
EXPORT_EMPTY = "Aucune question posée pour l'instant : rien à exporter."
EXPORT_FILE_NAME = "conversation-essbot-{day}.pdf"
EXPORT_TITLE = "Conversation avec essbot"
EXPORT_DATE = "Exportée le {day} à {time}"
EXPORT_NOTICE = (
    "essbot répond à partir de son fonds documentaire sur l'économie sociale et solidaire ; il ne donne pas d'avis "
    "juridique. Vérifiez chaque réponse dans les sources citées, reproduites ci-dessous."
)
EXPORT_QUESTION = "Question {number}"
EXPORT_ANSWER = "Réponse"
EXPORT_ABSTAINED = "Réponse non trouvée dans les documents."
EXPORT_SOURCES = "Sources"
EXPORT_FOOTER = "essbot — conversation exportée — page {page}/{{nb}}"

FEEDBACK_UNKNOWN_ANSWER = (
    "Cette réponse n'est plus disponible (le service a peut-être redémarré) : votre avis n'a pas été enregistré."
)

# --- widget (GET /widget.js) ---
WIDGET_BUTTON_LABEL = "Ouvrir l'assistant essbot (économie sociale et solidaire)"
# Shown above the bubble when the chat cannot open; {origin}, {server}, {status} and {retry} are filled in the page.
WIDGET_ERRORS = {
    "title": "L'assistant essbot ne peut pas s'ouvrir",
    "origin": (
        "Ce site ({origin}) n'est pas autorisé à interroger essbot : l'administrateur d'essbot doit ajouter son "
        "adresse à cors_origins (variable ESSBOT_CORS_ORIGINS), puis redémarrer le service."
    ),
    "unreachable": (
        "Le serveur essbot ({server}) ne répond pas. Vérifiez votre connexion au réseau et réessayez dans quelques "
        "minutes ; si le problème persiste, prévenez l'administrateur d'essbot."
    ),
    "rateLimited": "Trop de demandes ont été envoyées à essbot en peu de temps. Patientez {retry} s, puis réessayez.",
    "http": (
        "Le serveur essbot a répondu par une erreur (code {status}). Réessayez dans un instant ; si le problème "
        "persiste, prévenez l'administrateur d'essbot."
    ),
    "close": "Fermer ce message",
}

# --- commands ---
UI_STARTING = "essbot : interface de discussion sur {url} (Ctrl-C pour arrêter)"
FEEDBACK_EXPORTED = "{count} avis exporté(s) vers {path}."
FEEDBACK_NONE = "Aucun avis enregistré dans {path}."
FEEDBACK_DB_UNREADABLE = "Base des avis illisible : {path} ({detail})"
ORIGIN_REFUSED = "Ce site n'est pas autorisé à ouvrir la discussion essbot (cors_origins)."
