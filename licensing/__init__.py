"""License policy and SBOMs for every venv flexlake ships (docs/licensing.md, issue 21)."""
