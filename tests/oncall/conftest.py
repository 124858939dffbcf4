"""The dashboard rig of tests/web, for the approve page."""

from tests.web.conftest import web

__all__ = ["web"]
