"""What the tests of codes by SMS call: the messages queued, the code in one, a member with a confirmed number, and
the forms of the code pages sent as a browser sends them."""
from __future__ import annotations

import re

from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import TextMessage, User
from tests.helpers import post_form

#: A number in Peru, the country of the ``create_user`` fixture's members.
NUMBER = "+51987654321"
OTHER_NUMBER = "+51912345678"
NEW_PASSWORD = "a new password for the union"
CODE = re.compile(r"\b(\d{6})\b")
HIDDEN_INPUTS = re.compile(r'<input[^>]*type="hidden"[^>]*>|<input[^>]*name="csrf_token"[^>]*>')


def texts(phone: str | None = None) -> list[TextMessage]:
    """The SMS queued so far (to ``phone`` only, if given), oldest first."""
    db.session.expire_all()
    query = select(TextMessage).order_by(TextMessage.id)
    if phone is not None:
        query = query.where(TextMessage.phone == phone)
    return list(db.session.scalars(query))


def code_sent_to(phone: str) -> str:
    """The code of the last SMS queued to ``phone``."""
    return CODE.search(texts(phone)[-1].text).group(1)


def confirmed_member(create_user, username: str = "amina", phone: str = NUMBER, **fields) -> User:
    """A member whose number is confirmed, reached by SMS about everything (no e-mail: the default)."""
    user = create_user(username, phone=phone, **fields)
    user.phone_confirmed_at = clock.utcnow()
    db.session.commit()
    return user


def page_text(response) -> str:
    """A page without its hidden inputs (the CSRF token, and the identifier typed carried along)."""
    return HIDDEN_INPUTS.sub("", response.get_data(as_text=True))


def ask_sign_in_code(client, number: str, query: str = ""):
    """"Sign in with a code by SMS", first step; the response closed as a server closes it (the SMS goes then)."""
    response = post_form(client, f"/sign-in/code{query}", {"identifier": number}, page="/sign-in/code")
    response.close()
    return response


def type_sign_in_code(client, number: str, code: str, query: str = ""):
    return post_form(client, f"/sign-in/code/check{query}", {"identifier": number, "code": code},
                     page="/sign-in/code")


def ask_recovery(client, identifier: str):
    """"Forgot your password?"; the response closed, so that the link or code goes."""
    response = post_form(client, "/forgot-password", {"identifier": identifier})
    response.close()
    return response


def recover_with_code(client, identifier: str, code: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return post_form(client, "/forgot-password/code",
                     {"identifier": identifier, "code": code, "password": password,
                      "confirm": password if confirm is None else confirm}, page="/forgot-password")
