"""Survey logic as XLSForm writes it: skip logic, constraints, conditional requirements, calculations, choice filters
and pages (expressions.py reads the expressions, evaluation.py applies them to a response)."""
from lms.surveys.logic.evaluation import Evaluation, LogicTooSlow, Page, defaults, evaluate, pages
from lms.surveys.logic.expressions import ExpressionError, check_expression

__all__ = ["Evaluation", "ExpressionError", "LogicTooSlow", "Page", "check_expression", "defaults", "evaluate", "pages"]
