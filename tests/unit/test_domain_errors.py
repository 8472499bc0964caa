"""The domain's exceptions form one tree that adapters translate (kilowatt.domain.errors)."""

from __future__ import annotations

import pytest

from kilowatt.domain import errors


@pytest.mark.parametrize(
    ("error", "parent"),
    [
        (errors.InvalidValue, errors.DomainError),
        (errors.NotFound, errors.DomainError),
        (errors.UnknownStation, errors.NotFound),
        (errors.UnknownTransaction, errors.NotFound),
        (errors.UnknownToken, errors.NotFound),
        (errors.Conflict, errors.DomainError),
        (errors.AlreadyExists, errors.Conflict),
        (errors.TransactionNotOwned, errors.Conflict),
        (errors.AccessDenied, errors.DomainError),
        (errors.StationUnavailable, errors.DomainError),
        (errors.StationOffline, errors.StationUnavailable),
        (errors.StationTimeout, errors.StationUnavailable),
        (errors.StationRefused, errors.StationUnavailable),
    ],
)
def test_every_domain_error_has_its_place_in_the_tree(
    error: type[errors.DomainError], parent: type[errors.DomainError]
) -> None:
    assert issubclass(error, parent)


def test_every_exported_error_is_a_domain_error() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.DomainError)


def test_a_refusal_keeps_the_station_s_error_code_and_description() -> None:
    refused = errors.StationRefused("NotSupported", "no such action")
    assert (refused.code, refused.description) == ("NotSupported", "no such action")
    assert str(refused) == "NotSupported: no such action"
