"""AccountView's sign-in hook: the AccountView.net sign-in, then the company to sync with.

:class:`~.connector.AccountViewConnector` carries it (see
:mod:`bcapp.connectors.hooks`), so the app's connect window needs nothing
AccountView-specific outside this package.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from bcapp.connectors.accountview.connect import authorize_url
from bcapp.connectors.accountview.oauth import code_from_callback
from bcapp.connectors.hooks import SignIn, SignInOption

if TYPE_CHECKING:
    from bcapp.connectors.accountview.connector import AccountViewConnector


class AccountViewSignIn(SignIn["AccountViewConnector"]):
    """Sign in at AccountView.net; the company (the X-Company header) is picked afterwards."""

    pick_title: ClassVar[str] = "Choose the AccountView company"
    pick_setting: ClassVar[str] = "company_id"

    def authorize_url(self, settings: Mapping[str, Any], redirect_uri: str, state: str) -> str:
        return authorize_url(settings, redirect_uri, state)

    def complete(self, connector: AccountViewConnector, callback_url: str, state: str) -> None:
        connector.tokens.authorize(code_from_callback(callback_url, state))

    def options(self, connector: AccountViewConnector) -> list[SignInOption]:
        return [
            SignInOption(c.id, f"{c.description} ({c.code})" if c.code else c.description)
            for c in connector.companies()
        ]

    def chosen(self, option: SignInOption) -> dict[str, Any]:
        return {"company_id": option.value, "company_name": option.label}

    def current_label(self, settings: Mapping[str, Any]) -> str:
        return str(settings.get("company_name") or settings.get("company_id") or "")

    def has_tokens(self, secrets: Mapping[str, Any]) -> bool:
        return bool(secrets.get("refresh_token") or secrets.get("access_token"))
