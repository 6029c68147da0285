# Quick start:  make run   (portal on http://127.0.0.1:5000 with the bundled courses and demo accounts)
#               make test  (the whole suite; TEST_DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
#               make test-fast  (between commits: ruff, then the tests not marked browser, java or slow)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PORT   ?= 5000
FLASK  := $(VENV)/bin/flask --app wsgi
export INSTANCE_PATH ?= $(CURDIR)/instance
# Links in e-mails (a forgotten password, reminders) point at the portal as make run serves it.
export PUBLIC_URL ?= http://127.0.0.1:$(PORT)

WEB_CONCURRENCY ?= 2
# The portal is served as in production: gunicorn with docs/deploy/gunicorn.conf.py, whose only access log
# is the app's (lms/core/logs.py), with no id of a member, an invitation or an answer in it. One secret key
# for every worker (each would otherwise make its own, and sign-ins would not carry from one to the next).
# `flask run` writes every path whole in its log: it is for development only.
SERVE = export SECRET_KEY="$${SECRET_KEY:-$$($(VENV)/bin/python -c 'import secrets; print(secrets.token_hex(32))')}"; \
	GUNICORN_BIND=127.0.0.1:$(PORT) WEB_CONCURRENCY=$(WEB_CONCURRENCY) \
	$(VENV)/bin/gunicorn --config docs/deploy/gunicorn.conf.py wsgi:app

.PHONY: run serve test test-fast install install-dev browser-tools java kannel pg-client prepare translations clean

# The scheduler (survey waves, reminders, answers released in batches) runs in its own process beside the
# web server and stops with it.
run: install prepare
	$(FLASK) demo
	$(FLASK) jobs run & jobs=$$!; trap 'kill $$jobs 2>/dev/null' EXIT INT TERM; \
	  $(SERVE)

# The web server alone, on the database as it is (make run prepares it first).
serve:
	@$(SERVE)

# The suite runs in one process per core (pytest-xdist); each process has its own throwaway database. Bytecode and
# pytest's rewritten test modules are written even where the environment says not to (PYTHONDONTWRITEBYTECODE):
# otherwise every worker compiles every module afresh.
TEST_WORKERS ?= auto
test: install-dev browser-tools java kannel pg-client translations
	$(VENV)/bin/ruff check lms tests bench migrations/env.py
	$(VENV)/bin/bandit -c pyproject.toml -r lms -q
	env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# What a developer runs between commits: no Chromium, no Java, no Kannel, none of the slowest tests (markers in
# pyproject.toml). `make test` runs them all, as CI does.
FAST_TESTS ?= not browser and not java and not kannel and not slow
test-fast: install-dev translations
	$(VENV)/bin/ruff check lms tests bench migrations/env.py
	env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest -q -n $(TEST_WORKERS) -m "$(FAST_TESTS)" $(PYTEST_ARGS)

# The database under instance/ (or DATABASE_URL): migrated, with the bundled courses imported.
prepare: translations
	mkdir -p "$(INSTANCE_PATH)"
	$(FLASK) db upgrade
	$(FLASK) content import courses

translations: install
	$(FLASK) catalogues compile

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/.installed: requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

# Browser tests use the system's Chromium (Playwright cannot download one here) and axe-core from npm.
browser-tools: node_modules/axe-core/axe.min.js
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Browser tests need Chromium: sudo apt-get install chromium"; exit 1; fi; }

# SMS tests run a real Kannel: bearerbox, smsbox, and fakesmsc (kannel-extras) as the phone network
# (tests/kannel.py, on free ports of their own). The package's own service, a WAP gateway the tests do not use,
# is stopped and disabled where systemd started it.
kannel:
	@test -x /usr/sbin/bearerbox -a -x /usr/sbin/smsbox -a -x /usr/lib/kannel/test/fakesmsc || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kannel kannel-extras >/dev/null \
	    && { systemctl disable --now kannel >/dev/null 2>&1 || true; }; \
	  else echo "The SMS tests need Kannel: sudo apt-get install kannel kannel-extras"; exit 1; fi; }

# XLSForm tests run ODK Validate (shipped with pyxform), a Java program.
# On PostgreSQL, the backup tests run pg_dump and pg_restore (flask backup / restore).
pg-client:
	@case "$(TEST_DATABASE_URL)" in postgresql*) command -v pg_restore >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null; \
	  else echo "The backup tests on PostgreSQL need pg_dump: sudo apt-get install postgresql-client"; exit 1; fi; };; esac

java:
	@command -v java >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; \
	  else echo "The XLSForm tests need Java: sudo apt-get install default-jre-headless"; exit 1; fi; }

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) node_modules instance
