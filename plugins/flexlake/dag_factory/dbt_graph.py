"""The tenant's dbt graph, computed by Cosmos once per parsing process for each distinct selection.

Cosmos (1.15) rebuilds its graph for every DbtTaskGroup: it re-reads the manifest, rebuilds every node and
re-runs path selection, then constructs a heavy operator per task (signature inspection per operator).
Measured with 200 tenants (docs/benchmarks.md) that costs ~10x the same DAGs built from EmptyOperators.
Tenants share a handful of selections, so the selected graph is cached per (manifest, select, exclude),
and `dbt_operator.py` builds light tasks whose Cosmos operator is created only when the task runs.

Two details of how the graph is read:
- The manifest is parsed once per process (keyed by path, size and mtime, so a rebuilt manifest is read
  again) and handed to Cosmos through the one loading method it has (replaced in cosmos_patches.py).
- A test is kept only when every model it tests is selected (dbt's "cautious" indirect selection);
  Cosmos keeps a test when *any* parent is selected, so a tenant that removed a mart would still get
  that mart's relationship tests, which fail because the mart does not exist.
"""

import json
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cosmos.config import ExecutionConfig, ProjectConfig, RenderConfig
from cosmos.constants import DbtResourceType, ExecutionMode, InvocationMode, LoadMode
from cosmos.dbt.graph import DbtGraph, DbtNode

log = logging.getLogger(__name__)

BUILDABLE = (DbtResourceType.MODEL, DbtResourceType.SEED, DbtResourceType.SNAPSHOT)


@dataclass(frozen=True)
class SelectedGraph:
    """What one selection of the product renders to. Shared read-only between tenants."""

    nodes: tuple[DbtNode, ...]  # models, seeds, snapshots, in manifest order
    tests_of: dict[str, tuple[str, ...]]  # node unique id -> the tests its task reports (`_owning_parent`)
    detached_tests: tuple[DbtNode, ...]  # tests over several selected nodes none of which depends on the others


def selected_graph(
    project_dir: Path, manifest: Path, select: tuple[str, ...], exclude: tuple[str, ...]
) -> SelectedGraph:
    stat = manifest.stat()
    return _selected_graph(project_dir.resolve(), manifest.resolve(), stat.st_size, stat.st_mtime_ns, select, exclude)


@cache
def _selected_graph(
    project_dir: Path, manifest: Path, _size: int, _mtime_ns: int, select: tuple[str, ...], exclude: tuple[str, ...]
) -> SelectedGraph:
    _SHARED_MANIFESTS.add(manifest)
    graph = DbtGraph(
        project=ProjectConfig(manifest_path=manifest, project_name="flexlake", install_dbt_deps=False),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, select=list(select), exclude=list(exclude)),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL, invocation_mode=InvocationMode.DBT_RUNNER, dbt_project_path=project_dir
        ),
    )
    graph.load(method=LoadMode.DBT_MANIFEST)
    selected = {uid: node for uid, node in graph.filtered_nodes.items() if node.resource_type in BUILDABLE}
    tests = [node for node in graph.filtered_nodes.values() if node.resource_type == DbtResourceType.TEST]
    cautious = [test for test in tests if test.depends_on and all(parent in selected for parent in test.depends_on)]
    tests_of: dict[str, tuple[str, ...]] = {}
    detached: list[DbtNode] = []
    for test in cautious:
        owner = _owning_parent(test, selected)
        if owner is None:
            detached.append(test)
        else:
            tests_of[owner] = (*tests_of.get(owner, ()), test.unique_id)
    return SelectedGraph(nodes=tuple(selected.values()), tests_of=tests_of, detached_tests=tuple(detached))


def _owning_parent(test: DbtNode, selected: dict[str, DbtNode]) -> str | None:
    """The parent whose task reports a test: its only parent, or the parent that depends on all the others (a
    relationships test from a mart to a dimension it reads). dbt runs such a test right after that parent, and
    `dbt build --select <parent>` with buildable indirect selection reruns it; a task of its own would add one
    scheduler-and-triggerer round to the run's chain of model tasks for a single test. None when no parent
    depends on the others: the test gets its own task after all of them."""
    parents: list[str] = list(dict.fromkeys(test.depends_on))
    for candidate in parents:
        ancestors = _ancestors(candidate, selected)
        if all(parent == candidate or parent in ancestors for parent in parents):
            return candidate
    return None


def _ancestors(unique_id: str, selected: dict[str, DbtNode]) -> set[str]:
    """Every selected node `unique_id` depends on, directly or not."""
    seen: set[str] = set()
    pending = [unique_id]
    while pending:
        for parent in selected[pending.pop()].depends_on:
            if parent in selected and parent not in seen:
                seen.add(parent)
                pending.append(parent)
    return seen


# --- the manifest, parsed once per process (Cosmos reads it through cosmos_patches.load_manifest_once) -------

_SHARED_MANIFESTS: set[Path] = set()


@cache
def _parsed_manifest(path: Path, size: int, mtime_ns: int) -> dict[str, Any]:
    """One parse per (path, size, mtime): the arguments after `path` only key the cache."""
    log.info("parsing dbt manifest %s (%d bytes) once for this process", path, size)
    with path.open("rb") as handle:
        document: dict[str, Any] = json.load(handle)
    return document


def read_shared_manifest(path: Path) -> dict[str, Any]:
    stat = path.stat()
    return _parsed_manifest(path.resolve(), stat.st_size, stat.st_mtime_ns)


def is_shared_manifest(path: Path) -> bool:
    """A manifest a tenant graph was built from here: Cosmos gets the process-wide parsed copy of it."""
    return path in _SHARED_MANIFESTS
