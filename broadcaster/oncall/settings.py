"""``[oncall]`` settings: which account sends alerts on each channel, and when to escalate."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

CHANNELS = ("telegram", "email", "whatsapp")


class OncallConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: minutes without an approval before the next on-call verifier, then the admins, are told
    escalate_after: float = Field(10.0, gt=0)
    #: seconds between scans for emergencies needing alerts (a submit wakes the scan at once)
    scan_seconds: float = Field(5.0, gt=0)
    #: channel ("telegram", "email", "whatsapp") -> the account whose notices carry the alerts;
    #: a channel without one cannot alert (``oncall add`` warns, the alert task logs it)
    accounts: dict[str, str] = Field(default_factory=dict)
    #: the rota's windows are in this timezone ("" = [service] timezone)
    timezone: str = ""
