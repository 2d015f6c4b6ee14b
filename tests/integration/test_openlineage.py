"""OpenLineage from a real task run: the openlineage provider's listener, configured as docs/deploy.md says
(`[openlineage] transport` = the `transform` transport with flexlake.lineage.TenantNamespace around a `file`
transport), emits the events of a DAG named as a tenant's (`flexlake__<tenant_id>`) under `flexlake/<tenant_id>`.

One `airflow dags test` of a one-task DAG in a temp Airflow home on SQLite (~25 s with the migration): the
listener is loaded at Airflow's start-up, so the configuration must be in the environment of a process of its
own. What this does not run: a whole tenant DAG, hence not Cosmos's dbt datasets (they ride on the same task
events; a tenant DAG-run module can capture them by setting the same environment).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

DAG_FILE = """
import datetime

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

with DAG("flexlake__lineage_probe", schedule=None, start_date=datetime.datetime(2026, 1, 1)):
    PythonOperator(task_id="ingest_shop", python_callable=lambda: 1)
"""


def test_a_tenants_task_run_emits_openlineage_events_in_the_tenants_namespace(tmp_path: Path) -> None:
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "probe.py").write_text(DAG_FILE)
    events_file = tmp_path / "openlineage.jsonl"
    transport = {
        "type": "transform",
        "transformer_class": "flexlake.lineage.TenantNamespace",
        "transformer_properties": {"namespace": "flexlake"},
        "transport": {"type": "file", "log_file_path": str(events_file), "append": True},
    }
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "home"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(tmp_path / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "flexlake",
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport),
    }
    airflow = str(Path(sys.executable).with_name("airflow"))
    for command in (["db", "migrate"], ["dags", "test", "flexlake__lineage_probe"]):
        result = subprocess.run([airflow, *command], check=False, env=env, capture_output=True, text=True, timeout=240)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    events = [json.loads(line) for line in events_file.read_text().splitlines()]
    task_events = [event for event in events if event["job"]["name"] == "flexlake__lineage_probe.ingest_shop"]
    assert {event["eventType"] for event in task_events} == {"START", "COMPLETE"}, events
    for event in task_events:
        assert event["job"]["namespace"] == "flexlake/lineage_probe", event["job"]
        parent = event["run"]["facets"]["parent"]
        assert (parent["job"]["name"], parent["job"]["namespace"]) == (
            "flexlake__lineage_probe",
            "flexlake/lineage_probe",
        ), parent
    dag_events = [event for event in events if event["job"]["name"] == "flexlake__lineage_probe"]
    assert dag_events and all(event["job"]["namespace"] == "flexlake/lineage_probe" for event in dag_events), events
