"""A WAHA gateway emulator (real HTTP on 127.0.0.1): community groups with members, sendText,
sendPoll, group listing, session status, HMAC-signed webhooks, ban-precursor faults (463, 475)."""

from .server import HMAC_HEADER, Group, SentMessage, WahaSandbox, sign

__all__ = ["HMAC_HEADER", "Group", "SentMessage", "WahaSandbox", "sign"]
