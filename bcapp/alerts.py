"""Failure alerts: one digest per store per interval, by e-mail and/or a webhook.

A storm of failures (an ERP down for an hour fails every order) must not send
hundreds of mails. So nothing is sent when a record fails; instead the
database is the pending list: failed log entries and failed runs newer than
the store's *watermark* (the last ids a digest covered). A periodic job
(:func:`flush_alerts_job`, or ``bcapp send-alerts``) sends one digest per
store when something is pending and the last digest is older than
``ALERT_DIGEST_MINUTES``, then moves the watermark. When sending fails, the
watermark stays put and the next tick tries again.

The watermark lives in ``Store.settings["alert_state"]`` (not a merchant
setting; :mod:`bcapp.mapping.rules` ignores it).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
from flask import current_app
from sqlalchemy import func

from bcapp import metrics
from bcapp.config import current_settings
from bcapp.extensions import db
from bcapp.mapping.rules import rules_for
from bcapp.models import LogEntry, RunStatus, Store, StoreStatus, SyncRun
from bcapp.models.base import utcnow

log = logging.getLogger(__name__)

STATE_KEY = "alert_state"
DIGEST_LINES = 25


@dataclass
class Digest:
    """What one alert says: counts plus the first few failures in full."""

    store_hash: str
    entries: list[LogEntry] = field(default_factory=list)
    runs: list[SyncRun] = field(default_factory=list)
    entry_count: int = 0
    last_entry_id: int = 0
    last_run_id: int = 0
    #: A test sent from the dashboard ("Send a test alert"): no failure behind it.
    test: bool = False

    @property
    def total(self) -> int:
        return self.entry_count + len(self.runs)

    def subject(self) -> str:
        if self.test:
            return f"[bcapp] Test alert for store {self.store_hash}: alerts reach you"
        plural = "s" if self.total != 1 else ""
        return f"[bcapp] {self.total} sync failure{plural} in store {self.store_hash}"

    def text(self) -> str:
        """The plain-text body: failed runs first (they stop everything), then records."""
        lines = [self.subject(), ""]
        if self.test:
            lines.append("Sent with “Send a test alert” on the dashboard; nothing failed.")
        for run in self.runs:
            lines.append(f"Run {run.flow} failed: {run.message}")
        if self.runs:
            lines.append("")
        for entry in self.entries:
            ids = " ↔ ".join(x for x in (entry.bc_id and f"#{entry.bc_id}", entry.erp_id) if x)
            lines.append(f"- {entry.entity} {ids}: {entry.message}")
        hidden = self.entry_count - len(self.entries)
        if hidden > 0:
            lines.append(f"... and {hidden} more.")
        lines += ["", "Open the app from Apps › My Apps in the BigCommerce control panel to retry."]
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        """The webhook body; ``text`` makes it readable by Slack/Teams incoming webhooks."""
        return {
            "text": self.text(),
            "store_hash": self.store_hash,
            "failures": self.total,
            "failed_runs": [
                {"id": r.id, "flow": r.flow, "message": r.message} for r in self.runs
            ],
            "failed_records": [
                {
                    "id": e.id, "entity": e.entity, "bc_id": e.bc_id, "erp_id": e.erp_id,
                    "message": e.message, "at": e.created_at.isoformat() if e.created_at else None,
                }
                for e in self.entries
            ],
        }  # fmt: skip


def _state(store: Store) -> dict[str, Any]:
    return dict((store.settings or {}).get(STATE_KEY) or {})


def _pending(store: Store) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """WHERE clauses of the pending failed entries and failed runs (past the watermark)."""
    state = _state(store)
    entries = (
        LogEntry.store_id == store.id,
        LogEntry.outcome == "failed",
        LogEntry.id > int(state.get("entry_id", 0)),
    )
    runs = (
        SyncRun.store_id == store.id,
        SyncRun.status == RunStatus.FAILED,
        SyncRun.id > int(state.get("run_id", 0)),
    )
    return entries, runs


def _scalar(query: Any) -> int:
    return int(db.session.execute(query).scalar() or 0)


def pending_count(store: Store) -> int:
    """Failures not yet covered by a digest (shown on the dashboard)."""
    entries, runs = _pending(store)
    return _scalar(db.select(func.count(LogEntry.id)).where(*entries)) + _scalar(
        db.select(func.count(SyncRun.id)).where(*runs)
    )


def collect(store: Store) -> Digest:
    """The pending failures of ``store`` as a digest (first DIGEST_LINES records in full)."""
    entries, runs = _pending(store)
    digest = Digest(store.store_hash)
    digest.entries = list(
        db.session.execute(
            db.select(LogEntry).where(*entries).order_by(LogEntry.id).limit(DIGEST_LINES)
        ).scalars()
    )
    digest.runs = list(
        db.session.execute(db.select(SyncRun).where(*runs).order_by(SyncRun.id)).scalars()
    )
    digest.entry_count = _scalar(db.select(func.count(LogEntry.id)).where(*entries))
    digest.last_entry_id = _scalar(db.select(func.max(LogEntry.id)).where(*entries))
    digest.last_run_id = max((r.id for r in digest.runs), default=0)
    return digest


def send_email(to: str, digest: Digest, timeout: float | None = None) -> None:
    """Send the digest through the configured SMTP server (raises on failure)."""
    cfg = current_app.config
    message = EmailMessage()
    message["Subject"] = digest.subject()
    message["From"] = cfg.get("SMTP_FROM") or "bcapp@localhost"
    message["To"] = to
    message.set_content(digest.text())
    timeout = timeout or float(cfg.get("HTTP_TIMEOUT", 20))
    host, port = cfg["SMTP_HOST"], int(cfg.get("SMTP_PORT") or 587)
    mode = (cfg.get("SMTP_TLS") or "starttls").lower()
    if mode == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if mode == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if cfg.get("SMTP_USER"):
            smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)


def send_webhook(url: str, digest: Digest, timeout: float | None = None) -> None:
    """POST the digest as JSON (raises on a network error or a non-2xx answer)."""
    timeout = timeout or float(current_settings().http_timeout)
    transport = current_app.extensions.get("bcapp.alert_transport")
    with httpx.Client(timeout=timeout, transport=transport) as client:
        client.post(url, json=digest.as_json()).raise_for_status()


def _due(store: Store, now: datetime) -> bool:
    sent = _state(store).get("sent_at")
    if not sent:
        return True
    minutes = int(current_settings().alert_digest_minutes)
    return now - datetime.fromisoformat(sent) >= timedelta(minutes=minutes)


def flush_alerts(store: Store, *, force: bool = False) -> Digest | None:
    """Send the store's pending failures as one digest; returns it when one was sent.

    With no channel configured the failures are marked seen without sending,
    so switching alerts on later does not mail a year of history.
    """
    now = utcnow()
    if not force and not _due(store, now):
        return None
    digest = collect(store)
    if digest.total == 0:
        return None
    general = rules_for(store).general
    sent = False
    if general.alert_email and current_settings().smtp_host:
        send_email(general.alert_email, digest)
        metrics.ALERTS_SENT.labels("email").inc()
        sent = True
    if general.alert_webhook_url:
        send_webhook(general.alert_webhook_url, digest)
        metrics.ALERTS_SENT.labels("webhook").inc()
        sent = True
    _advance(store, digest, now if sent else None)
    return digest if sent else None


def _advance(store: Store, digest: Digest, sent_at: datetime | None) -> None:
    state = _state(store)
    state["entry_id"] = max(int(state.get("entry_id", 0)), digest.last_entry_id)
    state["run_id"] = max(int(state.get("run_id", 0)), digest.last_run_id)
    if sent_at is not None:
        state["sent_at"] = sent_at.isoformat()
    store.settings = {**(store.settings or {}), STATE_KEY: state}
    db.session.commit()


def flush_all(*, force: bool = False) -> dict[str, int]:
    """One pass over every active store; a failing channel is logged and retried next time."""
    counts = {"sent": 0, "errors": 0}
    stores = (
        db.session.execute(db.select(Store).where(Store.status == StoreStatus.ACTIVE))
        .scalars()
        .all()
    )
    for store in stores:
        try:
            if flush_alerts(store, force=force):
                counts["sent"] += 1
        except (OSError, smtplib.SMTPException, httpx.HTTPError) as exc:
            db.session.rollback()
            counts["errors"] += 1
            log.warning("alert digest for %s not sent: %s", store.store_hash, exc)
    return counts


def flush_alerts_job() -> dict[str, int]:
    """RQ job for the periodic schedule (runs inside the worker's app context)."""
    return flush_all()


# -- what the dashboard says about alerts ------------------------------------------------------

#: Seconds "Send a test alert" waits for the SMTP server or the webhook (the merchant waits).
TEST_TIMEOUT = 10.0


@dataclass(frozen=True)
class Channel:
    """One way alerts leave: whether it is on, and the sentence that says why (not)."""

    name: str
    on: bool
    text: str


def channels(store: Store) -> list[Channel]:
    """E-mail and webhook delivery of this store's alerts, each on or off with the reason."""
    general = rules_for(store).general
    smtp = current_settings().smtp_host
    if not smtp:
        email = Channel("E-mail", False, "off: this server has no SMTP server (SMTP_HOST) set up")
    elif not general.alert_email:
        email = Channel("E-mail", False, "off: no alert e-mail address is set in General settings")
    else:
        email = Channel("E-mail", True, f"on, to {general.alert_email}")
    if general.alert_webhook_url:
        host = httpx.URL(general.alert_webhook_url).host or general.alert_webhook_url
        hook = Channel("Webhook", True, f"on, to {host}")
    else:
        hook = Channel("Webhook", False, "off: no webhook URL is set in General settings")
    return [email, hook]


def send_test(store: Store) -> list[tuple[Channel, str]]:
    """Send a test digest through every channel that is on; (channel, "" or the error)."""
    digest = Digest(store.store_hash, test=True)
    results: list[tuple[Channel, str]] = []
    for channel in (c for c in channels(store) if c.on):
        general = rules_for(store).general
        try:
            if channel.name == "E-mail":
                send_email(general.alert_email, digest, TEST_TIMEOUT)
            else:
                send_webhook(general.alert_webhook_url, digest, TEST_TIMEOUT)
        except (OSError, smtplib.SMTPException, httpx.HTTPError) as exc:
            results.append((channel, str(exc) or type(exc).__name__))
        else:
            results.append((channel, ""))
    return results
