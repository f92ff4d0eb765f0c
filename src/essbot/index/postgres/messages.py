"""User-facing French messages of the `postgres` store and of `essbot migrate`."""

from __future__ import annotations

DATABASE_UNREACHABLE = (
    "Base PostgreSQL injoignable ({url}) : {detail}. Vérifiez ESSBOT_DATABASE_URL et que le serveur est démarré."
)
DATABASE_NOT_CONFIGURED = (
    "Aucune base PostgreSQL configurée : indiquez son adresse avec --to ou ESSBOT_DATABASE_URL "
    "(postgresql://utilisateur:motdepasse@hote:5432/base)."
)
DATABASE_BAD_URL = "Adresse de base PostgreSQL invalide : {detail}. Forme attendue : postgresql://utilisateur@hote/base"
PGVECTOR_MISSING = (
    "L'extension pgvector n'est pas disponible dans la base {url} ({detail}). Installez-la "
    "(CREATE EXTENSION vector, en tant qu'administrateur) ou choisissez une offre PostgreSQL qui la propose."
)
PGVECTOR_TOO_OLD = (
    "L'extension pgvector de la base {url} est en version {found} ; essbot demande la version 0.8 ou plus "
    "(recherche filtrée dans l'index HNSW) : ALTER EXTENSION vector UPDATE, en tant qu'administrateur."
)
SCHEMA_TOO_NEW = (
    "La base PostgreSQL a été préparée par une version plus récente d'essbot (schéma {found}, "
    "cette version connaît le schéma {expected}) : mettez essbot à jour."
)
EXTENSION_IN_SCHEMA = (
    "Reconstruction impossible : l'extension {extensions} est installée dans le schéma essbot, que la "
    "reconstruction remplace. Installez-la dans le schéma public (en tant qu'administrateur : "
    "ALTER EXTENSION … SET SCHEMA public), puis relancez."
)
DIM_MISMATCH = "Vecteurs de dimension {got} refusés : la base {url} attend la dimension {expected}."

MIGRATE_READING = "Copie des documents"
MIGRATE_TARGET_NOT_EMPTY = (
    "La base {url} contient déjà {documents} documents : ajoutez --replace pour la vider avant la copie."
)
MIGRATE_SUMMARY = (
    "Copie terminée vers {url} : {documents} documents, {chunks} passages et {skipped} fichiers ignorés "
    "recopiés sans recalcul des vecteurs, en {seconds:.1f} s."
)
MIGRATE_EMPTY = "L'index {path} ne contient aucun document : rien à copier."
