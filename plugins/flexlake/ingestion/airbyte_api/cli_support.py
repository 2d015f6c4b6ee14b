"""`flexlake airbyte plan|apply <tenant>`: the provisioning of the tenant DAG's first task, from a terminal."""

import sys
from collections.abc import Callable

from flexlake.ingestion.airbyte_api.client import client_from_airflow
from flexlake.ingestion.airbyte_api.provisioning import airbyte_sources, provision
from flexlake.ingestion.base import IngestionError
from flexlake.raw_destination import RawDestination, RawDestinationError
from flexlake.tenant_config import TenantConfig


def run_provisioning(
    tenant: TenantConfig, raw_destinations: Callable[[], dict[str, RawDestination]], *, apply: bool
) -> int:
    if tenant.airbyte is None or not airbyte_sources(tenant):
        print(f"tenant {tenant.tenant_id} has no source with engine: airbyte; nothing to provision")
        return 0
    from flexlake.ingestion.airbyte_api.operator import read_source_credentials  # noqa: PLC0415

    try:
        destinations = raw_destinations()
        client = client_from_airflow(tenant.airbyte.connection_id)
        try:
            result = provision(client, tenant, destinations, read_source_credentials(tenant), apply=apply)
        finally:
            client.close()
    except (IngestionError, RawDestinationError) as error:
        print(f"airbyte {'apply' if apply else 'plan'} failed for {tenant.tenant_id}: {error}", file=sys.stderr)
        return 1
    print(result.render())
    return 0
