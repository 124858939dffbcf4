"""What every web request needs: the store, the core services and the security helpers.

One :class:`WebContext` is built per HTTP app and kept in ``app.state.web`` of both the API and
the dashboard sub-applications.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from fastapi import Request

from ..adapter import Adapter, strictest_poll_limits
from ..announcements import Workflow
from ..config import Settings
from ..directory import Directory
from ..inbox import load_salt
from ..store.contract import Store
from .schemas import ProgressOut, RegionTree
from .security import LoginThrottle, Signer

SESSION_COOKIE = "bc_session"
LANG_COOKIE = "bc_lang"


@dataclass
class WebContext:
    store: Store
    settings: Settings
    adapters: Mapping[str, Adapter]
    workflow: Workflow
    directory: Directory
    signer: Signer
    throttle: LoginThrottle
    #: called after a schedule is created so the in-process scheduler picks it up at once
    on_schedule: Callable[[], Awaitable[None]] | None = None
    #: dispatch id → (monotonic time, progress): see :func:`.views.progress`
    progress_cache: dict[int, tuple[float, ProgressOut]] = field(default_factory=dict)
    #: region code ("" = root) → (monotonic time, tree node): see :func:`.views.region_tree`
    tree_cache: dict[str, tuple[float, RegionTree]] = field(default_factory=dict)

    @classmethod
    def build(cls, store: Store, settings: Settings, adapters: Mapping[str, Adapter]) -> WebContext:
        poll_limits = strictest_poll_limits([a.limits for a in adapters.values()])
        web = settings.web
        return cls(
            store=store,
            settings=settings,
            adapters=adapters,
            workflow=Workflow(store, settings.service.approvals_required, poll_limits),
            directory=Directory(store, {name: type(a) for name, a in adapters.items()}),
            signer=Signer(load_salt(settings.service.data_dir)),
            throttle=LoginThrottle(
                store,
                web.login_attempts,
                web.login_window_seconds,
                account_attempts=web.login_account_attempts,
                address_attempts=web.login_address_attempts,
                max_delay=web.login_max_delay,
            ),
        )

    def verify_url(self, short_code: str) -> str:
        return f"{self.settings.service.public_url.rstrip('/')}/v/{short_code}"


def web_context(request: Request) -> WebContext:
    ctx = request.app.state.web
    assert isinstance(ctx, WebContext)
    return ctx
