# Peixun: `make run` serves the app on an embedded default; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
DEV_ENV := DEBUG=1

.PHONY: run test serve lint bench migrate demo clean e2e-deps pdf-deps backup restore load faults

$(BIN)/activate: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(BIN)/activate

venv: $(BIN)/activate

run: venv pdf-deps
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py load_demo
	@echo "打开 http://127.0.0.1:8000 （Ctrl+C 停止）"
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test: venv e2e-deps pdf-deps
	@if [ -z "$$DATABASE_URL" ]; then echo "未设置 DATABASE_URL：测试使用 SQLite，Celery 任务在进程内执行（CI 使用 PostgreSQL 和 Redis）"; \
	else echo "测试数据库：$${DATABASE_URL%%\?*}；消息队列：$${CELERY_BROKER_URL:-无（进程内执行）}"; fi
	$(BIN)/ruff check .
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(DEV_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# The browser tests drive Debian's chromium; this installs it (and a CJK font) only when missing.
e2e-deps:
	@scripts/install-chromium.sh

# Certificates and sign-in sheets are PDFs rendered by WeasyPrint: pango and a CJK font, only when missing.
pdf-deps:
	@scripts/install-pdf-deps.sh

lint: venv
	$(BIN)/ruff check .

# Production shape on one machine: gunicorn + Celery worker + beat against PostgreSQL and Redis.
serve: venv pdf-deps
	scripts/serve.sh

# Benchmarks run on demand against PostgreSQL (never in CI): every bench/*.py in turn, each in a scratch
# database of its own. Only the server part of DATABASE_URL is used.
BENCH_DB_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/postgres)
bench: venv
	@status=0; for script in bench/[!_]*.py; do \
	  echo "== $$script"; DATABASE_URL=$(BENCH_DB_URL) $(PY) $$script $(BENCH_ARGS) || status=1; \
	done; exit $$status

# PostgreSQL backups of DATABASE_URL (default: the `make serve` database) into var/backups/.
backup:
	scripts/backup.sh

# Replaces the DATABASE_URL database's contents; asks to type its name first (or CONFIRM=<name>).
restore:
	scripts/restore.sh "$(FILE)"

# On demand: 20 users against `make serve` on loopback for LOAD_SECONDS (60); prints p95 and errors.
load: venv
	scripts/load.sh

# On demand, against a private PostgreSQL and Redis under `make serve`: stop the database while pages are
# requested, kill the Celery worker mid-export, restart Redis with exports queued; prints what it saw.
faults: venv
	$(PY) scripts/faults.py

clean:
	rm -rf var .pytest_cache test-artifacts
