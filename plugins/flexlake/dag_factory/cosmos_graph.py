"""Two adaptations of how Cosmos 1.15 turns our manifest into a graph, both limited to our manifest.

1. Read the dbt manifest once per parsing process and share it between every tenant's task group.

Cosmos (1.15) re-reads and re-parses manifest.json for every DbtTaskGroup it renders: with a 300-model
manifest that is about 1 s per tenant, so 200 tenants in one DAG file blow the 30 s import timeout.
Cosmos has no parameter to hand it a parsed manifest, so we wrap its one loading method: for the
manifest paths registered here the parsed document comes from a per-process cache keyed by the file's
path, size and modification time (a rebuilt manifest is picked up at the next parse); any other path
goes to Cosmos unchanged. Cosmos only reads the document (the DbtNodes it builds are its own), which
`tests/unit/dag_factory/test_cosmos_graph.py` checks by comparing the document before and after.

2. Keep a test only when every model it tests is selected. Cosmos adds a test back to the graph when
*any* of its parents is selected, so a tenant that removed a mart would still get that mart's
relationship and reconciliation tests (which then fail: the mart does not exist). dbt's own
"cautious" indirect selection is the behaviour we want, and the one this restores.
"""

import json
import logging
from functools import cache
from pathlib import Path
from typing import Any

from cosmos.constants import DbtResourceType
from cosmos.dbt.graph import DbtGraph

log = logging.getLogger(__name__)

_SHARED_PATHS: set[Path] = set()
_original_loader = DbtGraph._load_manifest_from_file
_original_update_node_dependency = DbtGraph.update_node_dependency


@cache
def _parsed_manifest(path: Path, size: int, mtime_ns: int) -> dict[str, Any]:
    """One parse per (path, size, mtime): the arguments after `path` only key the cache."""
    log.info("parsing dbt manifest %s (%d bytes) once for every tenant of this process", path, size)
    with path.open("rb") as handle:
        document: dict[str, Any] = json.load(handle)
    return document


def read_shared_manifest(path: Path) -> dict[str, Any]:
    stat = path.stat()
    return _parsed_manifest(path.resolve(), stat.st_size, stat.st_mtime_ns)


def _load_manifest_from_file(self: DbtGraph, manifest_path: Any) -> dict[str, Any]:
    path = Path(str(manifest_path)).resolve()
    if path in _SHARED_PATHS:
        return read_shared_manifest(path)
    result: dict[str, Any] = _original_loader(self, manifest_path)
    return result


def _update_node_dependency(self: DbtGraph) -> None:
    _original_update_node_dependency(self)
    manifest_path = self.project.manifest_path
    if manifest_path is None or Path(str(manifest_path)).resolve() not in _SHARED_PATHS:
        return
    for unique_id, node in list(self.filtered_nodes.items()):
        if node.resource_type == DbtResourceType.TEST and not all(
            parent in self.filtered_nodes for parent in node.depends_on
        ):
            del self.filtered_nodes[unique_id]
    for tests in self.tests_per_model.values():
        tests[:] = [test for test in tests if test in self.filtered_nodes]


def share_manifest(path: Path) -> None:
    """Register our manifest: parsed once per process, cautious test selection. Idempotent."""
    _SHARED_PATHS.add(path.resolve())
    if DbtGraph._load_manifest_from_file is not _load_manifest_from_file:
        DbtGraph._load_manifest_from_file = _load_manifest_from_file
        DbtGraph.update_node_dependency = _update_node_dependency
