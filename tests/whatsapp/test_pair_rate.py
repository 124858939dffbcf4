"""Parts of one announcement to one recipient, spaced as Meta's pair rate allows (issue 10,
point 15): a text and its poll went back to back and drew 131056 every time (3–15 per dispatch,
the poll arriving 21 s after the text); after a template fallback the remaining parts were still
tried. The emulator is set to the strict pair rate, one message per 6 s to one number."""

from __future__ import annotations

import time
from pathlib import Path

from adapters.whatsapp import PAIR_INTERVAL, WhatsAppAdapter
from tests.core.harness import rig

from .conftest import free_port, serve, wait_until
from .test_engine import _reset_window, account, residents


def _strict(wa: WhatsAppAdapter) -> None:
    limits = wa.sandbox.state.limits
    limits.pair_burst, limits.pair_interval = 1, PAIR_INTERVAL


async def test_a_poll_follows_its_text_one_pair_interval_later(tmp_path: Path) -> None:
    port = free_port()
    async with rig(tmp_path, accounts=account(port)) as r:
        wa = r.app.adapters["wa"]
        assert isinstance(wa, WhatsAppAdapter)
        async with serve(r.engine, port):
            people = await residents(r, 6)
            store = r.app.store

            async def windows_open() -> bool:
                return all([await store.last_inbound("wa", a) is not None for a, _ in people])

            await wait_until(windows_open)
            _strict(wa)
            started = time.time()
            dispatch = await r.dispatch_now(await r.approved(poll=True))
            await r.engine.drain(30)
            progress = await store.dispatch_progress(dispatch.id)
            assert progress.by_status.get("sent") == len(people)
            state = wa.sandbox.state
            assert state.errors[131056] == 0, dict(state.errors)
            for address, _ in people:
                parts = [m for m in state.accepted if m.to == address and m.at >= started]
                assert [m.type for m in parts] == ["text", "interactive"]
                gap = parts[1].at - parts[0].at
                # no sooner than Meta allows; and not much later (it was 21 s)
                assert PAIR_INTERVAL <= gap < PAIR_INTERVAL + 3, gap


async def test_after_a_template_fallback_the_other_parts_are_skipped_at_once(
    tmp_path: Path,
) -> None:
    port = free_port()
    async with rig(tmp_path, accounts=account(port)) as r:
        wa = r.app.adapters["wa"]
        assert isinstance(wa, WhatsAppAdapter)
        async with serve(r.engine, port):
            people = await residents(r, 4)
            store = r.app.store

            async def windows_open() -> bool:
                return all([await store.last_inbound("wa", a) is not None for a, _ in people])

            await wait_until(windows_open)
            _strict(wa)
            # the first two wrote yesterday (we know it); Meta alone knows the others' window
            # closed too: their text draws 131047, and the template goes instead
            for address, _ in people:
                wa.sandbox.state.residents[address].last_inbound = time.time() - 90_000
            for address, _ in people[:2]:
                wa._windows.pop(address, None)
                await _reset_window(store, address)
            started = time.monotonic()
            dispatch = await r.dispatch_now(await r.approved(poll=True))
            await r.engine.drain(30)
            elapsed = time.monotonic() - started
            progress = await store.dispatch_progress(dispatch.id)
            assert progress.by_status.get("sent") == len(people)
            state = wa.sandbox.state
            assert state.errors[131056] == 0, dict(state.errors)
            assert state.errors[131047] == 2  # one per resident Meta refused, never again
            for address, _ in people:
                kinds = [m.type for m in state.accepted if m.to == address]
                assert kinds == ["template"], kinds
            assert elapsed < PAIR_INTERVAL  # nothing waited for a part that is not sent
