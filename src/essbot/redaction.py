"""Secrets never reach a log: the configured keys and tokens, and anything shaped like a credential, are masked."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from essbot.config import SECRET_FIELDS, Settings

MASK = "***"
# A filter applies to the records of its own logger only, not to those its children pass up.
LOGGERS = ("essbot", "essbot.server", "essbot.ui", "essbot.answer", "uvicorn.error")
_CREDENTIALS = re.compile(
    r"(?i)(bearer\s+|authorization[\"']?\s*[:=]\s*[\"']?|api[_-]?key[\"']?\s*[:=]\s*[\"']?|token[\"']?\s*[:=]\s*[\"']?"
    r"|password[\"']?\s*[:=]\s*[\"']?)[^\s\"',;)}]+"
    r"|\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{8,}"
    r"|(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"  # user:password@ in URLs
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with the given secret values and credential-looking strings replaced by ***."""
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, MASK)
    return _CREDENTIALS.sub(lambda m: (m.group(1) or "") + MASK, text)


def secret_values(settings: Settings) -> list[str]:
    return [value for name in SECRET_FIELDS if (value := getattr(settings, name).get_secret_value())]


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's message and traceback before any handler formats it."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = list(secrets)
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info:
            record.exc_text = redact(self._formatter.formatException(record.exc_info), self.secrets)
            record.exc_info = None
        return True


def install_redaction(settings: Settings, logger_names: Iterable[str] = LOGGERS) -> None:
    """Mask the settings' secrets in the records of these loggers and of their children."""
    redacting = RedactingFilter(secret_values(settings))
    for name in logger_names:
        logger = logging.getLogger(name)
        logger.filters = [f for f in logger.filters if not isinstance(f, RedactingFilter)]
        logger.addFilter(redacting)


# Personal data in what users type (question log, feedback): masked before anything is stored.
EMAIL_MASK = "[courriel]"
PHONE_MASK = "[téléphone]"
# A left boundary and a possessive local part keep the scan linear on long texts without "@".
_EMAIL = re.compile(
    r"(?<![\w.+%-])[\w.+%-]++\s?(?:@|\(at\)|\[at\])\s?[\w-]{1,63}(?:\s?\.\s?[\w-]{1,63}){1,8}", re.IGNORECASE
)
# French numbers: 06 12 34 56 78, 06.12.34.56.78, 0612345678, +33 6 12 34 56 78, +33 (0)1 23 45 67 89, 0033…
_PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?|0)[1-9](?:[\s.\-/]{0,2}\d{2}){4}(?!\d)")


def mask_personal_data(text: str) -> str:
    """`text` with e-mail addresses and French phone numbers replaced by [courriel] and [téléphone]."""
    return _PHONE.sub(PHONE_MASK, _EMAIL.sub(EMAIL_MASK, text))
