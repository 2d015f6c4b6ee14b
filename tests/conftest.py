"""Session-wide test environment, set before anything imports Airflow or flexlake.settings.

Tests never touch the developer's data/ or Airflow home: both point into one temp folder per session.
The manifest Cosmos renders from is the real one (`make test` builds it first). The product's DagBag (dags/ over
tenant_configs/) is built once per test process (`product_dagbag`, `product_dags`).
"""

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import DAG

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="flexlake-tests-"))
os.environ["AIRFLOW_HOME"] = str(_SESSION_DIR / "airflow_home")
os.environ["FLEXLAKE_DATA_DIR"] = str(_SESSION_DIR / "data")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__COSMOS__CACHE_DIR", str(_SESSION_DIR / "cosmos_cache"))
os.environ.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")
os.environ.setdefault("FLEXLAKE_TASK_RETRIES", "0")

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# The longest modules first (fresh-clone CI, 2 processes, `--dist loadfile` hands out whole modules in collection
# order): started last, the REST module (~17 min on its own stack) ran alone for the last quarter of the suite.
LONGEST_MODULES_FIRST = (
    "tests/integration/test_rest_and_onboarding.py",
    "tests/integration/test_incremental_equivalence.py",
    "tests/integration/test_celery_executor.py",
)


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """Longest modules first, the rest in collection order (a stable sort)."""
    rank = {module: index for index, module in enumerate(LONGEST_MODULES_FIRST)}

    def module_rank(item: Any) -> int:
        module = Path(str(item.fspath)).relative_to(PROJECT_ROOT).as_posix()
        return rank.get(module, len(rank))

    items.sort(key=module_rank)


@pytest.fixture(scope="session")
def product_dagbag() -> "DagBag":
    """The product's DagBag: dags/ over the real tenant_configs/, loaded the way Airflow loads it, once per test
    process (each xdist worker builds its own). Read it, never change it: every test of the session sees the same
    DAG objects. A test that needs other tenant files builds its own (build_tenant_dags(folder), or a fresh
    interpreter when settings must read another FLEXLAKE_TENANT_CONFIGS_DIR)."""
    from airflow.dag_processing.dagbag import DagBag  # noqa: PLC0415 - Airflow only for the tests that use it

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"))


@pytest.fixture(scope="session")
def product_dags(product_dagbag: "DagBag") -> Mapping[str, "DAG"]:
    """dag_id -> DAG of the product's DagBag, read-only."""
    return MappingProxyType(product_dagbag.dags)
