"""`flexlake access sync | add-user`: flags and handlers (cli.py registers them with add_access_command).

Handlers print a refusal's reason on stderr and return 1. A password is read from stdin or generated and printed
exactly once on stdout; it is never passed on a command line (visible in `ps`) nor logged.
"""

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from flexlake import settings

ADMIN_PASSWORD_ENV = "FLEXLAKE_ADMIN_PASSWORD"


def add_access_command(commands: Any) -> None:
    access = commands.add_parser("access", help="tenant roles and users in Airflow's FAB auth manager")
    actions = access.add_subparsers(required=True, metavar="ACTION")

    sync = actions.add_parser("sync", help="create/update a role per tenant file; remove roles of removed tenants")
    sync.add_argument("--tenants", type=Path, default=settings.TENANT_CONFIGS_DIR, help="folder of tenant files")
    sync.add_argument(
        "--admin",
        metavar="USERNAME",
        help=f"also create or update this Admin user, password from ${ADMIN_PASSWORD_ENV}",
    )
    sync.add_argument("--admin-email", default="admin@flexlake.invalid", help="the Admin user's email (FAB needs one)")
    sync.set_defaults(handler=_sync)

    add_user = actions.add_parser("add-user", help="create a user whose only role is the tenant's")
    add_user.add_argument("tenant", help="tenant id (its role is tenant_<id>; run `flexlake access sync` first)")
    add_user.add_argument("username")
    add_user.add_argument("--email", help="default: <username>@<tenant>.flexlake.invalid (FAB needs a unique one)")
    add_user.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin (default: generate, print once)"
    )
    add_user.set_defaults(handler=_add_user)


def _sync(args: argparse.Namespace) -> int:
    from flexlake.access.sync import AccessError, ensure_admin, sync_tenant_roles  # noqa: PLC0415 - loads FAB

    try:
        if args.admin:
            outcome = ensure_admin(args.admin, os.environ.get(ADMIN_PASSWORD_ENV, ""), args.admin_email)
            print(f"admin user {args.admin}: {outcome}")
        report = sync_tenant_roles(args.tenants)
    except AccessError as error:
        print(f"access sync: {error}", file=sys.stderr)
        return 1
    for outcome in ("created", "updated", "unchanged", "removed"):
        roles = getattr(report, outcome)
        print(f"{outcome}: {', '.join(roles) if roles else '-'}")
    for path in report.invalid_files:
        print(f"{path} is invalid (`flexlake validate {path}` says why): its role is left as it is", file=sys.stderr)
    return 0


def _add_user(args: argparse.Namespace) -> int:
    from flexlake.access.sync import AccessError, add_tenant_user, generate_password  # noqa: PLC0415 - loads FAB

    generated = not args.password_stdin
    password = generate_password() if generated else sys.stdin.readline().rstrip("\r\n")
    if not password:
        print("access add-user: the password read from stdin is empty", file=sys.stderr)
        return 1
    email = args.email or f"{args.username}@{args.tenant}.flexlake.invalid"
    try:
        add_tenant_user(args.tenant, args.username, email, password)
    except AccessError as error:
        print(f"access add-user: {error}", file=sys.stderr)
        return 1
    print(f"created user {args.username} in role tenant_{args.tenant}")
    if generated:
        print(f"password (shown once, stored hashed): {password}")
    return 0
