"""The coded lists features share live in lms/vocabulary.py, each label list naming exactly its codes."""
from __future__ import annotations

import ast

import pytest

from lms import vocabulary
from tests.helpers import ROOT


@pytest.mark.parametrize(("codes", "labels"), [
    ("ROLES", "ROLE_LABELS"), ("GENDERS", "GENDER_LABELS"), ("TOPICS", "TOPIC_LABELS"),
    ("GROUP_MODES", "GROUP_MODE_LABELS"),
    ("PRIVACY_MODES", "PRIVACY_LABELS"), ("SURVEY_SUBJECTS", "SUBJECT_LABELS"), ("WAVE_KINDS", "WAVE_LABELS"),
    ("WAVE_KINDS", "WAVE_LABELS_FOR_MEMBERS"), ("SMS_KINDS", "SMS_KIND_LABELS"),
    ("MESSAGE_AUDIENCES", "MESSAGE_AUDIENCE_LABELS"),
])
def test_every_code_has_a_label_and_every_label_a_code(codes, labels):
    assert set(getattr(vocabulary, labels)) == set(getattr(vocabulary, codes))


def test_the_vocabulary_imports_no_model_so_models_can_import_it():
    tree = ast.parse((ROOT / "lms" / "vocabulary.py").read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert {name for name in imported if name.startswith("lms")} == set()
