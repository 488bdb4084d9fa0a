# Two commands matter: `make run` (set up, migrate, load demo data, serve) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Writing bytecode makes every pytest start seconds faster.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test setup system-deps migrate demo lint format check bench clean

run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Serving on http://127.0.0.1:8000 (staff pages), /admin/ (back office), /api/docs/ (API)."
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed-dev
	$(BIN)/pytest -n $(or $(PYTEST_WORKERS),auto) $(PYTEST_ARGS)

setup: $(VENV)/.installed-dev

# mysqlclient compiles from source: it needs pkg-config, a C compiler and MySQL client headers.
system-deps:
	@if ! pkg-config --exists mariadb 2>/dev/null && ! pkg-config --exists mysqlclient 2>/dev/null \
	    || ! command -v cc >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing build dependencies for mysqlclient (pkg-config, gcc, libmariadb-dev)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      pkg-config gcc libmariadb-dev python3-dev python3-venv >/dev/null; \
	  else \
	    echo "Missing system packages for mysqlclient. Install them with:" >&2; \
	    echo "  sudo apt-get install pkg-config gcc libmariadb-dev python3-dev python3-venv" >&2; \
	    exit 1; \
	  fi; \
	fi

$(VENV)/.installed: requirements.txt | system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $(VENV)/.installed $@

migrate: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(VENV)/.installed-dev
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: $(VENV)/.installed
	$(BIN)/python manage.py benchmark

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
