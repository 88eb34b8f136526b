"""No CDN: every script and stylesheet is served from static/, vendored at pinned versions."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def vendor_script():
    spec = importlib.util.spec_from_file_location(
        "vendor_assets", ROOT / "scripts/vendor_assets.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_vendored_files_are_the_pinned_versions_with_their_licences():
    for asset in vendor_script().ASSETS:
        body = (ROOT / "static/vendor" / asset.target).read_bytes()
        assert hashlib.sha256(body).hexdigest() == asset.sha256, asset.package
        assert (ROOT / "static/vendor" / f"{asset.target}.LICENSE.txt").stat().st_size > 100


def test_templates_load_nothing_from_another_origin():
    pattern = re.compile(r"<(?:script|link|img)[^>]+(?:src|href)=\"(https?:)?//", re.I)
    for template in (ROOT / "templates").rglob("*.html"):
        assert not pattern.search(template.read_text()), template.name


def test_pages_reference_the_vendored_scripts(session, store):
    page = session.get("/app").text
    assert "/static/vendor/htmx.min.js" in page and "/static/app.js" in page
    assert session.get("/static/vendor/htmx.min.js").status_code == 200
