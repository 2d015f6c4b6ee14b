"""The portal's path guard: only names flexlake writes, only under the tenant's own catalog prefix."""

from pathlib import Path

import pytest
from flexlake.catalog.publish import catalog_root
from flexlake.dag_factory.tenant_dag import DAG_ID_PREFIX as FACTORY_PREFIX
from flexlake.portal.paths import (
    DAG_ID_PREFIX,
    PathRefused,
    checked_version,
    links_leaving,
    tenant_of_dag,
    version_file,
)

VERSION = "20261206T120000Z__manual-2026-12-06T12-00-00-00-00"


def test_the_dag_id_prefix_is_the_dag_factorys() -> None:
    """The portal's copy of the prefix (kept to avoid importing Cosmos) equals the factory's."""
    assert DAG_ID_PREFIX == FACTORY_PREFIX


def test_a_tenant_dag_id_gives_its_tenant() -> None:
    """flexlake__acme_shop is the tenant acme_shop."""
    assert tenant_of_dag("flexlake__acme_shop") == "acme_shop"


@pytest.mark.parametrize(
    "dag_id",
    [
        "other_dag",
        "flexlake__",
        "flexlake__../beta",
        "flexlake__/etc",
        "flexlake__Acme",
        "flexlake__a.b",
        "flexlake__x",
    ],
)
def test_anything_but_a_tenant_dag_id_is_refused(dag_id: str) -> None:
    """Other DAGs, traversal, absolute paths, upper case, dots and too-short ids never become a tenant."""
    with pytest.raises(PathRefused, match="not a flexlake tenant DAG"):
        tenant_of_dag(dag_id)


@pytest.mark.parametrize(
    "version", ["..", "../beta_shop/latest", "/etc/passwd", "latest", "runs", "20261206T120000Z__.."]
)
def test_only_a_version_folder_name_is_a_version(version: str) -> None:
    """`latest`, `runs`, traversal and absolute paths are not versions."""
    with pytest.raises(PathRefused):
        checked_version(version)


def test_a_published_version_name_passes() -> None:
    """The name publish_run gives a version is accepted as is."""
    assert checked_version(VERSION) == VERSION


def test_only_the_docs_and_summary_files_are_served(tmp_path: Path) -> None:
    """manifest.json and run_results.json of a version are not served."""
    root = catalog_root(tmp_path.as_uri(), "acme")
    assert version_file(root, VERSION, "summary.json").name == "summary.json"
    with pytest.raises(PathRefused, match="not served"):
        version_file(root, VERSION, "manifest.json")


def test_a_version_linked_to_another_tenant_is_refused(tmp_path: Path) -> None:
    """A symlinked version folder pointing at another tenant's catalog is refused, and listed as leaving."""
    other = tmp_path / "beta" / VERSION
    other.mkdir(parents=True)
    (other / "summary.json").write_text("{}")
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / VERSION).symlink_to(other)
    root = catalog_root(tmp_path.as_uri(), "acme")
    with pytest.raises(PathRefused, match="leads out"):
        version_file(root, VERSION, "summary.json")
    assert links_leaving(root) == [VERSION]


def test_a_link_inside_the_tenant_folder_is_fine(tmp_path: Path) -> None:
    """A link that stays under the tenant's folder is not an escape."""
    (tmp_path / "acme" / "real").mkdir(parents=True)
    (tmp_path / "acme" / VERSION).symlink_to(tmp_path / "acme" / "real")
    root = catalog_root(tmp_path.as_uri(), "acme")
    assert links_leaving(root) == []
    assert version_file(root, VERSION, "summary.json").name == "summary.json"
