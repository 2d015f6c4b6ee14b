"""`flexlake upgrade-check` end to end: real dbt (parse, deps, build) on throwaway DuckDB files, against copies of
include/dbt, with a product tenant (acme_outdoor: pass-through columns) and an overlay tenant (cobalt_cycles).

Cost: two checks (one per candidate), each one `dbt parse` of the candidate, one DuckDB build per tenant (the
unchanged candidate: the overlay tenant only) and one `dbt deps` of the overlay; no server, no Airflow. The
deployed manifests are the repository's (`make manifest`).
"""

import contextlib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flexlake import settings
from flexlake.cli import main
from flexlake.dbt_manifests import overlay_manifest_problem

REPO = Path(__file__).resolve().parents[2]
TENANTS = ("acme_outdoor", "cobalt_cycles")
_COPY_IGNORE = shutil.ignore_patterns("logs", "dbt_packages", "package-lock.yml", "*.duckdb")


def _run_check(product: Path, tenants: Path) -> tuple[int, dict[str, Any]]:
    """`flexlake upgrade-check --json` in-process: its exit code and its stdout, parsed."""
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        exit_code = main(["upgrade-check", "--product", str(product), "--tenants", str(tenants), "--json"])
    return exit_code, json.loads(stdout.getvalue())


def _verdicts(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {tenant["tenant_id"]: tenant for tenant in document["tenants"]}


def _tenants(tmp_path_factory: pytest.TempPathFactory, *tenants: str) -> Path:
    """These tenant files, and cobalt's overlay with its deployed manifest (target/), copied."""
    overlay = REPO / "tenant_configs" / "overlays" / "cobalt_cycles"
    problem = overlay_manifest_problem(overlay, settings.DBT_PROJECT_DIR)
    assert problem is None, f"the deployed manifests are stale, so 'deployed' is unknown: {problem}"
    folder = tmp_path_factory.mktemp("tenants")
    for tenant in tenants:
        shutil.copy(REPO / "tenant_configs" / f"{tenant}.yaml", folder)
    shutil.copytree(overlay, folder / "overlays" / "cobalt_cycles", ignore=_COPY_IGNORE)
    return folder


def _candidate(tmp_path_factory: pytest.TempPathFactory, name: str, change: Callable[[Path], None]) -> Path:
    product = tmp_path_factory.mktemp(name) / "dbt"
    shutil.copytree(settings.DBT_PROJECT_DIR, product, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb"))
    change(product)
    return product


def _rename_month_start_date(product: Path) -> None:
    """dim_calendar's month_start_date becomes month_first_day; the product updates its own users of it (a release
    would), cobalt's overlay model mart_revenue_monthly still selects the old name."""
    for path in product.rglob("*"):
        if path.suffix in {".sql", ".yml"} and "month_start_date" in (text := path.read_text(encoding="utf-8")):
            path.write_text(text.replace("month_start_date", "month_first_day"), encoding="utf-8")


def _change_fct_orders_logic(product: Path) -> None:
    """An order counts as returned only when money went back (before: any refund row)."""
    path = product / "models" / "core" / "fct_orders.sql"
    before = "case when refund_totals.refund_count > 0 then 1 else 0 end as is_returned"
    text = path.read_text(encoding="utf-8")
    assert before in text, f"{path} changed: update this test's edit"
    path.write_text(text.replace(before, before.replace("refund_count > 0", "refund_amount > 0")), encoding="utf-8")


def _make_dim_calendar_incremental(product: Path) -> None:
    """dim_calendar, a table in the deployed product, becomes incremental (a config block in its SQL)."""
    path = product / "models" / "core" / "dim_calendar.sql"
    text = path.read_text(encoding="utf-8")
    path.write_text("{{ config(materialized='incremental') }}\n" + text, encoding="utf-8")


@pytest.fixture(scope="module")
def unchanged(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any]]:
    """The overlay tenant only: a product tenant's clean build is shown by `changed` (its one finding)."""
    tenants = _tenants(tmp_path_factory, "cobalt_cycles")
    return _run_check(_candidate(tmp_path_factory, "unchanged", lambda _: None), tenants)


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any]]:
    def change(product: Path) -> None:
        _rename_month_start_date(product)
        _change_fct_orders_logic(product)
        _make_dim_calendar_incremental(product)

    return _run_check(_candidate(tmp_path_factory, "changed", change), _tenants(tmp_path_factory, *TENANTS))


def test_an_unchanged_product_is_ok_for_the_overlay_tenant(unchanged: tuple[int, dict[str, Any]]) -> None:
    """A copy of the deployed product: cobalt_cycles OK after really building its models; exit code 0."""
    exit_code, document = unchanged
    verdicts = _verdicts(document)
    assert set(verdicts) == {"cobalt_cycles"}, document
    for tenant_id, verdict in verdicts.items():
        assert verdict["verdict"] == "OK", f"{tenant_id}: {verdict}"
        assert verdict["models"] > 30, f"{tenant_id} built too few models to mean anything: {verdict}"
    assert exit_code == 0 and document["breaks"] is False, document


def test_a_removed_column_an_overlay_uses_breaks_that_tenant_by_name(changed: tuple[int, dict[str, Any]]) -> None:
    """cobalt_cycles BREAKS: the finding names its overlay model, the column and the model it came from; exit 1."""
    exit_code, document = changed
    cobalt = _verdicts(document)["cobalt_cycles"]
    assert cobalt["verdict"] == "BREAKS", cobalt
    details = [f["detail"] for f in cobalt["findings"] if f["kind"] == "breaks"]
    assert any("mart_revenue_monthly" in d and "month_start_date" in d and "dim_calendar" in d for d in details), (
        details
    )
    assert exit_code == 1 and document["breaks"] is True, document


def test_a_changed_incremental_fact_needs_a_full_refresh_naming_it(changed: tuple[int, dict[str, Any]]) -> None:
    """acme_outdoor (no overlay) NEEDS FULL REFRESH for fct_orders (changed SQL) and dim_calendar (a table that became
    incremental) and nothing else (so its build was clean), with the trigger to use."""
    acme = _verdicts(document := changed[1])["acme_outdoor"]
    assert acme["verdict"] == "NEEDS FULL REFRESH", acme
    findings = {f["subject"]: f for f in acme["findings"]}
    assert sorted(findings) == ["dim_calendar", "fct_orders"], acme["findings"]
    assert all('{"full_refresh": true}' in f["fix"] for f in findings.values()), acme["findings"]
    assert "materialized as table and is now incremental" in findings["dim_calendar"]["detail"], findings
    cobalt_refreshes = [
        f["subject"] for f in _verdicts(document)["cobalt_cycles"]["findings"] if f["kind"] == "full_refresh"
    ]
    assert sorted(cobalt_refreshes) == ["dim_calendar", "fct_orders"], "the overlay tenant builds both too"
