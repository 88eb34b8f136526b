"""Serve a seeded Exact sandbox on localhost: ``python -m bcapp.sandbox.exact [port]``."""

from __future__ import annotations

import sys

from bcapp.sandbox.exact import ExactSandbox


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8093
    sandbox = ExactSandbox()
    sandbox.division().seed_items(25)
    sandbox.division().add_account("Demo Klant B.V.", "klant@example.nl")
    tokens = sandbox.issue_tokens()
    print(f"Exact sandbox on http://127.0.0.1:{port}/ division={sandbox.current_division}")
    print(f"client_id={sandbox.app.client_id} redirect_uri={sandbox.app.redirect_uri}")
    print(f"access_token={tokens['access_token']} refresh_token={tokens['refresh_token']}")
    sandbox.wsgi_app.run(host="127.0.0.1", port=port, threaded=True)


if __name__ == "__main__":
    main()
