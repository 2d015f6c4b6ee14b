"""The Cosmos patches (dag_factory/cosmos_patches.py): installed, pinned, and the package-aware partial parse."""

from pathlib import Path

import cosmos
import msgpack  # type: ignore[import-untyped]
import pytest
from cosmos import cache as cosmos_cache
from cosmos.dbt.graph import DbtGraph
from flexlake.dag_factory import cosmos_patches


def test_importing_the_dag_factory_installed_every_patch() -> None:
    assert cosmos_cache.patch_partial_parse_content is cosmos_patches.patch_partial_parse_content
    assert DbtGraph._load_manifest_from_file is cosmos_patches.load_manifest_once
    assert all(patch.retired_by for patch in cosmos_patches.PATCHES), "every patch names what would retire it"


def test_another_cosmos_version_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cosmos, "__version__", "9.9.9")
    with pytest.raises(cosmos_patches.CosmosPatchError, match=r"checked against astronomer-cosmos 1\.15\.1, this is"):
        cosmos_patches.install()


def test_a_patched_name_cosmos_dropped_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class Renamed:
        """A Cosmos class in a later version, without the attribute the patch replaces."""

    gone = cosmos_patches.Patch(Renamed, "vanished", len, "a fix upstream")
    monkeypatch.setattr(cosmos_patches, "PATCHES", (gone,))
    with pytest.raises(cosmos_patches.CosmosPatchError, match=r"has no .*vanished any more"):
        cosmos_patches.install()


def test_stale_root_paths_point_into_the_new_copy_and_its_packages(tmp_path: Path) -> None:
    """Root-project nodes get the copy; the product's nodes get <copy>/dbt_packages/flexlake; live paths stay."""
    copy = tmp_path / "copy"
    copy.mkdir()
    live = str(tmp_path)
    nodes = {
        "model.shop_overlay.added": {"root_path": "/gone/tmp1", "package_name": "shop_overlay"},
        "seed.flexlake.countries": {"root_path": "/gone/tmp1/dbt_packages/flexlake", "package_name": "flexlake"},
        "model.flexlake.live": {"root_path": live, "package_name": "flexlake"},
    }
    path = tmp_path / "partial_parse.msgpack"
    path.write_bytes(msgpack.packb({"nodes": nodes, "metadata": {"project_name": "shop_overlay"}}))
    assert cosmos_cache.patch_partial_parse_content(path, copy) is True
    patched = msgpack.unpackb(path.read_bytes())["nodes"]
    assert patched["model.shop_overlay.added"]["root_path"] == str(copy)
    assert patched["seed.flexlake.countries"]["root_path"] == str(copy / "dbt_packages" / "flexlake")
    assert patched["model.flexlake.live"]["root_path"] == live
