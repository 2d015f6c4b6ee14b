"""dbt owns model selection: every product model carries the tags its folder requires, and the exclusions a
tenant gets by tag leave no model behind whose parent they removed.

The DAG factory excludes by these tags only (dag_factory/dbt_task_group.dbt_exclude), so a model that lacks its
folder's tag would be built for a tenant that does not have its system or removed its mart, and fail there.
"""

import json
from functools import cache
from typing import Any

import pytest
from flexlake import settings
from flexlake.tenant_config.dbt_schema import PASS_THROUGH_ENTITIES
from flexlake.tenant_config.schema import SOURCE_SYSTEMS

# Tags a tenant file can exclude whole: a model that depends on a model carrying one must carry it too.
CASCADING_TAG_PREFIXES = ("mart:", "needs:")


@cache
def _models() -> dict[str, dict[str, Any]]:
    manifest = json.loads(settings.DBT_MANIFEST_PATH.read_text())
    return {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == "flexlake"
    }


def _required_tags(node: dict[str, Any]) -> set[str]:
    """The tags a product model's folder (fqn: flexlake.<layer>.<folder>...) requires."""
    layer, folder = node["fqn"][1], node["fqn"][2]
    if layer in {"staging", "adapters"}:
        return {f"system:{folder}"}
    if layer == "marts":
        return {f"mart:{folder}", *({"needs:subscriptions"} if folder == "subscriptions" else set())}
    if layer == "pass_through":
        return {f"pass_through:{node['name'].removeprefix('pass_through__')}"}
    if node["name"] in {"fct_subscriptions", "input__subscription_periods"}:
        return {"needs:subscriptions"}
    return set()


@pytest.mark.parametrize("unique_id", sorted(_models()))
def test_a_model_carries_the_tags_its_folder_requires(unique_id: str) -> None:
    node = _models()[unique_id]
    missing = _required_tags(node) - set(node["tags"])
    assert not missing, f"{node['original_file_path']}: add {sorted(missing)} (include/dbt/dbt_project.yml)"


def test_every_source_system_and_pass_through_entity_has_tagged_models() -> None:
    """A system or entity without tagged models could not be excluded: its models would build for everyone."""
    tags = {tag for node in _models().values() for tag in node["tags"]}
    assert {f"system:{system}" for system in SOURCE_SYSTEMS} <= tags, sorted(tags)
    assert {f"pass_through:{entity}" for entity in PASS_THROUGH_ENTITIES} <= tags, sorted(tags)


@pytest.mark.parametrize("unique_id", sorted(_models()))
def test_a_model_over_an_excludable_model_is_excluded_with_it(unique_id: str) -> None:
    """disabled_marts and a tenant without subscriptions remove models by tag: their children must go too."""
    models = _models()
    node = models[unique_id]
    for parent_id in node["depends_on"]["nodes"]:
        parent = models.get(parent_id)
        if parent is None:
            continue
        inherited = {tag for tag in parent["tags"] if tag.startswith(CASCADING_TAG_PREFIXES)}
        missing = inherited - set(node["tags"])
        assert not missing, f"{node['original_file_path']} reads {parent['name']}: add {sorted(missing)}"
