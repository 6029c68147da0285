"""The deployment's gunicorn settings (docs/deploy/gunicorn.conf.py), as the portal runs under them."""
from __future__ import annotations

import os
import runpy
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.server_load import free_port, stop, wait_until_up
from tests.helpers import ROOT

pytestmark = pytest.mark.slow


def test_no_request_header_moves_the_portal_under_another_path(app, database_url, tmp_path):
    """Outside tester: gunicorn took SCRIPT_NAME from a request header of a trusted address, and the portal then drew
    its pages and links under that path, each path a kept page of its own."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "gunicorn-settings-secret-key-0123456789abcd",
           "INSTANCE_PATH": str(tmp_path), "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    command = [str(Path(sys.executable).parent / "gunicorn"), "--config", "docs/deploy/gunicorn.conf.py", "wsgi:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server)
        page = urllib.request.urlopen(urllib.request.Request(f"{base}/sign-in", headers={"SCRIPT_NAME": "/x"}))
        assert 'href="/x/' not in page.read().decode()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(f"{base}/x/sign-in", headers={"SCRIPT_NAME": "/x"}))
        assert refused.value.code == 404
    finally:
        stop(server, 30)


def deployed_settings() -> dict:
    """The names the settings file sets, read as gunicorn reads it (run as a Python file)."""
    env = {key: value for key, value in os.environ.items() if key != "RUNTIME_DIRECTORY"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", env)
        return runpy.run_path(str(ROOT / "docs/deploy/gunicorn.conf.py"))


def replaced_together(limit: int, jitter: int, within: int) -> float:
    """The chance that two workers started together, under an even load, reach their request limits within ``within``
    requests of each other: gunicorn gives each the limit plus a whole number drawn from 0 to ``jitter``."""
    choices = jitter + 1
    close = choices + 2 * sum(choices - gap for gap in range(1, min(within, choices)))
    return close / choices**2


def test_workers_started_together_are_not_replaced_together():
    """Outside tester: with a limit of 2,000 requests and a jitter of 200, both workers of a busy 2-worker server were
    replaced in the same second, and loading the app again (about 1 s each on 2 cores) they answered nobody for over a
    second: p99 1.3 s under wrk, against 70 ms with no limit (2026-12-08). Within 1,000 requests of each other (about
    a second of that load), that happened every time; now seldom, and each worker lives 25 times as long."""
    settings = deployed_settings()
    limit, jitter = settings["max_requests"], settings["max_requests_jitter"]
    assert replaced_together(2000, 200, 1000) == 1.0
    assert replaced_together(limit, jitter, 1000) < 0.05
    assert limit >= 50000
