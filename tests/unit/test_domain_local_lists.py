"""Local authorization lists: what a list says of a token, and how updates move it on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kilowatt.domain.local_lists import ListEntry, LocalList, entry_for
from kilowatt.domain.tokens import IdToken, TokenStatus, TokenType, WhitelistType

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def token(uid: str, **fields: object) -> IdToken:
    return IdToken(uid, TokenType.RFID, NOW, NOW, **fields)  # type: ignore[arg-type]


def test_a_list_says_what_the_token_decides_and_leaves_out_what_may_never_be_listed() -> None:
    later = NOW + timedelta(days=1)
    assert entry_for(token("A", expires_at=later), "A", NOW) == ListEntry("A", "Accepted", later)
    assert entry_for(token("B", status=TokenStatus.BLOCKED), "B", NOW).status == "Blocked"
    assert entry_for(token("C", expires_at=NOW), "C", NOW).status == "Expired"
    assert entry_for(token("D", whitelist=WhitelistType.NEVER), "D", NOW).status is None
    assert entry_for(None, "E", NOW) == ListEntry("E", None)


def test_a_full_update_lists_by_uid_up_to_the_station_capacity() -> None:
    wanted = [ListEntry("C", "Accepted"), ListEntry("A", "Blocked"), ListEntry("X", None)]
    wanted.append(ListEntry("B", "Accepted"))
    update = LocalList("CP", version=4).full_update(wanted, max_entries=2)
    assert (update.version, update.full) == (5, True)
    assert [e.uid for e in update.entries] == ["A", "B"]


def test_a_differential_update_carries_only_what_the_station_does_not_hold() -> None:
    held = LocalList("CP", version=2, entries={"A": ListEntry("A", "Accepted")})
    assert held.differential([ListEntry("A", "Accepted")]) is None
    assert held.differential([ListEntry("Z", None)]) is None, "removing what is not there"
    update = held.differential([ListEntry("A", "Blocked"), ListEntry("B", "Accepted")])
    assert update is not None
    assert (update.version, update.full, len(update.entries)) == (3, False, 2)


def test_an_accepted_update_moves_the_list_on_and_a_refused_one_leaves_it_pending() -> None:
    held = LocalList("CP", version=1, entries={"A": ListEntry("A", "Accepted")})
    removal = held.differential([ListEntry("A", None), ListEntry("B", "Accepted")])
    assert removal is not None

    held.applied(removal, "VersionMismatch", NOW)
    assert (held.version, list(held.entries), held.pending) == (1, ["A"], True)

    held.applied(removal, "Accepted", NOW)
    assert (held.version, list(held.entries), held.pending) == (2, ["B"], False)
    assert held.last_status == "Accepted" and held.updated_at == NOW
