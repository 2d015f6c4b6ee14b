"""Where a tenant's reader credentials live: an Airflow connection, created once, never printed.

Two stores, because Airflow 3 lets only some code write connections:
- `MetadataDbCredentialStore` (the `flexlake provision` CLI): reads and creates connections in Airflow's
  metadata database through `airflow.models.Connection`.
- `TaskCredentialStore` (the DAG's provision task): Airflow 3 blocks the ORM inside tasks and the Task
  SDK can only read connections, so a task reuses an existing reader connection and otherwise reports the
  credentials as missing (the reader role then exists without a password until the CLI issues one).
"""

import logging
import secrets
from dataclasses import dataclass, field
from typing import Protocol

from flexlake.warehouses.provisioning import CredentialsState, ProvisioningPlan

log = logging.getLogger(__name__)

PASSWORD_BYTES = 32


def generate_password() -> str:
    """URL-safe random text ([A-Za-z0-9_-]): nothing in it needs quoting in a connection URI or in SQL.

    Drawn again until it has an upper-case letter, a lower-case letter and a digit, which Redshift and
    Snowflake require and SQL Server's CHECK_POLICY asks for (a 43-character draw lacks one ~1 time in 1,500).
    """
    while True:
        password = secrets.token_urlsafe(PASSWORD_BYTES)
        if (
            any(c.isupper() for c in password)
            and any(c.islower() for c in password)
            and any(c.isdigit() for c in password)
        ):
            return password


@dataclass(frozen=True)
class ReaderConnection:
    """The connection a reader (BI tool, analyst) uses; the password is excluded from repr."""

    conn_id: str
    conn_type: str
    host: str | None
    port: int | None
    login: str
    schema: str
    password: str = field(repr=False)
    description: str = ""
    extra: str | None = None  # JSON, e.g. a Snowflake account and warehouse


@dataclass(frozen=True)
class IssuedReaderCredentials:
    """A new reader's credentials as provisioning issues them: what the plan's credential statements bind (the
    password; for a Snowflake key-pair reader the public key) and what its connection keeps (the password or the
    key's passphrase, and extras such as Snowflake's `private_key_content`). Nothing of it is in repr."""

    bound: str = field(repr=False)
    password: str = field(repr=False)
    extra: dict[str, str] = field(default_factory=dict, repr=False)


class CredentialStore(Protocol):
    can_create: bool

    def get_password(self, conn_id: str) -> str | None:
        """The stored password, or None when the connection does not exist."""
        ...

    def create(self, connection: ReaderConnection) -> None:
        """Store a new connection (only called when get_password returned None)."""
        ...


def _mask(password: str) -> None:
    """Register the password with Airflow's secrets masker, so no log line can show it."""
    from airflow.sdk.log import mask_secret  # noqa: PLC0415 - Airflow is imported only when credentials are used

    mask_secret(password)


class CredentialStoreError(RuntimeError):
    """Storing a connection failed; the message never carries the password (database errors would)."""


class MetadataDbCredentialStore:
    """Reads and writes connections in Airflow's metadata database (for the CLI, which may use the ORM)."""

    can_create = True

    def get_password(self, conn_id: str) -> str | None:
        from airflow.models import Connection  # noqa: PLC0415 - needs a configured metadata DB
        from airflow.utils.session import create_session  # noqa: PLC0415
        from sqlalchemy import select  # noqa: PLC0415

        with create_session() as session:
            connection = session.scalar(select(Connection).where(Connection.conn_id == conn_id))
            password: str | None = connection.password if connection is not None else None
        if password:
            _mask(password)
        return password

    def create(self, connection: ReaderConnection) -> None:
        """Insert the connection; a database error is re-raised without its statement parameters."""
        from airflow.models import Connection  # noqa: PLC0415
        from airflow.utils.session import create_session  # noqa: PLC0415
        from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415

        _mask(connection.password)
        try:
            with create_session() as session:
                session.add(
                    Connection(
                        conn_id=connection.conn_id,
                        conn_type=connection.conn_type,
                        description=connection.description,
                        host=connection.host,
                        port=connection.port,
                        login=connection.login,
                        password=connection.password,
                        schema=connection.schema,
                        extra=connection.extra,
                    )
                )
        except SQLAlchemyError as error:
            # SQLAlchemy's message lists the INSERT's parameters, the password among them: never chain it.
            raise CredentialStoreError(
                f"could not store Airflow connection {connection.conn_id}: {type(error).__name__}"
            ) from None
        log.info("created Airflow connection %s for reader %s", connection.conn_id, connection.login)


class TaskCredentialStore:
    """Reads connections through the Task SDK; cannot create them (Airflow 3 tasks have no ORM access)."""

    can_create = False

    def get_password(self, conn_id: str) -> str | None:
        from airflow.sdk import BaseHook  # noqa: PLC0415
        from airflow.sdk.exceptions import AirflowNotFoundException  # noqa: PLC0415

        try:
            connection = BaseHook.get_connection(conn_id)
        except AirflowNotFoundException:
            return None
        password: str | None = connection.password
        return password or None

    def create(self, connection: ReaderConnection) -> None:
        raise RuntimeError("a task cannot create Airflow connections; run `flexlake provision` instead")


def reader_password(credentials: CredentialStore, plan: ProvisioningPlan) -> tuple[str | None, CredentialsState]:
    """Reuse the stored password; generate one only when the store can keep it; else the role gets none."""
    assert plan.reader_connection_id
    existing = credentials.get_password(plan.reader_connection_id)
    if existing:
        return existing, "reused"
    if credentials.can_create:
        return generate_password(), "created"
    log.warning(
        "reader connection %s does not exist and a task cannot create it: the reader role %s has no password "
        "until `flexlake provision %s` issues one",
        plan.reader_connection_id,
        plan.reader_role,
        plan.tenant_id,
    )
    return None, "missing"
