from tests.conftest import make_jwt


def test_load_opens_app_for_installed_store(app, client):
    from bcapp.extensions import db
    from bcapp.models import Store

    db.session.add(Store(store_hash="abc123", access_token="tok", settings={}))
    db.session.commit()
    r = client.get("/bigcommerce/load", query_string={"signed_payload_jwt": make_jwt("abc123")})
    assert r.status_code == 200, r.text
    assert "General settings" in r.text
