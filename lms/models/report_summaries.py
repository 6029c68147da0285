"""Summaries of the participation figures of periods that have ended, kept by the scheduler (lms/reports/summaries).

Each cell holds what lms/reports/figures.py counts for one period, one course scope ("" all courses, "c:ID" one
course, "t:TOPIC" the courses of a topic) and one combination of the person's country, gender, birth year and
organisation as they were at the end of the period: the counts and their key sums (the raw sums of record keys,
taken modulo 2^31 when read). A dashboard is then a grouped read of its period's cells.

The tables with a birth year are indexed by it after the summary (and the scope): an age band is a range of years of
birth (lms/reports/figures.py, ``age_band_condition``), and its dashboard reads the rows of that range only.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db

#: The column type of the knowledge gain's sums of scores: exact decimals on PostgreSQL, as the figures compute.
SCORE_SUM = sa.Numeric(asdecimal=False)


class ReportSummary(db.Model):
    """One period's summary (a year, a quarter or a month that has ended) and whether it is current."""

    __tablename__ = "report_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    #: The period's first and last moments (UTC), as the records' timestamps compare with them.
    starts_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    #: Raised by database triggers (migration 0036) whenever a record that may move this period's figures is
    #: written, changed or deleted: the summary is current only while ``built_from`` equals it.
    changes: Mapped[int] = mapped_column(default=0)
    #: The value of ``changes`` the cells were built from; None: never built.
    built_from: Mapped[int | None]
    built_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: "Of these, completed" counts the completions before this moment; later ones are added when read.
    completions_cutoff: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (sa.UniqueConstraint("starts_on", "ends_on"),)

    @property
    def current(self) -> bool:
        return self.built_from is not None and self.built_from == self.changes


def _person_columns(organisation: bool = True) -> list[sa.Column]:
    """The course scope and the person's country, gender, birth year and (unless added up over them) union."""
    return [sa.Column("scope", sa.String(48), nullable=False), sa.Column("country", sa.String(2)),
            sa.Column("gender", sa.String(12)), sa.Column("birth_year", sa.Integer),
            *([sa.Column("organisation_id", sa.Integer)] if organisation else [])]


def _score_sums() -> list[sa.Column]:
    """The knowledge gain's sums of mean scores before and after, of the differences and of their squares."""
    return [sa.Column(name, SCORE_SUM, nullable=False)
            for name in ("before_sum", "after_sum", "difference_sum", "squares_sum")]


def _counts(*names: str) -> list[sa.Column]:
    return [column for name in names for column in (sa.Column(name, sa.Integer, nullable=False),
                                                    sa.Column(f"{name}_key", sa.BigInteger, nullable=False))]


def _summary_id() -> sa.Column:
    return sa.Column("summary_id", sa.Integer, sa.ForeignKey("report_summaries.id", ondelete="CASCADE"),
                     nullable=False)


#: Participants, enrolments begun, of these completed (before the summary's cutoff) and completions, per cell.
summary_cells = sa.Table(
    "report_summary_cells", db.metadata, sa.Column("id", sa.Integer, primary_key=True), _summary_id(),
    *_person_columns(), *_counts("participants", "enrolments", "completed_since", "completions"),
    sa.Index("ix_report_summary_cells_summary_id_scope_birth_year", "summary_id", "scope", "birth_year"))

#: ``summary_cells`` added up over organisations: what the participation cube without an organisation among its
#: filters (or its reader's scope) reads, a third of the rows.
summary_cell_totals = sa.Table(
    "report_summary_cell_totals", db.metadata, sa.Column("id", sa.Integer, primary_key=True), _summary_id(),
    *_person_columns(organisation=False), *_counts("participants", "enrolments", "completed_since", "completions"),
    sa.Index("ix_report_summary_cell_totals_summary_id_scope_birth_year", "summary_id", "scope", "birth_year"))

#: Enrolments begun and completions per month of the period, per cell.
summary_months = sa.Table(
    "report_summary_months", db.metadata, sa.Column("id", sa.Integer, primary_key=True), _summary_id(),
    sa.Column("month", sa.String(7), nullable=False), *_person_columns(), *_counts("enrolments", "completions"),
    sa.Index("ix_report_summary_months_summary_id_scope_birth_year", "summary_id", "scope", "birth_year"))

#: ``summary_months`` added up over birth years and organisations: what a trend without an age band or an
#: organisation among its filters reads (a year's: hundreds of rows instead of a hundred thousand).
summary_month_totals = sa.Table(
    "report_summary_month_totals", db.metadata, sa.Column("id", sa.Integer, primary_key=True), _summary_id(),
    sa.Column("month", sa.String(7), nullable=False), sa.Column("scope", sa.String(48), nullable=False),
    sa.Column("country", sa.String(2)), sa.Column("gender", sa.String(12)), *_counts("enrolments", "completions"),
    sa.Index("ix_report_summary_month_totals_summary_id_scope", "summary_id", "scope"))

#: The knowledge gain's sums per cell: the people paired (with their key sum), the sums of their mean scores before
#: and after, of the differences and of their squares.
summary_gains = sa.Table(
    "report_summary_gains", db.metadata, sa.Column("id", sa.Integer, primary_key=True), _summary_id(),
    *_person_columns(), *_counts("people"), *_score_sums(),
    sa.Index("ix_report_summary_gains_summary_id_scope", "summary_id", "scope"))

#: ``summary_gains`` added up over organisations: what the knowledge gain without an organisation among its filters
#: (or its reader's scope) reads.
summary_gain_totals = sa.Table(
    "report_summary_gain_totals", db.metadata, sa.Column("id", sa.Integer, primary_key=True), _summary_id(),
    *_person_columns(organisation=False), *_counts("people"), *_score_sums(),
    sa.Index("ix_report_summary_gain_totals_summary_id_scope_birth_year", "summary_id", "scope", "birth_year"))

#: Per group: the places at its sessions held in the period and the presences at them (figures.attendance), for
#: every group with a session in it; the group's country, mode, organisation and course are read when counted.
summary_attendance = sa.Table(
    "report_summary_attendance", db.metadata, sa.Column("id", sa.Integer, primary_key=True), _summary_id(),
    sa.Column("group_id", sa.Integer, nullable=False), *_counts("places", "presences"),
    sa.Index("ix_report_summary_attendance_summary_id", "summary_id"))

#: Per group run in the period (figures.groups_run): its members who had joined by the period's end, per their
#: gender and birth year then (both None without attributes), with the sum of their record keys.
summary_members = sa.Table(
    "report_summary_members", db.metadata, sa.Column("id", sa.Integer, primary_key=True), _summary_id(),
    sa.Column("group_id", sa.Integer, nullable=False), sa.Column("gender", sa.String(12)),
    sa.Column("birth_year", sa.Integer), *_counts("members"),
    sa.Index("ix_report_summary_members_summary_id_birth_year", "summary_id", "birth_year",
             postgresql_include=["group_id", "gender", "members", "members_key"]))

#: ``summary_members`` added up over birth years: what the people reached without an age band among the filters read
#: (a group and a gender per row).
summary_member_totals = sa.Table(
    "report_summary_member_totals", db.metadata, sa.Column("id", sa.Integer, primary_key=True), _summary_id(),
    sa.Column("group_id", sa.Integer, nullable=False), sa.Column("gender", sa.String(12)), *_counts("members"),
    sa.Index("ix_report_summary_member_totals_summary_id", "summary_id"))

#: ``summary_member_totals`` added up over genders: what the people reached without a gender or an age band among
#: the filters read (a group per row, a third of the rows).
summary_group_totals = sa.Table(
    "report_summary_group_totals", db.metadata, sa.Column("id", sa.Integer, primary_key=True), _summary_id(),
    sa.Column("group_id", sa.Integer, nullable=False), *_counts("members"),
    sa.Index("ix_report_summary_group_totals_summary_id", "summary_id"))

#: Each membership of a person who is a member of more than one group run in the period: what a count of distinct
#: people takes away from the sums of ``summary_members`` when some of their groups count under the same figure.
summary_overlaps = sa.Table(
    "report_summary_overlaps", db.metadata, sa.Column("id", sa.Integer, primary_key=True), _summary_id(),
    sa.Column("group_id", sa.Integer, nullable=False), sa.Column("user_id", sa.Integer, nullable=False),
    sa.Column("gender", sa.String(12)), sa.Column("birth_year", sa.Integer),
    sa.Column("person_key", sa.BigInteger, nullable=False),
    sa.Index("ix_report_summary_overlaps_summary_id", "summary_id"))


#: The trainers of the groups run in the period, with their record key and their gender and birth year at its end
#: (both None without attributes): what the trainers' figures count them by (lms/reports/summaries/trainers.py).
#: Triggers (migration 0046) mark the summary changed when a trainer's attributes or record key move.
summary_trainers = sa.Table(
    "report_summary_trainers", db.metadata, sa.Column("id", sa.Integer, primary_key=True), _summary_id(),
    sa.Column("trainer_id", sa.Integer, nullable=False), sa.Column("record_key", sa.BigInteger, nullable=False),
    sa.Column("gender", sa.String(12)), sa.Column("birth_year", sa.Integer),
    sa.Index("ix_report_summary_trainers_summary_id_trainer_id", "summary_id", "trainer_id", unique=True))


class KeptGenerations(db.Model):
    """Whether the kept generations of promotions (``promotion_generations``) are current: one row, made by the first
    build (lms/reports/summaries/generations.py; migration 0040).

    They hold every promotion made before ``through``; database triggers raise ``changes`` on any write that may move
    one of them (a promotion made before ``through`` inserted, moved or deleted, the trainer of a group with such a
    promotion changed), and they are read only while ``built_from`` equals it.
    """

    __tablename__ = "kept_generations"

    id: Mapped[int] = mapped_column(primary_key=True)
    through: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    changes: Mapped[int] = mapped_column(default=0)
    built_from: Mapped[int | None]
    built_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


#: The generation of each promotion made before ``KeptGenerations.through`` (lms/reports/cascade.py says what a
#: generation is): fixed when the promotion is made, so the same for every period that has ended.
promotion_generations = sa.Table(
    "promotion_generations", db.metadata,
    sa.Column("promotion_id", sa.Integer, sa.ForeignKey("trainer_promotions.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("generation", sa.Integer, nullable=False))
