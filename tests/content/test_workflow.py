from __future__ import annotations

import pytest

from content.workflow import (
    TERMINAL,
    TRANSITIONS,
    Action,
    Status,
    allowed_actions,
    next_status,
)

S, A = Status, Action

EXPECTED = {
    (S.draft, A.submit): S.submitted,
    (S.submitted, A.approve): S.approved,
    (S.submitted, A.reject): S.rejected,
    (S.rejected, A.edit): S.draft,
    (S.rejected, A.reopen): S.draft,
    (S.draft, A.edit): S.draft,
    (S.submitted, A.edit): S.draft,
    (S.approved, A.edit): S.draft,
    (S.approved, A.schedule): S.scheduled,
    (S.scheduled, A.start_dispatch): S.dispatching,
    (S.dispatching, A.finish): S.done,
    (S.dispatching, A.start_dispatch): S.dispatching,
    (S.dispatching, A.schedule): S.scheduled,
    (S.draft, A.cancel): S.cancelled,
    (S.submitted, A.cancel): S.cancelled,
    (S.approved, A.cancel): S.cancelled,
    (S.scheduled, A.cancel): S.cancelled,
    (S.dispatching, A.cancel): S.cancelled,
}


def test_transition_table_is_exactly_the_specified_one() -> None:
    assert dict(TRANSITIONS) == EXPECTED


def test_next_status_allows_only_listed_pairs() -> None:
    for status in Status:
        for action in Action:
            assert next_status(status, action) == EXPECTED.get((status, action))


def test_disallowed_actions_return_none_without_raising() -> None:
    assert next_status(S.draft, A.approve) is None  # nobody approves an unsubmitted draft
    assert next_status(S.scheduled, A.edit) is None  # cancel first, then write a new one
    assert next_status(S.done, A.cancel) is None
    assert next_status(S.cancelled, A.reopen) is None


def test_allowed_actions_in_declaration_order() -> None:
    assert allowed_actions(S.draft) == [A.submit, A.edit, A.cancel]
    assert allowed_actions(S.submitted) == [A.approve, A.reject, A.edit, A.cancel]
    assert allowed_actions(S.approved) == [A.edit, A.schedule, A.cancel]
    assert allowed_actions(S.rejected) == [A.edit, A.reopen]
    assert allowed_actions(S.scheduled) == [A.start_dispatch, A.cancel]
    assert allowed_actions(S.dispatching) == [A.schedule, A.start_dispatch, A.finish, A.cancel]
    assert allowed_actions(S.done) == []
    assert allowed_actions(S.cancelled) == []


def test_terminal_statuses() -> None:
    assert frozenset({S.done, S.cancelled}) == TERMINAL


def test_every_status_is_reachable_from_draft() -> None:
    reached = {S.draft}
    frontier = [S.draft]
    while frontier:
        status = frontier.pop()
        for action in allowed_actions(status):
            target = next_status(status, action)
            assert target is not None
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(Status)


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        TRANSITIONS[(S.done, A.reopen)] = S.draft  # type: ignore[index]
    assert next_status(S.done, A.reopen) is None


def test_enum_values_are_their_names() -> None:
    assert all(status.value == status.name for status in Status)
    assert all(action.value == action.name for action in Action)
    assert Status("dispatching") is S.dispatching
