"""Entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``.

Every process that loads this file collects Python's garbage at points of its own (after each response, SQL
statement and job), never inside the interpreter's work, where CPython 3.11 corrupts memory (lms/core/garbage.py).
"""
from lms import create_app
from lms.core import garbage

app = create_app()
app.wsgi_app = garbage.CollectBetweenRequests(app.wsgi_app)
garbage.take_over()
