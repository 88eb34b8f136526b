"""Serve a seeded AFAS sandbox on localhost: ``python -m bcapp.sandbox.afas [port]``."""

from __future__ import annotations

import sys

from bcapp.sandbox.afas import AfasSandbox


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8091
    sandbox = AfasSandbox()
    sandbox.seed(20, with_dimensions=3)
    print(f"AFAS sandbox on http://127.0.0.1:{port}/ProfitRestServices token={sandbox.token}")
    sandbox.wsgi_app.run(host="127.0.0.1", port=port)


if __name__ == "__main__":
    main()
