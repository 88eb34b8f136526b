"""Optional connector hooks the web layer asks for: sign-in, call budget, the ERP's webhooks.

Some ERPs need more from the app than flows: the merchant connects them by signing
in at the vendor (OAuth2: AccountView, Exact Online), they ration calls per day
(Exact) or they announce changes to a callback of ours (Exact). What differs per
ERP is small, so each is a hook object a connector class may carry, and the web
modules (:mod:`bcapp.web.erp_oauth`, :mod:`bcapp.web.erp_budget`,
:mod:`bcapp.web.erp_webhooks`) decide only by these hooks. An ERP package that sets
them gets the connect window, the dashboard card or the webhook route without an
edit outside its package::

    class MyConnector:
        kind = "my"
        sign_in: ClassVar[SignIn[Any] | None] = MySignIn()
        call_budget: ClassVar[CallBudgetReport | None] = MyBudget()
        webhooks: ClassVar[WebhookVerifier | None] = MyWebhooks()

They are no members of :class:`~bcapp.connectors.base.Connector` (a runtime-checked
protocol would then demand them of every connector); read them with
:func:`sign_in_of`, :func:`call_budget_of` and :func:`webhooks_of`, which give None
for a class without the hook (or with something else under its name). Each hook
works on settings, secrets and request bodies only, never on a Flask request or a
database row: the web layer keeps those.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from bcapp.errors import BcappError

__all__ = [
    "BudgetView",
    "CallBudgetReport",
    "ErpEvent",
    "SignIn",
    "SignInOption",
    "WebhookRefused",
    "WebhookVerifier",
    "call_budget_of",
    "sign_in_of",
    "webhooks_of",
]

C = TypeVar("C")


# -- sign-in ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInOption:
    """One entry of the picker after signing in (an AccountView company, an Exact division)."""

    value: str
    label: str
    current: bool = False


class SignIn(ABC, Generic[C]):
    """How an ERP is connected by signing in at the vendor (OAuth2), then picking.

    ``C`` is the ERP's connector class: :meth:`complete` and :meth:`options` receive a
    connector the app built (with the callback URL as ``redirect_uri`` and the
    connection's credentials hook, so the tokens land in the app's encrypted store),
    and never close it: the app does.
    """

    #: The picker's heading ("Choose the AccountView company").
    pick_title: ClassVar[str]
    #: The setting a pick fills in, whose value marks the current entry.
    pick_setting: ClassVar[str]

    def registered(self, settings: Mapping[str, Any]) -> bool:
        """Whether the app registration (client id and secret) is saved: connecting can start."""
        return bool(settings.get("client_id") and settings.get("client_secret"))

    @abstractmethod
    def authorize_url(self, settings: Mapping[str, Any], redirect_uri: str, state: str) -> str:
        """The vendor's sign-in page (opened in a new window); ``state`` comes back."""

    @abstractmethod
    def complete(self, connector: C, callback_url: str, state: str) -> None:
        """Trade the callback's code for tokens, stored through the connector's credentials.

        Raises:
            BcappError: the vendor refused the code or the state does not match.
        """

    @abstractmethod
    def options(self, connector: C) -> list[SignInOption]:
        """What the signed-in user may pick (the current one marked when the ERP says)."""

    @abstractmethod
    def chosen(self, option: SignInOption) -> dict[str, Any]:
        """The settings a pick fills in."""

    @abstractmethod
    def has_tokens(self, secrets: Mapping[str, Any]) -> bool:
        """Whether the connection's secrets hold the tokens of a completed sign-in."""

    def current(self, settings: Mapping[str, Any]) -> str:
        """The saved pick ("" when none)."""
        value = settings.get(self.pick_setting)
        return "" if value in (None, "", 0) else str(value)

    def current_label(self, settings: Mapping[str, Any]) -> str:
        """The saved pick as the merchant reads it ("" when none)."""
        return self.current(settings)

    def picking_settings(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """The settings of the connector that completes the sign-in and lists the options.

        Exact answers with the user's current division only when asked in division 0;
        most ERPs take the settings as they are.
        """
        return dict(settings)

    def redirect_uri(self, settings: Mapping[str, Any], default: str) -> str:
        """The callback URL registered with the vendor; ``default`` is the app's own."""
        return default


# -- call budget ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetView:
    """An ERP's calls of the day, as the dashboard card shows them.

    Counts are None until the ERP answered once in the period (they are learnt from
    its rate-limit headers, never by calling it for the card).
    """

    label: str  # the ERP's name: "Exact Online"
    scope: str  # what the count is per, as the merchant says it: "administration 12345"
    daily_limit: int | None
    daily_left: int | None
    minutely_limit: int | None
    minutely_left: int | None
    reserve: int | None  # calls of the day kept for order export
    reset_at: datetime | None
    endpoint_errors: dict[str, int] = field(default_factory=dict)
    #: What an endpoint's error count means (Exact blocks an endpoint after 10 errors).
    errors_note: str = ""

    @property
    def daily_used(self) -> int | None:
        if self.daily_limit is None or self.daily_left is None:
            return None
        return self.daily_limit - self.daily_left

    @property
    def for_catalog(self) -> int | None:
        """Calls left that catalog, stock and fulfilment reads may still use today."""
        if self.daily_left is None:
            return None
        return max(self.daily_left - (self.reserve or 0), 0)


class CallBudgetReport(ABC):
    """An ERP whose calls are rationed per day: where the count shared by the workers is."""

    @abstractmethod
    def snapshot(self, settings: Mapping[str, Any]) -> BudgetView | None:
        """The count for the connection with these settings, without calling the ERP.

        None when nothing is counted yet (e.g. no administration picked). May raise when
        the shared store (Redis) is down: the dashboard then leaves the card out.
        """


# -- the ERP's own webhooks ---------------------------------------------------------------------


class WebhookRefused(BcappError):
    """A delivery that is not the ERP's (forged, tampered, for another scope): 401, not stored."""


@dataclass(frozen=True)
class ErpEvent:
    """What one verified delivery names; the flow that reads the change does the rest."""

    topic: str  # the ERP's name of what changed ("Items")
    key: str  # the changed record's id in the ERP
    #: The flow that reads what the topic names (``bcapp.sync`` flow name); None: not followed.
    flow: str | None
    #: The bytes that identify a delivery: the same bytes again are a duplicate.
    content: bytes
    #: What is stored with the event (JSON-able), for the activity log.
    payload: dict[str, Any] = field(default_factory=dict)


class WebhookVerifier(ABC):
    """An ERP that announces its changes to ``POST /webhooks/<kind>/<token>``.

    The path token names the connection (the app checks it); the verifier checks
    that the body is the ERP's, with what the connection's settings say (its webhook
    secret, its administration), and reads what it names.
    """

    @abstractmethod
    def verify(self, body: bytes, settings: Mapping[str, Any]) -> ErpEvent:
        """The event of a genuine delivery; :class:`WebhookRefused` with the reason otherwise.

        Args:
            body: the request body exactly as received (signatures cover raw bytes).
            settings: the connection's settings, secrets decrypted.
        """


# -- reading the hooks off a connector class ------------------------------------------------------


def sign_in_of(cls: type | None) -> SignIn[Any] | None:
    """The sign-in hook of a connector class, or None: it is connected by typing credentials."""
    hook = getattr(cls, "sign_in", None)
    return hook if isinstance(hook, SignIn) else None


def call_budget_of(cls: type | None) -> CallBudgetReport | None:
    """The call-budget hook of a connector class, or None: no daily ration to show."""
    hook = getattr(cls, "call_budget", None)
    return hook if isinstance(hook, CallBudgetReport) else None


def webhooks_of(cls: type | None) -> WebhookVerifier | None:
    """The webhook hook of a connector class, or None: the ERP sends the app no webhooks."""
    hook = getattr(cls, "webhooks", None)
    return hook if isinstance(hook, WebhookVerifier) else None
