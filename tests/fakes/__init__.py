"""Test doubles of systems that cannot run here (an Airbyte server)."""
