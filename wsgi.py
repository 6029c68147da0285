"""Entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``.

A process that serves requests collects garbage between them, never in the middle of one (lms/core/garbage.py);
the commands of ``flask --app wsgi`` serve none and keep Python's own collection.
"""
from lms import create_app
from lms.core.garbage import CollectBetweenRequests

app = create_app()
app.wsgi_app = CollectBetweenRequests(app.wsgi_app)
