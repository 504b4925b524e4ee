"""Staff accounts and sign-in: how people (the dashboard) reach a school's lessons without its API key.

A school's operator creates accounts (admin key); a member signs in with username and password and gets a
random session token (only its hash is stored) that expires, and signs out by deleting it. A token opens
exactly its school's lessons, like that school's API key.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from edcontrol.service.deps import admin, bearer_token, db, signed_in_user, tenant
from edcontrol.service.passwords import DUMMY_HASH, WeakPassword, hash_password, verify_password
from edcontrol.service.store import Tenant, User, UserSession, hash_key, now

router = APIRouter(tags=["sign-in"])


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=200, pattern=r"^[^\s]+$")
    password: str = Field(min_length=1, max_length=1000)


class UserOut(BaseModel):
    id: str
    tenant_id: str
    username: str


class SessionOut(BaseModel):
    token: str = Field(description="send as `Authorization: Bearer <token>`; shown once")
    expires_at: datetime
    username: str
    tenant_id: str
    tenant_name: str


class CallerOut(BaseModel):
    tenant_id: str
    tenant_name: str
    username: str | None
    via: Literal["api_key", "session"]


def create_user(s: Session, tenant_id: str, username: str, password: str) -> User:
    """Shared by the API and ``edcontrol user create``; raises ValueError for a taken name or weak password."""
    if s.get(Tenant, tenant_id) is None:
        raise LookupError(f"no school with id {tenant_id}")
    user = User(tenant_id=tenant_id, username=username.strip().lower(), password_hash=hash_password(password))
    s.add(user)
    try:
        s.commit()
    except IntegrityError:
        s.rollback()
        raise ValueError(f"the username {user.username!r} is taken") from None
    return user


@router.post("/v1/tenants/{tenant_id}/users", status_code=201, response_model=UserOut, dependencies=[Depends(admin)])
def add_user(tenant_id: str, body: UserIn, s: Session = Depends(db)) -> UserOut:
    try:
        user = create_user(s, tenant_id, body.username, body.password)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except (ValueError, WeakPassword) as exc:
        raise HTTPException(409 if "taken" in str(exc) else 422, str(exc)) from None
    return UserOut(id=user.id, tenant_id=user.tenant_id, username=user.username)


@router.post("/v1/auth/sessions", status_code=201, response_model=SessionOut)
def sign_in(body: UserIn, request: Request, s: Session = Depends(db)) -> SessionOut:
    """Username and password -> a session token. The same answer for an unknown name and a wrong password."""
    user = s.scalar(select(User).where(User.username == body.username.strip().lower()))
    ok = verify_password(body.password, user.password_hash if user else DUMMY_HASH)
    if user is None or not ok:
        raise HTTPException(401, "wrong username or password")
    token = secrets.token_urlsafe(32)
    expires = now() + timedelta(seconds=request.app.state.settings.session_ttl_s)
    s.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at < now()))
    s.add(UserSession(token_hash=hash_key(token), user_id=user.id, expires_at=expires))
    s.commit()
    school = s.get(Tenant, user.tenant_id)
    return SessionOut(
        token=token, expires_at=expires, username=user.username, tenant_id=user.tenant_id, tenant_name=school.name
    )


@router.get("/v1/auth/me", response_model=CallerOut)
def who_am_i(
    t: Tenant = Depends(tenant),
    authorization: Annotated[str | None, Header()] = None,
    s: Session = Depends(db),
) -> CallerOut:
    token = bearer_token(authorization)
    user = signed_in_user(s, token) if token else None
    return CallerOut(
        tenant_id=t.id,
        tenant_name=t.name,
        username=user.username if user else None,
        via="session" if user else "api_key",
    )


@router.delete("/v1/auth/sessions/current", status_code=204)
def sign_out(authorization: Annotated[str | None, Header()] = None, s: Session = Depends(db)) -> None:
    token = bearer_token(authorization)
    if token is None:
        raise HTTPException(400, "no session token (Authorization: Bearer ...) to sign out")
    s.execute(delete(UserSession).where(UserSession.token_hash == hash_key(token)))
    s.commit()
