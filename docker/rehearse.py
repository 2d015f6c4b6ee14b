"""Rehearse the image build without a Docker engine: execute the Dockerfile as written, under a temp root.

Used by scripts/rehearse_image_build.sh (standard library only, any Python 3.11+). It reads the Dockerfile
top to bottom and, under ROOT, does what a builder would:

- ARG / ENV: values are expanded as Docker does, and every image path (/opt/flexlake, /opt/airflow) is moved
  under ROOT, so the install steps write where the image would, only relocated;
- COPY: the sources from the build context, filtered by .dockerignore;
- RUN: the lines that call docker/install.sh run with bash, with the image's environment; the others (only
  the root `install -d` of the prefix) are listed as not rehearsed. A BuildKit cache mount is this
  machine's uv cache, which is what makes the rehearsal take about a minute.

The base image is emulated by a clean environment: this machine's Python 3.12 first on PATH (the base
image's python3.12), AIRFLOW_HOME=/opt/airflow; nothing of the caller's environment leaks in.

Then `verify` checks the result like a running container would: the example tenants mounted at
FLEXLAKE_TENANT_CONFIGS_DIR, `airflow db migrate`, a DagBag over the image's dags folder (zero import
errors, one DAG per tenant, flexlake imported from the image venv), and one tenant end to end with
`airflow dags test`.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

CONTEXT = Path(__file__).resolve().parents[1]
DOCKERFILE = CONTEXT / "Dockerfile"
IMAGE_PREFIXES = ("/opt/flexlake", "/opt/airflow")
INSTALL_STEP = re.compile(r"docker/install\.sh\s+([a-z-]+)")
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# What the base image apache/airflow:3.3.2-python3.12 sets that our steps rely on.
BASE_IMAGE_ENV = {"AIRFLOW_HOME": "/opt/airflow", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
RUN_TENANT = "bluebird_books"
HOST_NETWORK_ENV = re.compile(r"^(PIP_\w+|UV_\w+|\w*_PROXY|SSL_CERT_\w+|\w*CA_BUNDLE)$", re.IGNORECASE)


@dataclass
class Instruction:
    keyword: str
    flags: list[str]
    args: str
    line: int


@dataclass
class Rehearsal:
    root: Path
    python: Path
    env: dict[str, str] = field(default_factory=dict)
    args: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    steps: list[dict[str, object]] = field(default_factory=list)


def read_instructions(dockerfile: Path = DOCKERFILE) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    instructions: list[Instruction] = []
    pending, start = "", 0
    for number, raw in enumerate(dockerfile.read_text().splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        start = start or number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text, pending = pending + line, ""
        keyword, _, rest = text.partition(" ")
        flags = []
        rest = rest.strip()
        while rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            flags.append(flag)
            rest = rest.strip()
        instructions.append(Instruction(keyword.upper(), flags, rest, start))
        start = 0
    return instructions


def install_stages(dockerfile: Path = DOCKERFILE) -> list[str]:
    """The docker/install.sh stages the Dockerfile runs, in order: what the rehearsal executes."""
    return [
        match.group(1)
        for instruction in read_instructions(dockerfile)
        if instruction.keyword == "RUN" and (match := INSTALL_STEP.search(instruction.args))
    ]


def _expand(value: str, variables: dict[str, str]) -> str:
    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1) or match.group(3), match.group(2)
        return variables.get(name) or (default or "")

    return re.sub(r"\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)", substitute, value)


def _remap(value: str, root: Path) -> str:
    """Move image paths under the rehearsal root: /opt/flexlake/x -> ROOT/opt/flexlake/x."""
    pattern = "|".join(re.escape(prefix) for prefix in IMAGE_PREFIXES)
    return re.sub(rf"(?<![\w./-])({pattern})(?=/|:|\s|$)", lambda m: f"{root}{m.group(1)}", value)


def _ignore_patterns() -> list[str]:
    path = CONTEXT / ".dockerignore"
    lines = path.read_text().splitlines() if path.exists() else []
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _glob_regex(pattern: str) -> str:
    """A .dockerignore glob as a regex: `**` spans folders, `*` and `?` stay inside one."""
    regex, index = "", 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            regex, index = regex + "(?:.*/)?", index + 3
        elif pattern.startswith("**", index):
            regex, index = regex + ".*", index + 2
        elif pattern[index] == "*":
            regex, index = regex + "[^/]*", index + 1
        elif pattern[index] == "?":
            regex, index = regex + "[^/]", index + 1
        else:
            regex, index = regex + re.escape(pattern[index]), index + 1
    return regex


def is_ignored(relative: str, patterns: list[str] | None = None) -> bool:
    """.dockerignore semantics: the last matching pattern wins, `!` re-includes, a match on a folder covers
    everything in it."""
    parts = relative.strip("/").split("/")
    candidates = ["/".join(parts[: index + 1]) for index in range(len(parts))]
    ignored = False
    for pattern in _ignore_patterns() if patterns is None else patterns:
        negated = pattern.startswith("!")
        regex = _glob_regex(pattern[1:] if negated else pattern)
        if any(re.fullmatch(regex, candidate) for candidate in candidates):
            ignored = not negated
    return ignored


def _context_files(source: str) -> Iterator[Path]:
    base = CONTEXT / source
    paths = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
    for path in paths:
        if not is_ignored(path.relative_to(CONTEXT).as_posix()):
            yield path


def _copy(rehearsal: Rehearsal, args: str) -> None:
    *sources, dest = shlex.split(args)
    target = Path(_remap(_expand(dest, {**rehearsal.args, **rehearsal.env}), rehearsal.root))
    for source in sources:
        base = CONTEXT / source
        if is_ignored(source) or not base.exists():
            raise SystemExit(f"COPY {source}: not in the build context (missing or excluded by .dockerignore)")
        for path in _context_files(source):
            if base.is_dir():
                destination = target / path.relative_to(base)
            elif dest.endswith("/") or len(sources) > 1:
                destination = target / path.name
            else:
                destination = target
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


def _run(rehearsal: Rehearsal, instruction: Instruction) -> None:
    match = INSTALL_STEP.search(instruction.args)
    if not match:
        rehearsal.steps.append({"line": instruction.line, "run": instruction.args, "rehearsed": False})
        print(f"rehearse: line {instruction.line}: not rehearsed (image only): RUN {instruction.args}", flush=True)
        return
    command = _remap(instruction.args, rehearsal.root)
    print(f"rehearse: line {instruction.line}: RUN {instruction.args}", flush=True)
    started = time.monotonic()
    cwd = Path(_remap(rehearsal.workdir, rehearsal.root))
    cwd.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["bash", "-o", "pipefail", "-c", command], env=rehearsal.env, cwd=cwd, check=False)
    seconds = round(time.monotonic() - started, 1)
    rehearsal.steps.append(
        {"line": instruction.line, "stage": match.group(1), "seconds": seconds, "rc": result.returncode}
    )
    if result.returncode != 0:
        raise SystemExit(f"rehearse: RUN at Dockerfile line {instruction.line} failed ({result.returncode})")


def _set_env(rehearsal: Rehearsal, args: str) -> None:
    variables = {**rehearsal.args, **rehearsal.env}
    for token in shlex.split(args):
        name, _, value = token.partition("=")
        rehearsal.env[name] = _remap(_expand(value, variables), rehearsal.root)


def build(rehearsal: Rehearsal) -> None:
    """Execute the Dockerfile's ARG, ENV, COPY, WORKDIR and install RUN lines under the rehearsal root."""
    rehearsal.env = {
        "PATH": f"{rehearsal.python.parent}:{SYSTEM_PATH}",
        "HOME": os.environ.get("HOME", "/root"),  # this machine's uv cache: the BuildKit cache mount
        "TMPDIR": str(rehearsal.root / "tmp"),
        **{name: _remap(value, rehearsal.root) for name, value in BASE_IMAGE_ENV.items()},
    }
    # The build host's registry, proxy and TLS settings (a builder passes its proxy settings as build args).
    rehearsal.env.update({name: value for name, value in os.environ.items() if HOST_NETWORK_ENV.match(name)})
    for folder in (rehearsal.root / "tmp", Path(rehearsal.env["AIRFLOW_HOME"])):  # the base image has both
        folder.mkdir(parents=True, exist_ok=True)
    for instruction in read_instructions():
        if instruction.keyword == "ARG":
            name, _, default = instruction.args.partition("=")
            rehearsal.args[name] = default.strip('"')
        elif instruction.keyword == "ENV":
            _set_env(rehearsal, instruction.args)
        elif instruction.keyword == "COPY":
            _copy(rehearsal, instruction.args)
        elif instruction.keyword == "WORKDIR":
            rehearsal.workdir = _expand(instruction.args, rehearsal.env)
            Path(_remap(rehearsal.workdir, rehearsal.root)).mkdir(parents=True, exist_ok=True)
        elif instruction.keyword == "RUN":
            _run(rehearsal, instruction)


def _timed(rehearsal: Rehearsal, name: str, command: list[str], env: dict[str, str], timeout: int) -> str:
    print(f"rehearse: {name}: {' '.join(command)}", flush=True)
    started = time.monotonic()
    cwd = Path(_remap(rehearsal.workdir, rehearsal.root))
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    seconds = round(time.monotonic() - started, 1)
    rehearsal.steps.append({"check": name, "seconds": seconds, "rc": result.returncode})
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise SystemExit(f"rehearse: {name} failed ({result.returncode}):\n{_first_failure(output)}")
    return output


def _first_failure(output: str) -> str:
    """The first failed task's traceback, rather than the scheduler's closing noise."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        if "Task failed with exception" in line or "Traceback" in line or "Error:" in line:
            return "\n".join(lines[max(0, index - 5) : index + 40])
    return "\n".join(lines[-40:])


DAGBAG_CHECK = """
import json, os, sys
from airflow.dag_processing.dagbag import DagBag
import flexlake
from flexlake import settings
bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
print("FLEXLAKE_DAGBAG " + json.dumps({
    "dag_ids": sorted(bag.dag_ids),
    "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
    "flexlake_file": flexlake.__file__,
    "python_prefix": sys.prefix,
    "manifest": str(settings.DBT_MANIFEST_PATH),
}))
"""


def verify(rehearsal: Rehearsal, started_at: float) -> dict[str, object]:
    """Run the built prefix like a container: mount the examples, migrate, import every DAG, run one tenant."""
    env = dict(rehearsal.env, FLEXLAKE_TASK_RETRIES="0")
    examples = Path(rehearsal.env["FLEXLAKE_HOME"]) / "examples" / "tenant_configs"
    mounted = Path(env["FLEXLAKE_TENANT_CONFIGS_DIR"])
    shutil.copytree(examples, mounted, dirs_exist_ok=True)  # docker run -v ./tenant_configs:<that dir>
    manifest = Path(env["FLEXLAKE_DBT_MANIFEST_PATH"])
    baked = manifest.stat().st_mtime >= started_at and (manifest.parent / "partial_parse.msgpack").exists()
    venv = Path(env["VIRTUAL_ENV"])
    _timed(rehearsal, "db migrate", [str(venv / "bin" / "airflow"), "db", "migrate"], env, 600)
    output = _timed(rehearsal, "dagbag", [str(venv / "bin" / "python"), "-c", DAGBAG_CHECK], env, 600)
    dagbag = json.loads(output.split("FLEXLAKE_DAGBAG ", 1)[1].splitlines()[0])
    if dagbag["import_errors"]:  # fail before the run, with the cause
        raise SystemExit(f"rehearse: DAG import errors: {json.dumps(dagbag['import_errors'], indent=2)}")
    tenants = sorted(p.stem for p in mounted.glob("*.yaml") if not p.name.startswith("_"))
    dag_id = f"flexlake__{RUN_TENANT}"
    _timed(rehearsal, "dags test", [str(venv / "bin" / "airflow"), "dags", "test", dag_id], env, 1500)
    catalog = Path(env["FLEXLAKE_DATA_DIR"]) / "catalog" / RUN_TENANT
    summary_path = catalog / (catalog / "latest").read_text().strip() / "summary.json"
    summary = json.loads(summary_path.read_text())
    return {
        "manifest_baked_by_this_build": baked,
        "dagbag": dagbag,
        "expected_dag_ids": sorted(f"flexlake__{tenant}" for tenant in tenants),
        "flexlake_from_image_venv": dagbag["flexlake_file"].startswith(str(venv)),
        "tenant_run": {"dag_id": dag_id, "succeeded": True, "dbt": summary.get("dbt")},
    }


def _problems(report: dict[str, object]) -> list[str]:
    dagbag = report["dagbag"]
    assert isinstance(dagbag, dict)
    problems = [f"import error in {path}: {error}" for path, error in dagbag["import_errors"].items()]
    if dagbag["dag_ids"] != report["expected_dag_ids"]:
        problems.append(f"DAGs {dagbag['dag_ids']} != one per tenant {report['expected_dag_ids']}")
    if not report["flexlake_from_image_venv"]:
        problems.append(f"flexlake was imported from {dagbag['flexlake_file']}, not the image venv")
    if not report["manifest_baked_by_this_build"]:
        problems.append("the dbt manifest was not baked by this build")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["plan", "build", "all"])
    parser.add_argument("--root", type=Path, help="rehearsal root (a fresh temp dir)")
    parser.add_argument("--python", type=Path, help="the Python 3.12 standing in for the base image's")
    parser.add_argument("--report", type=Path, help="write a JSON report here")
    options = parser.parse_args(argv)
    if options.command == "plan":
        print("\n".join(install_stages()))
        return 0
    if options.root is None or options.python is None:
        parser.error("build and all need --root and --python")
    rehearsal = Rehearsal(root=options.root.resolve(), python=options.python)
    started_at = time.time()
    report: dict[str, object] = {"root": str(rehearsal.root), "stages": install_stages()}
    try:
        build(rehearsal)
        report["build_seconds"] = round(time.time() - started_at, 1)
        if options.command == "all":
            report.update(verify(rehearsal, started_at))
            problems = _problems(report)
            if problems:
                raise SystemExit("rehearse: " + "; ".join(problems))
        report["ok"] = True
    finally:
        report["steps"] = rehearsal.steps
        report["seconds"] = round(time.time() - started_at, 1)
        if options.report:
            options.report.write_text(json.dumps(report, indent=2))
    print(f"rehearse: done in {report['seconds']} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
