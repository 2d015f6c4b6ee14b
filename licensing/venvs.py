"""The venvs flexlake ships or uses, and reading each one's packages from inside it (one subprocess per venv)."""

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from licensing.policy import normalize

REPO_ROOT = Path(__file__).resolve().parent.parent
COLLECTOR = Path(__file__).with_name("collect.py")
PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", re.MULTILINE)


@dataclass(frozen=True)
class Venv:
    """One venv: where it is, and which of its packages are dev-only (not in the image)."""

    name: str
    path: Path
    scope: str  # image | test: what the whole venv is for
    dev_lock: Path | None = None  # packages pinned here (and not in ship_lock) are dev-only
    ship_lock: Path | None = None


def repo_venvs(root: Path = REPO_ROOT) -> list[Venv]:
    """The venvs scripts/bootstrap.sh creates: .venv ships (minus the dev tools); fakesnow is test-only; dlt is
    the hosted tier's engine (scope image: the policy must hold for it as for what the image ships today)."""
    return [
        Venv("main", root / ".venv", "image", root / "requirements-dev.txt", root / "requirements.txt"),
        Venv("pyairbyte", root / ".venvs" / "pyairbyte", "image"),
        Venv("source-faker", root / ".venvs" / "source-faker", "image"),
        Venv("dlt", root / ".venvs" / "dlt", "image"),
        Venv("fakesnow", root / ".venvs" / "fakesnow", "test"),
    ]


def pinned_names(lock: Path | None) -> set[str]:
    """Normalized names pinned in a uv/pip-compile lock file (empty when there is none)."""
    if lock is None or not lock.is_file():
        return set()
    return {normalize(name) for name in PINNED.findall(lock.read_text(encoding="utf-8"))}


def package_scope(venv: Venv, name: str) -> str:
    """dev for requirements-dev.txt's own packages, else the venv's scope."""
    dev_only = pinned_names(venv.dev_lock) - pinned_names(venv.ship_lock)
    return "dev" if normalize(name) in dev_only else venv.scope


def read_packages(venv: Venv) -> list[dict[str, Any]]:
    """Every distribution in the venv, read by its own python with licensing/collect.py (stdlib only)."""
    python = venv.path / "bin" / "python"
    if not python.exists():
        raise FileNotFoundError(f"{python} is missing: create the venvs with scripts/bootstrap.sh (make venv)")
    result = subprocess.run(
        [str(python), "-I", str(COLLECTOR)], capture_output=True, text=True, check=False, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"reading the packages of {venv.path} failed:\n{result.stderr[-2000:]}")
    packages: list[dict[str, Any]] = json.loads(result.stdout)
    return packages
