"""Provisioning plans without a database: what the SQL says, how it is built, and its fingerprint."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from flexlake.tenant_config import TenantConfig
from flexlake.warehouses import get_warehouse
from flexlake.warehouses.base import MODEL_LAYERS
from flexlake.warehouses.provisioning import (
    MASK,
    IdentifierError,
    ProvisioningPlan,
    reader_connection_id,
    render_sql,
    validate_identifier,
)
from psycopg2 import sql
from pydantic import ValidationError

DBT_PROJECT = Path(__file__).resolve().parents[3] / "include" / "dbt" / "dbt_project.yml"


def _tenant(**warehouse: Any) -> TenantConfig:
    sources = warehouse.pop("sources", [{"name": "shop", "system": "faker"}])
    return TenantConfig.model_validate(
        {
            "tenant_id": "acme",
            "display_name": "Acme",
            "tier": "starter",
            "warehouse": {"type": "postgres", "connection_id": "acme_wh", "database": "analytics", **warehouse},
            "sources": sources,
        }
    )


def _plan(**warehouse: Any) -> ProvisioningPlan:
    tenant = _tenant(**warehouse)
    return get_warehouse(tenant.warehouse.type).provisioning_plan(tenant)


def _parts(composable: sql.Composable) -> list[sql.Composable]:
    if isinstance(composable, sql.Composed):
        return [part for child in composable.seq for part in _parts(child)]
    return [composable]


def test_tenant_text_reaches_postgres_sql_only_as_quoted_identifiers_or_literals() -> None:
    """No SQL fragment contains the tenant's names: they are all sql.Identifier / sql.Literal parts."""
    plan = _plan(schema_prefix="shopx")
    for statement in (*plan.statements, *plan.credential_statements):
        for part in _parts(statement.query):
            assert isinstance(part, sql.SQL | sql.Identifier | sql.Literal | sql.Placeholder), part
            if isinstance(part, sql.SQL):
                text = str(part.string)
                assert "acme" not in text and "shopx" not in text and "analytics" not in text, text


def test_the_postgres_plan_covers_schemas_roles_and_grants_the_reader_marts_only() -> None:
    """Every raw and model schema owned by the transformer; the reader's grants name only the marts schema."""
    plan = _plan(schema_prefix="shopx")
    assert plan.schemas == ("shopx_raw_shop", *(f"shopx_{layer}" for layer in MODEL_LAYERS))
    assert (plan.transformer_role, plan.reader_role) == ("acme_transformer", "acme_reader")
    assert plan.reader_connection_id == reader_connection_id("acme") == "flexlake_reader__acme"
    text = [render_sql(statement.query) for statement in plan.statements]
    for schema in plan.schemas:
        assert f'CREATE SCHEMA IF NOT EXISTS "{schema}" AUTHORIZATION "acme_transformer"' in text, schema
    reader_lines = [line for line in text if '"acme_reader"' in line and "CREATE ROLE" not in line]
    for line in reader_lines:
        assert '"shopx_marts"' in line or "CONNECT ON DATABASE" in line, f"reader granted beyond marts: {line}"
    assert any("ALTER DEFAULT PRIVILEGES FOR ROLE" in line for line in reader_lines), "future marts tables"
    assert not any(word in " ".join(reader_lines) for word in ("INSERT", "UPDATE", "DELETE", "CREATE ON", "ALL ON"))


def test_the_password_is_a_placeholder_rendered_masked() -> None:
    """Plans hold no secret: the password renders as ******** unless a value is bound at execution."""
    plan = _plan()
    described = plan.describe()
    assert f"PASSWORD '{MASK}'" in described, described
    assert "ALTER ROLE \"acme_reader\" PASSWORD '********'" in described
    with_password = [render_sql(s.query, password="s3cret") for s in plan.statements if s.uses_password]
    assert with_password and all("'s3cret'" in text for text in with_password)


def test_the_fingerprint_is_stable_and_changes_only_with_the_plan() -> None:
    """Same config, same fingerprint (no secret, no time in it); a new source or prefix changes it."""
    assert _plan().fingerprint == _plan().fingerprint
    two_sources = [{"name": "shop", "system": "faker"}, {"name": "app", "system": "faker"}]
    assert _plan(sources=two_sources).fingerprint != _plan().fingerprint
    assert _plan(schema_prefix="other").fingerprint != _plan().fingerprint
    assert len(_plan().fingerprint) == 64


def test_a_schema_name_longer_than_63_characters_is_refused_at_load_and_again_by_provisioning() -> None:
    """PostgreSQL would truncate it silently (two tenants' names could collide): the tenant file is refused when
    loaded, and provisioning's own check (for names built elsewhere) says what to shorten too."""
    long_source = [{"name": "s" * 30, "system": "faker"}]
    with pytest.raises(ValidationError, match=r"sources\[0\]\.name: .* 65 characters, warehouses allow 63"):
        _tenant(schema_prefix="p" * 30, sources=long_source)
    with pytest.raises(IdentifierError) as raised:
        validate_identifier("p" * 30 + "_raw_" + "s" * 30, "sources[0].name", "shorten the source name")
    assert raised.value.field_name == "sources[0].name", raised.value
    assert "63" in str(raised.value) and "shorten" in str(raised.value), raised.value


@pytest.mark.parametrize(
    ("name", "problem"),
    [("Acme", "lower-case"), ('a"b', "lower-case"), ("a b", "lower-case"), ("pg_acme", "reserved"), ("", "lower-case")],
)
def test_identifiers_are_validated_before_they_reach_sql(name: str, problem: str) -> None:
    """Upper case, quotes, spaces, empty names and the pg_ prefix are refused, naming the field."""
    with pytest.raises(IdentifierError, match=problem) as raised:
        validate_identifier(name, "tenant_id", "choose another", reserved_prefix="pg_")
    assert str(raised.value).startswith("tenant_id: "), raised.value
    assert raised.value.for_file("t/acme.yaml").startswith("t/acme.yaml cannot be provisioned:")


def test_rendering_refuses_what_it_cannot_render_exactly() -> None:
    """Literals with backslashes and non-string values would render differently per server setting: refused."""
    with pytest.raises(TypeError):
        render_sql(sql.Literal("a\\b"))
    with pytest.raises(TypeError):
        render_sql(sql.Literal(1))
    assert render_sql(sql.SQL("select {}").format(sql.Literal("it's"))) == "select 'it''s'"
    assert render_sql(sql.Identifier('odd"name')) == '"odd""name"'


def test_model_layers_are_the_dbt_projects_custom_schemas() -> None:
    """Provisioning creates exactly the schemas dbt writes to (`+schema:` of models and seeds)."""
    project = yaml.safe_load(DBT_PROJECT.read_text(encoding="utf-8"))

    def schemas(node: Any) -> set[str]:
        if not isinstance(node, dict):
            return set()
        found = {node["+schema"]} if "+schema" in node else set()
        return found.union(*(schemas(child) for child in node.values()))

    assert schemas(project["models"]) | schemas(project["seeds"]) == set(MODEL_LAYERS)
