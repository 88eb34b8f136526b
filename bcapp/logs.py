"""Logging: configured by the entry points, with the store, run, job, flow and webhook in context.

The app factory configures no logging (a library must not decide where a host's
logs go); each entry point does, once: the ``bcapp`` command (worker, tick, CLI,
demo), ``worker.py`` and gunicorn (``gunicorn.conf.py``) call
:func:`configure_logging`. ``LOG_FORMAT=json`` writes one JSON object per line
(what log shippers index); the default is one readable line.

What a line is about travels in context variables, so a log call deep in a flow
needs no extra arguments: the webhook intake binds the store and webhook id, the
runner binds store, run and flow, the job wrapper binds the RQ job id
(:func:`bound`). :class:`ContextFilter` copies them onto every record; the JSON
format writes those that are set, the text format appends them in brackets.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

#: The fields a log line can carry about what it concerns.
FIELDS = ("store_hash", "run_id", "job_id", "flow", "webhook_id")
_VARS: dict[str, contextvars.ContextVar[Any]] = {
    name: contextvars.ContextVar(f"bcapp_log_{name}", default=None) for name in FIELDS
}
#: Attributes every LogRecord has; anything else given in ``extra=`` is written too.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", *FIELDS}
_HANDLER_NAME = "bcapp"


@contextlib.contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Carry ``fields`` (names from :data:`FIELDS`; None values ignored) on the log lines inside.

    On the way out every field is as it was on the way in, also those :func:`bind` set
    inside (a job that binds its webhook id leaves no trace on the next job).
    """
    saved = {name: var.get() for name, var in _VARS.items()}
    bind(**fields)
    try:
        yield
    finally:
        for name, value in saved.items():
            _VARS[name].set(value)


def bind(**fields: Any) -> None:
    """Set context fields until the current context ends (a request, a job's context)."""
    for name, value in fields.items():
        if value is not None:
            _VARS[name].set(value)


def clear() -> None:
    """Forget every context field (the start of a request)."""
    for var in _VARS.values():
        var.set(None)


def context() -> dict[str, Any]:
    """The context fields that are set."""
    return {name: value for name, var in _VARS.items() if (value := var.get()) is not None}


class ContextFilter(logging.Filter):
    """Copies the context fields onto each record (as attributes, None when unset)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _VARS.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({n: v for n in FIELDS if (v := getattr(record, n, None)) is not None})
        line.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """The readable line, with the context fields that are set in brackets."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = " ".join(f"{n}={v}" for n in FIELDS if (v := getattr(record, n, None)))
        if not fields:
            return text
        head, newline, rest = text.partition("\n")
        return f"{head} [{fields}]{newline}{rest}"


def formatter(fmt: str) -> logging.Formatter:
    """The formatter for ``LOG_FORMAT`` ("json" or "text")."""
    return JsonFormatter() if fmt.strip().lower() == "json" else TextFormatter()


def configure_logging(
    level: str | None = None, fmt: str | None = None, stream: Any = None
) -> logging.Handler:
    """Send the root logger's records to ``stream`` (stderr) in ``LOG_FORMAT`` at ``LOG_LEVEL``.

    Idempotent: a second call replaces the handler it installed (never another's).
    Level and format default to the environment's settings.
    """
    from bcapp.config import Settings, load

    settings = Settings.from_config(load())
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter(fmt or settings.log_format))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((level or settings.log_level).upper())
    # Alembic announces each of its plugins at INFO when it is imported, which happens after
    # this (only ``bcapp db`` and the demo's upgrade load it): say what matters, not that.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    return handler
