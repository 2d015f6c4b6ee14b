"""Error messages an operator can act on: the file, the field as written in YAML, and the fix."""

import copy
from pathlib import Path
from typing import Any

import pytest
from flexlake.tenant_config import TenantConfig, TenantConfigError, load_tenant_config
from flexlake.tenant_config.errors import SCHEMA_HINT, describe_validation_error
from pydantic import ValidationError

INVALID_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tenant_configs" / "invalid"
MINIMAL: dict[str, Any] = {
    "tenant_id": "acme",
    "display_name": "Acme",
    "tier": "starter",
    "warehouse": {"type": "duckdb"},
    "sources": [{"name": "shop", "system": "faker"}],
}


def _problems_of_fixture(name: str) -> list[str]:
    """The problem lines of one invalid fixture file."""
    with pytest.raises(TenantConfigError) as raised:
        load_tenant_config(INVALID_FIXTURES / name)
    return raised.value.problems


def _problems(**changes: Any) -> list[str]:
    """The problem lines for the minimal tenant with top-level fields replaced."""
    data = copy.deepcopy(MINIMAL)
    data.update(changes)
    with pytest.raises(ValidationError) as raised:
        TenantConfig.model_validate(data)
    return describe_validation_error(raised.value, TenantConfig)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("top_level_typo.yaml", "teir: unexpected field. Did you mean 'tier'?"),
        ("warehouse_typo.yaml", "warehouse.conection_id: unexpected field. Did you mean 'connection_id'?"),
        ("source_typo.yaml", "sources[0].stream: unexpected field. Did you mean 'streams'?"),
        ("source_option_typo.yaml", "sources[0].options.cuont: unexpected field. Did you mean 'count'?"),
    ],
)
def test_a_typo_in_a_key_suggests_the_right_key(fixture: str, expected: str) -> None:
    """At the top level, in a warehouse, in a source and in its options: 'Did you mean' the real key."""
    problems = _problems_of_fixture(fixture)
    assert expected in problems, f"{expected!r} not in {problems}"


def test_a_warehouse_error_shows_the_location_as_written_without_the_union_tag() -> None:
    """Pydantic's loc is warehouse.postgres.connection_id; the operator wrote warehouse.connection_id."""
    problems = _problems_of_fixture("warehouse_typo.yaml")
    assert "warehouse.connection_id: required field is missing" in problems, problems
    assert not any("warehouse.postgres" in problem for problem in problems), problems


def test_a_source_error_shows_the_location_without_the_system_tag() -> None:
    """Pydantic's loc is sources.0.faker.options; the message says sources[0].options."""
    problems = _problems_of_fixture("source_option_typo.yaml")
    assert not any("faker" in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"catalog": {"enable": True}}, "catalog.enable: unexpected field. Did you mean 'enabled'?"),
        ({"dbt": {"disabled_mart": []}}, "dbt.disabled_mart: unexpected field. Did you mean 'disabled_marts'?"),
        (
            {"warehouse": {"type": "postgres", "connection_id": "c", "database": "d", "schema_prfix": "a"}},
            "warehouse.schema_prfix: unexpected field. Did you mean 'schema_prefix'?",
        ),
        ({"warehouse": {"type": "duckdb", "pth": "x"}}, "warehouse.pth: unexpected field. Did you mean 'path'?"),
    ],
    ids=["catalog", "dbt", "postgres_warehouse", "duckdb_warehouse"],
)
def test_typos_in_the_other_sections_also_suggest_the_right_key(changes: dict[str, Any], expected: str) -> None:
    """Every nested model gets a suggestion, whichever warehouse type is chosen."""
    problems = _problems(**changes)
    assert expected in problems, f"{expected!r} not in {problems}"


def test_a_key_with_no_close_match_lists_the_allowed_keys() -> None:
    """When nothing is close, the operator sees what is allowed at that place."""
    problems = _problems(zzzzzz=1)
    expected = (
        "zzzzzz: unexpected field. Allowed here: airbyte, alerts, catalog, dbt, display_name, freshness, owner, "
        "realtime, schedule, sources, tenant_id, tier, warehouse"
    )
    assert problems == [expected], problems


def test_a_nested_key_with_no_close_match_lists_the_keys_allowed_there() -> None:
    """Inside sources[0].options the allowed keys are the connector's options."""
    problems = _problems(sources=[{"name": "shop", "system": "faker", "options": {"zzzzz": 1}}])
    assert problems == [
        "sources[0].options.zzzzz: unexpected field. Allowed here: always_updated, count, parallelism, "
        "records_per_slice, seed"
    ], problems


def test_an_unknown_warehouse_type_lists_the_five_types() -> None:
    """warehouse.type: oracle names every type the schema knows."""
    problems = _problems_of_fixture("unknown_warehouse_type.yaml")
    expected = "warehouse.type: 'oracle' is not one of duckdb, postgres, snowflake, redshift, sqlserver"
    assert problems == [expected], problems


def test_a_warehouse_without_a_type_asks_for_one() -> None:
    """A warehouse mapping missing its discriminator says which field is needed."""
    problems = _problems(warehouse={"connection_id": "c"})
    assert problems == ["warehouse: needs a type field"], problems


def test_an_unknown_source_system_lists_the_known_systems() -> None:
    """sources[0].system: magento names the systems that exist."""
    problems = _problems_of_fixture("unknown_source_system.yaml")
    assert problems == ["sources[0].system: 'magento' is not one of faker, shopify, stripe"], problems


def test_a_missing_required_field_is_named() -> None:
    """No display_name: the message names the field and says it is required."""
    problems = _problems_of_fixture("missing_display_name.yaml")
    assert problems == ["display_name: required field is missing"], problems


def test_a_value_outside_a_closed_vocabulary_lists_the_choices() -> None:
    """tier: gold names the three tiers."""
    problems = _problems(tier="gold")
    assert len(problems) == 1 and problems[0].startswith("tier: 'gold' is not one of starter"), problems
    assert "professional" in problems[0] and "enterprise" in problems[0], problems


def test_a_bad_identifier_explains_the_pattern_in_words() -> None:
    """A regex is not shown; the rule and the reason are."""
    problems = _problems(tenant_id="Acme")
    assert len(problems) == 1, problems
    assert problems[0].startswith("tenant_id: 'Acme' must be lower-case letters"), problems
    assert "2-40 characters" in problems[0] and "^[a-z]" not in problems[0], problems


def test_a_cross_field_rule_message_has_no_pydantic_prefix() -> None:
    """model_validator errors read like the others, without 'Value error, '."""
    problems = _problems_of_fixture("starter_with_catalog.yaml")
    assert len(problems) == 1 and problems[0].startswith("catalog.enabled: the starter tier"), problems


def test_the_message_starts_with_the_file_and_ends_with_the_validate_hint() -> None:
    """str(error): '<path> is invalid:', one '  - ' line per problem, then the `flexlake validate` hint."""
    path = INVALID_FIXTURES / "top_level_typo.yaml"
    with pytest.raises(TenantConfigError) as raised:
        load_tenant_config(path)
    lines = str(raised.value).splitlines()
    assert lines[0] == f"{path} is invalid:", lines
    assert lines[-1] == SCHEMA_HINT, lines
    assert "`flexlake validate`" in lines[-1], lines
    assert all(line.startswith("  - ") for line in lines[1:-1]) and len(lines) > 2, lines


def test_an_empty_sources_list_says_it_needs_at_least_one_entry() -> None:
    """sources: [] is the one case where 'too short' is the real problem."""
    problems = _problems_of_fixture("empty_sources.yaml")
    assert problems == ["sources: needs at least one entry"], problems


def test_a_sources_list_whose_item_failed_does_not_also_say_it_is_too_short() -> None:
    """Pydantic adds 'too short' for a list whose only item failed; that line would mislead."""
    problems = _problems_of_fixture("source_typo.yaml")
    assert not any("needs at least one entry" in problem for problem in problems), problems
    assert len(problems) == 1, problems


def test_an_empty_list_inside_a_failed_source_is_still_reported() -> None:
    """sources[0].streams: [] keeps its own 'needs at least one entry' while the outer one is dropped."""
    problems = _problems(sources=[{"name": "shop", "system": "faker", "streams": []}])
    assert problems == ["sources[0].streams: needs at least one entry"], problems


def test_empty_sources_and_a_typo_elsewhere_are_both_reported() -> None:
    """The too-short filter drops only lines for lists whose items failed, not unrelated ones."""
    problems = _problems(sources=[], teir="starter")
    assert "sources: needs at least one entry" in problems, problems
    assert "teir: unexpected field. Did you mean 'tier'?" in problems, problems


def test_a_tenant_config_error_keeps_its_path_and_problems() -> None:
    """Callers (CLI, DAG factory) can read path and problems without parsing the message."""
    error = TenantConfigError(Path("tenant_configs/acme.yaml"), ["a: b", "c: d"])
    assert error.path == Path("tenant_configs/acme.yaml"), error.path
    assert error.problems == ["a: b", "c: d"], error.problems
    assert str(error) == f"tenant_configs/acme.yaml is invalid:\n  - a: b\n  - c: d\n{SCHEMA_HINT}", str(error)
    assert isinstance(error, ValueError), "TenantConfigError should stay a ValueError"


MISSPELT_ENUMS = """\
tenant_id: acme
display_name: Acme
tier: professionel
warehouse: {type: snowflak, connection_id: acme_dw, database: analytics}
sources:
  - {name: shop, system: shopfy}
  - {name: app, system: faker, engine: embeded, streams: [usres, products]}
"""


def test_a_misspelt_enum_value_suggests_the_nearest_one_through_the_loader(tmp_path: Path) -> None:
    """Misspelt tier, warehouse type, system, engine, stream: the loader's error names the file, each field and
    the value meant, as a misspelt key's does."""
    path = tmp_path / "acme.yaml"
    path.write_text(MISSPELT_ENUMS, encoding="utf-8")
    with pytest.raises(TenantConfigError) as raised:
        load_tenant_config(path)
    message = str(raised.value)
    assert message.startswith(f"{path} is invalid:"), message
    for expected in (
        "tier: 'professionel' is not one of starter, professional or enterprise. Did you mean 'professional'?",
        "warehouse.type: 'snowflak' is not one of duckdb, postgres, snowflake, redshift, sqlserver. "
        "Did you mean 'snowflake'?",
        "sources[0].system: 'shopfy' is not one of faker, shopify, stripe. Did you mean 'shopify'?",
        "sources[1].engine: 'embeded' is not one of embedded, airbyte or dlt. Did you mean 'embedded'?",
        "sources[1].streams[0]: 'usres' is not one of users, products or purchases. Did you mean 'users'?",
    ):
        assert expected in raised.value.problems, f"missing {expected!r} in {raised.value.problems}"


def test_an_enum_value_far_from_every_choice_gets_no_suggestion() -> None:
    """Nothing close (or a value that is not text): the choices only, never a guess."""
    assert _problems(tier="gold") == ["tier: 'gold' is not one of starter, professional or enterprise"]
    problems = _problems(tier=3)
    assert len(problems) == 1 and "Did you mean" not in problems[0], problems
