"""flexlake.lineage: a tenant's OpenLineage events under `<namespace>/<tenant_id>`, through openlineage-python's
own `transform` transport writing to its `file` transport (the configuration docs/deploy.md gives, with a file
instead of Marquez's HTTP endpoint)."""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import Dataset, Job, Run, RunEvent, RunState
from openlineage.client.facet_v2 import parent_run
from openlineage.client.transport import get_default_factory

PRODUCER = "https://github.com/apache/airflow/tree/providers-openlineage/2.20.3"


def _client(log_file: Path, **properties: str) -> OpenLineageClient:
    config = {
        "type": "transform",
        "transformer_class": "flexlake.lineage.TenantNamespace",
        "transformer_properties": properties,
        "transport": {"type": "file", "log_file_path": str(log_file), "append": True},
    }
    return OpenLineageClient(transport=get_default_factory().create(config))


def _task_event(dag_id: str, task_id: str) -> RunEvent:
    """A task's COMPLETE event as the provider shapes it: job `<dag_id>.<task_id>`, the DAG run as parent and root,
    a dataset in the warehouse's namespace."""
    dag_run = str(uuid.uuid4())
    parent = parent_run.ParentRunFacet(
        run=parent_run.Run(runId=dag_run),
        job=parent_run.Job(namespace="default", name=dag_id),
        root=parent_run.Root(
            run=parent_run.RootRun(runId=dag_run), job=parent_run.RootJob(namespace="default", name=dag_id)
        ),
    )
    return RunEvent(
        eventType=RunState.COMPLETE,
        eventTime=datetime.now(UTC).isoformat(),
        run=Run(runId=str(uuid.uuid4()), facets={"parent": parent}),
        job=Job(namespace="default", name=f"{dag_id}.{task_id}"),
        producer=PRODUCER,
        outputs=[Dataset(namespace="postgres://warehouse:5432", name="analytics.acme_marts.mart_revenue")],
    )


def _emitted(log_file: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log_file.read_text().splitlines()]


def test_a_tenants_events_are_in_its_own_namespace_with_their_parent_run(tmp_path: Path) -> None:
    log_file = tmp_path / "events.jsonl"
    client = _client(log_file, namespace="flexlake")
    client.emit(_task_event("flexlake__acme", "dbt.mart_revenue_run"))
    client.emit(_task_event("flexlake__beta_shop", "ingest_shop"))
    acme, beta = _emitted(log_file)
    assert (acme["job"]["namespace"], acme["job"]["name"]) == ("flexlake/acme", "flexlake__acme.dbt.mart_revenue_run")
    parent = acme["run"]["facets"]["parent"]
    assert (parent["job"]["namespace"], parent["root"]["job"]["namespace"]) == ("flexlake/acme", "flexlake/acme")
    assert acme["outputs"][0]["namespace"] == "postgres://warehouse:5432"  # datasets stay where the data lives
    assert beta["job"]["namespace"] == "flexlake/beta_shop", beta["job"]


def test_without_a_configured_base_the_providers_namespace_is_the_base(tmp_path: Path) -> None:
    log_file = tmp_path / "events.jsonl"
    _client(log_file).emit(_task_event("flexlake__acme", "ingest_shop"))
    (event,) = _emitted(log_file)
    assert event["job"]["namespace"] == "default/acme", event["job"]


def test_other_dags_events_pass_unchanged(tmp_path: Path) -> None:
    log_file = tmp_path / "events.jsonl"
    _client(log_file, namespace="flexlake").emit(_task_event("maintenance_cleanup", "vacuum"))
    (event,) = _emitted(log_file)
    assert event["job"]["namespace"] == "default", event["job"]
    assert event["run"]["facets"]["parent"]["job"]["namespace"] == "default"
