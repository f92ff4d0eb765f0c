"""A fiche whose text carries HTML and markdown that must be displayed as text, never run (UI security tests)."""

from __future__ import annotations

from pathlib import Path

SCRIPT_TAG = "<script>alert(1)</script>"
IMG_TAG = '<img src=x onerror="window.__xss=1">'
LINK = "[cliquez ici](javascript:window.__xss=2)"
QUESTION = "Qu'est-ce que la régie de quartier Lilas-Solidaire ?"

# Each paragraph on one line, so that the sentences (and the markup in them) are not cut at line ends.
POISONED_FICHE = "\n".join(
    [
        "# La régie de quartier Lilas-Solidaire",
        "",
        "## En bref",
        "",
        "La régie de quartier Lilas-Solidaire est une association d'insertion qui emploie des habitants des Lilas "
        f"pour l'entretien des espaces publics {SCRIPT_TAG} et le lien social {IMG_TAG}.",
        "",
        f"La régie de quartier Lilas-Solidaire est conventionnée par l'État comme entreprise d'insertion {LINK}.",
        "",
        "## Financement",
        "",
        "La régie de quartier Lilas-Solidaire est financée par la commune, le département et des aides au poste.",
        "",
    ]
)


def write_poisoned_fiche(folder: Path, name: str = "fiche-regie-lilas-solidaire.md") -> Path:
    """Write the poisoned fiche in `folder` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(POISONED_FICHE, encoding="utf-8")
    return path
