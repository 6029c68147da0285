"""Every route of the app, called by every kind of caller: the answer is the one its policy declares.

The routes come from the app's URL map, so a new route without a line in ``POLICY`` fails the suite.
The callers (``WHO``) are a visitor, a member, the trainer who owns the course, group, survey and
workplace used in the URLs, a trainer of another country, the coordinator of their country (Benin),
a coordinator of another country (Peru) and an administrator. Each gets one of three answers:

- ``allowed``: anything but the two below (a page, a redirect to the next step, a form error);
- ``refused``: 403 or 404 (some pages do not admit that someone else's object exists);
- ``sign-in``: the visitor is sent to the sign-in page.

Calls are made as a browser would (a valid CSRF token, no other form data, so that forms that do
act still do nothing harmful), least trusted caller first. Once a caller was allowed to act, the
object may be gone: a later 404 then counts as allowed. SMS is on (a gateway nobody answers), so that the pages
that exist only with a gateway are called too.
"""
from __future__ import annotations

import pytest

from tests.helpers import BUNDLED_COURSE, csrf_token, sign_in
from tests.route_world import WHO, build_world, example_url

EVERYONE = frozenset(WHO)
SIGNED_IN = EVERYONE - {"visitor"}
STAFF = frozenset({"trainer", "other_trainer", "coordinator", "other_coordinator", "admin"})
TRAINERS = frozenset({"trainer", "other_trainer", "admin"})
OWNER = frozenset({"trainer", "admin"})  # the course's editor, the survey's author
MANAGERS = frozenset({"trainer", "coordinator", "admin"})  # of the group or workplace in Benin
REPORTERS = frozenset({"coordinator", "other_coordinator", "admin"})
ADMIN = frozenset({"admin"})
MEMBER = frozenset({"member"})
GROUP = MANAGERS | MEMBER
#: No one with a browser, a visitor included: a machine that proves itself (the SMS gateway's callbacks).
NOBODY: frozenset[str] = frozenset()

C = f"/author/courses/{BUNDLED_COURSE}"
S = "/surveys/manage/workers-voice"
L = f"/courses/{BUNDLED_COURSE}"

GET, POST, BOTH = ("GET",), ("POST",), ("GET", "POST")

#: (rule, methods, who may use it). Example URLs are made by ``example_url``.
POLICY: list[tuple[str, tuple[str, ...], frozenset[str]]] = [
    # Public pages: reading courses, signing in, checking a certificate.
    ("/", GET, EVERYONE), ("/courses", GET, EVERYONE), ("/courses/<slug>", GET, EVERYONE),
    ("/courses/<slug>/lessons/<lesson>", GET, EVERYONE), ("/courses/<slug>/print", GET, EVERYONE),
    ("/favicon.ico", GET, EVERYONE), ("/healthz", GET, EVERYONE), ("/media/<name>", GET, EVERYONE),
    ("/offline", GET, EVERYONE), ("/offline/signed-out", GET, EVERYONE), ("/sw.js", GET, EVERYONE),
    ("/verify/<code>", GET, EVERYONE),
    ("/sign-in", BOTH, EVERYONE), ("/sign-up", BOTH, EVERYONE), ("/sign-out", POST, EVERYONE),
    # "Forgot your password?": the link of the e-mail carries its token in the query (none here: "no longer works").
    ("/forgot-password", BOTH, EVERYONE), ("/reset-password", BOTH, EVERYONE),
    # Codes by SMS (the test runs with a gateway; without one each sends the visitor to the page it stands beside):
    # signing in with one, and a new password with one.
    ("/sign-in/code", BOTH, EVERYONE), ("/sign-in/code/check", POST, EVERYONE),
    ("/forgot-password/code", POST, EVERYONE),
    # One's own account, learning and data.
    ("/profile", BOTH, SIGNED_IN), ("/profile/password", POST, SIGNED_IN), ("/confirm-password", BOTH, SIGNED_IN),
    ("/profile/sessions/sign-out-others", POST, SIGNED_IN),
    # How one may be reached, and one's phone number confirmed by a code.
    ("/profile/channels", POST, SIGNED_IN), ("/profile/phone", BOTH, SIGNED_IN),
    ("/profile/phone/code", POST, SIGNED_IN),
    # (Only an account given a one-time password can set one there; anyone else is sent home, nothing changed.)
    ("/first-password", BOTH, SIGNED_IN), ("/privacy/consent", BOTH, SIGNED_IN), ("/my-data", GET, SIGNED_IN),
    ("/my-data/export.json", GET, SIGNED_IN), ("/my-data/erase", BOTH, SIGNED_IN),
    ("/my-data/consents/withdraw", POST, SIGNED_IN), ("/my-learning", GET, SIGNED_IN),
    ("/courses/<slug>/start", POST, SIGNED_IN), ("/courses/<slug>/lessons/<lesson>/done", POST, SIGNED_IN),
    ("/courses/<slug>/modules/<module>/quiz", BOTH, SIGNED_IN),
    ("/courses/<slug>/modules/<module>/quiz/result", GET, SIGNED_IN),
    ("/courses/<slug>/offline.json", GET, SIGNED_IN), ("/sync/token", GET, SIGNED_IN), ("/sync", POST, SIGNED_IN),
    ("/groups", GET, SIGNED_IN), ("/groups/archived", GET, SIGNED_IN), ("/join", BOTH, SIGNED_IN),
    ("/join/<code>", BOTH, SIGNED_IN),
    ("/surveys", GET, SIGNED_IN),
    # Only the member it belongs to: not their trainer, coordinator or an administrator.
    ("/certificates/<int:course_id>", GET, MEMBER), ("/profile/sessions/<int:session_id>/sign-out", POST, MEMBER),
    ("/surveys/invitations/<int:invitation_id>", BOTH, MEMBER),
    ("/surveys/invitations/<int:invitation_id>/answer", BOTH, MEMBER),
    ("/surveys/invitations/<int:invitation_id>/answer/check", POST, MEMBER),
    ("/surveys/<code>/withdraw", BOTH, MEMBER),
    # A reminder's short link: its member is taken to the survey; anyone else signed in gets the page of a link that
    # does not work (as for no such link), and a visitor signs in first, whatever the token.
    ("/s/<token>", GET, MEMBER),
    # A training group: its trainer, the coordinator of its country, administrators (its members see it).
    ("/groups/<int:group_id>", GET, GROUP), ("/groups/<int:group_id>/code", GET, MANAGERS),
    ("/groups/<int:group_id>/members/bulk", BOTH, MANAGERS), ("/groups/<int:group_id>/sessions", POST, MANAGERS),
    ("/groups/<int:group_id>/paper-scores/<module>", BOTH, MANAGERS),
    ("/groups/<int:group_id>/waves", POST, MANAGERS),
    *[(f"/groups/<int:group_id>{path}", BOTH, MANAGERS) for path in (
        "/edit", "/archive", "/sessions/<int:session_id>", "/sessions/<int:session_id>/delete",
        "/paper-scores/<module>/<int:attempt_id>", "/paper-scores/<module>/<int:attempt_id>/delete")],
    ("/groups/<int:group_id>/certificates", GET, MANAGERS), ("/groups/<int:group_id>/register.xlsx", GET, MANAGERS),
    # Messages to a group (by SMS or e-mail): written, previewed, sent and listed by those who manage it.
    ("/groups/<int:group_id>/messages", GET, MANAGERS), ("/groups/<int:group_id>/messages/new", BOTH, MANAGERS),
    ("/groups/<int:group_id>/messages/send", POST, MANAGERS),
    # A draft's preview: its writer's only (anyone else, a manager of the group too, is told it does not exist).
    ("/groups/<int:group_id>/messages/drafts/<draft_id>", GET, frozenset({"trainer"})),
    ("/groups/<int:group_id>/members/<int:user_id>/promote", POST, frozenset({"coordinator", "admin"})),
    ("/groups/new", BOTH, TRAINERS),
    # Authoring: any trainer starts or imports a course; only its editors (and administrators) change it.
    ("/author/", GET, TRAINERS), ("/author/courses/new", BOTH, TRAINERS), ("/author/import", BOTH, TRAINERS),
    *[(f"/author/courses/<slug>{path}", methods, OWNER) for path, methods in [
        ("", GET), ("/archive", POST), ("/delete", BOTH), ("/editors", POST), ("/export.zip", GET),
        ("/images", POST), ("/lessons/<lesson>", BOTH), ("/lessons/<lesson>/delete", BOTH),
        ("/lessons/<lesson>/history", GET), ("/lessons/<lesson>/history/<int:number>/restore", POST),
        ("/lessons/<lesson>/move", POST), ("/modules", POST), ("/modules/<module>/lessons", POST),
        ("/modules/<module>/delete", BOTH), ("/modules/<module>/move", POST),
        ("/modules/<module>/questions/<question>", BOTH), ("/modules/<module>/questions/<question>/delete", BOTH),
        ("/modules/<module>/questions/<question>/move", POST), ("/modules/<module>/questions/new", BOTH),
        ("/modules/<module>/quiz", BOTH), ("/modules/<module>/title", POST), ("/preview", POST),
        ("/publish", POST), ("/review-rule", POST), ("/texts/<language>", BOTH), ("/translate/<language>", GET),
        ("/translate/<language>/lessons/<lesson>", BOTH), ("/translate/<language>/lessons/<lesson>/review", POST),
        ("/translate/<language>/modules/<module>", BOTH), ("/translate/<language>/modules/<module>/review", POST),
        ("/translate/<language>/page/review", POST)]],
    # Surveys: any trainer or coordinator makes one; only its author (and administrators) change it; the
    # coordinator of the country of its trainings also reads its results.
    ("/surveys/manage", GET, STAFF), ("/surveys/manage/new", BOTH, STAFF), ("/surveys/manage/import", POST, STAFF),
    *[(f"/surveys/manage/<code>{path}", methods, OWNER) for path, methods in [
        ("", GET), ("/delete", BOTH), ("/discard", BOTH), ("/indicators", POST),
        ("/indicators/<indicator>/delete", POST), ("/publish", POST),
        ("/questions", POST), ("/questions/<question>", BOTH), ("/questions/<question>/delete", POST),
        ("/questions/<question>/move", POST), ("/responses", POST), ("/texts/<language>", BOTH),
        ("/waves", POST), ("/xlsform.xlsx", GET)]],
    # Its results as CSV and XLSX: the same readers as the page.
    *[(f"/surveys/manage/<code>/results{path}", GET, OWNER | {"coordinator"}) for path in ("", ".csv", ".xlsx")],
    # Workplaces: any staff member lists those they may see; a workplace's results and rounds are for the
    # trainers of its country (or union), the coordinators of its country (or union) and administrators.
    ("/workplaces", BOTH, STAFF), ("/workplaces/<int:workplace_id>", GET, MANAGERS),
    ("/workplaces/<int:workplace_id>/waves/<int:wave_id>/collect", BOTH, MANAGERS),
    ("/workplaces/<int:workplace_id>/waves/<int:wave_id>/collect/check", POST, MANAGERS),
    ("/workplaces/<int:workplace_id>/edit", BOTH, MANAGERS), ("/workplaces/<int:workplace_id>/delete", BOTH, MANAGERS),
    # Reports: coordinators for their countries (the filters are checked in tests/reports); the donor's
    # exports and the audit log only for administrators.
    ("/reports", GET, REPORTERS), ("/reports/report.<extension>", GET, REPORTERS),
    ("/reports/family-tree", GET, REPORTERS),
    # Homes for staff: a trainer's day (any staff member: the groups they manage), a coordinator's overview.
    ("/today", GET, STAFF), ("/overview", GET, REPORTERS),
    ("/reports/iati.xml", GET, ADMIN), ("/reports/xapi.json", GET, ADMIN),
    ("/admin/audit", GET, ADMIN), ("/admin/organisations", BOTH, ADMIN), ("/admin/messages", GET, ADMIN),
    # People: the list for coordinators (the people of their countries and organisations) and administrators; the
    # rest for administrators only (a form sent empty changes nothing); a new one-time password for a member of
    # the group, by its trainer, the coordinator of its country and administrators.
    ("/admin/people", GET, REPORTERS), ("/admin/people/<int:user_id>", GET, ADMIN),
    ("/admin/people/<int:user_id>/placement", POST, ADMIN), ("/admin/people/<int:user_id>/suspension", BOTH, ADMIN),
    ("/admin/people/<int:user_id>/erase", BOTH, ADMIN), ("/people/<int:user_id>/password", BOTH, MANAGERS),
    ("/admin/organisations/<int:organisation_id>", BOTH, ADMIN),
    ("/admin/organisations/<int:organisation_id>/delete", BOTH, ADMIN),
    # The SMS gateway's callbacks: nobody but the gateway, proven by its secret (404 without a gateway configured).
    ("/sms/delivery", BOTH, NOBODY), ("/sms/incoming", BOTH, NOBODY),
]

#: Calls that change what later calls find (publishing, deleting, joining, withdrawing): made last.
LAST = ("/join/<code>", "/groups/<int:group_id>/members/<int:user_id>/promote", "/surveys/<code>/withdraw",
        "/surveys/manage/<code>/questions/<question>/delete", "/surveys/manage/<code>/discard",
        "/author/courses/<slug>/modules/<module>/questions/<question>/delete",
        "/author/courses/<slug>/lessons/<lesson>/delete", "/author/courses/<slug>/modules/<module>/delete",
        "/author/courses/<slug>/archive", "/author/courses/<slug>/delete", "/my-data/consents/withdraw",
        "/author/courses/<slug>/publish", "/admin/organisations/<int:organisation_id>/delete",
        "/workplaces/<int:workplace_id>/delete", "/surveys/manage/<code>/delete",
        "/groups/<int:group_id>/sessions/<int:session_id>/delete",
        "/groups/<int:group_id>/paper-scores/<module>/<int:attempt_id>/delete", "/groups/<int:group_id>/archive")


def outcome(response) -> str:
    if response.status_code >= 500:
        return f"error {response.status_code}"
    location = response.headers.get("Location", "") if response.status_code == 302 else ""
    if location.startswith("/sign-in"):
        return "sign-in"
    if location.startswith(("/privacy/consent", "/first-password", "/confirm-password")):
        return f"detour to {location}"  # the caller never reached the route: the test must not count it
    if response.status_code in (403, 404):
        return "refused"
    return "allowed"


def routes(app) -> list[tuple[str, str]]:
    return sorted({(rule.rule, method) for rule in app.url_map.iter_rules() if rule.endpoint != "static"
                   for method in rule.methods - {"HEAD", "OPTIONS"}})


def expected(who: str, allowed: frozenset[str]) -> str:
    if who in allowed:
        return "allowed"
    return "sign-in" if who == "visitor" and allowed != NOBODY else "refused"


def calls() -> list[tuple[str, str, frozenset[str]]]:
    """Every (rule, method, allowed) of POLICY: reading first, then acting, then ``LAST`` in its order."""
    flat = [(rule, method, allowed) for rule, methods, allowed in POLICY for method in methods]
    return sorted(flat, key=lambda call: (call[0] in LAST and LAST.index(call[0]), call[1] == "POST", call[0]))


def test_every_route_has_a_policy(app):
    declared = {(rule, method) for rule, method, _allowed in calls()}
    served = set(routes(app))
    assert sorted(served - declared) == [], "routes without a line in POLICY"
    assert sorted(declared - served) == [], "POLICY lines for routes that no longer exist"
    assert len(declared) == len(calls()), "a route is listed twice"


@pytest.mark.slow
def test_every_caller_gets_the_answer_its_policy_declares(app, create_user, library, sms_enabled):
    world = build_world(create_user)

    def signed_in_client(who: str):
        client = app.test_client()
        if who != "visitor":
            assert sign_in(client, "w-" + who.replace("_", "-")).status_code == 302, who
        return client

    clients = {who: signed_in_client(who) for who in WHO}
    tokens = {who: csrf_token(client, "/sign-in" if who == "visitor" else "/profile")
              for who, client in clients.items()}
    wrong = []
    for rule, method, allowed in calls():
        url, used = example_url(rule, world), False
        for who in WHO:
            client = signed_in_client(who) if rule == "/sign-out" else clients[who]
            token = csrf_token(client, "/sign-in" if who == "visitor" else "/profile") if rule == "/sign-out" \
                else tokens[who]
            response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
            got, want = outcome(response), expected(who, allowed)
            if got == "refused" and want == "allowed" and used and response.status_code == 404:
                got = "allowed"  # an earlier caller deleted or consumed what the URL names
            used = used or got == "allowed"
            if got != want:
                wrong.append(f"{method} {url} as {who}: {got} ({response.status_code}), policy says {want}")
    assert wrong == []
