"""Learning records as xAPI statements: opaque actors, stable ids, admins only, written to the audit log."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.groups import services as groups
from lms.learn import services as learning
from lms.models import AuditEntry
from tests.helpers import BUNDLED_COURSE, complete_course, sign_in

REQUIRED = {"id", "actor", "verb", "object", "timestamp"}


def records(create_user):
    trainer = create_user("tina", role="trainer")
    member = create_user("rosa", email="rosa@example.org", phone="+51987654321", display_name="Rosa Quispe")
    course = learning.find_course(BUNDLED_COURSE)
    module = next(m for m in course.modules if m.has_quiz)
    learning.submit_quiz(member.id, course, module, {q.slug: [q.choices[0].slug] for q in module.questions})
    complete_course(member.id)
    group = groups.create_group(trainer=trainer, course=course, name="Lima", country="PE", place="Lima",
                                mode="in-person", starts_on=clock.today(), ends_on=clock.today() + timedelta(days=5))
    groups.add_member(group, member)
    groups.record_session(group, held_on=clock.today(), topic="Module 1", present=[member.id])
    db.session.commit()
    return member


def test_statements_have_opaque_actors_and_the_four_verbs(app, app_ctx, library, create_user, tmp_path):
    member = records(create_user)
    out = tmp_path / "xapi.json"
    result = app.test_cli_runner().invoke(args=["reports", "xapi", "--out", str(out)])
    assert result.exit_code == 0, result.output
    found = json.loads(out.read_text())
    verbs = {s["verb"]["display"]["en-US"] for s in found}
    assert {"completed", "passed", "attended"} <= verbs and verbs <= {"completed", "passed", "failed", "attended"}
    text = out.read_text()
    for secret in ("rosa@example.org", "+51987654321", "Rosa Quispe", '"rosa"'):
        assert secret not in text
    for item in found:
        assert REQUIRED <= set(item)
        assert set(item["actor"]["account"]) == {"homePage", "name"} and len(item["actor"]["account"]["name"]) == 32
        assert item["verb"]["id"].startswith("http://adlnet.gov/expapi/verbs/")
        assert item["timestamp"].endswith("Z")
    assert len({s["actor"]["account"]["name"] for s in found}) == 1  # one member, one opaque name
    again = tmp_path / "again.json"
    app.test_cli_runner().invoke(args=["reports", "xapi", "--out", str(again)])
    assert [s["id"] for s in json.loads(again.read_text())] == [s["id"] for s in found]  # stable ids
    entries = list(db.session.scalars(select(AuditEntry)))
    assert [e.action for e in entries] == ["export xapi", "export xapi"]
    assert entries[0].actor.startswith("command line") and entries[0].details["statements"] == len(found)
    del member


def test_only_admins_download_statements_and_each_download_is_audited(app, app_ctx, library, create_user):
    records(create_user)
    create_user("coord", role="coordinator", coordinated_countries=["PE"])
    create_user("admin", role="admin")
    coordinator, admin = app.test_client(), app.test_client()
    sign_in(coordinator, "coord")
    sign_in(admin, "admin")
    assert coordinator.get("/reports/xapi.json").status_code == 403
    response = admin.get("/reports/xapi.json")
    assert response.status_code == 200 and len(response.json) >= 3
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert "export xapi" in log and "admin" in log
    assert coordinator.get("/admin/audit").status_code == 403
