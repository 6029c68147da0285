"""Long lists: a page at a time, sorted and searched as the query string asks, strange values ignored."""
from __future__ import annotations

from sqlalchemy import select

from lms.core.listing import listing
from lms.models import User

SORTS = {"name": User.display_name, "username": User.username}


def page_of(app, query_string: str, **options):
    with app.test_request_context(f"/any?{query_string}"):
        return listing(select(User), sorts=SORTS, default="name", search_in=(User.display_name, User.username),
                       tiebreak=User.id, **options)


def names(page) -> list[str]:
    return [user.display_name for user in page.items]


def test_pages_hold_per_page_rows_and_the_last_page_what_is_left(app_ctx, create_user):
    for number in range(7):
        create_user(f"person{number}", display_name=f"Person {number}")
    first, last = page_of(app_ctx, "", per_page=3), page_of(app_ctx, "page=3", per_page=3)
    assert (first.total, first.pages, names(first)) == (7, 3, ["Person 0", "Person 1", "Person 2"])
    assert (names(last), last.first, last.last) == (["Person 6"], 7, 7)


def test_a_page_past_the_end_or_not_a_number_shows_a_real_page(app_ctx, create_user):
    for number in range(4):
        create_user(f"person{number}", display_name=f"Person {number}")
    assert page_of(app_ctx, "page=99", per_page=3).page == 2
    assert page_of(app_ctx, "page=-1", per_page=3).page == 1
    assert page_of(app_ctx, "page=9999999999999", per_page=3).page == 1


def test_sorting_by_a_known_column_both_ways_and_an_unknown_one_falls_back(app_ctx, create_user):
    create_user("zed", display_name="Ana")
    create_user("amy", display_name="Zoe")
    assert names(page_of(app_ctx, "sort=username")) == ["Zoe", "Ana"]
    assert names(page_of(app_ctx, "sort=-name")) == ["Zoe", "Ana"]
    fallback = page_of(app_ctx, "sort=password_hash")
    assert (names(fallback), fallback.sort, fallback.descending) == (["Ana", "Zoe"], "name", False)


def test_every_word_must_match_some_column_in_any_case_and_wildcards_are_plain_text(app_ctx, create_user):
    create_user("awa-cotonou", display_name="Awa Diallo")
    create_user("awa-lima", display_name="Awa Quispe")
    create_user("percent", display_name="100% union")
    assert names(page_of(app_ctx, "q=AWA+cotonou")) == ["Awa Diallo"]
    assert names(page_of(app_ctx, "q=%25")) == ["100% union"]
    assert names(page_of(app_ctx, "q=_")) == []


def test_links_keep_the_search_and_flip_the_order_of_the_sorted_column(app_ctx, create_user):
    create_user("one", display_name="One")
    with app_ctx.test_request_context("/admin/audit?q=one&sort=name&page=1"):
        page = listing(select(User), sorts=SORTS, default="name", search_in=(User.username,))
        assert "q=one" in page.sort_url("name") and "sort=-name" in page.sort_url("name")
        assert page.order_of("name") == "ascending" and page.order_of("username") == "none"
        assert "page=2" in page.url(page=2) and "page" not in page.url(page=1)
