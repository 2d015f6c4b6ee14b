"""The manifest is parsed once per process, shared read-only, and tests follow their models' selection."""

import json
from pathlib import Path

import pytest
from flexlake import settings
from flexlake.dag_factory import build_tenant_dags, cosmos_graph


def test_the_manifest_is_parsed_once_for_all_tenants(tenant_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Building every tenant's DAG parses manifest.json once, not once per tenant."""
    cosmos_graph._parsed_manifest.cache_clear()
    parses: list[Path] = []
    real_load = json.load

    def counting_load(handle, *args, **kwargs):  # type: ignore[no-untyped-def]
        parses.append(Path(handle.name))
        return real_load(handle, *args, **kwargs)

    monkeypatch.setattr(cosmos_graph.json, "load", counting_load)
    dags = build_tenant_dags(tenant_folder)
    assert len(dags) >= 3
    assert parses == [settings.DBT_MANIFEST_PATH.resolve()], f"manifest parsed {len(parses)} times"


def test_building_dags_leaves_the_shared_manifest_unchanged(tenant_folder: Path) -> None:
    """Cosmos only reads the shared document: it is the same before and after building every tenant."""
    document = cosmos_graph.read_shared_manifest(settings.DBT_MANIFEST_PATH)
    before = json.dumps(document, sort_keys=True)
    build_tenant_dags(tenant_folder)
    build_tenant_dags(tenant_folder)
    assert json.dumps(document, sort_keys=True) == before, "a DAG build mutated the shared manifest"


def test_a_rebuilt_manifest_is_read_again(tmp_path: Path) -> None:
    """The cache is keyed by size and modification time, so `make manifest` takes effect at the next parse."""
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"nodes": {}}')
    assert cosmos_graph.read_shared_manifest(manifest) == {"nodes": {}}
    manifest.write_text('{"nodes": {"a": {}}}')
    assert cosmos_graph.read_shared_manifest(manifest) == {"nodes": {"a": {}}}
