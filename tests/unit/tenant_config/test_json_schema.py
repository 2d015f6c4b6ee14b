"""The generated JSON schema: in step with the models, and `flexlake schema --check` guarding it."""

import json
from pathlib import Path

import pytest
from flexlake.cli import main
from flexlake.tenant_config.json_schema import SCHEMA_FILE_NAME, tenant_config_json_schema

COMMITTED_SCHEMA = Path(__file__).resolve().parents[3] / "tenant_configs" / SCHEMA_FILE_NAME


def test_the_generated_schema_is_json_for_editors_naming_every_top_level_field() -> None:
    """The schema is draft 2020-12, titled, strict, and lists the tenant's fields and required ones."""
    schema = json.loads(tenant_config_json_schema())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", schema["$schema"]
    assert schema["title"] == "flexlake tenant config", schema["title"]
    assert schema["additionalProperties"] is False, "unknown keys must be flagged by editors too"
    expected = {
        "tenant_id",
        "display_name",
        "tier",
        "schedule",
        "owner",
        "warehouse",
        "sources",
        "dbt",
        "catalog",
        "airbyte",
        "alerts",
        "freshness",
        "realtime",
    }
    assert set(schema["properties"]) == expected, sorted(schema["properties"])
    assert set(schema["required"]) == {"tenant_id", "display_name", "tier", "warehouse", "sources"}, schema["required"]


def test_the_generated_schema_is_stable_text() -> None:
    """Two generations are byte-identical and end with a newline, so the committed file diffs cleanly."""
    first = tenant_config_json_schema()
    assert first == tenant_config_json_schema(), "schema generation is not deterministic"
    assert first.endswith("}\n"), "schema text should end with a single newline"


def test_the_committed_schema_matches_the_models() -> None:
    """tenant_configs/tenant_config.schema.json is what the models generate today."""
    committed = COMMITTED_SCHEMA.read_text(encoding="utf-8")
    assert committed == tenant_config_json_schema(), (
        f"{COMMITTED_SCHEMA} drifted from the models: run `flexlake schema` and commit the result"
    )


def test_schema_check_passes_on_an_up_to_date_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`flexlake schema --check` exits 0 when the file equals the generated schema."""
    output = tmp_path / SCHEMA_FILE_NAME
    output.write_text(tenant_config_json_schema(), encoding="utf-8")
    exit_code = main(["schema", "--check", "--output", str(output)])
    assert exit_code == 0, f"exit {exit_code}: {capsys.readouterr()}"
    assert "is up to date" in capsys.readouterr().out


def test_schema_check_fails_on_a_stale_file_and_says_how_to_fix_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that differs by one character makes --check exit 1 telling to run `flexlake schema`."""
    output = tmp_path / SCHEMA_FILE_NAME
    output.write_text(tenant_config_json_schema().replace("Shown in the Airflow UI.", "Shown."), encoding="utf-8")
    before = output.read_text(encoding="utf-8")
    exit_code = main(["schema", "--check", "--output", str(output)])
    assert exit_code == 1, f"stale schema passed the check (exit {exit_code})"
    assert "run `flexlake schema`" in capsys.readouterr().err
    assert output.read_text(encoding="utf-8") == before, "--check must not rewrite the file"


def test_schema_check_fails_when_the_file_is_missing(tmp_path: Path) -> None:
    """No schema file at all is out of date too."""
    exit_code = main(["schema", "--check", "--output", str(tmp_path / SCHEMA_FILE_NAME)])
    assert exit_code == 1, f"missing schema passed the check (exit {exit_code})"


def test_schema_writes_the_file_which_then_passes_the_check(tmp_path: Path) -> None:
    """`flexlake schema` regenerates a stale file; the check agrees afterwards."""
    output = tmp_path / SCHEMA_FILE_NAME
    output.write_text("{}\n", encoding="utf-8")
    assert main(["schema", "--output", str(output)]) == 0, "writing the schema failed"
    assert output.read_text(encoding="utf-8") == tenant_config_json_schema(), "the written schema is not current"
    assert main(["schema", "--check", "--output", str(output)]) == 0, "the check fails right after writing"
