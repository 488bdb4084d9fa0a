"""Log filters: secrets (passwords, tokens, authorisation headers) never reach a log line."""

import logging
import re

REDACTED = "[REDACTED]"

_SECRET_PATTERNS = [
    # JSON Web Tokens: three base64url parts, the first always starting with eyJ ('{"').
    re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*"),
    # key=value or "key": "value" pairs whose key names a secret.
    re.compile(r"(?P<key>Bearer\s+)(?P<value>\S+)", re.IGNORECASE),
    re.compile(
        r"""(?P<key>["']?(?:password|passwd|secret|token|refresh|access|authorization|api[_-]?key)\w*["']?"""
        r"""\s*[:=]\s*)(?P<value>"[^"]*"|'[^']*'|[^\s,&}]+)""",
        re.IGNORECASE,
    ),
]


def redact(text: str) -> str:
    text = _SECRET_PATTERNS[0].sub(REDACTED, text)
    for pattern in _SECRET_PATTERNS[1:]:
        text = pattern.sub(lambda m: m.group("key") + REDACTED, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Rewrites each record's final message with secrets masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now so the redacted text is what handlers write.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
            record.msg = f"{record.msg}\n{record.exc_text}"
            record.exc_text = None
        return True
