"""The intake's per-process store cache never outlives an uninstall or a secret rotation."""

from __future__ import annotations

import pytest

from bcapp.extensions import db
from bcapp.models import Store, WebhookEvent
from bcapp.signals import store_uninstalled
from tests.webhooks.test_intake import deliver, payload


@pytest.fixture
def store(app):
    s = Store(store_hash="abc123", access_token="tok", settings={}, webhook_secret="hook-secret")
    db.session.add(s)
    db.session.commit()
    return s


def test_uninstall_is_seen_at_once(app, client, store, redis_url):
    assert deliver(client, payload(order_id=1)).status_code == 200  # now cached
    store.access_token = None
    db.session.commit()
    store_uninstalled.send(app, store=store)
    assert deliver(client, payload(order_id=2)).status_code == 401


def test_rotated_secret_is_accepted_at_once_and_the_old_one_refused(app, client, store, redis_url):
    assert deliver(client, payload(order_id=1)).status_code == 200
    store.webhook_secret = "rotated"
    db.session.commit()
    assert deliver(client, payload(order_id=2), secret="rotated").status_code == 200
    assert deliver(client, payload(order_id=3), secret="hook-secret").status_code == 401
    assert db.session.query(WebhookEvent).count() == 2
