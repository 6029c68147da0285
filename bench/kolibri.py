"""Kolibri on this machine, for the benchmarks that set this portal beside it (compare_kolibri.py, server_load.py).

Nothing is installed here: the caller passes the ``kolibri`` command of a throwaway environment
(``python3 -m venv /tmp/kolibri-venv && /tmp/kolibri-venv/bin/pip install kolibri``).
"""
from __future__ import annotations

import http.client
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.server_load import stop


def provision(kolibri: str, home: Path) -> None:
    """A fresh Kolibri home: one non-formal facility (guests may use it), English, an admin account."""
    env = {**os.environ, "KOLIBRI_HOME": str(home)}
    subprocess.run([kolibri, "manage", "provisiondevice", "--facility", "Bench", "--superusername", "admin",
                    "--superuserpassword", "bench-password-1234", "--preset", "nonformal", "--language_id", "en",
                    "--noinput"], env=env, check=True, capture_output=True, timeout=600)


def guest_redirect(port: int) -> str | None:
    """Where Kolibri sends a guest who opens its root: its sign-in page (``/en/auth/``); None while it starts."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        response.read()
        return response.getheader("Location") if response.status in (301, 302, 303, 307, 308) else None
    except OSError:
        return None
    finally:
        connection.close()


@contextmanager
def running_kolibri(kolibri: str, home: Path, port: int) -> Iterator[subprocess.Popen]:
    """Kolibri provisioned in ``home`` and serving on ``port`` (its own server, as ``kolibri start`` runs it)."""
    provision(kolibri, home)
    env = {**os.environ, "KOLIBRI_HOME": str(home)}
    server = subprocess.Popen([kolibri, "start", "--foreground", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while guest_redirect(port) is None:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("Kolibri did not start")
            time.sleep(1)
        yield server
    finally:
        stop(server, 60)
