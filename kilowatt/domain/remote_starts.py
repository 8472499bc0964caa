"""Remote starts, and the transactions they started.

Every RemoteStartTransaction (1.6) or RequestStartTransaction (2.0.1) gets an id from a stored
sequence. A 2.0.1 station echoes it as ``remoteStartId`` in its TransactionEvent; a 1.6
station does not, so the next StartTransaction at that station with the same idTag (on the
requested connector, if one was named) within ``LINK_WINDOW`` is the one it started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

__all__ = ["LINK_WINDOW", "RemoteStartRecord"]

#: How long after a 1.6 RemoteStartTransaction the StartTransaction it caused may come.
LINK_WINDOW: Final = timedelta(minutes=5)
#: Statuses of a request that may lead to a start ("Requested": the answer is on its way).
_MAY_START: Final = frozenset({"Requested", "Accepted"})
#: Station clocks drift: a start may carry a time a little before our request.
_CLOCK_SKEW: Final = timedelta(seconds=30)


@dataclass(slots=True)
class RemoteStartRecord:
    id: int  # the remoteStartId (2.0.1) / our own id (1.6)
    station_id: str
    evse_id: int | None
    id_token: str
    requested_at: datetime
    station_status: str  # the station's answer: Accepted or Rejected
    transaction_id: str | None = None  # the transaction it started, once known
    authorization_reference: str | None = None  # an OCPI START_SESSION's, for its Session/CDR

    def may_have_started(
        self, id_token: str | None, evse_id: int | None, started_at: datetime
    ) -> bool:
        """Could a 1.6 StartTransaction (token, connector, time) be the one this caused?"""
        if self.transaction_id is not None or self.station_status not in _MAY_START:
            return False
        if id_token != self.id_token or (self.evse_id is not None and evse_id != self.evse_id):
            return False
        return self.requested_at - _CLOCK_SKEW <= started_at <= self.requested_at + LINK_WINDOW
