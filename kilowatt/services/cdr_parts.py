"""The parts of a CDR taken from the registry and the meter: where, who, and signed data."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from kilowatt.domain.cdrs import CdrLocation, CdrToken, SignedData, SignedValue
from kilowatt.domain.locations import default_evse_uid
from kilowatt.domain.tokens import IdToken
from kilowatt.domain.transactions import MeterSample, Transaction
from kilowatt.services.context import ServiceContext
from kilowatt.services.tariffs import AppliedTariff

__all__ = ["cdr_location", "cdr_token", "signed_data"]

NOT_AVAILABLE = "#NA"  # OCPI's value for what is not known
_ZERO = Decimal(0)

# OCPP IdTokenType (2.0.1; 1.6 cards are ISO14443) → OCPI TokenType
_TOKEN_TYPES = {
    "ISO14443": "RFID",
    "ISO15693": "RFID",
    "Central": "APP_USER",
    "eMAID": "APP_USER",
    "NoAuthorization": "AD_HOC_USER",
}

_NATURES = {"Transaction.Begin": "Start", "Transaction.End": "End"}


def cdr_location(applied: AppliedTariff, transaction: Transaction) -> CdrLocation:
    """The location, EVSE and connector now; ``#NA`` where the registry has nothing."""
    location, evse, connector = applied.location, applied.evse, applied.connector
    evse_number = transaction.evse_id or 0
    evse_uid = evse.uid if evse else default_evse_uid(transaction.station_id, evse_number)
    return CdrLocation(
        id=location.id if location else NOT_AVAILABLE,
        name=location.name if location else None,
        address=location.address if location else NOT_AVAILABLE,
        city=location.city if location else NOT_AVAILABLE,
        postal_code=location.postal_code if location else None,
        state=location.state if location else None,
        country=location.country if location else NOT_AVAILABLE,
        latitude=location.latitude if location else _ZERO,
        longitude=location.longitude if location else _ZERO,
        evse_uid=evse_uid,
        evse_id=(evse.evse_code if evse else None) or evse_uid,
        connector_id=str(connector.connector_id if connector else transaction.connector_id or 1),
        connector_standard=str(connector.standard) if connector else "IEC_62196_T2",
        connector_format=str(connector.format) if connector else "SOCKET",
        connector_power_type=str(connector.power_type) if connector else "AC_3_PHASE",
    )


def cdr_token(transaction: Transaction, token: IdToken | None, ctx: ServiceContext) -> CdrToken:
    """The token that started the session; one we do not know is typed from OCPP."""
    uid = transaction.id_token or NOT_AVAILABLE
    if token is not None:
        return CdrToken(
            uid,
            str(token.type),
            token.contract_id or uid,
            token.country_code or ctx.billing.country_code,
            token.party_id or ctx.billing.party_id,
        )
    kind = _TOKEN_TYPES.get(transaction.id_token_type or "", "OTHER")
    if transaction.id_token is None:
        kind = "AD_HOC_USER"
    return CdrToken(uid, kind, uid, ctx.billing.country_code, ctx.billing.party_id)


def signed_data(samples: Sequence[MeterSample]) -> SignedData | None:
    """The station's signed meter values; OCMF is recognised, anything else is "Other"."""
    if not samples:
        return None
    values = tuple(
        SignedValue(
            _NATURES.get(sample.context, "Intermediate"),
            _plain(sample),
            sample.signed_data or "",
        )
        for sample in samples
    )
    ocmf = all((sample.signed_data or "").startswith("OCMF|") for sample in samples)
    return SignedData("OCMF" if ocmf else "Other", values)


def _plain(sample: MeterSample) -> str:
    """The readable part: OCMF's payload section, else the reading the signature covers."""
    signed = sample.signed_data or ""
    if signed.startswith("OCMF|") and signed.count("|") >= 2:
        return signed.split("|", 2)[1]
    value = "" if not sample.value.is_finite() else f"{sample.value} {sample.unit} "
    return f"{value}{sample.measurand} at {sample.measured_at.isoformat()}".strip()
