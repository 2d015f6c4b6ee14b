"""Real syncs with the embedded PyAirbyte engine: source-faker into DuckDB and PostgreSQL.

Needs the side virtualenvs from `scripts/bootstrap.sh`. Each sync costs ~10 s, mostly `import airbyte`.
"""

import logging
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import pytest
from flexlake import settings
from flexlake.ingestion import (
    DuckDBDestination,
    IngestionError,
    PostgresDestination,
    StreamStats,
    SyncRequest,
    SyncResult,
    get_engine,
)
from flexlake.tenant_config.schema import FakerSource, FakerSourceOptions

pytestmark = pytest.mark.integration

COUNT, SEED = 200, 7
# source-faker always yields 100 products; purchases scale with the users.
EXPECTED_ROWS = {"users": 200, "products": 100, "purchases": 200}
AIRBYTE_COLUMNS = ["_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_meta"]
ENGINE_LOGGER = "flexlake.ingestion.embedded_pyairbyte"


@pytest.fixture(autouse=True)
def _require_venvs() -> None:
    connector = settings.CONNECTORS_VENV_DIR / "source-faker" / "bin" / "source-faker"
    for path in (settings.PYAIRBYTE_PYTHON, connector):
        if not path.exists():
            pytest.skip(f"{path} is missing: run scripts/bootstrap.sh")


def _faker(count: int = COUNT) -> FakerSource:
    return FakerSource(system="faker", name="shop", options=FakerSourceOptions(count=count, seed=SEED))


def _sync_duckdb(path: Path, source: FakerSource | None = None) -> SyncResult:
    request = SyncRequest(
        tenant_id="acme", source=source or _faker(), destination=DuckDBDestination(path, "acme_raw_shop")
    )
    return get_engine("embedded").sync(request)


def _duckdb_rows(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return {
            stream: int(connection.sql(f"select count(*) from acme_raw_shop.{stream}").fetchall()[0][0])
            for stream in EXPECTED_ROWS
        }


def _duckdb_columns(path: Path, table: str) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'acme_raw_shop' and table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
    return [str(row[0]) for row in rows]


def test_a_faker_sync_lands_one_raw_table_per_stream_in_duckdb(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """200 users, 100 products, 200 purchases land in PyAirbyte's layout; the runner's lines reach logging."""
    caplog.set_level(logging.INFO, logger=ENGINE_LOGGER)
    path = tmp_path / "raw_shop.duckdb"

    result = _sync_duckdb(path)

    assert set(result.streams) == {StreamStats(s, n) for s, n in EXPECTED_ROWS.items()}, result
    assert result.engine == "embedded" and result.source_name == "shop", result
    assert _duckdb_rows(path) == EXPECTED_ROWS, "row counts of the raw tables"
    users = _duckdb_columns(path, "users")
    assert users[-3:] == AIRBYTE_COLUMNS, f"users columns: {users}"
    assert {"id", "name", "email", "created_at", "updated_at"} <= set(users), f"users columns: {users}"
    runner_lines = [r.getMessage() for r in caplog.records if r.name == ENGINE_LOGGER]
    assert any("Read 200 records from users stream" in line for line in runner_lines), (
        "the connector's own log lines should be streamed into the task log"
    )
    assert any("Synced acme/shop: 500 records" in line for line in runner_lines), runner_lines[-5:]


def test_a_second_sync_of_the_same_seed_merges_instead_of_duplicating(tmp_path: Path) -> None:
    """Faker re-emits every record with a new updated_at; PyAirbyte merges them on the primary key."""
    path = tmp_path / "raw_shop.duckdb"
    _sync_duckdb(path)
    with duckdb.connect(str(path), read_only=True) as connection:
        first_updated = connection.sql("select max(updated_at) from acme_raw_shop.users").fetchall()[0][0]

    second = _sync_duckdb(path)

    assert _duckdb_rows(path) == EXPECTED_ROWS, "a second sync must not duplicate rows"
    assert second.total_records == sum(EXPECTED_ROWS.values()), f"records read again: {second.to_dict()}"
    with duckdb.connect(str(path), read_only=True) as connection:
        distinct_ids = connection.sql("select count(distinct id) from acme_raw_shop.users").fetchall()[0][0]
        second_updated = connection.sql("select max(updated_at) from acme_raw_shop.users").fetchall()[0][0]
        states = connection.sql("select count(*) from acme_raw_shop._airbyte_state").fetchall()[0][0]
    assert distinct_ids == EXPECTED_ROWS["users"], "one row per user id"
    assert second_updated >= first_updated, "the merged rows carry the second sync's updated_at"
    assert states == len(EXPECTED_ROWS), "PyAirbyte keeps one incremental state row per stream in the cache"


def _postgres_layout(server: Any, schema: str) -> tuple[dict[str, int], list[str]]:
    connection = psycopg2.connect(
        host=server.host, port=server.port, user=server.user, password=server.password, dbname=server.dbname
    )
    try:
        with connection.cursor() as cursor:
            rows = {}
            for stream in EXPECTED_ROWS:
                cursor.execute(f'select count(*) from "{schema}"."{stream}"')
                rows[stream] = int(cursor.fetchone()[0])
            cursor.execute(
                "select column_name from information_schema.columns"
                " where table_schema = %s and table_name = 'purchases' order by ordinal_position",
                (schema,),
            )
            columns = [str(row[0]) for row in cursor.fetchall()]
    finally:
        connection.close()
    return rows, columns


def test_a_faker_sync_lands_in_a_postgres_schema(postgres_server: Any) -> None:
    """The same sync into a real PostgreSQL schema creates the schema and the three raw tables.

    The server is shared by the session (test_dbt_project loads acme_raw_shop there), so this test
    writes a schema of its own.
    """
    schema = "acme_raw_ingestion_test"
    destination = PostgresDestination(
        host=postgres_server.host,
        port=postgres_server.port,
        user=postgres_server.user,
        password=postgres_server.password,
        database=postgres_server.dbname,
        schema=schema,
    )
    request = SyncRequest(tenant_id="acme", source=_faker(), destination=destination)

    result = get_engine("embedded").sync(request)

    rows, purchase_columns = _postgres_layout(postgres_server, schema)
    assert rows == EXPECTED_ROWS, f"row counts in PostgreSQL: {rows}"
    assert result.total_records == sum(EXPECTED_ROWS.values()), result.to_dict()
    assert purchase_columns[-3:] == AIRBYTE_COLUMNS, f"purchases columns: {purchase_columns}"
    assert "user_id" in purchase_columns and "product_id" in purchase_columns, purchase_columns


def test_a_config_the_connector_rejects_fails_with_the_connector_message(tmp_path: Path) -> None:
    """count=0 passes no flexlake check here (model_construct); source-faker's own spec rejects it."""
    options = FakerSourceOptions.model_construct(count=0, seed=SEED, records_per_slice=1000)
    source = FakerSource.model_construct(
        system="faker", name="shop", engine="embedded", streams=("users",), options=options
    )
    with pytest.raises(IngestionError) as raised:
        _sync_duckdb(tmp_path / "raw_shop.duckdb", source)
    message = str(raised.value)
    assert "Config validation error: 0 is less than the minimum of 1" in message, message
    assert "acme/shop" in message, message
