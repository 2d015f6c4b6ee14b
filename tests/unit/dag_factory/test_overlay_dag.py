"""A tenant with an overlay dbt project: its DAG renders from the overlay's manifest and runs in its folder.

cobalt_cycles (a demo tenant) has tenant_configs/overlays/cobalt_cycles: it replaces mart_revenue_daily and
adds mart_revenue_monthly. These tests read the manifests `make manifest` built.
"""

import shutil
from pathlib import Path

from flexlake import settings
from flexlake.dag_factory import build_tenant_dags
from flexlake.dag_factory.dbt_task_group import dbt_exclude
from flexlake.dag_factory.tenant_dag import CONFIG_ERROR_TAG
from flexlake.tenant_config import load_tenant_config

OVERLAY_TENANT = "flexlake__cobalt_cycles"


def _run_tasks(dag_tasks: list[str]) -> set[str]:
    return {task.removeprefix("dbt_transform.").removesuffix(".run") for task in dag_tasks if task.endswith(".run")}


def test_the_replaced_model_has_one_task_and_it_runs_in_the_overlay(tenant_folder: Path) -> None:
    """mart_revenue_daily: one run task, executed by dbt in the overlay folder; other tenants run the product."""
    dags = build_tenant_dags(tenant_folder)
    overlay = dags[OVERLAY_TENANT]
    runs = [task.task_id for task in overlay.tasks if task.task_id.endswith("mart_revenue_daily.run")]
    assert runs == ["dbt_transform.mart_revenue_daily.run"], runs
    project_dir = overlay.get_task(runs[0]).cosmos_kwargs()["project_dir"]
    assert project_dir == str(tenant_folder / "overlays" / "cobalt_cycles"), project_dir
    product = dags["flexlake__acme_outdoor"].get_task("dbt_transform.mart_revenue_daily.run")
    assert product.cosmos_kwargs()["project_dir"] == str(settings.DBT_PROJECT_DIR)


def test_the_added_model_has_a_task_after_the_replacement(tenant_folder: Path) -> None:
    """mart_revenue_monthly exists only in the overlay tenant's DAG, downstream of the replaced daily mart."""
    dags = build_tenant_dags(tenant_folder)
    added = dags[OVERLAY_TENANT].get_task("dbt_transform.mart_revenue_monthly.run")
    assert "dbt_transform.mart_revenue_daily.run" in added.upstream_task_ids, added.upstream_task_ids
    for dag_id, dag in dags.items():
        if dag_id != OVERLAY_TENANT:
            assert "mart_revenue_monthly" not in _run_tasks(dag.task_ids), f"{dag_id} got the overlay's model"


def test_the_product_models_of_an_overlay_tenant_are_selected_like_anyone_elses(tenant_folder: Path) -> None:
    """Same product models as the product tenant with the same systems (faker only), plus the added one."""
    dags = build_tenant_dags(tenant_folder)
    overlay = _run_tasks(dags[OVERLAY_TENANT].task_ids)
    (tenant_folder / "plain_cycles.yaml").write_text(
        (tenant_folder / "cobalt_cycles.yaml")
        .read_text()
        .replace("cobalt_cycles", "plain_cycles")
        .replace("overlay_project: overlays/plain_cycles", "")
    )
    plain = _run_tasks(build_tenant_dags(tenant_folder)["flexlake__plain_cycles"].task_ids)
    assert overlay - plain == {"mart_revenue_monthly"}, sorted(overlay ^ plain)
    assert plain - overlay == set(), sorted(plain - overlay)
    assert not any(name.startswith(("stg_shopify", "shopify__", "stg_stripe")) for name in overlay), sorted(overlay)


def test_a_removed_mart_is_removed_from_an_overlay_tenant_too(tenant_folder: Path) -> None:
    """disabled_marts: [customers] excludes the package's mart by its tag, in Cosmos's graph and dbt's command line."""
    path = tenant_folder / "cobalt_cycles.yaml"
    path.write_text(path.read_text().replace("dbt:\n", "dbt:\n  disabled_marts: [customers]\n"))
    tenant = load_tenant_config(path)
    assert "tag:mart:customers" in dbt_exclude(tenant), "the package's models keep the product's tags"
    runs = _run_tasks(build_tenant_dags(tenant_folder)[OVERLAY_TENANT].task_ids)
    assert not {name for name in runs if name.startswith("mart_customer_")}, sorted(runs)
    assert {"mart_revenue_daily", "mart_revenue_monthly", "fct_orders"} <= runs


def test_a_missing_overlay_manifest_gives_that_tenant_an_error_dag_with_the_fix(tenant_folder: Path) -> None:
    """No target/manifest.json in the overlay: an error DAG saying `make manifest`; the other tenants build."""
    shutil.rmtree(tenant_folder / "overlays" / "cobalt_cycles" / "target")
    dags = build_tenant_dags(tenant_folder)
    error = dags[OVERLAY_TENANT]
    assert CONFIG_ERROR_TAG in error.tags
    assert "make manifest" in (error.doc_md or "") and "missing" in (error.doc_md or ""), error.doc_md
    for dag_id in ("flexlake__acme_outdoor", "flexlake__bluebird_books"):
        assert CONFIG_ERROR_TAG not in dags[dag_id].tags, dag_id


def test_a_stale_overlay_manifest_gives_that_tenant_an_error_dag(tenant_folder: Path) -> None:
    """An overlay model edited after the manifest was built: the graph would be wrong, so an error DAG says so."""
    model = tenant_folder / "overlays" / "cobalt_cycles" / "models" / "marts" / "mart_revenue_monthly.sql"
    model.write_text(model.read_text() + "\n-- edited\n")
    dags = build_tenant_dags(tenant_folder)
    assert CONFIG_ERROR_TAG in dags[OVERLAY_TENANT].tags
    assert "stale" in (dags[OVERLAY_TENANT].doc_md or "")
    assert CONFIG_ERROR_TAG not in dags["flexlake__acme_outdoor"].tags


def test_an_overlay_whose_product_link_is_broken_installs_deps_when_its_tasks_run(tenant_folder: Path) -> None:
    """Built elsewhere and mounted (dbt_packages/flexlake does not resolve): the task runs `dbt deps` first."""
    run = "dbt_transform.mart_revenue_daily.run"
    assert build_tenant_dags(tenant_folder)[OVERLAY_TENANT].get_task(run).cosmos_kwargs()["install_deps"] is False
    shutil.rmtree(tenant_folder / "overlays" / "cobalt_cycles" / "dbt_packages")
    assert build_tenant_dags(tenant_folder)[OVERLAY_TENANT].get_task(run).cosmos_kwargs()["install_deps"] is True
