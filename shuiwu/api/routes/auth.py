"""Registration, login (password or SMS code), refresh, logout, sessions, passwords, contacts."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, BackgroundTasks, Request, Response, status

from shuiwu.api.deps import CurrentSessionId, CurrentUser, SessionDep, client_ip
from shuiwu.api.schemas import (
    ContactChangeIn,
    ContactChangeOut,
    ContactCodeIn,
    ForgotIn,
    LoginIn,
    MeOut,
    MessageOut,
    NotMeIn,
    PasswordChangeIn,
    RefreshIn,
    RegisterIn,
    RegisterOut,
    RegisterVerifyIn,
    ResetIn,
    SessionOut,
    SmsLoginIn,
    SmsSendIn,
    TokenOut,
    UserOut,
)
from shuiwu.config import get_settings
from shuiwu.errors import Forbidden, Unauthorized
from shuiwu.masking import mask_email, mask_phone
from shuiwu.models import User
from shuiwu.services import accounts, messaging, passwords, registration, sessions

router = APIRouter(prefix="/api/v1", tags=["auth"])

REFRESH_COOKIE = "shuiwu_refresh"
COOKIE_PATH = "/api/v1/auth"


def _token_out(response: Response, request: Request, issued: sessions.Issued) -> TokenOut:
    """The access token in the body, the refresh token in an HttpOnly cookie."""
    max_age = int(sessions.lifetime(True).total_seconds()) if issued.auth.remember else None
    response.set_cookie(
        REFRESH_COOKIE,
        issued.refresh_token,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    response.headers["Cache-Control"] = "no-store"
    return TokenOut(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        user=UserOut.model_validate(issued.user),
        session_id=issued.auth.id,
    )


def _start(session, request: Request, user: User, *, method: str, remember: bool,
           device_id: str | None) -> sessions.Issued:
    return sessions.start(
        session, user, method=method, remember=remember, ip=client_ip(request),
        user_agent=request.headers.get("user-agent"), device_id=device_id,
    )


def _check_origin(request: Request) -> None:
    """The refresh cookie is only honoured from our own pages (when the browser says where from)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return
    parts = urlsplit(source)
    origin = f"{parts.scheme}://{parts.netloc}".rstrip("/")
    settings = get_settings()
    own = urlsplit(settings.base_url)
    allowed = {f"{own.scheme}://{own.netloc}", *settings.allowed_origins, str(request.base_url).rstrip("/")}
    if origin not in allowed:
        raise Forbidden("请求来源不被允许")


def _deliver_later(session, background: BackgroundTasks) -> None:
    background.add_task(messaging.deliver, messaging.take_deferred(session))


@router.post("/auth/register", response_model=RegisterOut, status_code=202, summary="注册 / register")
def register(body: RegisterIn, session: SessionDep, request: Request, background: BackgroundTasks) -> dict:
    messaging.defer(session)
    answer = registration.start(
        session, username=body.username, password=body.password,
        password_confirm=body.password_confirm, verify_via=body.verify_via, phone=body.phone,
        email=body.email, display_name=body.display_name, ip=client_ip(request),
    )
    _deliver_later(session, background)
    return answer


@router.post("/auth/register/verify", response_model=TokenOut, status_code=201,
             summary="注册验证并登录 / verify registration")
def register_verify(body: RegisterVerifyIn, session: SessionDep, request: Request,
                    response: Response) -> TokenOut:
    user = registration.verify(session, body.target, body.code, username=body.username,
                               ip=client_ip(request))
    issued = _start(session, request, user, method="register", remember=False, device_id=None)
    return _token_out(response, request, issued)


@router.post("/auth/login", response_model=TokenOut, summary="密码登录 / password login")
def login(body: LoginIn, session: SessionDep, request: Request, response: Response) -> TokenOut:
    user = accounts.authenticate(session, body.username, body.password, ip=client_ip(request))
    issued = _start(session, request, user, method="password", remember=body.remember,
                    device_id=body.device_id)
    return _token_out(response, request, issued)


@router.post("/auth/login/sms/send", response_model=MessageOut, status_code=202,
             summary="发送短信登录验证码 / send an SMS login code")
def login_sms_send(body: SmsSendIn, session: SessionDep, request: Request,
                   background: BackgroundTasks) -> MessageOut:
    messaging.defer(session)
    message = accounts.send_login_code(session, body.phone, ip=client_ip(request))
    _deliver_later(session, background)
    return MessageOut(message=message)


@router.post("/auth/login/sms", response_model=TokenOut, summary="短信验证码登录 / SMS code login")
def login_sms(body: SmsLoginIn, session: SessionDep, request: Request, response: Response) -> TokenOut:
    user = accounts.authenticate_by_code(session, body.phone, body.code, ip=client_ip(request))
    issued = _start(session, request, user, method="sms_code", remember=body.remember,
                    device_id=body.device_id)
    return _token_out(response, request, issued)


@router.post("/auth/refresh", response_model=TokenOut, summary="刷新访问令牌 / rotate the refresh token")
def refresh(session: SessionDep, request: Request, response: Response,
            body: RefreshIn | None = None) -> TokenOut:
    token = (body.refresh_token if body else None) or request.cookies.get(REFRESH_COOKIE)
    if not token:
        raise Unauthorized(sessions.SESSION_ENDED)
    if not (body and body.refresh_token):
        _check_origin(request)
    try:
        issued = sessions.refresh(session, token, ip=client_ip(request))
    except Unauthorized:
        response.delete_cookie(REFRESH_COOKIE, path=COOKIE_PATH)
        raise
    return _token_out(response, request, issued)


@router.post("/auth/logout", status_code=204, summary="退出登录 / log out")
def logout(session: SessionDep, request: Request) -> Response:
    sid = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        try:
            # An expired access token still names the session to end.
            from shuiwu import security

            sid = security.decode_access_token(header[7:].strip(), verify_exp=False).get("sid")
        except Exception:  # a bad token simply names nothing
            sid = None
    cookie = request.cookies.get(REFRESH_COOKIE)
    if cookie and not sid:
        _check_origin(request)
    sessions.logout(session, sid=sid, refresh_token=cookie, ip=client_ip(request))
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(REFRESH_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response


@router.get("/auth/sessions", response_model=list[SessionOut], summary="我的登录设备 / my sessions")
def list_sessions(user: CurrentUser, sid: CurrentSessionId, session: SessionDep) -> list[SessionOut]:
    return [
        SessionOut(id=a.id, device=a.device, place=a.place, created_at=a.created_at,
                   last_seen_at=a.last_seen_at, current=a.id == sid, remember=a.remember)
        for a in sessions.active(session, user)
    ]


@router.delete("/auth/sessions/{session_id}", status_code=204, summary="退出某台设备 / revoke a session")
def revoke_session(session_id: str, user: CurrentUser, session: SessionDep, request: Request) -> Response:
    sessions.revoke(session, user, session_id)
    from shuiwu.services import audit

    audit.record(session, user, "auth.logout", "auth_session", session_id, ip=client_ip(request),
                 by="sessions_page")
    return Response(status_code=204)


@router.post("/auth/sessions/revoke-others", status_code=204, summary="退出其他设备 / revoke the others")
def revoke_others(user: CurrentUser, sid: CurrentSessionId, session: SessionDep, request: Request) -> Response:
    ended = sessions.revoke_all(session, user, reason="revoked", keep=sid)
    from shuiwu.services import audit

    audit.record(session, user, "auth.logout", "user", user.id, ip=client_ip(request), others=ended)
    return Response(status_code=204)


@router.post("/auth/password/forgot", response_model=MessageOut, status_code=202,
             summary="忘记密码：发送验证码 / forgot password")
def password_forgot(body: ForgotIn, session: SessionDep, request: Request,
                    background: BackgroundTasks) -> MessageOut:
    messaging.defer(session)
    message = passwords.forgot(session, body.login, ip=client_ip(request))
    _deliver_later(session, background)
    return MessageOut(message=message)


@router.post("/auth/password/reset", response_model=MessageOut, summary="重置密码 / reset password")
def password_reset(body: ResetIn, session: SessionDep, request: Request) -> MessageOut:
    passwords.reset(session, body.login, body.code, body.password, body.password_confirm,
                    ip=client_ip(request))
    return MessageOut(message=passwords.RESET_DONE)


@router.post("/auth/password/change", response_model=MessageOut, summary="修改密码 / change password")
def password_change(body: PasswordChangeIn, user: CurrentUser, sid: CurrentSessionId,
                    session: SessionDep, request: Request) -> MessageOut:
    passwords.change(session, user, body.old_password, body.password, body.password_confirm,
                     sid=sid, ip=client_ip(request))
    return MessageOut(message=passwords.CHANGED)


@router.post("/auth/contact/send-code", response_model=MessageOut, status_code=202,
             summary="向新手机号或邮箱发送验证码 / code to a new contact")
def contact_send_code(body: ContactCodeIn, user: CurrentUser, session: SessionDep,
                      request: Request) -> MessageOut:
    message = accounts.send_contact_code(session, user, body.channel, body.target, ip=client_ip(request))
    return MessageOut(message=message)


@router.post("/auth/contact/change", response_model=ContactChangeOut,
             summary="更换手机号或邮箱 / change the phone or email")
def contact_change(body: ContactChangeIn, user: CurrentUser, session: SessionDep,
                   request: Request) -> ContactChangeOut:
    changed = accounts.change_contact(session, user, body.channel, body.target, body.code,
                                      ip=client_ip(request))
    return ContactChangeOut(user=me_out(changed))


@router.post("/auth/not-me", response_model=MessageOut, summary="不是我登录的 / not me")
def not_me(body: NotMeIn, session: SessionDep, request: Request) -> MessageOut:
    return MessageOut(message=sessions.not_me(session, body.token, ip=client_ip(request)))


def me_out(user: User) -> MeOut:
    return MeOut(
        id=user.id, username=user.username, display_name=user.display_name, role=user.role.value,
        staff_function=user.staff_function.value if user.staff_function else None,
        phone_masked=mask_phone(user.phone), email_masked=mask_email(user.email),
        phone_verified=user.phone_verified_at is not None,
        email_verified=user.email_verified_at is not None,
    )


@router.get("/me", response_model=MeOut, summary="当前用户 / current user")
def me(user: CurrentUser) -> MeOut:
    return me_out(user)
