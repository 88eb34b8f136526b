"""Serve a seeded AccountView sandbox: ``python -m bcapp.sandbox.accountview [port]``."""

from __future__ import annotations

import sys

from bcapp.sandbox.accountview import DEFAULT_REDIRECT, AccountViewSandbox


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8093
    base = f"http://127.0.0.1:{port}"
    sandbox = AccountViewSandbox(
        base_url=base, redirect_uris=(DEFAULT_REDIRECT, base + "/callback")
    )
    sandbox.seed(20)
    sandbox.add_debtor("known@example.com", "Known Customer")
    print(f"AccountView sandbox on {base}/api/v3 (authorize: {base}/ams/authorize.aspx)")
    print(f"client_id={sandbox.oauth.client_id} client_secret={sandbox.oauth.client_secret}")
    print(f"X-Company={sandbox.company_id}")
    sandbox.wsgi_app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
