"""upgrade-check without dbt: the tenant-file fields a new product leaves dangling, verdicts, the text and JSON
reports, and the CLI's refusal of a folder that is no dbt project. dbt runs: tests/integration/test_upgrade_check.py.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from flexlake.cli import main
from flexlake.operator_tools.manifest_changes import FULL_REFRESH_FIX, Finding
from flexlake.operator_tools.upgrade_check import (
    BREAKS,
    FULL_REFRESH,
    OK,
    TenantVerdict,
    UpgradeReport,
    tenant_field_findings,
)
from flexlake.operator_tools.upgrade_check_text import render_upgrade_report
from flexlake.tenant_config import TenantConfig

TENANT: dict[str, Any] = {
    "tenant_id": "acme",
    "display_name": "Acme",
    "tier": "starter",
    "warehouse": {"type": "duckdb"},
    "sources": [{"name": "shop", "system": "faker"}],
    "dbt": {
        "disabled_marts": ["customers"],
        "exclude_models": ["mart_old", "tag:nightly"],
        "vars": {"revenue_basis": "gross"},
        "pass_through_columns": {"orders": [{"system": "faker", "column": "coupon"}]},
    },
}


def _manifest(*names: str) -> dict[str, Any]:
    return {
        "nodes": {
            f"model.flexlake.{name}": {"resource_type": "model", "name": name, "package_name": "flexlake"}
            for name in names
        }
    }


def _product(tmp_path: Path, *, marts: tuple[str, ...], project_vars: dict[str, Any]) -> Path:
    (tmp_path / "dbt_project.yml").write_text(json.dumps({"name": "flexlake", "vars": project_vars}))
    for mart in marts:
        (tmp_path / "models" / "marts" / mart).mkdir(parents=True)
    return tmp_path


def test_a_tenant_whose_fields_still_point_at_the_product_has_no_finding(tmp_path: Path) -> None:
    """Mart folder, excluded model, pass-through model and var all still there: nothing to report."""
    product = _product(tmp_path, marts=("customers",), project_vars={"revenue_basis": "net"})
    manifest = _manifest("mart_old", "pass_through__orders")
    tenant = TenantConfig.model_validate(TENANT)
    assert tenant_field_findings(tenant, product, manifest, manifest) == []


def test_every_dangling_tenant_field_is_a_break_naming_the_field_and_the_fix(tmp_path: Path) -> None:
    """The candidate dropped the customers mart folder, mart_old, pass_through__orders and the var revenue_basis."""
    product = _product(tmp_path, marts=(), project_vars={"reporting_currency": "USD"})
    deployed = _manifest("mart_old", "pass_through__orders")
    tenant = TenantConfig.model_validate(TENANT)
    findings = tenant_field_findings(tenant, product, _manifest("mart_new"), deployed)
    subjects = [finding.subject for finding in findings]
    assert subjects == [
        "dbt.exclude_models",
        "dbt.disabled_marts",
        "dbt.pass_through_columns.orders",
        "dbt.vars.revenue_basis",
    ], findings
    assert all(finding.kind == "breaks" and finding.fix for finding in findings), findings
    assert "mart_old" in findings[0].detail and "tag:nightly" not in findings[0].detail, "selectors are not names"


def _report() -> UpgradeReport:
    refresh = Finding("full_refresh", "fct_orders", "incremental model fct_orders: its SQL changed", FULL_REFRESH_FIX)
    broken = Finding("breaks", "mart_x", "overlay model mart_x uses column c of dim_y", "change models/mart_x.sql")
    checked = "built on DuckDB (a throwaway file, no raw rows)"
    return UpgradeReport(
        "/candidate",
        tenants=(
            TenantVerdict("a", "a.yaml", "duckdb", checked, 50),
            TenantVerdict("b", "b.yaml", "duckdb", checked, 50, (refresh,)),
            TenantVerdict("c", "c.yaml", "postgres", "listed", 50, (refresh, broken)),
        ),
    )


def test_the_verdict_is_the_worst_finding_and_any_break_fails_the_report() -> None:
    """No finding: OK; a full refresh: NEEDS FULL REFRESH; a break among others: BREAKS, and the report breaks."""
    report = _report()
    assert [tenant.verdict for tenant in report.tenants] == [OK, FULL_REFRESH, BREAKS]
    assert report.breaks
    assert not UpgradeReport("/candidate", tenants=report.tenants[:2]).breaks


def test_the_text_report_names_each_tenant_finding_and_fix() -> None:
    """One line per tenant with its verdict, one per finding with its fix, and the result last."""
    text = render_upgrade_report(_report())
    assert "  a: OK  (duckdb, 50 models built on DuckDB" in text, text
    assert "  b: NEEDS FULL REFRESH" in text and '{"full_refresh": true}' in text, text
    assert "    - break: mart_x: overlay model mart_x uses column c of dim_y" in text, text
    assert text.endswith("result: BREAKS at least one tenant: do not deploy as is"), text


def test_the_json_report_carries_verdicts_and_findings() -> None:
    """--json: each tenant's verdict and findings as fields, and whether anything breaks."""
    document = json.loads(json.dumps(_report().document()))
    assert document["breaks"] is True
    assert [(t["tenant_id"], t["verdict"]) for t in document["tenants"]] == [
        ("a", OK),
        ("b", FULL_REFRESH),
        ("c", BREAKS),
    ]
    assert document["tenants"][2]["findings"][1]["subject"] == "mart_x", document


def test_the_cli_refuses_a_folder_that_is_no_dbt_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--product pointing at a folder without dbt_project.yml: exit 1, the reason printed, no dbt run."""
    exit_code = main(["upgrade-check", "--product", str(tmp_path), "--tenants", str(tmp_path)])
    output = capsys.readouterr().out
    assert exit_code == 1, output
    assert f"{tmp_path}/dbt_project.yml not found" in output, output
