"""Exact Online's hooks for the web layer: sign-in, the day's call budget, webhook deliveries.

:class:`~.connector.ExactConnector` carries one of each (see
:mod:`bcapp.connectors.hooks`), so the connect window, the dashboard's budget card
and ``POST /webhooks/exact/<token>`` need nothing Exact-specific outside this package.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from bcapp.connectors.exact.oauth import authorize_url
from bcapp.connectors.exact.session import shared_budget
from bcapp.connectors.exact.settings import TOKENS_KEY, ExactSettings
from bcapp.connectors.exact.webhooks import ENVELOPE, InvalidHashCode, verify_hashcode
from bcapp.connectors.hooks import (
    BudgetView,
    CallBudgetReport,
    ErpEvent,
    SignIn,
    SignInOption,
    WebhookRefused,
    WebhookVerifier,
)
from bcapp.errors import ConfigError

if TYPE_CHECKING:
    from bcapp.connectors.exact.connector import ExactConnector

LABEL = "Exact Online"
#: Exact event topic → the flow that reads what it names (the topics of ``webhooks.TOPICS``).
TOPIC_FLOWS: dict[str, str] = {
    "Items": "catalog",
    "StockPositions": "stock",
    "SalesOrders": "order_status",
    "GoodsDeliveries": "shipments",
}


class ExactSignIn(SignIn["ExactConnector"]):
    """Sign in at Exact's country site, then pick the division (administration)."""

    pick_title: ClassVar[str] = "Choose the Exact Online administration (division)"
    pick_setting: ClassVar[str] = "division"

    def authorize_url(self, settings: Mapping[str, Any], redirect_uri: str, state: str) -> str:
        site = str(settings.get("site") or "nl")
        return authorize_url(site, str(settings.get("client_id") or ""), redirect_uri, state)

    def redirect_uri(self, settings: Mapping[str, Any], default: str) -> str:
        """The merchant registers their own app with Exact, so its redirect URL is a setting."""
        return str(settings.get("redirect_uri") or default)

    def picking_settings(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        # division 0: /current/Me names the one the user works in; the divisions are read there
        return {**settings, "division": 0}

    def complete(self, connector: ExactConnector, callback_url: str, state: str) -> None:
        connector.connect(callback_url, state)

    def options(self, connector: ExactConnector) -> list[SignInOption]:
        return [
            SignInOption(
                str(d.code),
                f"{d.description} ({d.code})" if d.description else str(d.code),
                d.current,
            )
            for d in connector.divisions()
        ]

    def chosen(self, option: SignInOption) -> dict[str, Any]:
        return {"division": int(option.value)}

    def current_label(self, settings: Mapping[str, Any]) -> str:
        division = self.current(settings)
        return f"administration {division}" if division else ""

    def has_tokens(self, secrets: Mapping[str, Any]) -> bool:
        tokens = secrets.get(TOKENS_KEY)
        return isinstance(tokens, Mapping) and bool(tokens.get("refresh_token"))


class ExactCallBudget(CallBudgetReport):
    """The division's calls of the day, as the workers count them in Redis.

    Exact allows 5,000 calls a day and 60 a minute per division; the connector keeps
    a share of the day for order export (:mod:`.budget`). The count is learnt from
    Exact's ``X-RateLimit-*`` headers, so reading it costs no call.
    """

    def snapshot(self, settings: Mapping[str, Any]) -> BudgetView | None:
        try:
            parsed = ExactSettings.parse(settings)
        except ConfigError:
            return None
        if not parsed.division:
            return None  # the division is picked when connecting; nothing counted before
        budget = shared_budget(parsed.division, reserve_fraction=parsed.reserve_fraction)
        snap = budget.snapshot()
        return BudgetView(
            label=LABEL,
            scope=f"administration {parsed.division}",
            daily_limit=snap.daily_limit,
            daily_left=snap.daily_left,
            minutely_limit=snap.minutely_limit,
            minutely_left=snap.minutely_left,
            reserve=snap.reserve,
            reset_at=snap.daily_reset_at,
            endpoint_errors=dict(snap.endpoint_errors),
            errors_note="Exact blocks an endpoint at 10; the app pauses it at 8",
        )


class ExactWebhooks(WebhookVerifier):
    """Exact's callbacks: ``{"Content":{…},"HashCode":"…"}``, HMAC-SHA256 of the raw Content.

    Exact sends no signature header and no delivery id, and repeats a delivery as
    the same Content text: that text is what identifies a delivery.
    """

    def verify(self, body: bytes, settings: Mapping[str, Any]) -> ErpEvent:
        try:
            event = verify_hashcode(body, str(settings.get("webhook_secret") or ""))
        except InvalidHashCode as exc:
            raise WebhookRefused(f"HashCode: {exc.message}") from exc
        division = int(settings.get("division") or 0)
        if division and event.division != division:
            raise WebhookRefused(f"event for division {event.division}, connected to {division}")
        match = ENVELOPE.match(body)
        names = ("topic", "action", "key", "division", "endpoint", "client_id", "created_on")
        return ErpEvent(
            topic=event.topic,
            key=event.key,
            flow=TOPIC_FLOWS.get(event.topic),
            content=match["content"] if match else body,
            payload={name: getattr(event, name) for name in names},
        )
