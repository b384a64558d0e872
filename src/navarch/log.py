"""Structured logs: a message plus key=value fields, as text or one JSON object per line.

Every part of Navarch logs through ``get_logger(name).info("event happened", cluster=..., ...)``.
Fields are kept apart from the message so logs can be filtered by cluster, profile or kind, and
the JSON form (``NAVARCH_LOG_FORMAT=json``) feeds a log pipeline unchanged. This module sits
outside the layers (every layer may log) and imports nothing of Navarch.

Nothing here scrubs secrets: the rule is that no caller ever passes one (a kubeconfig, token or
key) as a field or in a message, and the kube layer's errors are built so that they cannot
contain one.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any

_FIELDS = "navarch_fields"


class Logger:
    """A thin wrapper over ``logging.Logger`` that takes fields as keyword arguments."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger

    def _log(self, level: int, msg: str, fields: dict[str, Any]) -> None:
        if self._logger.isEnabledFor(level):
            self._logger.log(level, msg, extra={_FIELDS: fields}, stacklevel=3)

    @property
    def debug_enabled(self) -> bool:
        """For hot paths: skip building a debug line's fields when it would be dropped."""
        return self._logger.isEnabledFor(logging.DEBUG)

    def debug(self, msg: str, **fields: Any) -> None:
        self._log(logging.DEBUG, msg, fields)

    def info(self, msg: str, **fields: Any) -> None:
        self._log(logging.INFO, msg, fields)

    def warning(self, msg: str, **fields: Any) -> None:
        self._log(logging.WARNING, msg, fields)

    def error(self, msg: str, **fields: Any) -> None:
        self._log(logging.ERROR, msg, fields)


def get_logger(name: str) -> Logger:
    return Logger(logging.getLogger(name))


def _value(value: Any) -> str:
    text = str(value)
    if not text or any(c.isspace() or c in '"=' for c in text):
        return json.dumps(text)
    return text


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, _FIELDS, {})
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        parts = [
            f"{stamp}.{int(record.msecs):03d}Z",
            record.levelname.lower(),
            record.name,
            _value(record.getMessage()),
        ]
        parts += [f"{k}={_value(v)}" for k, v in fields.items()]
        if record.exc_info:
            parts.append("error=" + _value(repr(record.exc_info[1])))
        return " ".join(parts)


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": record.created,
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        doc.update(
            {
                k: v if isinstance(v, int | float | bool) else str(v)
                for k, v in getattr(record, _FIELDS, {}).items()
            }
        )
        if record.exc_info:
            doc["error"] = repr(record.exc_info[1])
        return json.dumps(doc)


def configure(level: str | int = "INFO", *, stream: Any = None, fmt: str | None = None) -> None:
    """Route Navarch's logs to ``stream`` (default stderr) in text or JSON form."""
    fmt = fmt or os.environ.get("NAVARCH_LOG_FORMAT", "text")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JSONFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger("navarch")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # httpx logs every request at INFO; that is noise at fleet scale.
    logging.getLogger("httpx").setLevel(logging.WARNING)
