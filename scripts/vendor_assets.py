"""Re-fetch the pinned front-end assets into static/vendor/ (no CDN at runtime).

The app serves every script itself: BigCommerce frames it, merchants may run it
offline, and a CDN would be one more origin to trust. This script is the only
way those files enter the tree: it runs ``npm pack`` for each pinned package
(the npm registry, through npm's own client), extracts the one dist file we
ship plus its licence, and checks the file against the recorded SHA-256 so a
silently republished tarball is noticed.

Usage: ``python scripts/vendor_assets.py`` (needs ``npm`` on PATH);
``--update-hashes`` prints new digests after a deliberate version bump.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"


@dataclass(frozen=True)
class Asset:
    """One npm package: which file we ship, under which name, and its licence file."""

    package: str
    version: str
    dist_path: str
    target: str
    licence_path: str
    sha256: str


ASSETS: tuple[Asset, ...] = (
    Asset(
        "htmx.org",
        "2.0.11",
        "package/dist/htmx.min.js",
        "htmx.min.js",
        "package/LICENSE",
        "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717",
    ),
    Asset(
        "chart.js",
        "4.5.1",
        "package/dist/chart.umd.min.js",
        "chart.umd.min.js",
        "package/LICENSE.md",
        "48444a82d4edcb5bec0f1965faacdde18d9c17db3063d042abada2f705c9f54a",
    ),
)


def _pack(asset: Asset, workdir: Path) -> Path:
    """Download the package tarball with npm's own client; returns its path."""
    spec = f"{asset.package}@{asset.version}"
    out = subprocess.run(
        ["npm", "pack", spec, "--silent"], cwd=workdir, check=True, capture_output=True, text=True
    )
    return workdir / out.stdout.strip().splitlines()[-1]


def _extract(tarball: Path, member: str) -> bytes:
    with tarfile.open(tarball) as tar:
        handle = tar.extractfile(member)
        if handle is None:
            raise SystemExit(f"{member} missing from {tarball.name}")
        return handle.read()


def vendor(asset: Asset, workdir: Path, *, update_hashes: bool) -> None:
    """Fetch one asset, check its digest, write it and its licence into static/vendor/."""
    tarball = _pack(asset, workdir)
    body = _extract(tarball, asset.dist_path)
    digest = hashlib.sha256(body).hexdigest()
    if asset.sha256 and digest != asset.sha256 and not update_hashes:
        name = f"{asset.package}@{asset.version}"
        raise SystemExit(f"{name}: sha256 {digest} != pinned {asset.sha256}")
    VENDOR.mkdir(parents=True, exist_ok=True)
    (VENDOR / asset.target).write_bytes(body)
    licence = _extract(tarball, asset.licence_path)
    (VENDOR / f"{asset.target}.LICENSE.txt").write_bytes(licence)
    print(f"{asset.package}@{asset.version} -> static/vendor/{asset.target} sha256={digest}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update-hashes", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        for asset in ASSETS:
            vendor(asset, Path(tmp), update_hashes=args.update_hashes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
