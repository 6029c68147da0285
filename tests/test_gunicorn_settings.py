"""The deployment's gunicorn settings (docs/deploy/gunicorn.conf.py), as the portal runs under them."""
from __future__ import annotations

import os
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
