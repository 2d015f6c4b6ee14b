"""`flexlake`: the operator's command line.

    flexlake validate [FILE_OR_DIR ...]   check tenant files; say what each valid tenant will get
    flexlake schema [--check]             write (or check) tenant_configs/tenant_config.schema.json
    flexlake demo [--tenants DIR]         run the demo tenants end to end on DuckDB and print a summary
    flexlake airbyte plan|apply TENANT    show / make the tenant's Airbyte server objects (secrets masked)
    flexlake provision TENANT [--dry-run] create the tenant's schemas, roles and read-only reader (or print the SQL)
    flexlake lint-tsql DIR                lint compiled SQL (e.g. dbt's target/compiled) for what SQL Server rejects
    flexlake manifest [TENANT_DIR ...]    dbt parse of the product and of every tenant overlay (make manifest)
    flexlake dag-files --shards N         spread the tenants over N DAG files (past ~900 tenants: parse timeout)
    flexlake new-tenant ID [--tier ...]   write a tenant file (and overlay skeleton) that validates; never overwrites
    flexlake cost [--tenant ID] [--since] per tenant: runs, task/sync/dbt seconds, rows synced (from run summaries)
    flexlake plan FILE_OR_DIR [--json]    what a tenant file will create (DAG, models, SQL, Airbyte); writes nothing
    flexlake remove-tenant ID [--apply]   offboard: pause the DAG, archive the catalog, remove the file (dry run first)

`validate` and `schema` import neither Airflow nor dbt, so they answer in well under a second.
"""

import argparse
import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flexlake import settings
from flexlake.access.commands import add_access_command
from flexlake.operator_tools.cli_commands import add_cost_command, add_new_tenant_command, add_plan_command
from flexlake.tenant_config import TenantConfig, TenantConfigError, load_tenant_config, tenant_files
from flexlake.tenant_config.json_schema import SCHEMA_FILE_NAME, tenant_config_json_schema
from flexlake.tenant_config.loader import check_tenants_together


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    exit_code: int = args.handler(args)
    return exit_code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flexlake", description="Operate flexlake tenants.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check tenant files")
    validate.add_argument(
        "paths", nargs="*", type=Path, help=f"files or folders (default: {settings.TENANT_CONFIGS_DIR})"
    )
    validate.set_defaults(handler=_validate)

    schema = commands.add_parser("schema", help="write the tenant files' JSON schema")
    schema.add_argument("--check", action="store_true", help="fail when the committed schema is out of date")
    schema.add_argument("--output", type=Path, default=settings.TENANT_CONFIGS_DIR / SCHEMA_FILE_NAME)
    schema.set_defaults(handler=_schema)

    demo = commands.add_parser("demo", help="run the demo tenants end to end on DuckDB")
    demo.add_argument("--tenants", type=Path, default=settings.TENANT_CONFIGS_DIR, help="folder of tenant files")
    demo.set_defaults(handler=_demo)

    dag_files = commands.add_parser("dag-files", help="spread the tenants over N DAG files (dag_file_shards.py)")
    dag_files.add_argument("--shards", type=int, required=True, help="how many DAG files (1: one for every tenant)")
    dag_files.add_argument("--dags-dir", type=Path, default=settings.PROJECT_ROOT / "dags", help="the DAG folder")
    dag_files.set_defaults(handler=_dag_files)

    airbyte = commands.add_parser("airbyte", help="provision a tenant's objects on its Airbyte server")
    airbyte_commands = airbyte.add_subparsers(required=True, metavar="ACTION")
    for action, text in (("plan", "show what would be created or changed"), ("apply", "create or change it")):
        command = airbyte_commands.add_parser(action, help=text)
        command.add_argument("tenant", help="tenant id (its file is <tenants>/<tenant>.yaml)")
        command.add_argument("--tenants", type=Path, default=settings.TENANT_CONFIGS_DIR, help="folder of tenant files")
        command.set_defaults(handler=_airbyte, apply=action == "apply")

    provision = commands.add_parser("provision", help="create a tenant's warehouse schemas, roles and reader access")
    provision.add_argument("tenant", help="tenant file, or tenant id (its file is <tenants>/<tenant>.yaml)")
    provision.add_argument("--tenants", type=Path, default=settings.TENANT_CONFIGS_DIR, help="folder of tenant files")
    provision.add_argument("--dry-run", action="store_true", help="print the SQL (password masked); connect nowhere")
    provision.set_defaults(handler=_provision)

    lint_tsql = commands.add_parser("lint-tsql", help="lint compiled SQL for what SQL Server rejects")
    lint_tsql.add_argument("directory", type=Path, help="folder of compiled .sql files, e.g. target/compiled")
    lint_tsql.set_defaults(handler=_lint_tsql)

    manifest = commands.add_parser("manifest", help="build the dbt manifests DAGs render from (product, overlays)")
    manifest.add_argument(
        "tenant_dirs", nargs="*", type=Path, help=f"folders of tenant files (default: {settings.TENANT_CONFIGS_DIR})"
    )
    manifest.add_argument("--product", type=Path, default=settings.DBT_PROJECT_DIR, help="the product dbt project")
    manifest.set_defaults(handler=_manifest)

    add_new_tenant_command(commands)
    add_cost_command(commands)
    add_plan_command(commands)
    add_access_command(commands)

    remove = commands.add_parser("remove-tenant", help="offboard a tenant (prints the plan; --apply to act)")
    remove.add_argument("tenant", help="tenant file, or tenant id (its file is <tenants>/<tenant>.yaml)")
    remove.add_argument("--tenants", type=Path, default=settings.TENANT_CONFIGS_DIR, help="folder of tenant files")
    remove.add_argument("--apply", action="store_true", help="do it (default: print what would be done)")
    remove.add_argument("--delete-catalog", action="store_true", help="delete the published catalog, not archive it")
    remove.add_argument(
        "--drop-data", action="store_true", help="also drop its schemas and roles (PostgreSQL) or DuckDB folder"
    )
    remove.add_argument("--yes", action="store_true", help="with --drop-data: do not ask for confirmation")
    remove.set_defaults(handler=_remove_tenant)
    return parser


def _manifest(args: argparse.Namespace) -> int:
    from flexlake.dbt_manifests import build_manifests  # noqa: PLC0415 - runs dbt, only for this command

    try:
        written = build_manifests(args.product, args.tenant_dirs or [settings.TENANT_CONFIGS_DIR])
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    """Each file, then the files together (one folder's tenants must not share schemas, files or workspaces)."""
    paths: list[Path] = args.paths or [settings.TENANT_CONFIGS_DIR]
    loaded: list[tuple[Path, TenantConfig]] = []
    invalid: list[TenantConfigError] = []
    for file in (file for path in paths for file in (tenant_files(path) if path.is_dir() else [path])):
        try:
            loaded.append((file, load_tenant_config(file)))
        except TenantConfigError as error:
            invalid.append(error)
    together, refused = check_tenants_together(loaded)
    invalid.extend(refused)
    for _, tenant in together:
        print(_describe_tenant(tenant))
    for problem in invalid:
        print(problem, file=sys.stderr)
    if not together and not invalid:
        print(f"no tenant files found in {', '.join(map(str, paths))}", file=sys.stderr)
        return 1
    print(f"\n{len(together)} valid, {len(invalid)} invalid")
    return 1 if invalid else 0


def _describe_tenant(tenant: TenantConfig) -> str:
    sources = ", ".join(f"{source.name} ({source.system}, {source.engine})" for source in tenant.sources)
    removed = ", ".join(tenant.dbt.disabled_marts) or "none"
    changed = ", ".join(f"{key}={value}" for key, value in sorted(tenant.dbt.vars.as_dbt_vars().items())) or "none"
    return (
        f"ok  {tenant.tenant_id}: DAG flexlake__{tenant.tenant_id}, {tenant.tier} tier, "
        f"schedule {tenant.effective_schedule}, warehouse {tenant.warehouse.type}\n"
        f"    sources: {sources}\n"
        f"    marts removed: {removed}; definitions changed: {changed}; "
        f"catalog: {'yes' if tenant.catalog_enabled else 'no (run summary only)'}"
        + (f"\n    overlay dbt project: {tenant.dbt.overlay_project}" if tenant.dbt.overlay_project else "")
    )


def _schema(args: argparse.Namespace) -> int:
    output: Path = args.output
    wanted = tenant_config_json_schema()
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != wanted:
            print(f"{output} is out of date: run `flexlake schema`", file=sys.stderr)
            return 1
        print(f"{output} is up to date")
        return 0
    output.write_text(wanted, encoding="utf-8")
    print(f"wrote {output}")
    return 0


def _dag_files(args: argparse.Namespace) -> int:
    from flexlake.dag_factory.dag_file_shards import write_dag_files  # noqa: PLC0415 - the factory imports Airflow

    try:
        written = write_dag_files(args.dags_dir, args.shards)
    except ValueError as error:
        print(f"flexlake dag-files: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from flexlake.demo import run_demo  # noqa: PLC0415 - keeps `validate` free of the demo's imports

    return run_demo(args.tenants, tenant_files(args.tenants))


def _airbyte(args: argparse.Namespace) -> int:
    """Plan or apply; reads the Airbyte server's and the warehouse's Airflow connections (e.g. AIRFLOW_CONN_*)."""
    from flexlake.ingestion.airbyte_api.cli_support import run_provisioning  # noqa: PLC0415 - SDK only here

    try:
        tenant = load_tenant_config(args.tenants / f"{args.tenant}.yaml")
    except TenantConfigError as error:
        print(error, file=sys.stderr)
        return 1
    return run_provisioning(tenant, lambda: _airbyte_raw_destinations(tenant), apply=args.apply)


def _airbyte_raw_destinations(tenant: TenantConfig) -> dict[str, Any]:
    """Where each airbyte source's raw tables go: warehouses.raw_destinations, as the DAG's provision task."""
    from flexlake.ingestion.airbyte_api.provisioning import airbyte_sources  # noqa: PLC0415
    from flexlake.warehouses import raw_destinations  # noqa: PLC0415 - cosmos import, only for this command

    return raw_destinations(tenant, [source.name for source in airbyte_sources(tenant)])


def _tenant_file(tenant: str, folder: Path) -> Path:
    """A path to a tenant file as given, else <folder>/<tenant id>.yaml."""
    path = Path(tenant)
    return path if path.suffix in {".yaml", ".yml"} or path.exists() else folder / f"{tenant}.yaml"


def _provision(args: argparse.Namespace) -> int:
    """Dry run: the plan's SQL, no connection. Else executed as the tenant's warehouse connection.

    Reader credentials go to (or come from) the Airflow connection flexlake_reader__<tenant_id> in Airflow's
    metadata database; the password is never printed.
    """
    # Stdout carries only the plan (a dry run's output is piped to files and reviews): Airflow configures its
    # console logging when cosmos imports it, so it is imported with stdout pointing at stderr.
    with contextlib.redirect_stdout(sys.stderr):
        from flexlake.warehouses import get_warehouse  # noqa: PLC0415 - cosmos import, only for this command
        from flexlake.warehouses.provisioning import IdentifierError  # noqa: PLC0415
        from flexlake.warehouses.reader_credentials import MetadataDbCredentialStore  # noqa: PLC0415

    path = _tenant_file(args.tenant, args.tenants)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            tenant = load_tenant_config(path)
            warehouse = get_warehouse(tenant.warehouse.type)
            plan = warehouse.provisioning_plan(tenant)
    except TenantConfigError as error:
        print(error, file=sys.stderr)
        return 1
    except IdentifierError as error:
        print(error.for_file(path), file=sys.stderr)
        return 1
    if args.dry_run:
        print(plan.describe())
        return 0
    try:
        result = warehouse.provision(tenant, MetadataDbCredentialStore(), force=True)
    except Exception as error:  # an operator needs the reason, not a traceback; no message carries a password
        print(f"{path}: provisioning failed ({type(error).__name__}): {error}", file=sys.stderr)
        return 1
    print(result.summary())
    if result.reader_credentials in {"created", "reused"}:
        print(f"reader credentials: Airflow connection {plan.reader_connection_id} (password not shown)")
    elif plan.reader_connection_id is None:  # DuckDB: the reader is the read-only file, said in the notes
        print("\n".join(note for note in plan.notes if note.startswith("reader:")))
    return 0


def _remove_tenant(args: argparse.Namespace) -> int:
    """Dry run unless --apply; --drop-data asks the operator to type the tenant id (or takes --yes)."""
    with contextlib.redirect_stdout(sys.stderr):  # Airflow and Cosmos configure console logging on import
        from flexlake.operator_tools.offboarding import OffboardingRefused, offboarding_plan  # noqa: PLC0415

    path = _tenant_file(args.tenant, args.tenants)
    try:
        tenant = load_tenant_config(path)
        plan = offboarding_plan(tenant, path, drop_data=args.drop_data, delete_catalog=args.delete_catalog)
    except TenantConfigError as error:
        print(
            f"{error}\nremove-tenant needs a valid file to know what to remove: fix it, or delete it by hand",
            file=sys.stderr,
        )
        return 1
    except OffboardingRefused as error:
        print(f"remove-tenant: {error}", file=sys.stderr)
        return 1
    print(plan.describe())
    if not args.apply:
        print("dry run: nothing was changed; run again with --apply to do it")
        return 0
    if args.drop_data and not args.yes and not _confirmed(tenant.tenant_id):
        print("remove-tenant: not confirmed, nothing was changed", file=sys.stderr)
        return 1
    print("applying:")
    try:
        plan.apply(print)
    except Exception as error:  # the operator needs the step and the reason; rerunning repeats only what is left
        print(
            f"remove-tenant stopped ({type(error).__name__}): {error}\nfix it and run the command again",
            file=sys.stderr,
        )
        return 1
    print(f"tenant {tenant.tenant_id} removed")
    return 0


def _confirmed(tenant_id: str) -> bool:
    if sys.stdin is None or not sys.stdin.isatty():
        print("remove-tenant: --drop-data needs --yes when stdin is not a terminal", file=sys.stderr)
        return False
    return input(f"This drops {tenant_id}'s data for good. Type the tenant id to confirm: ").strip() == tenant_id


def _lint_tsql(args: argparse.Namespace) -> int:
    """One line per violation (file:line: [rule] fix), then a count; exit 1 on any violation."""
    from flexlake.warehouses.tsql_lint import lint_compiled_dir  # noqa: PLC0415 - sqlglot, only for this command

    directory: Path = args.directory
    if not directory.is_dir():
        print(
            f"{directory}: not a folder (compile first: dbt compile --no-introspect --target sqlserver)",
            file=sys.stderr,
        )
        return 1
    results = lint_compiled_dir(directory)
    for violations in results.values():
        for violation in violations:
            print(violation)
    files = len(list(directory.rglob("*.sql")))
    count = sum(len(violations) for violations in results.values())
    print(f"{count} T-SQL violations in {len(results)} of {files} files under {directory}")
    return 1 if count else 0


if __name__ == "__main__":
    sys.exit(main())
