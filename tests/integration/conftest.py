"""Fixtures for integration tests: real services started and torn down by the test session.

`postgres_server` runs a throw-away PostgreSQL 15 cluster from the machine's server binaries. The
server refuses to run as root, so when the tests run as root (sessions and CI do) every server
command runs as the `postgres` system user, on a data directory that user owns. It listens on
127.0.0.1 on a free port (never assume 5432: other sessions share the machine), with its socket in
the temp directory, and trusts local TCP connections, so the password is accepted but not checked.

`redis_server` runs a throw-away Redis (the Celery broker) from Debian's `redis-server` package, which
the fixture installs with apt-get when the binary is missing (sessions and CI run as root). It listens
on 127.0.0.1 on a free port, persists nothing (`--save "" --appendonly no`) and works in a temp dir.

`fakesnow_server` runs fakesnow's Snowflake emulator (Snowflake's HTTP API on DuckDB, SQL translated by
sqlglot) from the side venv .venvs/fakesnow (scripts/bootstrap.sh), through tests/integration/fakesnow_server.py:
one DuckDB file per Snowflake database in a temp dir, 127.0.0.1, a free port. dbt-snowflake and
snowflake-connector-python in the main venv talk to it over plain HTTP.
"""

import contextlib
import http.client
import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

log = logging.getLogger(__name__)

_POSTGRES_OS_USER = "postgres"
_START_ATTEMPTS = 3
_REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PostgresServer:
    """Where a running test PostgreSQL is and how to log in: a superuser owning `dbname`."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    @property
    def url(self) -> str:
        """A libpq / SQLAlchemy style URL, e.g. postgresql://flexlake:flexlake@127.0.0.1:54321/flexlake."""
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.dbname}"

    @property
    def connection_kwargs(self) -> dict[str, Any]:
        """psycopg2.connect() keyword arguments (also what the raw-data writers take)."""
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": self.dbname,
        }

    @property
    def dbt_env(self) -> dict[str, str]:
        """The environment include/dbt/profiles.yml's `postgres` target reads."""
        return {
            "FLEXLAKE_PG_HOST": self.host,
            "FLEXLAKE_PG_PORT": str(self.port),
            "FLEXLAKE_PG_USER": self.user,
            "FLEXLAKE_PG_PASSWORD": self.password,
            "FLEXLAKE_PG_DATABASE": self.dbname,
        }

    def fetch(self, sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
        """Every row of one query, on a connection of its own (`params`: psycopg2's %s parameters; without them a %
        in the SQL is literal)."""
        import psycopg2  # noqa: PLC0415 - only PostgreSQL tests need the driver

        connection = psycopg2.connect(**self.connection_kwargs)
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return list(cursor.fetchall())
        finally:
            connection.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL will not run as root: run server commands as the `postgres` user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", _POSTGRES_OS_USER, "--", *command]
    return command


def _run(command: list[str]) -> None:
    result = subprocess.run(_as_server_user(command), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def _start(data_dir: Path, socket_dir: Path, log_file: Path, settings: str) -> int:
    """Start the cluster on a free port (with `settings`, e.g. "-c logging_collector=on"); retry with another port
    if one was taken in between."""
    for _attempt in range(_START_ATTEMPTS):
        port = _free_port()
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {socket_dir} {settings}".rstrip()
        result = subprocess.run(
            _as_server_user(
                ["pg_ctl", "-D", str(data_dir), "-l", str(log_file), "-w", "-t", "60", "-o", options, "start"]
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode == 0:
            return port
        time.sleep(0.5)
    log = log_file.read_text() if log_file.exists() else "(no server log)"
    raise RuntimeError(f"PostgreSQL did not start after {_START_ATTEMPTS} attempts:\n{result.stderr}\n{log}")


def _create_role_and_database(port: int, server: PostgresServer) -> None:
    import psycopg2  # noqa: PLC0415 - only integration tests need the driver
    from psycopg2 import sql  # noqa: PLC0415

    connection = psycopg2.connect(host="127.0.0.1", port=port, user=_POSTGRES_OS_USER, dbname="postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("create role {} with superuser login password %s").format(sql.Identifier(server.user)),
                (server.password,),
            )
            cursor.execute(
                sql.SQL("create database {} owner {}").format(
                    sql.Identifier(server.dbname), sql.Identifier(server.user)
                )
            )
    finally:
        connection.close()


@contextlib.contextmanager
def postgres_cluster(settings: str = "") -> Iterator[tuple[PostgresServer, Path]]:
    """A throw-away PostgreSQL 15 cluster (initdb, started with `settings`, superuser `flexlake` owning database
    `flexlake`), stopped and removed afterwards; yields the server and its data directory. Skips the test when the
    server binaries are missing."""
    missing = [binary for binary in ("initdb", "pg_ctl") if shutil.which(binary) is None]
    if missing:
        pytest.skip(f"PostgreSQL server binaries not found on PATH: {', '.join(missing)}")

    root = Path(tempfile.mkdtemp(prefix="flexlake-pg-"))
    data_dir, socket_dir, log_file = root / "data", root / "sock", root / "server.log"
    socket_dir.mkdir()
    if os.geteuid() == 0:
        server_user = pwd.getpwnam(_POSTGRES_OS_USER)
        for path in (root, socket_dir):
            os.chown(path, server_user.pw_uid, server_user.pw_gid)

    port = None
    try:
        _run(["initdb", "-D", str(data_dir), "-U", _POSTGRES_OS_USER, "--auth=trust", "--encoding=UTF8"])
        port = _start(data_dir, socket_dir, log_file, settings)
        server = PostgresServer(host="127.0.0.1", port=port, user="flexlake", password="flexlake", dbname="flexlake")
        _create_role_and_database(port, server)
        yield server, data_dir
    finally:
        if port is not None:
            with contextlib.suppress(RuntimeError):
                _run(["pg_ctl", "-D", str(data_dir), "-m", "fast", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL 15 server for the whole session, with superuser `flexlake` owning database `flexlake`."""
    with postgres_cluster() as (server, _):
        yield server


@dataclass(frozen=True)
class RedisServer:
    """Where a running test Redis listens."""

    host: str
    port: int

    def url(self, db: int = 0) -> str:
        """A Celery broker / redis-py URL, e.g. redis://127.0.0.1:6390/0."""
        return f"redis://{self.host}:{self.port}/{db}"


def _install_redis_server() -> None:
    """`apt-get install redis-server` (Debian); needs root, as in sessions and CI."""
    if os.geteuid() != 0:
        pytest.skip("redis-server is not installed and installing it with apt-get needs root")
    started = time.monotonic()
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", "redis-server"]):
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    log.warning("installed redis-server with apt-get in %.1f s", time.monotonic() - started)


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A Redis server for the whole session on 127.0.0.1 (installed from Debian first when missing)."""
    if shutil.which("redis-server") is None:
        _install_redis_server()
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"

    root = Path(tempfile.mkdtemp(prefix="flexlake-redis-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        for _attempt in range(_START_ATTEMPTS):
            port = _free_port()
            log_file = (root / f"redis-{port}.log").open("wb")
            # No persistence at all: an empty `--save` turns RDB snapshots off, and no append-only file.
            options = ["--bind", "127.0.0.1", "--port", str(port), "--dir", str(root)]
            options += ["--save", "", "--appendonly", "no"]
            process = subprocess.Popen(
                [binary, *options],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
            log_file.close()
            deadline = time.monotonic() + 15
            while process.poll() is None and time.monotonic() < deadline and not _redis_ping(port):
                time.sleep(0.1)
            if process.poll() is None and _redis_ping(port):
                break
            process.kill()
            process.wait()
            process = None
        if process is None:
            logs = "\n".join(path.read_text(errors="replace") for path in root.glob("redis-*.log"))
            raise RuntimeError(f"redis-server did not start after {_START_ATTEMPTS} attempts:\n{logs}")
        yield RedisServer(host="127.0.0.1", port=port)
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(root, ignore_errors=True)


@dataclass(frozen=True)
class FakesnowServer:
    """Where a running fakesnow server listens, and the Snowflake account, login and database to use on it."""

    host: str
    port: int
    account: str = "flexlake"
    user: str = "flexlake"
    password: str = "flexlake"  # fakesnow accepts any login
    database: str = "FLEXLAKE"  # created by fakesnow at the first login that names it
    warehouse: str = "FLEXLAKE_XS"

    @property
    def connection_kwargs(self) -> dict[str, Any]:
        """snowflake.connector.connect() keyword arguments (also what write_snowflake takes)."""
        return {
            "account": self.account,
            "user": self.user,
            "password": self.password,
            "host": self.host,
            "port": self.port,
            "protocol": "http",
            "database": self.database,
            "warehouse": self.warehouse,
            "session_parameters": {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
        }

    @property
    def dbt_env(self) -> dict[str, str]:
        """The environment include/dbt/profiles.yml's `snowflake` target reads."""
        return {
            "FLEXLAKE_SNOWFLAKE_HOST": self.host,
            "FLEXLAKE_SNOWFLAKE_PORT": str(self.port),
            "FLEXLAKE_SNOWFLAKE_PROTOCOL": "http",
            "FLEXLAKE_SNOWFLAKE_ACCOUNT": self.account,
            "FLEXLAKE_SNOWFLAKE_USER": self.user,
            "FLEXLAKE_SNOWFLAKE_PASSWORD": self.password,
            "FLEXLAKE_SNOWFLAKE_DATABASE": self.database,
            "FLEXLAKE_SNOWFLAKE_WAREHOUSE": self.warehouse,
        }

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        """Every row of one query, on a connection of its own."""
        import snowflake.connector  # noqa: PLC0415 - only Snowflake tests need the driver

        connection = snowflake.connector.connect(**self.connection_kwargs)
        try:
            return list(connection.cursor().execute(sql) or [])
        finally:
            connection.close()


def _http_answers(port: int) -> bool:
    """Any HTTP answer (fakesnow says 401 to a session call without a token) means the server is up."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("POST", "/session")
        return connection.getresponse().status > 0
    except OSError:
        return False
    finally:
        connection.close()


@pytest.fixture(scope="session")
def fakesnow_server() -> Iterator[FakesnowServer]:
    """A fakesnow server for the whole session (side venv .venvs/fakesnow), its databases in a temp dir."""
    python = _REPO_ROOT / ".venvs" / "fakesnow" / "bin" / "python"
    if not python.exists():
        pytest.skip(f"{python} not found: run scripts/bootstrap.sh (it creates the fakesnow side venv)")

    root = Path(tempfile.mkdtemp(prefix="flexlake-fakesnow-"))
    (root / "databases").mkdir()
    launcher = [str(python), str(Path(__file__).with_name("fakesnow_server.py")), str(root / "databases")]
    process: subprocess.Popen[bytes] | None = None
    try:
        for _attempt in range(_START_ATTEMPTS):
            port = _free_port()
            with (root / f"fakesnow-{port}.log").open("wb") as log_file:
                process = subprocess.Popen(
                    [*launcher, str(port)],
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                )
            deadline = time.monotonic() + 60  # importing fakesnow (duckdb, sqlglot, pyarrow) takes a few seconds
            while process.poll() is None and time.monotonic() < deadline and not _http_answers(port):
                time.sleep(0.2)
            if process.poll() is None and _http_answers(port):
                break
            process.kill()
            process.wait()
            process = None
        if process is None:
            logs = "\n".join(path.read_text(errors="replace") for path in root.glob("fakesnow-*.log"))
            raise RuntimeError(f"fakesnow did not start after {_START_ATTEMPTS} attempts:\n{logs}")
        yield FakesnowServer(host="127.0.0.1", port=port)
    finally:
        if process is not None and process.poll() is None:
            process.terminate()  # uvicorn shuts down on SIGTERM
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(root, ignore_errors=True)
