"""What separates tenants: no shared schemas, DuckDB folders, overlays or Airbyte workspaces in one folder, and
paths confined to the data directory and the tenant folder (issue 12, items 6 and 7)."""

import shutil
from pathlib import Path

import pytest
from flexlake import settings
from flexlake.dbt_manifests import find_overlays
from flexlake.tenant_config import TenantConfigError, load_tenant_config, load_tenant_configs
from flexlake.tenant_config.derived_names import MODEL_LAYERS, schema_names
from flexlake.warehouses.base import MODEL_LAYERS as warehouse_layers
from flexlake.warehouses.base import tenant_schema_names

OVERLAY = settings.TENANT_CONFIGS_DIR / "overlays" / "cobalt_cycles"


def _tenant(
    folder: Path, tenant_id: str, warehouse: str = "{type: duckdb}", sources: str = "shop", extra: str = ""
) -> Path:
    """Write <tenant_id>.yaml with faker sources named in `sources` (comma-separated)."""
    listed = ", ".join(f"{{system: faker, name: {name}}}" for name in sources.split(","))
    path = folder / f"{tenant_id}.yaml"
    path.write_text(
        f"tenant_id: {tenant_id}\ndisplay_name: T\ntier: starter\nwarehouse: {warehouse}\nsources: [{listed}]\n{extra}",
        encoding="utf-8",
    )
    return path


def _postgres(prefix: str | None = None, connection: str = "shared_pg") -> str:
    schema_prefix = f", schema_prefix: {prefix}" if prefix else ""
    return f"{{type: postgres, connection_id: {connection}, database: analytics{schema_prefix}}}"


def _refused(folder: Path) -> dict[str, str]:
    """File name -> error text for every refused file of the folder."""
    return {error.path.name: str(error) for error in load_tenant_configs(folder).errors}


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has its own data directory and no extra allowed roots."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setattr(settings, "DATA_DIR", folder)
    monkeypatch.setattr(settings, "ALLOWED_PATH_ROOTS", ())
    return folder


def test_a_tenant_taking_another_tenants_schema_prefix_is_refused_and_the_other_keeps_its_dag(tmp_path: Path) -> None:
    """beta with schema_prefix acme on acme's warehouse: beta is refused, naming acme.yaml and every shared
    schema on one line; acme, whose schemas come from its own id, keeps its pipeline."""
    _tenant(tmp_path, "acme", _postgres())
    _tenant(tmp_path, "beta", _postgres("acme"))
    refused = _refused(tmp_path)
    assert set(refused) == {"beta.yaml"}, refused
    assert (
        "warehouse: schemas acme_raw_shop, acme_staging, acme_input, acme_core, acme_marts, acme_reference "
        "(postgres connection shared_pg, database analytics) are also used by acme.yaml" in refused["beta.yaml"]
    ), refused["beta.yaml"]
    assert "change warehouse.schema_prefix" in refused["beta.yaml"], refused["beta.yaml"]
    assert [tenant.tenant_id for tenant in load_tenant_configs(tmp_path).tenants] == ["acme"]


def test_two_tenants_borrowing_one_prefix_are_both_refused(tmp_path: Path) -> None:
    """Neither holds the schemas by its own id: no file says who is right, so both wait for a rename."""
    _tenant(tmp_path, "beta", _postgres("shared"))
    _tenant(tmp_path, "gamma", _postgres("shared"))
    refused = _refused(tmp_path)
    assert set(refused) == {"beta.yaml", "gamma.yaml"}, refused
    assert "also used by gamma.yaml" in refused["beta.yaml"], refused["beta.yaml"]


def test_a_source_named_marts_collides_with_the_tenant_whose_id_ends_in_raw(tmp_path: Path) -> None:
    """acme's source `marts` makes acme_raw_marts, which is tenant acme_raw's marts schema: both derive it from
    their own ids, so both are refused."""
    _tenant(tmp_path, "acme", _postgres(), sources="marts")
    _tenant(tmp_path, "acme_raw", _postgres())
    refused = _refused(tmp_path)
    assert "schema acme_raw_marts" in refused["acme.yaml"] and "acme_raw.yaml" in refused["acme.yaml"], refused
    assert "schema acme_raw_marts" in refused["acme_raw.yaml"] and "acme.yaml" in refused["acme_raw.yaml"], refused


def test_the_same_schemas_on_different_warehouses_do_not_collide(tmp_path: Path) -> None:
    """Another connection (or database) is another warehouse: same prefix there is fine."""
    _tenant(tmp_path, "acme", _postgres())
    _tenant(tmp_path, "beta", _postgres("acme", connection="other_pg"))
    report = load_tenant_configs(tmp_path)
    assert report.errors == () and len(report.tenants) == 2, report.errors


def test_a_duckdb_tenant_writing_into_another_tenants_folder_is_refused(tmp_path: Path, data_dir: Path) -> None:
    """The raw files sit beside the warehouse file: a shared folder would mix both tenants' raw data. beta's
    path points into acme's default folder: beta is refused, acme keeps its DAG."""
    _tenant(tmp_path, "acme")
    _tenant(tmp_path, "beta", "{type: duckdb, path: acme/beta.duckdb}")
    refused = _refused(tmp_path)
    assert set(refused) == {"beta.yaml"}, refused
    assert f"the DuckDB folder {data_dir / 'acme'} is also used by acme.yaml" in refused["beta.yaml"], refused


def test_two_tenants_sharing_an_overlay_or_an_airbyte_workspace_are_refused(tmp_path: Path) -> None:
    """An overlay project and an Airbyte workspace belong to one tenant."""
    shutil.copytree(OVERLAY, tmp_path / "overlays" / "shared", ignore=shutil.ignore_patterns("target", "logs"))
    (tmp_path / "overlays" / "shared" / "packages.yml").write_text(
        "packages:\n  - local: \"{{ env_var('FLEXLAKE_DBT_PROJECT_DIR') }}\"\n", encoding="utf-8"
    )
    overlay = "dbt: {overlay_project: overlays/shared}\n"
    _tenant(tmp_path, "acme", extra=overlay)
    _tenant(tmp_path, "beta", extra=overlay)
    workspace = "airbyte: {connection_id: ab, workspace: shared}\n"
    _tenant(tmp_path, "gamma", extra=workspace)
    _tenant(tmp_path, "delta", extra=workspace)
    refused = _refused(tmp_path)
    assert "dbt.overlay_project" in refused["acme.yaml"] and "beta.yaml" in refused["acme.yaml"], refused
    assert "dbt.overlay_project" in refused["beta.yaml"], "overlays/shared is neither tenant's own: both refused"
    assert "airbyte.workspace 'shared' on connection ab is also used by delta.yaml" in refused["gamma.yaml"], refused
    assert "airbyte.workspace" in refused["delta.yaml"], "a workspace both set explicitly: both refused"


@pytest.mark.parametrize("path", ["../elsewhere/w.duckdb", "/etc/w.duckdb", "w.duckdb"])
def test_a_duckdb_path_outside_a_folder_of_the_data_dir_is_refused(tmp_path: Path, path: str) -> None:
    """`..`, an absolute path elsewhere, or the data dir itself: refused naming the field and the fix."""
    with pytest.raises(TenantConfigError) as raised:
        load_tenant_config(_tenant(tmp_path, "acme", f"{{type: duckdb, path: '{path}'}}"))
    problem = raised.value.problems[0]
    assert problem.startswith(f"warehouse.path: '{path}' resolves outside") and "FLEXLAKE_ALLOWED_PATH_ROOTS" in problem


def test_a_symlink_pointing_out_of_the_data_dir_does_not_escape(tmp_path: Path, data_dir: Path) -> None:
    """data/acme -> /tmp/outside: the resolved path is outside, so it is refused."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (data_dir / "acme").symlink_to(outside)
    with pytest.raises(
        TenantConfigError, match=r"warehouse\.path: 'acme/w\.duckdb' resolves outside .*it resolves to .*outside"
    ):
        load_tenant_config(_tenant(tmp_path, "acme", "{type: duckdb, path: acme/w.duckdb}"))


def test_an_allowed_root_admits_a_path_and_the_config_carries_it_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FLEXLAKE_ALLOWED_PATH_ROOTS is the operator's way out; relative paths resolve against the data dir."""
    volume = tmp_path / "volume"
    volume.mkdir()
    monkeypatch.setattr(settings, "ALLOWED_PATH_ROOTS", (volume,))
    tenant = load_tenant_config(_tenant(tmp_path, "acme", f"{{type: duckdb, path: {volume}/acme/w.duckdb}}"))
    assert tenant.warehouse.path == str((volume / "acme" / "w.duckdb").resolve()), tenant.warehouse
    relative = load_tenant_config(_tenant(tmp_path, "beta", "{type: duckdb, path: beta/w.duckdb}"))
    assert relative.warehouse.path == str((settings.DATA_DIR / "beta" / "w.duckdb").resolve()), relative.warehouse


@pytest.mark.parametrize("overlay", ["../outside", "/etc", "overlays/../.."])
def test_an_overlay_outside_the_tenant_folder_is_refused(tmp_path: Path, overlay: str) -> None:
    """dbt.overlay_project stays under the tenant file's folder."""
    folder = tmp_path / "tenants"
    folder.mkdir()
    (tmp_path / "outside").mkdir()
    with pytest.raises(TenantConfigError) as raised:
        load_tenant_config(_tenant(folder, "acme", extra=f"dbt: {{overlay_project: '{overlay}'}}\n"))
    problem = raised.value.problems[0]
    assert problem.startswith(f"dbt.overlay_project: '{overlay}' resolves outside the tenant folder"), problem


def test_an_overlay_folder_name_of_300_characters_is_the_files_error(tmp_path: Path) -> None:
    """ENAMETOOLONG crashed the loader; now it names the field and the fix."""
    with pytest.raises(TenantConfigError) as raised:
        load_tenant_config(_tenant(tmp_path, "acme", extra=f"dbt: {{overlay_project: {'x' * 300}}}\n"))
    assert raised.value.problems[0].startswith("dbt.overlay_project:"), raised.value.problems
    assert "short relative path" in raised.value.problems[0], raised.value.problems


def test_make_manifest_reads_tenant_files_like_the_loader(tmp_path: Path) -> None:
    """`flexlake manifest` finds no overlay outside the tenant folder and survives non-UTF-8 and alias files."""
    tenants, outside = tmp_path / "tenants", tmp_path / "outside"
    shutil.copytree(OVERLAY, outside, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    tenants.mkdir()
    _tenant(tenants, "acme", extra="dbt: {overlay_project: ../outside}\n")
    (tenants / "aaa.yaml").write_bytes(b"\xff\xfe")
    (tenants / "bomb.yaml").write_text('a: &a ["x", "x"]\nb: [*a, *a]\ndbt: {overlay_project: ../outside}\n')
    assert find_overlays([tenants]) == [], "an overlay outside the tenant folder would be built by dbt"


def test_the_loaders_derived_schema_names_are_the_warehouses_names(tmp_path: Path) -> None:
    """derived_names.py mirrors flexlake.warehouses.base (which imports Cosmos); they must name the same schemas."""
    tenant = load_tenant_config(_tenant(tmp_path, "acme", _postgres("pfx"), sources="shop,billing"))
    assert schema_names(tenant.schema_prefix, ("shop", "billing")) == tenant_schema_names(tenant)
    assert warehouse_layers == MODEL_LAYERS, "the dbt layers differ between tenant_config and warehouses"
