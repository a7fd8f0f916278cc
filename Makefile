# Two entry points for a fresh Debian machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint typecheck bench clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/quorum serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

# Debian packages the tests need: slapd + ldap-utils for the real LDAP directory in
# tests/ldap. Installed only when missing; a temporary policy-rc.d (exit 101) keeps the
# postinst from starting the system slapd service, and any slapd it started anyway is
# stopped, so nothing listens on 389 afterwards. A policy-rc.d already present is restored.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

system-deps:
	@if [ -x /usr/sbin/slapd ] && [ -x /usr/bin/ldapadd ]; then \
		echo "system-deps: slapd and ldap-utils already installed"; \
	else \
		$(SUDO) sh -ec '\
			policy=/usr/sbin/policy-rc.d; saved=""; \
			if [ -e $$policy ]; then saved=$$(mktemp); cp -p $$policy "$$saved"; fi; \
			restore() { if [ -n "$$saved" ]; then mv -f "$$saved" $$policy; else rm -f $$policy; fi; }; \
			trap restore EXIT; \
			printf "#!/bin/sh\nexit 101\n" > $$policy; chmod 755 $$policy; \
			export DEBIAN_FRONTEND=noninteractive; \
			apt-get update; \
			apt-get install -y --no-install-recommends slapd ldap-utils; \
			for pidfile in /run/slapd/slapd.pid /var/run/slapd/slapd.pid; do \
				if [ -r $$pidfile ]; then kill "$$(cat $$pidfile)" 2>/dev/null || true; fi; \
			done'; \
	fi

test: system-deps lint typecheck
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python -m bench.append
	$(BIN)/python -m bench.catchup
	$(BIN)/python -m bench.login
	$(BIN)/python -m bench.gateway
	$(BIN)/python -m bench.licences

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
