"""dbt.overlay_project: checked on disk when the tenant file loads; errors name the file, the field and the fix."""

import shutil
from pathlib import Path

import pytest
from flexlake.tenant_config import TenantConfigError, load_tenant_config

PROJECT_ROOT = Path(__file__).resolve().parents[3]
PRODUCT = PROJECT_ROOT / "include" / "dbt"
ENV_VAR_LOCAL = "\"{{ env_var('FLEXLAKE_DBT_PROJECT_DIR', '../../../include/dbt') }}\""
TENANT = """tenant_id: ovl_shop
display_name: Overlay Shop
tier: starter
warehouse: {type: duckdb}
sources: [{name: shop, system: faker}]
dbt:
  overlay_project: overlays/ovl_shop
"""


def _tenant(tmp_path: Path, *, project: str | None = "name: ovl_shop_overlay\n", local: str | None = None) -> Path:
    """A tenant file and its overlay folder; `local` is packages.yml's local path (None: no packages.yml)."""
    folder = tmp_path / "tenant_configs"
    overlay = folder / "overlays" / "ovl_shop"
    overlay.mkdir(parents=True)
    if project is not None:
        (overlay / "dbt_project.yml").write_text(project)
    if local is not None:
        (overlay / "packages.yml").write_text(f"packages:\n  - local: {local}\n")
    path = folder / "ovl_shop.yaml"
    path.write_text(TENANT)
    return path


def _problems(path: Path) -> str:
    with pytest.raises(TenantConfigError) as caught:
        load_tenant_config(path)
    message = str(caught.value)
    assert str(path) in message, f"the error must name the tenant file: {message}"
    assert "dbt.overlay_project" in message, f"the error must name the field: {message}"
    return message


def test_an_overlay_on_the_product_loads_and_carries_its_absolute_folder(tmp_path: Path) -> None:
    """A folder with a dbt project whose local package is the product validates; the path becomes absolute."""
    path = _tenant(tmp_path, local=str(PRODUCT))
    config = load_tenant_config(path)
    assert config.dbt.overlay_project == str(path.parent / "overlays" / "ovl_shop")


def test_the_env_var_form_of_the_local_package_is_accepted_wherever_the_folder_lives(tmp_path: Path) -> None:
    """`{{ env_var('FLEXLAKE_DBT_PROJECT_DIR', ...) }}` is resolved by `flexlake manifest`, not at load time."""
    assert load_tenant_config(_tenant(tmp_path, local=ENV_VAR_LOCAL)).dbt.overlay_project


def test_a_missing_overlay_folder_is_reported_with_the_convention(tmp_path: Path) -> None:
    """The folder does not exist: the error says so and names the convention."""
    path = _tenant(tmp_path, local=str(PRODUCT))
    shutil.rmtree(path.parent / "overlays")
    message = _problems(path)
    assert "does not exist" in message and "overlays/<tenant_id>" in message, message


def test_a_folder_without_dbt_project_yml_is_not_an_overlay(tmp_path: Path) -> None:
    """No dbt_project.yml: the error points at the example overlay to copy."""
    message = _problems(_tenant(tmp_path, project=None, local=str(PRODUCT)))
    assert "no dbt_project.yml" in message and "example_appdb" in message, message


def test_an_overlay_without_the_product_as_local_package_is_rejected(tmp_path: Path) -> None:
    """No packages.yml (or no `local:` entry): the fix names the line to add."""
    message = _problems(_tenant(tmp_path))
    assert "- local:" in message and "include/dbt" in message, message


def test_a_local_package_that_is_not_the_product_is_rejected(tmp_path: Path) -> None:
    """A local path to some other folder: the error says it is not the flexlake dbt project."""
    message = _problems(_tenant(tmp_path, local="../../elsewhere"))
    assert "is not the flexlake dbt project" in message, message


def test_an_overlay_named_like_the_product_is_rejected(tmp_path: Path) -> None:
    """The root project cannot be called `flexlake`: that is the package name of the product."""
    message = _problems(_tenant(tmp_path, project="name: flexlake\n", local=str(PRODUCT)))
    assert "rename it" in message, message


def test_the_demo_overlays_validate() -> None:
    """cobalt_cycles.yaml and _example.yaml name overlays that pass the checks."""
    for name in ("cobalt_cycles.yaml", "_example.yaml"):
        config = load_tenant_config(PROJECT_ROOT / "tenant_configs" / name)
        assert config.dbt.overlay_project and Path(config.dbt.overlay_project).is_dir(), name
