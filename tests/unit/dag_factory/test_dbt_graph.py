"""The selected dbt graph: manifest parsed once, computed once per selection, tests cautiously selected."""

import json
from pathlib import Path

import pytest
from flexlake import settings
from flexlake.dag_factory import build_tenant_dags, dbt_graph


def _clear_caches() -> None:
    dbt_graph._parsed_manifest.cache_clear()
    dbt_graph._selected_graph.cache_clear()


def test_the_manifest_is_parsed_once_for_all_tenants(tenant_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Building every tenant's DAG parses each manifest once (the product's, and the overlay tenant's own),
    not once per tenant or per selection."""
    _clear_caches()
    parses: list[Path] = []
    real_load = json.load

    def counting_load(handle, *args, **kwargs):  # type: ignore[no-untyped-def]
        parses.append(Path(handle.name))
        return real_load(handle, *args, **kwargs)

    monkeypatch.setattr(dbt_graph.json, "load", counting_load)
    dags = build_tenant_dags(tenant_folder)
    assert len(dags) >= 3
    overlay_manifest = (tenant_folder / "overlays" / "cobalt_cycles" / "target" / "manifest.json").resolve()
    expected = sorted([settings.DBT_MANIFEST_PATH.resolve(), overlay_manifest])
    assert sorted(parses) == expected, f"manifests parsed: {parses}"


def test_each_distinct_selection_is_computed_once(tenant_folder: Path) -> None:
    """Two tenants with the same removed marts share one computed graph (the overlay tenant has its own)."""
    _clear_caches()
    (tenant_folder / "second_books.yaml").write_text(
        (tenant_folder / "bluebird_books.yaml").read_text().replace("bluebird_books", "second_books")
    )
    build_tenant_dags(tenant_folder)
    info = dbt_graph._selected_graph.cache_info()
    assert info.misses == 3, f"expected one graph per selection (full, without customers, overlay): {info}"


def test_building_dags_leaves_the_shared_manifest_unchanged(tenant_folder: Path) -> None:
    """Cosmos only reads the shared document: it is the same before and after building every tenant."""
    _clear_caches()
    document = dbt_graph.read_shared_manifest(settings.DBT_MANIFEST_PATH)
    before = json.dumps(document, sort_keys=True)
    build_tenant_dags(tenant_folder)
    assert json.dumps(document, sort_keys=True) == before, "a DAG build mutated the shared manifest"


def test_a_rebuilt_manifest_is_read_again(tmp_path: Path) -> None:
    """The cache is keyed by size and modification time, so `make manifest` takes effect at the next parse."""
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"nodes": {}}')
    assert dbt_graph.read_shared_manifest(manifest) == {"nodes": {}}
    manifest.write_text('{"nodes": {"a": {}}}')
    assert dbt_graph.read_shared_manifest(manifest) == {"nodes": {"a": {}}}


def test_tests_of_a_removed_mart_are_not_selected() -> None:
    """Cautious selection: a test over a removed mart and a kept model is dropped, not kept half-way."""
    full = dbt_graph.selected_graph(settings.DBT_PROJECT_DIR, settings.DBT_MANIFEST_PATH, (), ())
    reduced = dbt_graph.selected_graph(
        settings.DBT_PROJECT_DIR, settings.DBT_MANIFEST_PATH, (), ("path:models/marts/customers",)
    )
    mentions = [test for test in _every_test(reduced) if "customer_lifetime" in test]
    assert any("customer_lifetime" in test for test in _every_test(full)), "the full product tests the mart"
    assert not mentions, f"tests of the removed mart remain: {mentions}"
    removed = {node.name for node in full.nodes} - {node.name for node in reduced.nodes}
    marts = {"mart_customer_lifetime", "mart_customer_rfm", "mart_customer_cohorts"}
    # The customer marts' ledger models (include/dbt/README.md, "Marts by changed day and customer") go with them.
    ledger = {"int_customers__order_totals", "int_customers__contributions", "int_customers__contribution_changes"}
    assert removed == marts | ledger, removed


def _every_test(graph: dbt_graph.SelectedGraph) -> list[str]:
    return [
        *(test for tests in graph.tests_of.values() for test in tests),
        *(t.unique_id for t in graph.detached_tests),
    ]


def test_a_test_over_a_model_and_what_it_reads_is_reported_by_the_models_task() -> None:
    """A relationships test from a mart to a dimension the mart reads runs right after the mart: the mart's task
    reports it (no task of its own, one hop less in the run's chain); a test over two models neither of which reads
    the other keeps a task after both."""
    graph = dbt_graph.selected_graph(settings.DBT_PROJECT_DIR, settings.DBT_MANIFEST_PATH, (), ())
    owner = {test: node for node, tests in graph.tests_of.items() for test in tests}
    lifetime_to_customers = [t for t in owner if "relationships_mart_customer_lifetime_customer_key" in t]
    assert lifetime_to_customers and all(
        owner[t] == "model.flexlake.mart_customer_lifetime" for t in lifetime_to_customers
    ), lifetime_to_customers
    nodes = {node.unique_id: node for node in graph.nodes}
    for test in graph.detached_tests:
        parents = [p for p in test.depends_on if p in nodes]
        assert len(set(parents)) > 1, test.unique_id
        for parent in parents:
            assert not set(parents) - {parent} <= dbt_graph._ancestors(parent, nodes), (test.unique_id, parent)
