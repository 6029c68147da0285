"""gunicorn's own log lines, with the paths they name cut to their first segment (docs/deploy/gunicorn.conf.py).

gunicorn writes "Error handling request POST /surveys/invitations/82/answer" when a worker fails or is killed
mid-request, with the time to the second: the invitation id names the member answering an anonymous survey. The
app's own lines mask such values (lms/core/logs.py); gunicorn does not know the app's routes, so it keeps the first
segment only, as the app does for a path no route took.
"""
from __future__ import annotations

from gunicorn import glogging


def masked(value):
    """``/surveys/invitations/82/answer?x=1`` -> ``/surveys/<masked>``; anything else as it is."""
    if not isinstance(value, str) or not value.startswith("/"):
        return value
    first, _slash, rest = value.split("?", 1)[0].lstrip("/").partition("/")
    return f"/{first}" + ("/<masked>" if rest else "")


class MaskedLogger(glogging.Logger):
    def log(self, lvl, msg, *args, **kwargs):
        super().log(lvl, msg, *map(masked, args), **kwargs)

    def error(self, msg, *args, **kwargs):
        super().error(msg, *map(masked, args), **kwargs)

    def warning(self, msg, *args, **kwargs):
        super().warning(msg, *map(masked, args), **kwargs)

    def info(self, msg, *args, **kwargs):
        super().info(msg, *map(masked, args), **kwargs)

    def debug(self, msg, *args, **kwargs):
        super().debug(msg, *map(masked, args), **kwargs)

    def critical(self, msg, *args, **kwargs):
        super().critical(msg, *map(masked, args), **kwargs)

    def exception(self, msg, *args, **kwargs):
        super().exception(msg, *map(masked, args), **kwargs)
