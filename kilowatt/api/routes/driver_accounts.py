"""Driver accounts: sign-up, email verification, sign-in/out, password reset, profile."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from kilowatt.api.driver_deps import DriverContextDep, SessionToken, SignedInDriver
from kilowatt.api.schemas.drivers import (
    DriverPublic,
    DriverUpdate,
    PasswordReset,
    PasswordResetRequest,
    SignedIn,
    SignIn,
    SignUpForm,
    VerifyEmail,
)
from kilowatt.domain.errors import AccessDenied
from kilowatt.services import drivers
from kilowatt.services.drivers import SignUp

router = APIRouter(prefix="/driver", tags=["driver account"])


@router.post("/sign-up", status_code=status.HTTP_201_CREATED)
async def sign_up(body: SignUpForm, dctx: DriverContextDep) -> DriverPublic:
    """Create an account; a verification link is mailed. 409: the email has an account."""
    return DriverPublic.of(await drivers.sign_up(SignUp(**body.model_dump()), dctx))


@router.post("/verify-email")
async def verify_email(body: VerifyEmail, dctx: DriverContextDep) -> DriverPublic:
    return DriverPublic.of(await drivers.verify_email(body.token, dctx))


@router.post("/sign-in")
async def sign_in(body: SignIn, dctx: DriverContextDep) -> SignedIn:
    try:
        return SignedIn(token=await drivers.sign_in(body.email, body.password, dctx))
    except AccessDenied as denied:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(denied)) from None


@router.post("/sign-out", status_code=status.HTTP_204_NO_CONTENT)
async def sign_out(_: SignedInDriver, token: SessionToken, dctx: DriverContextDep) -> None:
    await drivers.sign_out(token, dctx)


@router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED)
async def request_password_reset(body: PasswordResetRequest, dctx: DriverContextDep) -> None:
    """Mails a reset link if the account exists; the answer is the same either way."""
    await drivers.request_password_reset(body.email, dctx)


@router.post("/password-reset/confirm")
async def reset_password(body: PasswordReset, dctx: DriverContextDep) -> DriverPublic:
    """Set the new password; every signed-in session ends."""
    return DriverPublic.of(await drivers.reset_password(body.token, body.password, dctx))


@router.get("/me")
async def profile(driver: SignedInDriver) -> DriverPublic:
    return DriverPublic.of(driver)


@router.patch("/me")
async def update_profile(
    body: DriverUpdate, driver: SignedInDriver, dctx: DriverContextDep
) -> DriverPublic:
    changes = body.model_dump(exclude_unset=True)
    return DriverPublic.of(await drivers.update_profile(driver.id, changes, dctx))
