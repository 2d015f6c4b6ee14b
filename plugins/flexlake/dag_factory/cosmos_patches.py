"""Every replacement of a private Cosmos function, in one place, checked against the Cosmos version it was read in.

Cosmos has no public hook for these two needs; each patch says why, and which upstream change would retire it.
`install()` is called once, explicitly, when the dag_factory package is imported (dag_factory/__init__.py): the
DAG file, the workers that run the tasks and the CLI all go through it. It refuses to patch a Cosmos other than
the one checked here (a new Cosmos may have renamed, removed or fixed what is replaced: read it again, then bump
CHECKED_COSMOS_VERSION), and fails when a patched name is gone.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import cosmos
import msgpack  # type: ignore[import-untyped]
from cosmos import cache as cosmos_cache
from cosmos.dbt.graph import DbtGraph

from flexlake.dag_factory.dbt_graph import is_shared_manifest, read_shared_manifest

# requirements.txt pins astronomer-cosmos to this version; the patches below were read against its source.
CHECKED_COSMOS_VERSION = "1.15.1"


class CosmosPatchError(RuntimeError):
    """Cosmos is not the version the patches were checked against, or a patched name no longer exists."""


@dataclass(frozen=True)
class Patch:
    """One replaced attribute of a Cosmos module or class, and what would let us drop it."""

    owner: Any
    name: str
    replacement: Callable[..., Any]
    retired_by: str


# --- DbtGraph._load_manifest_from_file: one manifest parse per process ------------------------------------------

_cosmos_manifest_loader = DbtGraph._load_manifest_from_file


def load_manifest_once(self: DbtGraph, manifest_path: Any) -> dict[str, Any]:
    """Cosmos parses manifest.json for every DbtTaskGroup; a tenant's graph reads the process-wide parsed copy
    (dbt_graph.read_shared_manifest) for the manifests dbt_graph registered, Cosmos's own loader for any other."""
    path = Path(str(manifest_path)).resolve()
    if is_shared_manifest(path):
        return read_shared_manifest(path)
    document: dict[str, Any] = _cosmos_manifest_loader(self, manifest_path)
    return document


# --- cosmos.cache.patch_partial_parse_content: package-aware root paths ---------------------------------------


def patch_partial_parse_content(partial_parse_filepath: Path, project_path: Path) -> bool:
    """Cosmos points every stale node root_path of a cached partial parse at the task's project copy. A package's
    nodes live under <copy>/dbt_packages/<package> (an overlay's product: dbt reads its seeds' CSV from there),
    so they get that; the root project's nodes get the copy, as in Cosmos."""
    try:
        with partial_parse_filepath.open("rb") as handle:
            data = msgpack.unpack(handle)
    except ValueError:
        return False
    root_project = (data.get("metadata") or {}).get("project_name")
    patched = False
    for node in data["nodes"].values():
        root_path = node.get("root_path")
        if not root_path or Path(root_path).exists():
            continue
        package = node.get("package_name")
        in_package = bool(package) and package != root_project
        node["root_path"] = str(project_path / "dbt_packages" / package if in_package else project_path)
        patched = True
    if patched:
        with partial_parse_filepath.open("wb") as handle:
            handle.write(msgpack.packb(data))
    return patched


PATCHES = (
    Patch(
        DbtGraph,
        "_load_manifest_from_file",
        load_manifest_once,
        "astronomer/astronomer-cosmos#2294 (open): cache manifest parsing across DbtGraph instances; "
        "PR #2486 (open) does it per (path, mtime)",
    ),
    Patch(
        cosmos_cache,
        "patch_partial_parse_content",
        patch_partial_parse_content,
        "not reported upstream yet: Cosmos #950's fix (stale root_path) ignores package nodes; a fix in Cosmos "
        "that keeps dbt_packages/<package> for them retires this",
    ),
)


def install() -> None:
    """Apply every patch (idempotent). Raises CosmosPatchError instead of patching a Cosmos it was not read in."""
    if cosmos.__version__ != CHECKED_COSMOS_VERSION:
        raise CosmosPatchError(
            f"flexlake's Cosmos patches (dag_factory/cosmos_patches.py) were checked against astronomer-cosmos "
            f"{CHECKED_COSMOS_VERSION}, this is {cosmos.__version__}: re-read each patched function in the new "
            f"version, then update CHECKED_COSMOS_VERSION (or pin astronomer-cosmos=={CHECKED_COSMOS_VERSION})"
        )
    for patch in PATCHES:
        if not hasattr(patch.owner, patch.name):
            raise CosmosPatchError(
                f"Cosmos {cosmos.__version__} has no {_qualified(patch)} any more: the patch that replaces it "
                f"(retired by: {patch.retired_by}) must be removed or rewritten"
            )
        setattr(patch.owner, patch.name, patch.replacement)


def _qualified(patch: Patch) -> str:
    """`cosmos.cache.patch_partial_parse_content`, `cosmos.dbt.graph.DbtGraph._load_manifest_from_file`."""
    if isinstance(patch.owner, ModuleType):
        return f"{patch.owner.__name__}.{patch.name}"
    return f"{patch.owner.__module__}.{patch.owner.__qualname__}.{patch.name}"
