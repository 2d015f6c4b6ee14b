"""DAG integrity: the real DAG file over the real tenant files, loaded the way Airflow loads it."""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import DAG
from flexlake import settings
from flexlake.tenant_config import tenant_files

DAGS_FOLDER = settings.PROJECT_ROOT / "dags"

_DAGBAG_REPORT = """
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={folder!r})
print(json.dumps({{
    "errors": {{str(k): str(v) for k, v in bag.import_errors.items()}},
    "dags": {{dag_id: {{"tags": sorted(dag.tags), "doc_md": dag.doc_md or "", "schedule": str(dag.schedule)}}
              for dag_id, dag in bag.dags.items()}},
}}))
"""


def test_the_dag_file_imports_without_errors(product_dagbag: DagBag) -> None:
    """Airflow imports dags/ with no import error."""
    assert product_dagbag.dag_folder == str(DAGS_FOLDER), product_dagbag.dag_folder
    assert not product_dagbag.import_errors, f"import errors: {product_dagbag.import_errors}"


def test_dag_ids_are_exactly_the_tenant_files(product_dags: Mapping[str, DAG]) -> None:
    """One DAG per tenant file in tenant_configs/, named flexlake__<file stem>, and nothing else."""
    expected = {f"flexlake__{path.stem}" for path in tenant_files(settings.TENANT_CONFIGS_DIR)}
    assert set(product_dags) == expected


def test_every_dag_has_tags_owner_retries_and_the_three_stages_in_order(product_dags: Mapping[str, DAG]) -> None:
    """Tags, owner and retries on every task; provision_warehouse → ingestion → dbt_transform → publish_catalog."""
    for dag_id, dag in product_dags.items():
        tenant_id = dag_id.removeprefix("flexlake__")
        assert {"flexlake", f"tenant:{tenant_id}"} <= set(dag.tags), f"{dag_id}: {dag.tags}"
        assert any(t.startswith("tier:") for t in dag.tags) and any(t.startswith("warehouse:") for t in dag.tags)
        for task in dag.tasks:
            assert task.owner, f"{dag_id}.{task.task_id} has no owner"
            assert task.retries == settings.TASK_RETRIES, f"{dag_id}.{task.task_id} retries {task.retries}"
        syncs = [task for task in dag.tasks if task.task_id.startswith("airbyte_sync__")]
        publish = dag.get_task("publish_catalog")
        provision = dag.get_task("provision_warehouse")
        assert not provision.upstream_task_ids, f"{dag_id}: provision_warehouse must start"
        assert syncs and all(task.upstream_task_ids == {provision.task_id} for task in syncs), (
            f"{dag_id}: then ingestion"
        )
        upstream_of_publish = publish.get_flat_relative_ids(upstream=True)
        assert all(task.task_id in upstream_of_publish for task in syncs), f"{dag_id}: publish must follow sync"
        assert any(task_id.startswith("dbt_transform.") for task_id in publish.upstream_task_ids), dag_id


def _dagbag_in_subprocess(tenant_folder: Path) -> dict[str, dict[str, dict[str, str]]]:
    """A fresh interpreter, since flexlake.settings reads FLEXLAKE_TENANT_CONFIGS_DIR at import."""
    environment = {**os.environ, "FLEXLAKE_TENANT_CONFIGS_DIR": str(tenant_folder)}
    result = subprocess.run(
        [sys.executable, "-c", _DAGBAG_REPORT.format(folder=str(DAGS_FOLDER))],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    report: dict[str, dict[str, dict[str, str]]] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def test_a_broken_tenant_file_leaves_every_other_dag_in_place(tmp_path: Path) -> None:
    """A typo'd, an unparseable, a non-UTF-8 and a look-alike file: the other DAGs stay, each broken file shows its
    error in the UI, and the look-alike of bluebird_books gets its own error DAG instead of replacing it."""
    folder = tmp_path / "tenant_configs"
    shutil.copytree(settings.TENANT_CONFIGS_DIR, folder, symlinks=True)
    (folder / "typo_shop.yaml").write_text(
        "tenant_id: typo_shop\ndisplay_name: T\ntier: starter\nwarehouse: {type: duckdb, pathh: x}\n"
        "sources: [{system: faker, name: shop}]\n"
    )
    (folder / "garbled.yaml").write_text("tenant_id: [unclosed\n")
    (folder / "aaa.yaml").write_bytes(b"\xff\xfe")
    (folder / "Bluebird-Books.yaml").write_text((folder / "bluebird_books.yaml").read_text())
    report = _dagbag_in_subprocess(folder)
    assert not report["errors"], "a bad tenant file must not become an import error dropping the whole file"
    dags = report["dags"]
    for path in tenant_files(settings.TENANT_CONFIGS_DIR):
        assert "flexlake:config-error" not in dags[f"flexlake__{path.stem}"]["tags"], path.stem
    look_alikes = [dag_id for dag_id in dags if dag_id.startswith("flexlake__invalid.bluebird_books.")]
    assert len(look_alikes) == 1 and "rename the file to bluebird_books.yaml" in dags[look_alikes[0]]["doc_md"]
    for broken, problem in (("typo_shop", "Did you mean 'path'?"), ("garbled", "not valid YAML"), ("aaa", "UTF-8")):
        dag = dags[f"flexlake__{broken}"]
        assert "flexlake:config-error" in dag["tags"], dag
        assert problem in dag["doc_md"], dag["doc_md"]
        assert dag["schedule"] == "None", "an invalid tenant must not be scheduled"
