"""gunicorn's settings for the portal, read from the checkout by lms-web.service (and by `make run`):

    gunicorn --config /srv/lms/docs/deploy/gunicorn.conf.py wsgi:app

Environment (from /etc/lms/lms.env): WEB_CONCURRENCY (workers), GUNICORN_BIND, FORWARDED_ALLOW_IPS, LOG_FORMAT.
"""
import multiprocessing
import os

#: nginx is the only client; nothing else can reach this address.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
#: Synchronous workers: nginx buffers each request and response, so a slow phone holds nginx, not a worker.
#: Each worker needs ~100 MB, plus 64 MiB for each password it is hashing (ARGON2_MEMORY_COST).
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
#: A worker is replaced after 50,000 to 100,000 requests, at random (a slow leak never grows for long: days at a
#: portal's usual pace). Workers start together and share the load evenly, so a narrow spread replaces them together:
#: with 2,000 and a jitter of 200, both workers of a busy 2-worker server were replaced in the same second and, loading
#: the app again (about 1 s each), answered nobody for over a second, every few seconds (p99 1.3 s under wrk,
#: 2026-12-08). Each replacement costs a second of a core; a worker's memory stays flat over 45,000 requests
#: (bench/server_load.py: 125 to 138 MB, 119 MB at start).
max_requests = 50000
max_requests_jitter = 50000
#: Each worker loads the app itself, so `systemctl reload lms-web` (SIGHUP) starts workers on the new code.
preload_app = False
#: gunicornc's control socket goes in the service's runtime directory (/run/lms-web, RuntimeDirectory= in
#: lms-web.service), not in the home folder, which the service may not write; without one, no socket.
if os.environ.get("RUNTIME_DIRECTORY"):
    control_socket = os.path.join(os.environ["RUNTIME_DIRECTORY"], "gunicorn.ctl")
else:
    control_socket_disable = True
#: gunicorn reads X-Forwarded-Proto from these addresses only: nginx on this machine, or nginx's private address
#: when nginx runs on another (docs/deploy.md, "Several app servers"). The app's ProxyFix (TRUSTED_PROXIES=1) reads
#: X-Forwarded-For and -Proto from whoever connects: only nginx may reach GUNICORN_BIND.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
#: The portal is served from the site's root: no request header may set SCRIPT_NAME or PATH_INFO (gunicorn takes
#: them from a trusted forwarder by default), which would draw its pages, links and kept pages under a made-up path.
forwarder_headers = ""

#: gunicorn's own lines (start, stop, worker timeouts) go to stderr, hence to the journal. No gunicorn access
#: log: the app writes one line per request (lms/core/logs.py) with its request id and without the visitor's
#: address or query string, which gunicorn's access log would write.
errorlog = "-"
loglevel = "info"
#: Its lines name no invitation or member: the paths in them are cut to their first segment.
logger_class = "lms.core.gunicorn_logging.MaskedLogger"
accesslog = None

if os.environ.get("LOG_FORMAT", "text").lower() == "json":
    # gunicorn's lines as JSON too, through the app's formatter; the app sees this handler and adds none.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": os.environ.get("LOG_LEVEL", "INFO").upper(), "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
        "handlers": {"json": {"class": "lms.core.logs.StderrHandler", "formatter": "json"}},
        "formatters": {"json": {"()": "lms.core.logs.JsonFormatter"}},
    }
