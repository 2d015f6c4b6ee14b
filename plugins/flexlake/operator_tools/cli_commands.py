"""The operator tools' subcommands of `flexlake` (cli.py adds them): flags, handlers, exit codes.

Kept out of cli.py so each tool's flags live next to its code; every handler prints the reason for a refusal on
stderr (file, field, fix, no secret) and returns 1, never a traceback.
"""

import argparse
import contextlib
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from flexlake import settings
from flexlake.operator_tools.new_tenant_answers import MissingAnswer, answers_from_flags
from flexlake.tenant_config import TenantConfigError
from flexlake.tenant_config.schema import SOURCE_SYSTEMS, TIER_SCHEDULES

WAREHOUSE_TYPES = ("duckdb", "postgres", "snowflake", "redshift", "sqlserver")


def add_new_tenant_command(commands: Any) -> None:
    command = commands.add_parser("new-tenant", help="write a new tenant file that validates (never overwrites)")
    command.add_argument("tenant_id", help="the tenant id: lower-case letters, digits, _ (the file is <id>.yaml)")
    command.add_argument("--tier", choices=tuple(TIER_SCHEDULES), help="asked when missing and stdin is a terminal")
    command.add_argument("--warehouse", choices=WAREHOUSE_TYPES, default="duckdb")
    command.add_argument("--connection-id", help="server warehouses: the Airflow connection id of the warehouse")
    command.add_argument("--database", help="server warehouses: the database of the tenant's schemas")
    command.add_argument(
        "--source",
        action="append",
        metavar="SYSTEM[:NAME]",
        help=f"repeatable; SYSTEM one of {', '.join(SOURCE_SYSTEMS)} (default: one faker source)",
    )
    command.add_argument("--shop", action="append", help="shopify sources, in order: the store (<shop>.myshopify.com)")
    command.add_argument("--stripe-account", action="append", help="stripe sources, in order: the account acct_...")
    command.add_argument("--start-date", type=date.fromisoformat, help="shopify/stripe: sync from (YYYY-MM-DD)")
    command.add_argument("--airbyte-connection-id", default="airbyte_default", help="the Airbyte server's connection")
    command.add_argument("--display-name", help="shown in the Airflow UI (default: from the id)")
    command.add_argument("--overlay", action="store_true", help="also write overlays/<id>, a dbt overlay skeleton")
    command.add_argument("--tenants", type=Path, default=settings.TENANT_CONFIGS_DIR, help="folder of tenant files")
    command.set_defaults(handler=_new_tenant)


def add_cost_command(commands: Any) -> None:
    command = commands.add_parser("cost", help="per tenant: runs, task, sync and dbt seconds, rows synced")
    command.add_argument("--tenant", help="one tenant id (default: every tenant with published runs)")
    command.add_argument("--since", type=date.fromisoformat, help="only runs published on or after YYYY-MM-DD (UTC)")
    command.add_argument("--csv", action="store_true", help="CSV on stdout instead of a table")
    command.set_defaults(handler=_cost)


def _cost(args: argparse.Namespace) -> int:
    from flexlake.operator_tools.cost import catalog_base, cost_csv, cost_table, tenant_costs  # noqa: PLC0415

    base = catalog_base()
    costs = tenant_costs(base, args.tenant, args.since)
    if not costs:
        since = f" since {args.since}" if args.since else ""
        print(f"no published run summaries{since} for {args.tenant or 'any tenant'} under {base}", file=sys.stderr)
        return 1
    print(cost_csv(costs) if args.csv else cost_table(costs), end="\n" if not args.csv else "")
    return 0


def add_plan_command(commands: Any) -> None:
    command = commands.add_parser("plan", help="what a tenant file (or folder) will create; writes nothing")
    command.add_argument("path", type=Path, help="a tenant file or a folder of them")
    command.add_argument("--json", action="store_true", help="one JSON document, for machines")
    command.set_defaults(handler=_plan)
    # Registered with plan (both answer "what would this change do?" before it lands), so cli.py needs no edit.
    add_upgrade_check_command(commands)


def _plan(args: argparse.Namespace) -> int:
    """Airflow configures console logging on import: stdout carries only the plan (as `provision --dry-run`)."""
    with contextlib.redirect_stdout(sys.stderr):
        from flexlake.operator_tools.plan import plan_tenants  # noqa: PLC0415 - imports Airflow and Cosmos
        from flexlake.operator_tools.plan_text import render_plan  # noqa: PLC0415

        plans, errors = plan_tenants(args.path)
    for error in errors:
        print(error, file=sys.stderr)
    if args.json:
        tenants = [{"tenant_id": plan.tenant_id, "file": plan.file, **plan.document} for plan in plans]
        print(json.dumps({"tenants": tenants, "invalid": [str(error.path) for error in errors]}, indent=2))
    else:
        print("\n\n".join(render_plan(plan) for plan in plans))
    if not plans and not errors:
        print(f"no tenant files found in {args.path}", file=sys.stderr)
    return 1 if errors or not plans else 0


def add_upgrade_check_command(commands: Any) -> None:
    command = commands.add_parser(
        "upgrade-check", help="would a new include/dbt break a tenant or need a full refresh? (runs dbt, no data)"
    )
    command.add_argument("--product", type=Path, required=True, help="the new version of include/dbt (a folder)")
    command.add_argument("--tenants", type=Path, default=settings.TENANT_CONFIGS_DIR, help="folder of tenant files")
    command.add_argument("--json", action="store_true", help="one JSON document, for machines")
    command.set_defaults(handler=_upgrade_check)


def _upgrade_check(args: argparse.Namespace) -> int:
    """dbt logs to stdout: it goes to stderr, so stdout carries only the report. Exit 1 on any break."""
    with contextlib.redirect_stdout(sys.stderr):
        from flexlake.operator_tools.upgrade_check import check_upgrade  # noqa: PLC0415 - imports dbt and Cosmos
        from flexlake.operator_tools.upgrade_check_text import render_upgrade_report  # noqa: PLC0415

        report = check_upgrade(args.product, args.tenants)
    print(json.dumps(report.document(), indent=2) if args.json else render_upgrade_report(report))
    return 1 if report.breaks else 0


def _new_tenant(args: argparse.Namespace) -> int:
    from flexlake.operator_tools.new_tenant import NewTenantRefused, create_tenant, next_steps  # noqa: PLC0415

    ask = input if sys.stdin is not None and sys.stdin.isatty() else None
    try:
        created = create_tenant(answers_from_flags(args, ask), args.tenants)
    except (MissingAnswer, NewTenantRefused) as error:
        print(f"new-tenant: {error}", file=sys.stderr)
        return 1
    except TenantConfigError as error:
        print(f"{error}\nnew-tenant wrote nothing (the file was removed again)", file=sys.stderr)
        return 1
    print(next_steps(created))
    return 0
