"""What provisioning a tenant's warehouse means, independent of the warehouse: a plan of SQL statements.

A plan is built without I/O (the CLI's --dry-run prints it without connecting anywhere) and holds no
secret: the reader's password is a placeholder, bound only when a statement is executed, and shown as
`********`. Statements are psycopg2 `sql.Composed` objects, so tenant-derived names only ever enter SQL as
`sql.Identifier` / `sql.Literal`; names are validated first (a name PostgreSQL would silently truncate
to 63 bytes could collide with another tenant's).

The fingerprint (a hash of the masked statements) is what the DAG task compares with the one recorded in
the warehouse, to skip provisioning when nothing changed.
"""

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from psycopg2 import sql

# Bumped when the statements' meaning changes without their text changing (forces re-provisioning).
PLAN_VERSION = "1"
PASSWORD_PARAMETER = "reader_password"
PASSWORD = sql.Placeholder(PASSWORD_PARAMETER)
MASK = "********"
# The login of the tenant's own connection (the one dbt runs as), bound when a plan is executed: a plan is
# built without I/O, so it cannot know it. Shown as <connection user> in a dry run and in the fingerprint.
CONNECTION_USER_PARAMETER = "connection_user"
CONNECTION_USER = sql.Placeholder(CONNECTION_USER_PARAMETER)
CONNECTION_USER_SHOWN = "<connection user>"
READER_CONNECTION_PREFIX = "flexlake_reader__"
# Where each warehouse records the fingerprint of the last successful provisioning of each tenant.
BOOKKEEPING_SCHEMA = "flexlake_admin"
BOOKKEEPING_TABLE = "provisioning"

# PostgreSQL's NAMEDATALEN - 1: longer names are truncated silently, so two tenants' names could collide.
MAX_IDENTIFIER_LENGTH = 63
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

CredentialsState = Literal["reused", "created", "missing", "not applicable", "not checked"]


class IdentifierError(ValueError):
    """A name derived from the tenant file that cannot be used in the warehouse; says which field to fix."""

    def __init__(self, field_name: str, problem: str, fix: str) -> None:
        self.field_name = field_name
        self.problem = problem
        self.fix = fix
        super().__init__(f"{field_name}: {problem}; {fix}")

    def for_file(self, path: object) -> str:
        return f"{path} cannot be provisioned:\n  - {self}"


def validate_identifier(name: str, field_name: str, fix: str, *, reserved_prefix: str | None = None) -> str:
    """The name itself when it is safe to use in any supported warehouse, else an IdentifierError."""
    if not _IDENTIFIER.match(name):
        raise IdentifierError(field_name, f"{name!r} must be lower-case letters, digits and underscores", fix)
    if len(name.encode()) > MAX_IDENTIFIER_LENGTH:
        problem = f"{name!r} is {len(name)} characters; warehouses allow {MAX_IDENTIFIER_LENGTH}"
        raise IdentifierError(field_name, problem, fix)
    if reserved_prefix and name.startswith(reserved_prefix):
        raise IdentifierError(field_name, f"{name!r} starts with {reserved_prefix!r}, which is reserved", fix)
    return name


def reader_connection_id(tenant_id: str) -> str:
    """The Airflow connection holding a tenant's reader credentials: derived, so nothing needs to record it."""
    return f"{READER_CONNECTION_PREFIX}{tenant_id}"


@dataclass(frozen=True)
class Statement:
    """One SQL statement of a plan; `uses_password` statements are executed with the reader's password bound."""

    query: sql.Composed
    purpose: str
    uses_password: bool = False
    # For warehouses without IF NOT EXISTS for some objects (Redshift users and groups): a query whose
    # returning a row means the object exists and the statement is skipped.
    skip_if_exists: sql.Composed | None = None


@dataclass(frozen=True)
class ProvisioningPlan:
    """Everything provisioning creates for one tenant, as data: shown by --dry-run, executed by the warehouse."""

    tenant_id: str
    warehouse_type: str
    schemas: tuple[str, ...]
    statements: tuple[Statement, ...]
    # Executed only when this run generated the reader's password (its connection did not exist yet).
    credential_statements: tuple[Statement, ...] = ()
    transformer_role: str | None = None
    reader_role: str | None = None
    reader_connection_id: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def fingerprint(self) -> str:
        """sha256 of the masked statements: changes exactly when what provisioning would do changes."""
        text = "\n".join([PLAN_VERSION, *(render_sql(statement.query) for statement in self.statements)])
        return hashlib.sha256(text.encode()).hexdigest()

    def describe(self) -> str:
        """The dry-run text: a header, every statement exactly as executed (password masked), the notes."""
        lines = [f"-- provisioning plan for tenant {self.tenant_id} ({self.warehouse_type})"]
        lines.append(f"-- schemas: {', '.join(self.schemas)}")
        if self.transformer_role:
            lines.append(f"-- transformer role: {self.transformer_role}; reader login role: {self.reader_role}")
        if self.reader_connection_id:
            lines.append(f"-- reader credentials: Airflow connection {self.reader_connection_id}")
        lines += [f"-- {note}" for note in self.notes]
        lines += _described(self.statements)
        if self.credential_statements:
            lines.append(f"\n-- only when connection {self.reader_connection_id} is created by this run:")
            lines += _described(self.credential_statements)
        lines.append(f"\n-- fingerprint {self.fingerprint}")
        return "\n".join(lines)


def _described(statements: Iterable[Statement]) -> list[str]:
    """Each statement after its purpose; statements without one follow the previous without a blank line."""
    return [
        (f"\n-- {statement.purpose}\n" if statement.purpose else "")
        + (f"-- unless {render_sql(statement.skip_if_exists)} returns a row:\n" if statement.skip_if_exists else "")
        + f"{render_sql(statement.query)};"
        for statement in statements
    ]


def render_sql(composable: sql.Composable, password: str = MASK, connection_user: str | None = None) -> str:
    """The statement's text without a database connection (psycopg2's own rendering needs one).

    Only validated identifiers and plain string literals occur in plans, and both render the way
    PostgreSQL (standard_conforming_strings on, the default since 9.1) and DuckDB read them; the
    integration test checks this text against psycopg2's rendering on a live connection.
    """
    if isinstance(composable, sql.Composed):
        return "".join(render_sql(part, password, connection_user) for part in composable.seq)
    if isinstance(composable, sql.SQL):
        return str(composable.string)
    if isinstance(composable, sql.Identifier):
        return ".".join(_quote_identifier(name) for name in composable.strings)
    if isinstance(composable, sql.Literal):
        return _quote_literal(composable.wrapped)
    if isinstance(composable, sql.Placeholder) and composable.name == PASSWORD_PARAMETER:
        return _quote_literal(password)
    if isinstance(composable, sql.Placeholder) and composable.name == CONNECTION_USER_PARAMETER:
        return _quote_identifier(connection_user) if connection_user else CONNECTION_USER_SHOWN
    raise TypeError(f"cannot render {composable!r} without a connection")


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(value: Any) -> str:
    if not isinstance(value, str) or "\\" in value or "\x00" in value:
        raise TypeError(f"plans only hold plain string literals, not {type(value).__name__}")
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class ProvisioningResult:
    """What one provisioning run did, for the CLI's summary and the task's XCom (no secrets)."""

    tenant_id: str
    fingerprint: str
    skipped: bool
    reader_credentials: CredentialsState
    seconds: float
    statements_executed: int = 0

    def summary(self) -> str:
        if self.skipped:
            return f"{self.tenant_id}: unchanged (fingerprint {self.fingerprint[:12]}), nothing executed"
        return (
            f"{self.tenant_id}: {self.statements_executed} statements executed in {self.seconds:.2f} s; "
            f"reader credentials {self.reader_credentials}; fingerprint {self.fingerprint[:12]}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "fingerprint": self.fingerprint,
            "skipped": self.skipped,
            "reader_credentials": self.reader_credentials,
            "seconds": round(self.seconds, 3),
            "statements_executed": self.statements_executed,
        }


def reader_plan(
    *,
    tenant_id: str,
    warehouse_type: str,
    database: str,
    schemas: tuple[str, ...],
    marts_schema: str,
    statements: list[Statement],
    set_password: sql.Composed,
    transformer: str,
    reader: str,
) -> ProvisioningPlan:
    """A plan with a transformer role and a reader login (PostgreSQL, Redshift, SQL Server): `set_password`
    runs only when this run issued the reader's credentials (the login existed without its connection)."""
    return ProvisioningPlan(
        tenant_id=tenant_id,
        warehouse_type=warehouse_type,
        schemas=schemas,
        statements=tuple(statements),
        credential_statements=(
            Statement(
                set_password,
                "the reader's new password (the login existed without this connection)",
                uses_password=True,
            ),
        ),
        transformer_role=transformer,
        reader_role=reader,
        reader_connection_id=reader_connection_id(tenant_id),
        notes=(f"database {database}; the reader can read {marts_schema} only, and cannot write anywhere",),
    )
