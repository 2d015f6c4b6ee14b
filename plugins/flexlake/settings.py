"""Every environment variable flexlake reads, read once, here, as typed constants.

Reading the environment in one place keeps parse time free of surprises and gives an operator one page
listing every knob (the README's settings table mirrors this file).
"""

import math
import os
from pathlib import Path

# plugins/flexlake/settings.py -> the repository (or image) root two levels above plugins/.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _path_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    # absolute(), not resolve(): a venv's bin/python is a symlink to the base interpreter, and resolving it
    # would run PyAirbyte outside its venv ("No module named 'airbyte'").
    return Path(value).expanduser().absolute() if value else default


# Where tenant YAML files are read from. Onboarding a tenant = dropping a file here.
TENANT_CONFIGS_DIR = _path_from_env("FLEXLAKE_TENANT_CONFIGS_DIR", PROJECT_ROOT / "tenant_configs")

# Where embedded warehouses (DuckDB files), raw files and per-run scratch data live.
DATA_DIR = _path_from_env("FLEXLAKE_DATA_DIR", PROJECT_ROOT / "data")

# Folders besides DATA_DIR (DuckDB files) and the tenant folder (overlay projects) that tenant files may point
# into, separated by the OS path separator (':'), e.g. a shared volume. Unset: none (tenant paths stay confined).
ALLOWED_PATH_ROOTS: tuple[Path, ...] = tuple(
    Path(root).expanduser().absolute()
    for root in os.environ.get("FLEXLAKE_ALLOWED_PATH_ROOTS", "").split(os.pathsep)
    if root.strip()
)

# The dbt project (the data product) and the manifest Cosmos renders DAGs from, built ahead of time.
DBT_PROJECT_DIR = _path_from_env("FLEXLAKE_DBT_PROJECT_DIR", PROJECT_ROOT / "include" / "dbt")
DBT_MANIFEST_PATH = _path_from_env("FLEXLAKE_DBT_MANIFEST_PATH", DBT_PROJECT_DIR / "target" / "manifest.json")

# dbt's partial-parse state per tenant, kept between that tenant's tasks on this worker: each task runs dbt
# with the tenant's vars, which the baked manifest was not parsed with, so without it every task re-parses
# the whole project (seconds per task). Local scratch; deleting it only costs one full parse per tenant.
DBT_PARSE_CACHE_DIR = _path_from_env("FLEXLAKE_DBT_PARSE_CACHE_DIR", DATA_DIR / "dbt_parse_cache")

# Side virtualenvs: PyAirbyte cannot share a venv with Airflow 3.3, and each connector gets its own.
PYAIRBYTE_PYTHON = _path_from_env("FLEXLAKE_PYAIRBYTE_PYTHON", PROJECT_ROOT / ".venvs" / "pyairbyte" / "bin" / "python")
CONNECTORS_VENV_DIR = _path_from_env("FLEXLAKE_CONNECTORS_VENV_DIR", PROJECT_ROOT / ".venvs")

# Base location of published catalogs: any Airflow ObjectStoragePath URI (file://, s3://, gs://, ...).
CATALOG_BASE_URI = os.environ.get("FLEXLAKE_CATALOG_BASE_URI") or (DATA_DIR / "catalog").as_uri()
# Airflow connection used for the catalog's object storage (e.g. aws_default for s3://); none for file://.
CATALOG_CONN_ID = os.environ.get("FLEXLAKE_CATALOG_CONN_ID") or None

# The SQL console (enterprise tier, flexlake.portal): statements one user may run per window, as
# "<statements>/<seconds>" (per API-server worker process), and the memory one DuckDB reader copy may use for the
# console's queries in that process (DuckDB's memory_limit syntax; no spilling to disk beyond it).
CONSOLE_RATE_LIMIT = os.environ.get("FLEXLAKE_CONSOLE_RATE_LIMIT") or "20/60"
CONSOLE_DUCKDB_MEMORY_LIMIT = os.environ.get("FLEXLAKE_CONSOLE_DUCKDB_MEMORY_LIMIT") or "512MB"

# Retries of every tenant task. The demo and tests set 0 so that a failure shows at once.
TASK_RETRIES = int(os.environ.get("FLEXLAKE_TASK_RETRIES", "2"))


def _seconds_from_env(name: str, default: float, lowest: float, highest: float) -> float:
    """A duration setting; anything else than a number of seconds in [lowest, highest] stops the component with the
    variable, the value and the range (a setting of the whole deployment, not of one tenant)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not lowest <= seconds <= highest:
        raise ValueError(f"{name}={value!r}: set it to a number of seconds from {lowest} to {highest}, or unset it")
    return seconds


# The triggerer's wait between rounds while a tenant run's model tasks report (flexlake/airflow_patches.py): each
# of a run's ~8 chained model tasks waits about two rounds in the triggerer. 1 is Airflow's own round (the patch
# then changes nothing); lower costs the triggerer a few metadata queries per round, only during runs.
TRIGGER_REPORTING_ROUND_SECONDS = _seconds_from_env("FLEXLAKE_TRIGGER_REPORTING_ROUND_SECONDS", 0.2, 0.05, 1.0)

# The name a task instance records as its `hostname` (UI, REST API) when several Celery workers share one
# machine: scripts/airflow_up.sh sets it per worker and points [core] hostname_callable at
# worker_hostname() below. Unset (the default, and one worker per machine): Airflow's own FQDN lookup.
WORKER_HOSTNAME = os.environ.get("FLEXLAKE_WORKER_HOSTNAME") or None


def worker_hostname() -> str:
    """`[core] hostname_callable`: FLEXLAKE_WORKER_HOSTNAME if set, else the machine's FQDN (Airflow's default)."""
    if WORKER_HOSTNAME:
        return WORKER_HOSTNAME
    from airflow.utils.net import getfqdn  # noqa: PLC0415 - only task processes call this

    return str(getfqdn())
