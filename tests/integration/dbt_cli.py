"""The dbt command line against the product project (include/dbt), with a private target and log path."""

import json
import os
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
) -> subprocess.CompletedProcess[str]:
    """`dbt <command>` on `target` with `dbt_vars`; artifacts and logs under work_dir (tests never share them)."""
    args = [
        str(DBT_EXECUTABLE), *command,
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target", target, "--vars", json.dumps(dbt_vars),
        "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
    ]  # fmt: skip
    return subprocess.run(
        args, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False, timeout=600
    )
