"""`flexlake new-tenant`: every warehouse type and source system gives a file the loader and the folder accept."""

import argparse
from pathlib import Path

import pytest
from flexlake.cli import main
from flexlake.operator_tools.new_tenant_answers import MissingAnswer, answers_from_flags
from flexlake.tenant_config import load_tenant_config, load_tenant_configs

DEMO_TENANTS = Path(__file__).resolve().parents[3] / "tenant_configs"
SERVER_FLAGS = ["--connection-id", "wh_conn", "--database", "analytics"]


@pytest.fixture
def tenants(tmp_path: Path) -> Path:
    """A tenant folder holding two of the demo tenants, so every new file is checked against real neighbours."""
    for name in ("acme_outdoor.yaml", "bluebird_books.yaml"):
        (tmp_path / name).write_text((DEMO_TENANTS / name).read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def _new_tenant(capsys: pytest.CaptureFixture[str], folder: Path, *flags: str) -> tuple[int, str, str]:
    exit_code = main(["new-tenant", *flags, "--tenants", str(folder)])
    captured = capsys.readouterr()
    return exit_code, captured.out, captured.err


def _assert_folder_accepts(folder: Path, tenant_id: str) -> None:
    report = load_tenant_configs(folder)
    assert not report.errors, "\n".join(map(str, report.errors))
    assert tenant_id in {tenant.tenant_id for tenant in report.tenants}, report.tenants


@pytest.mark.parametrize("warehouse", ["duckdb", "postgres", "snowflake", "redshift", "sqlserver"])
def test_each_warehouse_type_gives_a_file_the_loader_and_the_folder_accept(
    warehouse: str, tenants: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Server warehouses carry the connection and database given; a faker source moves to Airbyte where needed."""
    flags = [] if warehouse == "duckdb" else SERVER_FLAGS
    exit_code, out, err = _new_tenant(
        capsys, tenants, "new_co", "--tier", "professional", "--warehouse", warehouse, *flags
    )
    assert exit_code == 0, err
    config = load_tenant_config(tenants / "new_co.yaml")
    assert config.warehouse.type == warehouse, config.warehouse
    _assert_folder_accepts(tenants, "new_co")
    assert "flexlake provision" in out and "flexlake validate" in out, out
    assert "flexlake access add-user new_co" in out, "the next steps give the customer access (issue 15)"
    if warehouse not in {"duckdb", "postgres"}:
        assert config.sources[0].engine == "airbyte" and "airbyte_default: the Airbyte server" in out, out
    if warehouse != "duckdb":
        assert "wh_conn: the" in out and "flexlake_reader__new_co" in out, out


@pytest.mark.parametrize(
    ("spec", "extra", "connection"),
    [
        ("faker:shop", [], None),
        ("shopify:eu_store", ["--shop", "example-eu", "--start-date", "2025-01-01"], "new_co_eu_store"),
        ("stripe:billing", ["--stripe-account", "acct_1Example", "--start-date", "2025-01-01"], "new_co_billing"),
    ],
)
def test_each_source_system_gives_a_file_that_validates_and_names_its_credentials_connection(
    spec: str, extra: list[str], connection: str | None, tenants: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """shopify / stripe sources get engine airbyte, the airbyte block and a <tenant>_<source> credentials id."""
    exit_code, out, err = _new_tenant(capsys, tenants, "new_co", "--tier", "starter", "--source", spec, *extra)
    assert exit_code == 0, err
    source = load_tenant_config(tenants / "new_co.yaml").sources[0]
    assert (source.system, source.name) == tuple(spec.split(":")), source
    assert source.credentials_connection_id == connection, source
    if connection:
        assert f"{connection}: {source.system} source" in out, out
    _assert_folder_accepts(tenants, "new_co")


def test_overlay_writes_a_skeleton_the_loader_accepts_under_overlays(
    tenants: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--overlay: overlays/<id> holds dbt_project.yml, packages.yml and the schema macro; the file points at it."""
    exit_code, out, err = _new_tenant(capsys, tenants, "new_co", "--tier", "enterprise", "--overlay")
    assert exit_code == 0, err
    overlay = tenants / "overlays" / "new_co"
    for name in ("dbt_project.yml", "packages.yml", "macros/generate_schema_name.sql"):
        assert (overlay / name).is_file(), f"{name} missing from {overlay}"
    assert load_tenant_config(tenants / "new_co.yaml").dbt.overlay_project == str(overlay)
    assert f"flexlake manifest {tenants}" in out, out


def test_an_existing_file_is_never_overwritten(tenants: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A second new-tenant with the same id exits 1 and leaves the first file byte for byte."""
    before = (tenants / "acme_outdoor.yaml").read_bytes()
    exit_code, _, err = _new_tenant(capsys, tenants, "acme_outdoor", "--tier", "starter")
    assert exit_code == 1 and "already exists; new-tenant never overwrites" in err, err
    assert (tenants / "acme_outdoor.yaml").read_bytes() == before, "the existing tenant file was changed"


@pytest.mark.parametrize(
    ("existing", "new_id"),
    [
        ("schema_prefix: taken", "taken"),  # the new tenant's default schemas were claimed by another's prefix
        ("source: marts", "acme_raw"),  # acme's raw schema acme_raw_marts is the new tenant's marts schema
    ],
)
def test_an_id_whose_schemas_collide_with_an_existing_tenants_is_refused_and_nothing_is_written(
    existing: str, new_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The folder-wide checks run with the new file; a refusal (its own or a neighbour's) removes it again."""
    prefix = ", schema_prefix: taken" if existing.startswith("schema_prefix") else ""
    source = "marts" if existing.startswith("source") else "shop"
    (tmp_path / "acme.yaml").write_text(
        "tenant_id: acme\ndisplay_name: A\ntier: starter\n"
        f"warehouse: {{type: postgres, connection_id: wh_conn, database: analytics{prefix}}}\n"
        f"sources: [{{system: faker, name: {source}}}]\n",
        encoding="utf-8",
    )
    exit_code, _, err = _new_tenant(
        capsys, tmp_path, new_id, "--tier", "starter", "--warehouse", "postgres", *SERVER_FLAGS
    )
    assert exit_code == 1, f"a colliding tenant {new_id} was accepted"
    assert "also used by" in err and "new-tenant wrote nothing" in err, err
    assert not (tmp_path / f"{new_id}.yaml").exists(), "the refused file was left behind"
    _assert_folder_accepts(tmp_path, "acme")


def test_a_missing_required_flag_without_a_terminal_is_an_error_naming_the_flag(
    tenants: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No terminal (pytest's stdin): no prompt, exit 1 naming --connection-id, nothing written."""
    exit_code, _, err = _new_tenant(capsys, tenants, "new_co", "--tier", "starter", "--warehouse", "postgres")
    assert exit_code == 1 and "--connection-id is required" in err and "not a terminal" in err, err
    assert not (tenants / "new_co.yaml").exists()


def test_missing_values_are_asked_for_when_there_is_a_terminal() -> None:
    """With an `ask` function (a terminal) the tier, connection, database, store and start date are prompted."""
    asked: list[str] = []
    replies = iter(["professional", "wh_conn", "analytics", "example-eu", "2025-02-01"])

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return next(replies)

    args = argparse.Namespace(
        tenant_id="new_co", tier=None, warehouse="postgres", connection_id=None, database=None,
        source=["shopify:eu"], shop=None, stripe_account=None, start_date=None,
        airbyte_connection_id="airbyte_default", overlay=False, display_name=None,
    )  # fmt: skip
    answers = answers_from_flags(args, ask)
    assert (answers.tier, answers.connection_id, answers.database) == ("professional", "wh_conn", "analytics")
    assert answers.sources[0].shop == "example-eu" and str(answers.sources[0].start_date) == "2025-02-01"
    assert len(asked) == 5, asked
    with pytest.raises(MissingAnswer, match="--tier is required"):
        answers_from_flags(argparse.Namespace(**{**vars(args), "tier": None}), None)


@pytest.mark.parametrize("tenant_id", ["../escape", "Bad-Id", "x"])
def test_an_id_that_is_not_an_identifier_is_refused_before_any_file_is_written(
    tenant_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The id becomes a file name: checked first, so `../escape` never writes outside the folder."""
    folder = tmp_path / "tenants"
    folder.mkdir()
    exit_code, _, err = _new_tenant(capsys, folder, tenant_id, "--tier", "starter")
    assert exit_code == 1 and "must be lower-case letters, digits and underscores" in err, err
    assert list(tmp_path.rglob("*.yaml")) == [], "a file was written for an invalid id"
