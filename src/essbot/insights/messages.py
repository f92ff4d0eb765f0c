"""French strings of `essbot insights` and of its HTML report and CSV."""

from __future__ import annotations

REPORT_TITLE = "essbot — questions sans réponse satisfaisante"
REPORT_INTRO = (
    "Questions auxquelles essbot n'a pas trouvé de réponse dans les documents (abstentions) et réponses jugées "
    "pas utiles (avis négatif), regroupées par sujet. Pour chaque sujet : les questions posées, les commentaires "
    "laissés et les passages les plus proches trouvés dans le fonds documentaire. Un sujet fréquent sans passage "
    "pertinent signale un document à ajouter ; un sujet avec des passages proches mais des avis négatifs signale "
    "un document à compléter ou à clarifier."
)
PERIOD_SINCE = "Période : depuis le {since}"
PERIOD_ALL = "Période : toutes les questions conservées"
GENERATED = "Généré le {when}"
SUMMARY = (
    "{questions} question(s) enregistrée(s), dont {abstained} sans réponse trouvée ; {down} réponse(s) jugée(s) "
    "pas utile(s) ; {items} question(s) à examiner en {groups} sujet(s)."
)
WEEKS_HEADER = "Par semaine"
WEEK_COLUMNS = ("Semaine du", "Questions", "Sans réponse", "Avis négatifs", "À examiner")
GROUPS_HEADER = "Sujets"
GROUP_TITLE = "Sujet {number} : {label}"
GROUP_COUNT = "{count} question(s) — mots clés : {terms}"
GROUP_QUESTIONS = "Questions"
QUESTION_COLUMNS = ("Date", "Canal", "Motif", "Question", "Commentaire")
GROUP_PASSAGES = "Passages les plus proches trouvés"
GROUP_NO_PASSAGE = "Aucun passage trouvé."
PASSAGE_LINE = "{source}{section}{page} — score {score} (trouvé {count} fois)"
NO_ITEMS = "Aucune question sans réponse ni avis négatif sur la période."
COMMENTS_HEADER = "Commentaires"

REASON_ABSTAINED = "sans réponse"
REASON_DOWN = "avis négatif"
REASON_BOTH = "sans réponse, avis négatif"
CHANNELS = {
    "webapp": "discussion",
    "copilot": "widget",
    "api": "API",
    "chat-completions": "API OpenAI",
}

CSV_COLUMNS = (
    "sujet",
    "libelle_sujet",
    "mots_cles",
    "date",
    "semaine",
    "canal",
    "motif",
    "question",
    "commentaire",
    "passages_proches",
)

# --- command ---
WRITTEN = "Rapport écrit : {html} et {csv} ({items} question(s) à examiner, {groups} sujet(s))."
LOG_DISABLED = "Le journal des questions est désactivé (réglage question_log) : seuls les avis négatifs sont analysés."
DB_UNREADABLE = "Base illisible : {path} ({detail})"
