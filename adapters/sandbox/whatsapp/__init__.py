"""A WhatsApp Cloud API emulator (real HTTP on 127.0.0.1): Meta's limits and exact error
bodies, templates and the 24-hour window, simulated residents, signed webhooks, faults.
Run one alone with ``python -m adapters.sandbox.whatsapp --port 8082``."""

from .media import MediaIn
from .server import SIGNATURE_HEADER, CloudSandbox, sign
from .state import CloudLimits, CloudState, Fault, Resident

__all__ = [
    "SIGNATURE_HEADER",
    "CloudLimits",
    "CloudSandbox",
    "CloudState",
    "Fault",
    "MediaIn",
    "Resident",
    "sign",
]
