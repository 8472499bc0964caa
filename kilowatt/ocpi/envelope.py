"""The OCPI response envelope, its errors and pagination (transport_and_format, status_codes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import JSONResponse

from kilowatt.domain.tariff_json import jsonable, timestamp_to_ocpi
from kilowatt.ports import OcpiPage, UpdatedWindow

__all__ = ["MAX_LIMIT", "OcpiError", "Paging", "PagingDep", "envelope", "ok", "page_response"]

MAX_LIMIT = 100


class OcpiError(Exception):
    """Answered as an OCPI envelope with ``status_code`` and the HTTP ``http_status``."""

    def __init__(self, http_status: int, status_code: int, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.status_code = status_code


def envelope(data: Any, status_code: int = 1000, message: str = "Success") -> dict[str, Any]:
    document: dict[str, Any] = {"status_code": status_code, "status_message": message}
    if data is not None:
        document["data"] = jsonable(data)
    return document | {"timestamp": timestamp_to_ocpi(datetime.now(UTC).replace(microsecond=0))}


def ok(data: Any = None) -> JSONResponse:
    return JSONResponse(envelope(data))


class Paging:
    """``offset``, ``limit`` (capped at MAX_LIMIT) and ``date_from``/``date_to``."""

    def __init__(
        self,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1)] = MAX_LIMIT,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
    ) -> None:
        self.offset = offset
        self.limit = min(limit, MAX_LIMIT)
        self.window = UpdatedWindow(_aware(date_from), _aware(date_to))


PagingDep = Annotated[Paging, Depends()]


def _aware(moment: datetime | None) -> datetime | None:
    """OCPI timestamps without a zone are UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def page_response(
    request: Request, paging: Paging, page: OcpiPage[Any], items: Sequence[Any]
) -> JSONResponse:
    """The envelope with X-Total-Count, X-Limit and, unless this is the last page, Link next
    (the request's own URL and filters with the next offset)."""
    headers = {"X-Total-Count": str(page.total), "X-Limit": str(paging.limit)}
    following = paging.offset + len(page.items)
    if following < page.total:
        url = request.url.include_query_params(offset=following, limit=paging.limit)
        headers["Link"] = f'<{url}>; rel="next"'
    return JSONResponse(envelope(list(items)), headers=headers)
