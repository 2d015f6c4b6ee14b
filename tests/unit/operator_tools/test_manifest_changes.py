"""upgrade-check's manifest comparison: which incremental models need a full refresh, which overlay models use a
removed column, which tenant-file names vanished. Small manifests shaped like dbt's manifest.json (v12)."""

import copy
from typing import Any

from flexlake.operator_tools.manifest_changes import (
    FULL_REFRESH_FIX,
    incremental_changes,
    removed_columns_used,
    vanished_names,
)

FCT = "model.flexlake.fct_orders"
DIM = "model.flexlake.dim_calendar"
OVERLAY = "model.cobalt_overlay.mart_revenue_monthly"


def _node(uid: str, *, materialized: str = "table", checksum: str = "a1", **extra: Any) -> dict[str, Any]:
    package, name = uid.split(".")[1:]
    node: dict[str, Any] = {
        "resource_type": "model",
        "package_name": package,
        "name": name,
        "unique_id": uid,
        "original_file_path": f"models/{name}.sql",
        "raw_code": extra.pop("raw_code", "select 1"),
        "checksum": {"name": "sha256", "checksum": checksum},
        "config": {"materialized": materialized, "contract": {"enforced": False}},
        "contract": {"enforced": False, "checksum": None},
        "columns": {},
        "depends_on": {"nodes": extra.pop("parents", []), "macros": []},
    }
    node.update(extra)
    return node


def _columns(**types: str | None) -> dict[str, Any]:
    return {name: {"name": name, "data_type": data_type, "description": ""} for name, data_type in types.items()}


def _manifest(*nodes: dict[str, Any]) -> dict[str, Any]:
    test = {"resource_type": "test", "name": "not_null_x", "package_name": "flexlake", "unique_id": "test.x"}
    return {"metadata": {"project_name": "flexlake"}, "nodes": {n["unique_id"]: n for n in (*nodes, test)}}


def _deployed() -> dict[str, Any]:
    fct = _node(FCT, materialized="incremental", columns=_columns(order_key="varchar", amount="decimal(18,2)"))
    dim = _node(DIM, columns=_columns(date_day="date", month_start_date="date"))
    overlay = _node(
        OVERLAY, raw_code="select calendar.month_start_date from {{ ref('dim_calendar') }} as calendar", parents=[DIM]
    )
    return _manifest(fct, dim, overlay)


def test_an_unchanged_manifest_needs_no_full_refresh() -> None:
    """The same manifest twice: no finding (the verdict of an unchanged product is OK)."""
    assert incremental_changes(_deployed(), _deployed(), [FCT, DIM, OVERLAY]) == []


def test_a_changed_checksum_of_an_incremental_model_needs_a_full_refresh() -> None:
    """Changed SQL of an incremental fact: a finding naming the model, its file and the full_refresh trigger."""
    candidate = _deployed()
    candidate["nodes"][FCT]["checksum"]["checksum"] = "b2"
    findings = incremental_changes(_deployed(), candidate, [FCT])
    assert [(f.kind, f.subject) for f in findings] == [("full_refresh", "fct_orders")], findings
    assert "SQL changed (models/fct_orders.sql)" in findings[0].detail, findings[0].detail
    assert findings[0].fix == FULL_REFRESH_FIX and '{"full_refresh": true}' in FULL_REFRESH_FIX


def test_added_removed_and_retyped_columns_of_an_incremental_model_are_named() -> None:
    """Declared columns: one added, one removed, one retyped; each is named in the detail."""
    candidate = _deployed()
    candidate["nodes"][FCT]["columns"] = _columns(order_key="integer", loaded_at="timestamp")
    (finding,) = incremental_changes(_deployed(), candidate, [FCT])
    assert "added loaded_at; removed amount; type changed order_key" in finding.detail, finding.detail
    assert "SQL changed" not in finding.detail, "the checksum did not change"


def test_an_enforced_contract_that_changed_needs_a_full_refresh() -> None:
    """Contract enforced in both, its checksum changed (dbt hashes declared names and types)."""
    deployed, candidate = _deployed(), _deployed()
    for manifest, checksum in ((deployed, "c1"), (candidate, "c2")):
        manifest["nodes"][FCT]["config"]["contract"] = {"enforced": True}
        manifest["nodes"][FCT]["contract"] = {"enforced": True, "checksum": checksum}
    (finding,) = incremental_changes(deployed, candidate, [FCT])
    assert finding.detail.endswith("its contract changed"), finding.detail


def test_table_models_new_models_and_models_the_tenant_does_not_build_need_nothing() -> None:
    """A changed table rebuilds every run; a new incremental model starts empty; an unbuilt one is not the
    tenant's: none of them needs a full refresh."""
    candidate = _deployed()
    candidate["nodes"][DIM]["checksum"]["checksum"] = "changed"
    new = _node("model.flexlake.fct_new", materialized="incremental")
    candidate["nodes"][new["unique_id"]] = new
    assert incremental_changes(_deployed(), candidate, [DIM, new["unique_id"]]) == []
    candidate["nodes"][FCT]["checksum"]["checksum"] = "changed"
    assert incremental_changes(_deployed(), candidate, [DIM]) == [], "fct_orders is not built by this tenant"


def test_a_table_that_became_incremental_needs_a_full_refresh_even_with_unchanged_sql() -> None:
    """Table before, incremental now (the config in dbt_project.yml, so the SQL's checksum is the same): dbt's
    is_incremental() is true on the existing table, so the first run would merge into it; a full_refresh finding
    saying so, with the usual trigger."""
    deployed = _deployed()
    deployed["nodes"][FCT]["config"]["materialized"] = "table"
    (finding,) = incremental_changes(deployed, _deployed(), [FCT])
    assert (finding.kind, finding.subject, finding.fix) == ("full_refresh", "fct_orders", FULL_REFRESH_FIX), finding
    assert "materialized as table and is now incremental" in finding.detail, finding.detail
    assert "is_incremental() is true" in finding.detail, finding.detail


def test_a_view_or_ephemeral_model_that_became_incremental_is_built_from_scratch() -> None:
    """View or ephemeral before, incremental now, SQL changed too: dbt replaces a view with a table built from every
    row and an ephemeral model left no relation, so no finding."""
    for materialized in ("view", "ephemeral"):
        deployed = _deployed()
        deployed["nodes"][FCT]["config"]["materialized"] = materialized
        candidate = _deployed()
        candidate["nodes"][FCT]["checksum"]["checksum"] = "changed"
        assert incremental_changes(deployed, candidate, [FCT]) == [], materialized


def test_an_incremental_model_that_became_a_table_needs_nothing() -> None:
    """Incremental before, table now: a table is rebuilt on every run, whatever existed."""
    candidate = _deployed()
    candidate["nodes"][FCT]["config"]["materialized"] = "table"
    candidate["nodes"][FCT]["checksum"]["checksum"] = "changed"
    assert incremental_changes(_deployed(), candidate, [FCT]) == []


def test_an_overlay_model_using_a_removed_column_is_named_with_the_column_and_the_model() -> None:
    """dim_calendar loses month_start_date, which the overlay's model selects: a break naming all three."""
    candidate = _deployed()
    del candidate["nodes"][DIM]["columns"]["month_start_date"]
    (finding,) = removed_columns_used(_deployed(), candidate, "cobalt_overlay")
    assert (finding.kind, finding.subject) == ("breaks", "mart_revenue_monthly"), finding
    assert "uses column month_start_date of dim_calendar" in finding.detail, finding.detail
    assert "models/mart_revenue_monthly.sql" in finding.fix, finding.fix


def test_a_removed_column_the_overlay_does_not_name_is_not_a_break() -> None:
    """Removed date_day (not in the overlay's SQL; a longer name containing it does not count)."""
    candidate = _deployed()
    del candidate["nodes"][DIM]["columns"]["date_day"]
    candidate["nodes"][OVERLAY]["raw_code"] += " -- date_day_of_week"
    deployed = _deployed()
    deployed["nodes"][OVERLAY]["raw_code"] = candidate["nodes"][OVERLAY]["raw_code"]
    assert removed_columns_used(deployed, candidate, "cobalt_overlay") == []


def test_removed_columns_are_looked_for_only_in_the_tenants_own_package() -> None:
    """The product's own models using the column are the product's business (its build fails on its own)."""
    candidate = _deployed()
    del candidate["nodes"][DIM]["columns"]["month_start_date"]
    assert removed_columns_used(_deployed(), candidate, "flexlake") == []


def test_names_a_tenant_file_lists_that_vanished_from_the_product_are_returned() -> None:
    """fct_orders renamed away; dim_calendar kept; a name never in the product is not the upgrade's doing."""
    candidate = copy.deepcopy(_deployed())
    del candidate["nodes"][FCT]
    assert vanished_names(_deployed(), candidate, ["fct_orders", "dim_calendar", "never_existed"]) == ["fct_orders"]


def test_a_constraint_added_to_a_contracted_incremental_model_needs_a_full_refresh() -> None:
    """A not_null test become a not_null constraint: dbt's contract checksum (names and types) is unchanged, but the
    existing table was created without the constraint, and no test checks the column any more. Named by column."""
    deployed, candidate = _deployed(), _deployed()
    for manifest in (deployed, candidate):
        manifest["nodes"][FCT]["config"]["contract"] = {"enforced": True}
        manifest["nodes"][FCT]["contract"] = {"enforced": True, "checksum": "same"}
    candidate["nodes"][FCT]["columns"]["order_key"]["constraints"] = [{"type": "not_null"}]
    (finding,) = incremental_changes(deployed, candidate, [FCT])
    assert "its constraints changed (added order_key not_null)" in finding.detail, finding.detail
    assert incremental_changes(candidate, candidate, [FCT]) == [], "the same constraints twice: no finding"
