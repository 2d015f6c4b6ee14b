"""The Tenants page's data: tenant files, each tenant DAG's last run, each catalog's freshness, for one user.

`readable` is what the auth manager says the user may read (its DAG ids); nothing of any other tenant is read,
not even its catalog. Tenant files are read through the loader every DAG file uses, so a file that fails
validation shows the loader's own (redacted, bounded) problems. A broken file is shown to whoever may read the
DAG of its name (the tenant's own users keep the rights of `flexlake__<stem>`), and every broken file to a user
who may read every DAG (an operator).
"""

import logging

from airflow.models.dagrun import DagRun
from sqlalchemy import select
from sqlalchemy.orm import Session

from flexlake import settings
from flexlake.portal import reads
from flexlake.portal.pages import InvalidTenantFile, TenantRow
from flexlake.portal.paths import DAG_ID_PREFIX, PathRefused
from flexlake.tenant_config.loader import load_tenant_configs
from flexlake.tenant_config.schema import TenantConfig

log = logging.getLogger(__name__)


def tenant_overview(
    readable: set[str], sees_every_dag: bool, session: Session
) -> tuple[list[TenantRow], list[InvalidTenantFile]]:
    report = load_tenant_configs(settings.TENANT_CONFIGS_DIR)
    rows = [_row(tenant, session) for tenant in report.tenants if DAG_ID_PREFIX + tenant.tenant_id in readable]
    invalid = [
        InvalidTenantFile(error.path.name, tuple(error.problems))
        for error in report.errors
        if sees_every_dag or DAG_ID_PREFIX + error.path.stem in readable
    ]
    return rows, invalid


def _row(tenant: TenantConfig, session: Session) -> TenantRow:
    last = session.scalar(
        select(DagRun).where(DagRun.dag_id == DAG_ID_PREFIX + tenant.tenant_id).order_by(DagRun.run_after.desc())
    )
    try:
        latest = reads.latest_run(reads.tenant_root(tenant.tenant_id))
    except (PathRefused, OSError, ValueError) as error:  # one unreadable catalog must not hide the other tenants
        log.warning("catalog of %s unreadable: %s", tenant.tenant_id, error)
        latest = None
    return TenantRow(
        tenant_id=tenant.tenant_id,
        display_name=tenant.display_name,
        tier=tenant.tier,
        warehouse=tenant.warehouse.type,
        schedule=tenant.effective_schedule,
        last_run_state=str(last.state) if last else None,
        last_run_time=(last.end_date or last.start_date or last.run_after) if last else None,
        freshness=latest.freshness if latest else None,
    )
