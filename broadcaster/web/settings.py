"""``[web]`` settings: the dashboard's cookies, sessions, login throttling, verification page."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WebConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    #: Secure cookies are sent over https only. Turn off only for plain http on 127.0.0.1.
    secure_cookies: bool = True
    session_hours: float = Field(12, gt=0)
    #: failed logins allowed per (username, client address) within ``login_window_seconds``
    login_attempts: int = Field(5, ge=1)
    login_window_seconds: float = Field(300, gt=0)
    #: failures of one account (from any address) and from one address (for any account)
    #: before each further attempt waits a doubling delay, capped at ``login_max_delay``
    login_account_attempts: int = Field(10, ge=1)
    login_address_attempts: int = Field(20, ge=1)
    login_max_delay: float = Field(60, gt=0)
    #: the public page /v/CODE names the approvers (else only their roles)
    show_approver_names: bool = False


class PortalConfig(BaseModel):
    """``[portal]``: the public portal (``/``, ``/wilayah/CODE``, feeds, embed; docs/portal.md)."""

    model_config = ConfigDict(extra="forbid")

    #: public poll results never show a region with fewer answers than this (docs/portal.md)
    min_count: int = Field(5, ge=1)
    #: announcements per page (and per feed)
    page_size: int = Field(20, ge=1, le=100)
