"""`airflow dags test` of tenant DAGs in a sandbox of their own: the real task runner (deferral included) in one
process, on a SQLite metadata DB, with the Airflow home, the flexlake data folder and the tenant folder under one
root, so a test's runs, catalogs and warehouse files never meet another's. The modules that run whole DAGs this
way (tenant runs, the Airbyte server engine, lineage, the build ledger) share it.
"""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_ROOT

AIRFLOW = Path(sys.executable).with_name("airflow")
TENANTS_FOLDER = "tenant_configs"


def sandbox_environment(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a sandbox under `root` (its tenant folder created, empty), plus `extra` variables.
    Task retries are off: a failure shows at once, with its own traceback."""
    (root / TENANTS_FOLDER).mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow_home"),
        "FLEXLAKE_DATA_DIR": str(root / "data"),
        "FLEXLAKE_TENANT_CONFIGS_DIR": str(root / TENANTS_FOLDER),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__COSMOS__CACHE_DIR": str(root / "cosmos_cache"),
        "FLEXLAKE_TASK_RETRIES": "0",
        **extra,
    }


def run_airflow(environment: dict[str, str], *arguments: str, timeout: int = 900, log_file: Path | None = None) -> str:
    """`airflow <arguments>` in the sandbox; its whole output (kept in `log_file` too). It must succeed: else the
    test fails with the first failed task's traceback or dbt error, not the run's closing lines."""
    result = subprocess.run(
        [str(AIRFLOW), *arguments], env=environment, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = result.stdout + result.stderr
    if log_file is not None:
        log_file.write_text(output)
    where = f" (whole output: {log_file})" if log_file is not None else ""
    assert result.returncode == 0, f"airflow {' '.join(arguments[:2])} failed{where}:\n{first_failure(output)}"
    return output


def migrate(environment: dict[str, str]) -> None:
    """The sandbox's metadata DB, created or upgraded."""
    run_airflow(environment, "db", "migrate", timeout=300)


def first_failure(output: str) -> str:
    """The first failed task's traceback or dbt error in an `airflow dags test` output, else its last lines."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if "Task failed with exception" in line or "Database Error" in line or "Runtime Error" in line:
            return "\n".join(lines[max(0, index - 15) : index + 45])
    return "\n".join(lines[-60:])
