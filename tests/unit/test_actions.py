"""wire.actions.parse: the action words of each operation, and the refusals of others."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

import pytest

from confplane.domain.errors import InvalidCommand, InvalidParams
from confplane.domain.model import CohostAction, LockAction, MuteAction
from confplane.wire import actions

TABLES: list[tuple[str, Mapping[str, Enum], dict[str, Enum]]] = [
    (
        "MUTE_MEMBERS",
        actions.MUTE_MEMBERS,
        {"mute": MuteAction.MUTE, "un_mute": MuteAction.UNMUTE},
    ),
    ("MUTE_ALL", actions.MUTE_ALL, {"mute": MuteAction.MUTE, "unmute": MuteAction.UNMUTE}),
    ("LOCK", actions.LOCK, {"lock": LockAction.LOCK, "unlock": LockAction.UNLOCK}),
    ("COHOSTS", actions.COHOSTS, {"add": CohostAction.ADD, "remove": CohostAction.REMOVE}),
]
IDS = [name for name, _, _ in TABLES]


@pytest.mark.parametrize(("name", "words", "expected"), TABLES, ids=IDS)
def test_each_word_is_its_enum(
    name: str, words: Mapping[str, Enum], expected: dict[str, Enum]
) -> None:
    assert dict(words) == expected
    for word, action in expected.items():
        assert actions.parse(words, word) is action
        assert actions.parse(words, word, required=False) is action


@pytest.mark.parametrize(("name", "words", "expected"), TABLES, ids=IDS)
@pytest.mark.parametrize("empty", ["", None])
def test_an_empty_action_is_required(
    name: str, words: Mapping[str, Enum], expected: dict[str, Enum], empty: str | None
) -> None:
    with pytest.raises(InvalidParams) as raised:
        actions.parse(words, empty)
    assert raised.value.detail == "action is required"


@pytest.mark.parametrize("empty", ["", None])
def test_an_empty_mute_members_action_is_an_invalid_command(empty: str | None) -> None:
    # MuteMembers does not require the action (its seed answers a bad command either way).
    with pytest.raises(InvalidCommand) as raised:
        actions.parse(actions.MUTE_MEMBERS, empty, required=False)
    assert raised.value.detail == f"action must be mute or un_mute, not {empty!r}"


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (actions.MUTE_MEMBERS, "action must be mute or un_mute, not 'x'"),
        (actions.MUTE_ALL, "action must be mute or unmute, not 'x'"),
        (actions.LOCK, "action must be lock or unlock, not 'x'"),
        (actions.COHOSTS, "action must be add or remove, not 'x'"),
    ],
    ids=IDS,
)
@pytest.mark.parametrize("required", [True, False])
def test_an_unknown_word_is_an_invalid_command(
    words: Mapping[str, Enum], message: str, required: bool
) -> None:
    with pytest.raises(InvalidCommand) as raised:
        actions.parse(words, "x", required=required)
    assert raised.value.detail == message


@pytest.mark.parametrize(
    ("words", "word"),
    [
        # Words are matched exactly: no case folding, no other table's spelling.
        (actions.MUTE_MEMBERS, "MUTE"),
        (actions.MUTE_MEMBERS, "unmute"),
        (actions.MUTE_MEMBERS, "shout"),
        (actions.MUTE_ALL, "un_mute"),
        (actions.LOCK, "Lock"),
        (actions.LOCK, "open"),
        (actions.LOCK, " lock"),
        (actions.COHOSTS, "ADD"),
    ],
)
def test_near_misses_are_invalid_commands(words: Mapping[str, Enum], word: str) -> None:
    with pytest.raises(InvalidCommand):
        actions.parse(words, word)
