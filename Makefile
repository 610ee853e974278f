# Backstop: `make demo` runs the nightly job end to end on bundled data; `make test` runs the whole suite.
# Both install their own system packages first (make setup) and use an embedded local PostgreSQL
# (scripts/localpg.sh) unless a catalog connection is configured (DATABASE_URL, PGHOST or BACKSTOP_PG).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
SWIFT ?= swift
CONFIG ?= debug
BIN := .build/$(CONFIG)/backstop
WORLDGEN := .build/$(CONFIG)/worldgen

APT_PACKAGES := libpq-dev libopenblas-dev liblapacke-dev libblas3 libjpeg62-turbo-dev libpng-dev zlib1g-dev libzstd-dev \
	postgresql mariadb-server mariadb-client mydumper zstd faketime \
	chromium prometheus systemd python3 python3-venv python3-jsonschema python3-junitparser mate-backgrounds
IMAGE_PACKAGES := podman runc debootstrap libcurl4-openssl-dev
# The last line is for the report tests: report.html in headless chromium, metrics.prom through promtool,
# the unit files through systemd-analyze verify, report.json against its schema, junit.xml through junitparser;
# python3-venv for the deploy checks' venvs (kubernetes-validate, Airflow); mate-backgrounds' photographs for
# the near-duplicate verifier's tests and the near-duplicate bench.

# The local cluster's conninfo, unless the caller configured a server.
LOCAL_PG = $$(scripts/localpg.sh conninfo)

.PHONY: help setup setup-image build release demo test test-unit lint bench fuzz db-up db-down clean \
	image image-test airflow-test deploy-test

help:
	@echo "make demo     run the nightly job end to end on the bundled sample (data/tiny)"
	@echo "make test     build and run the whole test suite against a local PostgreSQL and MariaDB"
	@echo "make test-unit  the tests that need no server (database tests skip visibly), in under two minutes"
	@echo "make bench    run the benchmarks; results in bench-results/results.json"
	@echo "make fuzz     run the dump tokenizer fuzzer for a minute"
	@echo "make lint     swift format lint --strict (.swift-format), doc comments, ≥ 25 % /// lines per library (make test runs it first)"
	@echo "make setup    install the Debian packages Backstop needs (idempotent)"
	@echo "make image    build the container image (deploy/container/Containerfile) with podman"
	@echo "make deploy-test  the image against the local PostgreSQL (image-test) and the Airflow DAG (airflow-test)"
	@echo "make build    debug build;  make release: optimised build"
	@echo "make clean    remove build products, reports and the local database clusters"

# $(call apt_install,PACKAGES): installs the missing ones (idempotent; sudo when not root).
define apt_install
	@missing=""; for p in $(1); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "setup: installing$$missing"; \
	    SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -o DPkg::Lock::Timeout=300 -qq; \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 \
	        --no-install-recommends $$missing; \
	else echo "setup: system packages present"; fi
endef

setup:
	$(call apt_install,$(APT_PACKAGES))

# The container image's tools: podman (with runc: crun fails on these machines' cgroup mount), debootstrap
# for the local base image, and libcurl's link library for the statically linked FoundationNetworking.
setup-image:
	$(call apt_install,$(IMAGE_PACKAGES))

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

db-up:
	@scripts/localpg.sh up

db-down:
	@scripts/localpg.sh down
	@scripts/localmariadb.sh down

demo: setup
	$(SWIFT) build -c $(CONFIG) --product backstop
	$(SWIFT) build -c $(CONFIG) --product worldgen
	@scripts/demo.sh "$(BIN)" "$(WORLDGEN)"

test: setup lint
	@scripts/localpg.sh up
	@scripts/localmariadb.sh up
	BACKSTOP_TEST_PG="$${BACKSTOP_TEST_PG:-$(LOCAL_PG) dbname=postgres}" \
	BACKSTOP_TEST_MARIADB_SOCKET="$${BACKSTOP_TEST_MARIADB_SOCKET:-$$(scripts/localmariadb.sh socket)}" \
	BACKSTOP_REQUIRE_PG=1 BACKSTOP_REQUIRE_MARIADB=1 \
	    scripts/test.sh

# The container image: a local debian:bookworm-slim from debootstrap unless podman has one, the release
# binary with the Swift stdlib linked statically, then podman build (scripts/image.sh).
image: setup setup-image
	@scripts/image.sh build

# The image against the local PostgreSQL: doctor, the tiny world's nightly, reports in a mounted folder.
image-test: image
	@scripts/localpg.sh up
	@scripts/image-test.sh

# deploy/airflow's DAG under `airflow dags test` (Airflow 3 in a venv) against the tiny world.
airflow-test: setup
	@scripts/localpg.sh up
	@scripts/airflow-test.sh

# What deploy/ holds that `make test` does not run (.ci/run runs it after make test): about 12 min on a
# fresh machine (the static release build, the debootstrap base, Airflow from PyPI), 2 min after that.
deploy-test: image-test airflow-test

bench: setup
	@scripts/localpg.sh up
	@scripts/localmariadb.sh up
	@scripts/bench/run.sh

fuzz: setup
	@scripts/fuzz.sh

# The tests that need no server: the PostgreSQL, MariaDB and s-world tests show as skipped, and the CLI
# tests (which run the binary against servers) are left out. Under two minutes after the build.
test-unit:
	$(SWIFT) build --build-tests
	env -u BACKSTOP_TEST_PG -u BACKSTOP_TEST_MARIADB_SOCKET -u BACKSTOP_REQUIRE_PG -u BACKSTOP_REQUIRE_MARIADB \
	    $(SWIFT) test --skip-build --skip CLITests

lint:
	@scripts/lint.sh

clean:
	-scripts/localpg.sh destroy
	-scripts/localmariadb.sh destroy
	rm -rf .build .build-image reports bench-results
