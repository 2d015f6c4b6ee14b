"""The package-aware partial-parse patch: a package's seeds stay readable when Cosmos moves the project copy."""

from pathlib import Path

import msgpack  # type: ignore[import-untyped]
from cosmos import cache as cosmos_cache
from flexlake.dag_factory import dbt_project


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
    assert cosmos_cache.patch_partial_parse_content is dbt_project._patch_partial_parse_content
    assert cosmos_cache.patch_partial_parse_content(path, copy) is True
    patched = msgpack.unpackb(path.read_bytes())["nodes"]
    assert patched["model.shop_overlay.added"]["root_path"] == str(copy)
    assert patched["seed.flexlake.countries"]["root_path"] == str(copy / "dbt_packages" / "flexlake")
    assert patched["model.flexlake.live"]["root_path"] == live
