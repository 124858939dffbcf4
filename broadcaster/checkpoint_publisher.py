"""Publishing audit checkpoints on a schedule (``[audit] checkpoint_every_minutes``): POST the
JSON to ``checkpoint_post_url`` and/or queue it as a notice through ``checkpoint_account`` to
``checkpoint_address`` (an email account mails it to the auditor). Run by the scheduler role;
a failure is logged and retried at the next interval, never fatal."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx

from .checkpoint import current_checkpoint
from .config import AuditConfig
from .store.contract import Store

log = logging.getLogger(__name__)


async def publish_once(store: Store, config: AuditConfig, secret: bytes) -> bool:
    """Publish the current checkpoint once; False when the log is empty."""
    checkpoint = await current_checkpoint(store, secret)
    if checkpoint is None:
        return False
    if config.checkpoint_post_url:
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(config.checkpoint_post_url, json=checkpoint.to_json())
            response.raise_for_status()
    if config.checkpoint_account and config.checkpoint_address:
        text = (
            "Titik periksa log audit broadcaster / broadcaster audit checkpoint\n"
            "Simpan di luar sistem / keep it outside the system:\n" + checkpoint.text()
        )
        await store.add_notice(config.checkpoint_account, config.checkpoint_address, text)
    return True


async def publish_checkpoints(
    store: Store, config: AuditConfig, secret: bytes, stopping: asyncio.Event
) -> None:
    """Every ``checkpoint_every_minutes`` until ``stopping`` is set."""
    interval = config.checkpoint_every_minutes * 60
    while not stopping.is_set():
        try:
            await publish_once(store, config, secret)
        except Exception as exc:  # logged, retried next time: auditing must not stop sending
            log.warning("audit checkpoint not published: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), interval)
