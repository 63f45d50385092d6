# Tarbox build. `make run` shows it working end to end; `make test` is what CI runs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON   ?= python3
VENV     := $(CURDIR)/.venv
PY       := $(VENV)/bin/python
TARBOX   := $(VENV)/bin/tarbox
CACHE    := $(CURDIR)/.cache

PG_MAJOR ?= 15
DEB_PACKAGES := postgresql postgresql-plpython3-$(PG_MAJOR) postgresql-$(PG_MAJOR)-pgtap \
                libtap-parser-sourcehandler-pgtap-perl fuse3 libfuse3-dev pkg-config bindfs patch
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

DJANGO_VERSION := 5.1.4
DJANGO_DIR     := $(CACHE)/django-$(DJANGO_VERSION)

# Private test cluster, one per checkout.
TEST_HOME := /tmp/tarbox-test-$(shell printf %s "$(CURDIR)" | sha256sum | cut -c1-12)
TEST_DB   := tarbox_test
TEST_DSN  := host=$(TEST_HOME)/run dbname=$(TEST_DB) user=tarbox
TEST_ADMIN_DSN := host=$(TEST_HOME)/run dbname=postgres user=tarbox

.PHONY: help deps venv db run install-helper test test-setup pgtap pytest bench bench-quick clean

help:
	@echo "make deps   - install the Debian packages (postgresql, plpython3, pgtap, fuse3, ...)"
	@echo "make venv   - create .venv and pip install -e .[test]"
	@echo "make db     - start the embedded cluster and install the schema (tarbox init)"
	@echo "make run    - demo: import the Django $(DJANGO_VERSION) sdist into tenant demo, list it with SQL, mount it on ./mnt"
	@echo "make install-helper - install the mount helper $(HELPER) (mount -t fuse.tarbox, /etc/fstab)"
	@echo "make test   - pgTAP (sql/tests) + pytest against a private test cluster ($(TEST_HOME))"
	@echo "make clean  - remove .venv, caches and the private test cluster"

# Installs only when something is missing; `apt-get update` runs at most once.
deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# pyfuse3 is built from its PyPI sdist (it has no wheels) with vendor/pyfuse3.patch,
# which adds the FALLOCATE handler pyfuse3 lacks; the sdist's hash is checked first.
# Only pyfuse3 itself is taken as source: its build requirements (Cython, setuptools) come as
# wheels, since compiling Cython from source took minutes of every fresh checkout.
PYFUSE3_VERSION := 3.5.0
PYFUSE3_SHA256  := 88399a9494b88603230bba300f4ba9ad63fece5ed514ca3633d555a0c6a42b24
PYFUSE3_BUILD   := $(VENV)/build/pyfuse3

$(VENV)/.installed: pyproject.toml vendor/pyfuse3.patch
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	rm -rf $(PYFUSE3_BUILD) && mkdir -p $(PYFUSE3_BUILD)
	$(PY) -m pip download -q --no-deps --no-binary pyfuse3 -d $(PYFUSE3_BUILD) pyfuse3==$(PYFUSE3_VERSION)
	cd $(PYFUSE3_BUILD) && echo "$(PYFUSE3_SHA256)  pyfuse3-$(PYFUSE3_VERSION).tar.gz" | sha256sum -c --quiet \
	  && tar xzf pyfuse3-$(PYFUSE3_VERSION).tar.gz \
	  && patch -d pyfuse3-$(PYFUSE3_VERSION) -p1 --quiet --forward < $(CURDIR)/vendor/pyfuse3.patch
	SETUPTOOLS_SCM_PRETEND_VERSION=$(PYFUSE3_VERSION) $(PY) -m pip install -q --force-reinstall --no-deps $(PYFUSE3_BUILD)/pyfuse3-$(PYFUSE3_VERSION)
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

venv: $(VENV)/.installed

db: deps venv
	$(TARBOX) db start
	$(TARBOX) init

$(DJANGO_DIR).extracted:
	@mkdir -p $(CACHE)
	@ls $(CACHE)/[dD]jango-$(DJANGO_VERSION).tar.gz >/dev/null 2>&1 || \
	  $(PY) -m pip download -q --no-deps --no-binary :all: django==$(DJANGO_VERSION) -d $(CACHE)/
	rm -rf $(DJANGO_DIR).tmp && mkdir -p $(DJANGO_DIR).tmp
	tar -xzf $$(ls $(CACHE)/[dD]jango-$(DJANGO_VERSION).tar.gz | head -1) -C $(DJANGO_DIR).tmp --strip-components=1
	rm -rf $(DJANGO_DIR) && mv $(DJANGO_DIR).tmp $(DJANGO_DIR)
	@touch $@

MNT := $(CURDIR)/mnt
# mount(8) looks for the helper of type fuse.tarbox in /sbin only.
HELPER := /sbin/mount.fuse.tarbox

install-helper: venv
	$(SUDO) ln -sfn $(VENV)/bin/mount.fuse.tarbox $(HELPER)

run: db install-helper $(DJANGO_DIR).extracted
	@$(TARBOX) tenant info demo >/dev/null 2>&1 || $(TARBOX) tenant create demo
	@if grep -qs " $(MNT) " /proc/mounts; then $(TARBOX) umount $(MNT); fi
	@$(TARBOX) rm -r -f demo:/django
	$(TARBOX) import $(DJANGO_DIR) demo:/django
	$(TARBOX) db psql --tenant demo -c "SELECT * FROM tarbox.ls('/django')"
	$(TARBOX) db psql --tenant demo -c "SELECT tarbox.read_text('/django/django/__init__.py')"
	@mkdir -p $(MNT)
	$(TARBOX) mount demo $(MNT)
	@echo
	@echo "Tenant demo is mounted on $(MNT) with the Django $(DJANGO_VERSION) sources in /django. Try:"
	@echo "  ls $(MNT)/django; grep -rn 'def get_version' $(MNT)/django/django | head"
	@echo "  echo before-edit > $(MNT)/.tarbox/layers/new      # checkpoint"
	@echo "  echo '# edited' >> $(MNT)/django/README.rst; cat $(MNT)/.tarbox/layers/diff"
	@echo "  ls $(MNT)/.tarbox/snapshots/; cat $(MNT)/.tarbox/snapshots/base/django/README.rst | tail -1"
	@echo "  $(TARBOX) layer tree demo; $(TARBOX) db psql --tenant demo   # SQL: SELECT * FROM tarbox.ls('/')"
	@echo "  $(TARBOX) umount $(MNT)   # or: umount $(MNT); mount -t fuse.tarbox tarbox:demo $(MNT) -o ro"

# ---------------------------------------------------------------- tests
# Both suites run; either failing fails the target (pytest's exit 5, "no tests ran",
# too). The private cluster is stopped afterwards whatever happened.
test: deps venv
	@status=0; \
	if $(MAKE) --no-print-directory test-setup; then \
	  $(MAKE) --no-print-directory pgtap || status=1; \
	  $(MAKE) --no-print-directory pytest || status=1; \
	else status=1; fi; \
	TARBOX_HOME=$(TEST_HOME) $(TARBOX) db stop >/dev/null 2>&1 || true; \
	if [ $$status != 0 ]; then echo "make test: FAILED"; fi; \
	exit $$status

# Fresh test database in the private cluster (leftover tenant roles dropped: roles are
# cluster-wide), schema installed, pgTAP available.
test-setup: deps venv
	TARBOX_HOME=$(TEST_HOME) $(TARBOX) db start
	psql -X -q -v ON_ERROR_STOP=1 "$(TEST_ADMIN_DSN)" \
	  -c "DROP DATABASE IF EXISTS $(TEST_DB) WITH (FORCE)" \
	  -c "DO \$$\$$DECLARE r record; BEGIN FOR r IN SELECT rolname FROM pg_roles WHERE rolname ~ '^tarbox_(tenant_[0-9]+|psql_[0-9]+_[0-9a-f]+|deleted_(tenant|psql)_[0-9a-f_]+)$$' LOOP BEGIN EXECUTE format('DROP ROLE %I', r.rolname); EXCEPTION WHEN others THEN RAISE NOTICE 'kept role %: %', r.rolname, SQLERRM; END; END LOOP; END\$$\$$" \
	  -c "CREATE DATABASE $(TEST_DB)"
	TARBOX_HOME=$(TEST_HOME) TARBOX_DSN="$(TEST_DSN)" $(TARBOX) init
	TARBOX_HOME=$(TEST_HOME) $(TARBOX) --dsn "$(TEST_DSN)" db extension pgtap

pgtap:
	@tests=$$(ls sql/tests/*.sql 2>/dev/null || true); \
	if [ -z "$$tests" ]; then echo "pgTAP: no tests in sql/tests"; exit 0; fi; \
	pg_prove --host $(TEST_HOME)/run --username tarbox --dbname $(TEST_DB) --failures $$tests

# --durations: the 25 slowest tests are listed at the end, so a run shows where its time went
# (CI passed in 1,280 s for stop 21 and 3,304 s for stop 22).
pytest:
	TARBOX_TEST_DSN="$(TEST_DSN)" TARBOX_TEST_HOME="$(TEST_HOME)" $(PY) -m pytest --durations=25 tests

# A report, not a test: Tarbox vs JuiceFS-on-PostgreSQL vs bindfs vs tmpfs, and the layer figures.
BENCH_ARGS ?=
bench: db $(DJANGO_DIR).extracted
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m tarbox_shell.bench $(BENCH_ARGS)

bench-quick:
	$(MAKE) --no-print-directory bench BENCH_ARGS=--quick

clean:
	-TARBOX_HOME=$(TEST_HOME) $(TARBOX) db stop 2>/dev/null
	rm -rf $(VENV) $(CACHE) $(TEST_HOME) .pytest_cache .hypothesis build dist *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
