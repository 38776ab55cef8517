"""Fixtures of the deployments API suite: the template-engine suite's (an emulator reopened from one
first start, the operator as a caller, a HTTPS client for ``management.azure.com``)."""

from __future__ import annotations

from tests.iac.conftest import arm, booted, caller, local, sub

__all__ = ["arm", "booted", "caller", "local", "sub"]
