"""`flask translate stats`: the interface and the courses, language by language, in aligned columns."""
from __future__ import annotations

from sqlalchemy import select

from lms.author.services import mark_reviewed, text_in
from lms.extensions import db
from lms.models import Course, Module
from lms.translate.progress import progress_table
from tests.helpers import BUNDLED_COURSE, forget_language


def test_stats_show_the_interface_next_to_each_courses_texts(app, app_ctx, library, create_user):
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    module = db.session.scalar(select(Module).where(Module.course_id == course.id, Module.slug == "what-and-who"))
    mark_reviewed(course, text_in(module.translations, "km"), create_user("rui", role="trainer"))
    db.session.commit()
    forget_language(BUNDLED_COURSE, "pt")
    result = app.test_cli_runner().invoke(args=["translate", "stats"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = lines[0]
    assert header.split() == ["language", "interface", "fuzzy", "missing", "course", "lessons", "t/r/o/m", "quiz",
                              "texts", "t/r/o/m", "course", "page"]
    rows = {(line.split()[0] if not line.startswith(" ") else "", course_of(line)): line for line in lines[1:]
            if BUNDLED_COURSE in line or "womens-leadership" in line}
    km = rows["km", BUNDLED_COURSE]
    assert km.split() == ["km", "100.0%", "0.0%", "0.0%", BUNDLED_COURSE, "12/0/0/0", "4/1/0/0", "draft"]
    assert rows["pt", BUNDLED_COURSE].split()[-3:] == ["0/0/0/12", "0/0/0/4", "missing"]
    assert rows["", "womens-leadership"].split()[-3:] == ["12/0/0/0", "4/0/0/0", "draft"]
    # Aligned: each column starts where its heading does.
    for heading in ("course", "lessons t/r/o/m", "quiz texts t/r/o/m", "course page"):
        start = header.index(heading)
        assert all(line[start - 2:start] == "  " and line[start] != " " for line in rows.values()), heading


def course_of(line: str) -> str:
    return next(word for word in line.split() if word in (BUNDLED_COURSE, "womens-leadership"))


def test_stats_count_fuzzy_and_missing_interface_messages(app_ctx, tmp_path):
    (tmp_path / "messages.pot").write_text(
        'msgid ""\nmsgstr ""\n\nmsgid "One"\nmsgstr ""\n\nmsgid "Two"\nmsgstr ""\n\nmsgid "Three"\nmsgstr ""\n\n'
        'msgid "Four"\nmsgstr ""\n')
    po = tmp_path / "fr" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n\nmsgid "One"\nmsgstr "Un"\n\nmsgid "Two"\nmsgstr "Deux"\n\n'
                  '#, fuzzy\nmsgid "Three"\nmsgstr "Trois"\n')
    fr = next(line for line in progress_table(tmp_path).splitlines() if line.startswith("fr "))
    assert fr.split()[:4] == ["fr", "50.0%", "25.0%", "25.0%"]
