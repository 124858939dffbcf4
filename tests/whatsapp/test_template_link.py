"""The template sent outside the 24-hour window carries the "Cek keaslian" link (issue 10,
point 16): the default ``template_params = ["title", "body"]`` dropped it, so residents
reached by template could not check the announcement. Now the default carries it and a
template configuration that cannot is refused at start."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from adapters.whatsapp import WhatsAppAdapter
from adapters.whatsapp.settings import WhatsAppSettings
from broadcaster.app import App
from broadcaster.errors import ConfigError
from tests.conftest import make_settings
from tests.core.harness import rig

from .conftest import AdapterFactory, free_port, serve, wait_until
from .test_engine import _reset_window, account, residents
from .test_send import CTX, announcement, sent


def _template_texts(payload: dict[str, object]) -> list[str]:
    template = payload["template"]
    assert isinstance(template, dict)
    return [p["text"] for p in template["components"][0]["parameters"]]


async def test_the_default_template_carries_the_verification_link(
    make_adapter: AdapterFactory,
) -> None:
    wa = await make_adapter(template="pengumuman_resmi")
    to = wa.sandbox.state.new_resident("Pak Budi").wa_id  # never wrote: template only
    assert CTX.verify_url is not None
    for message in wa.render(announcement(["Ya", "Tidak"]), "id", CTX):
        await wa.send(message, to)
    (payload,) = sent(wa, to)
    texts = _template_texts(payload)
    assert texts[0] == "Peringatan Banjir" and CTX.verify_url in texts


@pytest.mark.parametrize("params", [["title", "body"], ["body"], ["title", "short_code"], []])
def test_a_template_that_cannot_carry_the_link_is_refused(params: list[str]) -> None:
    raw = {"sandbox": True, "template": "pengumuman_resmi", "template_params": params}
    with pytest.raises(ConfigError) as caught:
        WhatsAppSettings.parse("wa", raw)
    message = str(caught.value)
    assert "accounts.wa.template_params" in message and "verify_url" in message
    assert "\n" not in message
    # without a template nothing is sent outside the window: no link to carry
    WhatsAppSettings.parse("wa", {"sandbox": True, "template_params": params})


async def test_the_service_refuses_to_start_with_such_a_template(tmp_path: Path) -> None:
    accounts = {
        "wa": {
            "adapter": "whatsapp",
            "sandbox": True,
            "template": "pengumuman_resmi",
            "template_params": ["title", "body"],
        }
    }
    with pytest.raises(ConfigError, match="verify_url"):
        async with App(make_settings(tmp_path, accounts=accounts)) as app:
            # the service builds every account's adapter at start (CLI commands build only
            # the ones they use)
            assert app.adapters


async def test_every_resident_reached_by_template_gets_the_link(tmp_path: Path) -> None:
    port = free_port()
    async with rig(tmp_path, accounts=account(port)) as r:
        wa = r.app.adapters["wa"]
        assert isinstance(wa, WhatsAppAdapter)
        async with serve(r.engine, port):
            people = await residents(r, 3)
            store = r.app.store

            async def windows_open() -> bool:
                return all([await store.last_inbound("wa", a) is not None for a, _ in people])

            await wait_until(windows_open)
            for address, _ in people:  # all wrote yesterday: the window is closed
                wa.sandbox.state.residents[address].last_inbound = time.time() - 90_000
                wa._windows.pop(address, None)
                await _reset_window(store, address)
            record = await r.approved(poll=True)
            await r.dispatch_now(record)
            await r.engine.drain(20)
            link = f"{r.app.settings.service.public_url}/v/{record.short_code}"
            for address, _ in people:
                (payload,) = sent(wa, address)
                assert link in _template_texts(payload)
