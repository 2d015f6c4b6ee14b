"""The dbt command line against the product project (include/dbt) or a tenant overlay project built on it,
with a private target and log path."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "include" / "dbt"
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"


def run_dbt(
    command: list[str],
    target: str,
    dbt_vars: dict[str, Any],
    work_dir: Path,
    env: dict[str, str] | None = None,
    *,
    project_dir: Path = DBT_PROJECT_DIR,
) -> subprocess.CompletedProcess[str]:
    """`dbt <command>` on `target` with `dbt_vars`; artifacts and logs under work_dir (tests never share them).
    `project_dir` is the product, or an overlay (installed with install_overlay); profiles are the product's."""
    args = [
        str(DBT_EXECUTABLE), *command,
        "--project-dir", str(project_dir), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target", target, "--vars", json.dumps(dbt_vars),
        "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
    ]  # fmt: skip
    return subprocess.run(
        args, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False, timeout=600
    )


def install_overlay(source: Path, destination: Path) -> Path:
    """Copy an overlay project (without build output) and `dbt deps` it against this checkout's product."""
    shutil.copytree(
        source, destination, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", "package-lock.yml")
    )
    result = subprocess.run(
        [str(DBT_EXECUTABLE), "deps", "--project-dir", str(destination), "--profiles-dir", str(DBT_PROJECT_DIR)],
        capture_output=True, text=True, cwd=destination, check=False, timeout=300,
        env={**os.environ, "FLEXLAKE_DBT_PROJECT_DIR": str(DBT_PROJECT_DIR)},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return destination
