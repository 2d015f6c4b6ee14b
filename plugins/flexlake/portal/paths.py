"""The portal's path guard: a request reads only under its own tenant's catalog prefix.

Every name that comes from a URL (the DAG id, a version) is checked against the exact shape flexlake writes
before it is joined to a path: a tenant id is the tenant file's pattern, a version is `<UTC stamp>__<run key>`
(flexlake.catalog.publish), and the files served are a fixed list. So `..`, `/`, `%2e%2e` or an absolute path can
never reach the store. On a local (file://) catalog a symlink could still point out of the prefix (another
tenant's folder, /etc): the resolved path must stay under the resolved tenant root. Object stores (s3://) have no
links, and their keys are only ever built from the checked names.
"""

import re
from pathlib import Path

from airflow.sdk import ObjectStoragePath

from flexlake.tenant_config.warehouse_schema import IDENTIFIER_PATTERN

# flexlake.dag_factory.tenant_dag.DAG_ID_PREFIX (not imported: that module imports Cosmos); a test keeps them equal.
DAG_ID_PREFIX = "flexlake__"
_TENANT_ID = re.compile(IDENTIFIER_PATTERN)
# flexlake.catalog.publish: f"{VERSION_TIME_FORMAT stamp}__{run_key(run_id)}", run_key() keeps [A-Za-z0-9_.-].
VERSION_PATTERN = re.compile(r"^\d{8}T\d{6}Z__[A-Za-z0-9_.-]{1,200}$")
# The files of a version the portal serves; everything else in a version (manifest, run_results) stays unserved.
SERVED_FILES = frozenset({"static_index.html", "summary.json"})


class PathRefused(ValueError):
    """A name from a request that is not one flexlake writes, or a path that leaves the tenant's prefix."""


def tenant_of_dag(dag_id: str) -> str:
    """The tenant id of a tenant DAG id (`flexlake__<tenant_id>`); PathRefused for any other DAG id."""
    tenant_id = dag_id.removeprefix(DAG_ID_PREFIX)
    if tenant_id == dag_id or not _TENANT_ID.fullmatch(tenant_id):
        raise PathRefused(f"{dag_id!r} is not a flexlake tenant DAG (expected {DAG_ID_PREFIX}<tenant_id>)")
    return tenant_id


def checked_version(version: str) -> str:
    if ".." in version or not VERSION_PATTERN.fullmatch(version):
        raise PathRefused(f"{version!r} is not a published catalog version (<UTC stamp>__<run key>)")
    return version


def version_file(root: ObjectStoragePath, version: str, name: str) -> ObjectStoragePath:
    """root/<version>/<name>, for a checked version and a served file name, confined to the tenant's root."""
    if name not in SERVED_FILES:
        raise PathRefused(f"{name!r} is not served (served: {', '.join(sorted(SERVED_FILES))})")
    return confined(root, root / checked_version(version) / name)


def confined(root: ObjectStoragePath, path: ObjectStoragePath) -> ObjectStoragePath:
    """`path` itself when it stays under `root` once links are followed (local catalogs); PathRefused otherwise."""
    if root.protocol not in {"file", "local", ""}:
        return path
    real_root = Path(root.path).resolve()
    real_path = Path(path.path).resolve()
    if real_path != real_root and real_root not in real_path.parents:
        raise PathRefused(f"{path.name} leads out of the tenant's catalog folder")
    return path


def links_leaving(root: ObjectStoragePath) -> list[str]:
    """Entries of a local tenant root that are links out of it: the run reader follows none of them."""
    if root.protocol not in {"file", "local", ""} or not root.exists():
        return []
    leaving = []
    for entry in root.iterdir():
        try:
            confined(root, entry)
        except PathRefused:
            leaving.append(entry.name)
    return sorted(leaving)
