"""A control-panel stand-in: frames the app with a fresh signed_payload_jwt.

Used by the foundation's demo and browser test until the BigCommerce sandbox
provides the full control panel (install, open, uninstall, second user).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from flask import Flask, request

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Control panel (stand-in)</title>
<style>body{{margin:0;font-family:sans-serif}}
header{{background:#34313f;color:#fff;padding:12px 24px}}
iframe{{border:0;width:100%;height:calc(100vh - 48px)}}</style></head>
<body><header>Store {store_hash} · Apps › bcapp · user {user_id}</header>
<iframe id="app" title="bcapp" src="{src}"></iframe></body></html>"""


def signed_payload(
    store_hash: str, user_id: int, owner_id: int, client_id: str, secret: str
) -> str:
    now = int(time.time())
    return jwt.encode(
        {
            "aud": client_id,
            "iss": "bc",
            "iat": now,
            "nbf": now,
            "exp": now + 86400,
            "jti": str(uuid.uuid4()),
            "sub": f"stores/{store_hash}",
            "user": {"id": user_id, "email": f"user{user_id}@example.com", "locale": "en-US"},
            "owner": {"id": owner_id, "email": f"user{owner_id}@example.com"},
            "url": "/",
            "channel_id": None,
        },
        secret,
        algorithm="HS256",
    )


def create_control_panel(
    *,
    app_url: str,
    client_id: str,
    client_secret: str,
    app: Any = None,
    store_hash: str = "demo1234",
    owner_id: int = 1,
) -> Flask:
    """A WSGI app whose page iframes ``{app_url}/bigcommerce/load`` for a seeded store."""
    if app is not None:
        _seed_store(app, store_hash, owner_id)
    panel = Flask("control_panel")

    @panel.get("/")
    def index() -> str:
        user_id = int(request.args.get("user", owner_id))
        token = signed_payload(store_hash, user_id, owner_id, client_id, client_secret)
        src = f"{app_url}/bigcommerce/load?signed_payload_jwt={token}"
        return PAGE.format(store_hash=store_hash, user_id=user_id, src=src)

    return panel


def _seed_store(app: Any, store_hash: str, owner_id: int) -> None:
    from bcapp.extensions import db
    from bcapp.models import Store, StoreUser

    with app.app_context():
        store = db.session.execute(
            db.select(Store).filter_by(store_hash=store_hash)
        ).scalar_one_or_none()
        if store is None:
            store = Store(
                store_hash=store_hash, access_token="demo-token", settings={}, webhook_secret="demo"
            )
            db.session.add(store)
            db.session.flush()
            db.session.add(
                StoreUser(
                    store_id=store.id,
                    bc_user_id=owner_id,
                    is_owner=True,
                    email=f"user{owner_id}@example.com",
                )
            )
            db.session.commit()
