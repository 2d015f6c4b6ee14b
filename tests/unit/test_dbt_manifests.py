"""flexlake.dbt_manifests: which overlays `make manifest` builds, and when an overlay's manifest is stale."""

import json
import shutil
from pathlib import Path

from flexlake import dbt_manifests
from flexlake.dbt_manifests import FINGERPRINT_FILE, find_overlays, fingerprint, overlay_manifest_problem

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TENANTS = PROJECT_ROOT / "tenant_configs"


def _overlay(tmp_path: Path) -> tuple[Path, Path]:
    product = tmp_path / "product"
    (product / "models").mkdir(parents=True)
    (product / "dbt_project.yml").write_text("name: flexlake\n")
    (product / "models" / "a.sql").write_text("select 1 as a\n")
    overlay = tmp_path / "tenants" / "overlays" / "shop"
    (overlay / "models").mkdir(parents=True)
    (overlay / "dbt_project.yml").write_text("name: shop_overlay\n")
    (overlay / "models" / "b.sql").write_text("select 2 as b\n")
    return product, overlay


def _built(overlay: Path, product: Path) -> None:
    (overlay / "target").mkdir(exist_ok=True)
    (overlay / "target" / "manifest.json").write_text("{}")
    (overlay / "target" / FINGERPRINT_FILE).write_text(json.dumps({"fingerprint": fingerprint(overlay, product)}))


def test_the_repositorys_overlays_are_found_from_the_tenant_folder() -> None:
    """overlays/*/ with a dbt_project.yml, and the folders tenant files name (the example's included)."""
    names = {path.name for path in find_overlays([TENANTS])}
    assert {"cobalt_cycles", "example_appdb"} <= names, names


def test_a_manifest_built_from_the_current_files_is_fresh(tmp_path: Path) -> None:
    """Build output, package links and docs do not count; the manifest is current."""
    product, overlay = _overlay(tmp_path)
    _built(overlay, product)
    (overlay / "dbt_packages").mkdir()
    (overlay / "dbt_packages" / "x.sql").write_text("select 3")
    (overlay / "README.md").write_text("notes")
    assert overlay_manifest_problem(overlay, product) is None


def test_a_copied_overlay_is_still_fresh(tmp_path: Path) -> None:
    """Content, not modification times: a copy (an image layer, a mounted volume) keeps its manifest."""
    product, overlay = _overlay(tmp_path)
    _built(overlay, product)
    copy = tmp_path / "mounted" / "shop"
    shutil.copytree(overlay, copy)
    assert overlay_manifest_problem(copy, product) is None


def test_an_edited_overlay_or_product_model_makes_the_manifest_stale(tmp_path: Path) -> None:
    """Either side changed since the build: stale, with the fix."""
    product, overlay = _overlay(tmp_path)
    _built(overlay, product)
    (overlay / "models" / "b.sql").write_text("select 22 as b\n")
    problem = overlay_manifest_problem(overlay, product)
    assert problem is not None and "stale" in problem and "make manifest" in problem, problem
    _built(overlay, product)
    (product / "models" / "c.sql").write_text("select 4 as c\n")
    dbt_manifests._product_digest.cache_clear()  # the product is hashed once per (parsing) process
    assert "stale" in (overlay_manifest_problem(overlay, product) or "")


def test_a_missing_manifest_is_reported(tmp_path: Path) -> None:
    """Never built: missing, with the fix."""
    product, overlay = _overlay(tmp_path)
    problem = overlay_manifest_problem(overlay, product)
    assert problem is not None and "missing" in problem and "make manifest" in problem, problem
