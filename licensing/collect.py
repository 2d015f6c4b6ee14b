"""Read every installed distribution's license metadata, as JSON, from INSIDE the venv being audited.

Run with the audited venv's own interpreter (`<venv>/bin/python -I licensing/collect.py`): importlib.metadata
then sees exactly that venv's site-packages. Standard library only, so it runs in any Python 3.12 venv, and it
never raises on a broken distribution: a dist-info with no METADATA is reported with empty fields (the policy
must then name it), not a crash.
"""

import json
import re
import sys
from importlib import metadata
from typing import Any

LICENSE_FILE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE)", re.IGNORECASE)
TEXT_LIMIT = 6000  # enough to recognise a license's heading and first clauses


def _name_from_path(dist: metadata.Distribution) -> str:
    """A distribution without a Name header is still named by its .dist-info folder."""
    path = getattr(dist, "_path", None)
    stem = getattr(path, "name", "unknown")
    return str(stem).split("-")[0] if stem else "unknown"


def _license_text(dist: metadata.Distribution) -> str:
    """The first license-like file's head: only read when no metadata field names the license."""
    for file in dist.files or []:
        if LICENSE_FILE.match(file.name):
            try:
                return file.read_binary()[:TEXT_LIMIT].decode("utf-8", errors="replace")
            except OSError:
                continue
    return ""


def describe(dist: metadata.Distribution) -> dict[str, Any]:
    """Name, version and every license hint of one distribution, in the order the resolver trusts them."""
    meta = dist.metadata
    headers = meta if meta is not None else {}
    name = headers.get("Name") or _name_from_path(dist)
    expression = (headers.get("License-Expression") or "").strip()
    license_field = (headers.get("License") or "").strip()
    classifiers = [c for c in (meta.get_all("Classifier") or [] if meta else []) if c.startswith("License ::")]
    needs_text = not expression  # a License field or classifier may be a name the policy does not know
    return {
        "name": name,
        "version": headers.get("Version") or "",
        "license_expression": expression,
        "license": license_field,
        "classifiers": classifiers,
        "license_text": _license_text(dist) if needs_text else "",
        "has_metadata": bool(headers.get("Name")),
    }


def main() -> None:
    """Print one JSON list of every distribution importlib.metadata finds, sorted by name."""
    found = [describe(dist) for dist in metadata.distributions()]
    json.dump(sorted(found, key=lambda item: str(item["name"]).lower()), sys.stdout)


if __name__ == "__main__":
    main()
