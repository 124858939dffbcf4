"""The sender's one outcome table (issue 12, point 3): every row reachable, each error class of
broadcaster/errors.py decided by the row meant for it."""

from __future__ import annotations

import pytest

from broadcaster.engine.outcomes import ERROR_TABLE, Account, Delivery, Notice, reason_of, rule_for
from broadcaster.errors import (
    AccountBlocked,
    AddressMoved,
    DeliveryError,
    PermanentError,
    RateLimited,
    RecipientGone,
    RecipientThrottled,
    TransientError,
)


def test_every_row_is_reachable() -> None:
    """A row after one for its base class would never be chosen (first match wins)."""
    for i, later in enumerate(ERROR_TABLE):
        for earlier in ERROR_TABLE[:i]:
            assert not issubclass(later.error, earlier.error), (later.error, earlier.error)


@pytest.mark.parametrize(
    ("error", "account", "delivery", "notice"),
    [
        (RateLimited("slow", retry_after=3), Account.PAUSE, Delivery.WAIT, Notice.LATER),
        (AccountBlocked("no", pause=None), Account.BLOCK, Delivery.HOLD, Notice.LATER),
        (
            RecipientThrottled("pair", retry_after=6),
            Account.UNTOUCHED,
            Delivery.RETRY_AFTER,
            Notice.LATER,
        ),
        (RecipientGone("kicked"), Account.UNTOUCHED, Delivery.REMOVE, Notice.FAIL),
        (AddressMoved("moved", new_address="-200"), Account.UNTOUCHED, Delivery.MOVE, Notice.FAIL),
        (PermanentError("bad"), Account.UNTOUCHED, Delivery.FAIL, Notice.FAIL),
        (TransientError("502"), Account.UNTOUCHED, Delivery.RETRY, Notice.LATER),
        (DeliveryError("odd"), Account.UNTOUCHED, Delivery.RETRY, Notice.FAIL),
        (ConnectionResetError("reset"), Account.UNTOUCHED, Delivery.RETRY, Notice.LATER),
        (KeyError("bug"), Account.UNTOUCHED, Delivery.RETRY, Notice.LATER),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else None,
)
def test_each_error_class_gets_its_row(
    error: Exception, account: Account, delivery: Delivery, notice: Notice
) -> None:
    rule = rule_for(error)
    assert (rule.account, rule.delivery, rule.notice) == (account, delivery, notice)


def test_reasons_read_as_before() -> None:
    """The texts stored with a delivery keep their wording."""
    assert reason_of(rule_for(RecipientGone("x")), RecipientGone("x")) == "recipient gone: x"
    limited = RateLimited("429", retry_after=7.4)
    assert reason_of(rule_for(limited), limited) == "429 (retry after 7 s)"
    assert reason_of(rule_for(OSError("down")), OSError("down")) == "OSError: down"
    assert reason_of(rule_for(KeyError("k")), KeyError("k")) == "unexpected KeyError: 'k'"
