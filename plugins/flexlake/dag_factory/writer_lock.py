"""A DuckDB tenant's one writer: model tasks that run dbt themselves (a retry, a cleared task) take its lock.

DuckDB allows one writer per database file, and a run's `dbt build` and a cleared model's own dbt call, or two
cleared models, could otherwise open the tenant's warehouse together. Warehouses with a server need no lock.
"""

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager

from flexlake import settings
from flexlake.tenant_config import TenantConfig

SINGLE_WRITER_WAREHOUSES = frozenset({"duckdb"})


@contextmanager
def single_writer_lock(tenant: TenantConfig) -> Iterator[None]:
    """Serializes a DuckDB tenant's dbt writers on this machine (its warehouse file allows one); no-op elsewhere."""
    if tenant.warehouse.type not in SINGLE_WRITER_WAREHOUSES:
        yield
        return
    lock_path = settings.DATA_DIR / tenant.tenant_id / ".dbt-writer.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
