"""Tenants spread over several DAG files, when one file would take longer to parse than Airflow allows.

Airflow parses each DAG file within `[core] dagbag_import_timeout` (30 s by default) and treats a file that takes
longer as an import error: every DAG of that file goes stale and cannot be triggered. One tenant costs ~30 ms
to parse (docs/benchmarks.md, "DAG parse cost at 1,000 tenants": 1,000 tenants took 29-31 s, so the file
failed), so a deployment past ~900 tenants splits them over shard files: `flexlake dag-files --shards N`
replaces dags/flexlake_tenants.py by `flexlake_tenants_<i>_of_<N>.py`, i = 1..N. Each shard file still reads
every tenant file (the folder-wide checks need them all: ~2 ms each) but builds only its own tenants' DAGs,
picked by a stable hash of the DAG id, so a tenant stays in its file as others come and go.
"""

import logging
import math
import zlib
from dataclasses import dataclass
from pathlib import Path

from airflow.configuration import conf

log = logging.getLogger(__name__)
# Past this share of dagbag_import_timeout a DAG file is one slow parse (a busy machine, more tenants) from failing.
TIMEOUT_SHARE_WARNED = 0.5

DAG_FILE_STEM = "flexlake_tenants"
# What a DAG file holds; the file derives its shard from its own name.
DAG_FILE_TEMPLATE = '''"""flexlake: one Airflow DAG per tenant file in tenant_configs/ ({scope}).

The table of contents only; the wiring lives in plugins/flexlake/dag_factory. A bad tenant file yields
an unscheduled `flexlake__<name>` DAG tagged `flexlake:config-error`, listed as "INVALID ..." with the problems in
its description and docs; every other tenant's DAG stays in place. Written by `flexlake dag-files`.
"""

from flexlake.dag_factory import build_tenant_dags
from flexlake.dag_factory.dag_file_shards import TenantShard

# Airflow finds DAGs among module globals. The factory does not auto-register them, so that a tenant
# whose build fails half-way leaves no half-built DAG behind (it gets an error DAG instead).
globals().update(build_tenant_dags(shard=TenantShard.of_dag_file(__file__)))
'''


@dataclass(frozen=True)
class TenantShard:
    """Shard `index` (1-based) of `count`: the DAG ids whose CRC-32 falls on it. 1 of 1 holds every tenant."""

    index: int = 1
    count: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.count:
            raise ValueError(f"shard {self.index} of {self.count}: the index must be between 1 and the count")

    def holds(self, dag_id: str) -> bool:
        return self.count == 1 or zlib.crc32(dag_id.encode()) % self.count == self.index - 1

    @property
    def file_name(self) -> str:
        suffix = "" if self.count == 1 else f"_{self.index}_of_{self.count}"
        return f"{DAG_FILE_STEM}{suffix}.py"

    @classmethod
    def of_dag_file(cls, path: str) -> "TenantShard":
        """The shard a DAG file's name says (`flexlake_tenants_2_of_4.py`); every tenant for any other name."""
        stem = Path(path).stem.removeprefix(DAG_FILE_STEM).removeprefix("_")
        index, _, count = stem.partition("_of_")
        if index.isdigit() and count.isdigit():
            return cls(int(index), int(count))
        return cls()


def write_dag_files(dags_dir: Path, shards: int) -> list[Path]:
    """Replace the folder's flexlake DAG files by `shards` of them (1: the single flexlake_tenants.py).

    The new files are written before the old ones go, so no tenant is without a DAG file in between.
    """
    if shards < 1:
        raise ValueError(f"--shards {shards}: give 1 (one DAG file) or more")
    old = set(dags_dir.glob(f"{DAG_FILE_STEM}*.py"))
    written = []
    for index in range(1, shards + 1):
        shard = TenantShard(index, shards)
        scope = "every tenant" if shards == 1 else f"the tenants of shard {index} of {shards}"
        path = dags_dir / shard.file_name
        path.write_text(DAG_FILE_TEMPLATE.format(scope=scope))
        written.append(path)
    for path in old - set(written):
        path.unlink()
    return written


def warn_when_near_parse_timeout(seconds: float, shard: TenantShard) -> None:
    """Say, in the dag-processor's log, when this file's parse nears Airflow's limit and how many files fix it."""
    timeout = conf.getfloat("core", "dagbag_import_timeout")
    if timeout <= 0 or seconds <= TIMEOUT_SHARE_WARNED * timeout:
        return
    shards = math.ceil(shard.count * seconds / (TIMEOUT_SHARE_WARNED * timeout))
    log.warning(
        "building the tenant DAGs of %s took %.1f s of [core] dagbag_import_timeout %.0f s: past it the file is an "
        "import error and every one of its DAGs goes stale; spread the tenants over more files with "
        "`flexlake dag-files --shards %d`",
        shard.file_name,
        seconds,
        timeout,
        shards,
    )
