# Créneau — the two commands a newcomer needs:
#   make run    install what is missing, build, load demo data, serve http://127.0.0.1:8080
#   make test   install what is missing and run every test
# Both are idempotent and reach only the package registries (crates.io,
# npm, Debian). `make bench` measures snapshot generation, sizes, rendering and search.

SHELL := /bin/bash
.DEFAULT_GOAL := help

TRUNK_VERSION        := 0.21.14
WASM_BINDGEN_VERSION := 0.2.130
SCHEMATHESIS_VERSION := 4.32.5
MOTO_VERSION := 5.2.5
AIOSMTPD_VERSION := 1.4.6
CARGO_BIN            := $(HOME)/.cargo/bin
export PATH          := $(CURDIR)/node_modules/.bin:$(CARGO_BIN):$(PATH)
SUDO                 := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

DATABASE ?= sqlite://var/creneau.db
ADDR     ?= 127.0.0.1:8080
CRENEAU  := target/release/creneau

.PHONY: help run test bench surge bench-tools build web origin tools rust-tools node-tools api-tools edge-tools browser demo lint unit browser-test clean

help:
	@echo "make run    build everything, load demo data, serve http://$(ADDR)"
	@echo "make test   run every test (unit, integration, browser)"
	@echo "make bench  snapshot generation benchmarks and size report"
	@echo "make surge  the 14 January load on loopback, through the nginx edge"

# --- tools -----------------------------------------------------------------

tools: rust-tools node-tools

# Python test tools, from their packages, in one virtual environment: the API
# fuzzer, moto's S3-compatible server for the snapshot upload tests, and
# aiosmtpd, the SMTP server the message tests deliver to.
API_TOOLS := .venv/.tools-$(SCHEMATHESIS_VERSION)-$(MOTO_VERSION)-$(AIOSMTPD_VERSION)
api-tools: $(API_TOOLS)

$(API_TOOLS):
	@python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null || \
	  ( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv )
	rm -rf .venv
	python3 -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$(SCHEMATHESIS_VERSION)" "moto[server,s3]==$(MOTO_VERSION)" "aiosmtpd==$(AIOSMTPD_VERSION)"
	@touch $@

rust-tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy
	@rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
	@trunk --version 2>/dev/null | grep -q "$(TRUNK_VERSION)" || cargo install trunk --version $(TRUNK_VERSION) --locked
	@# wasm-bindgen-cli's own lock names a crate version the registry lacks: no --locked.
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

node-tools: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# nginx for the edge tests (deploy/nginx), from Debian; its system service
# is left stopped: the tests run their own nginx with a prefix of its own.
edge-tools:
	@[ -x /usr/sbin/nginx ] && [ -e /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ] || \
	  ( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx-light libnginx-mod-http-brotli-static && \
	    ( $(SUDO) service nginx stop >/dev/null 2>&1 || true ) )

browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  ( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver )

# --- build -----------------------------------------------------------------

build: web origin

# No build-machine path ships in the WebAssembly: panic locations name a
# crate's file as `crates/index.crates.io-…/tachys-0.2.19/src/…` and the
# app's as `src/…`, not /home/…/.cargo/registry/… or the checkout's path.
CARGO_HOME_DIR := $(or $(CARGO_HOME),$(HOME)/.cargo)
WASM_RUSTFLAGS := --remap-path-prefix=$(CARGO_HOME_DIR)/registry/src=crates \
  --remap-path-prefix=$(CARGO_HOME_DIR)/git/checkouts=git --remap-path-prefix=$(CURDIR)/=

web: tools
	RUSTFLAGS="$(WASM_RUSTFLAGS)" trunk build
	# The booking flow: a second, smaller app, loaded only when booking.
	RUSTFLAGS="$(WASM_RUSTFLAGS)" trunk build booking.html --dist dist/reserver --public-url /reserver/
	# The accessibility statement: a plain page, no WebAssembly (Trunk would
	# build the crate for any page), with its own copy of the stylesheets.
	mkdir -p dist/accessibilite
	cp accessibilite.html dist/accessibilite/index.html
	cp style/main.css style/print.css dist/accessibilite/

origin:
	cargo build --release -p creneau

demo: origin
	$(CRENEAU) --database $(DATABASE) demo

run: build demo
	$(CRENEAU) --database $(DATABASE) serve --addr $(ADDR)

# --- tests -----------------------------------------------------------------

# Release mode: the tests share compiled dependencies with the binary, and
# the demo-scale integration tests run in seconds rather than minutes.
# The booking tests also run on PostgreSQL: a throwaway server from Debian's
# package, started here and stopped whatever the result.
# Formatting and lints first: they fail in seconds. Benchmarks are built
# (not run) so a benchmark cannot rot unseen.
lint:
	cargo fmt --all --check
	cargo clippy --release --workspace --all-targets -- -D warnings

unit: lint api-tools
	cargo build --release --benches -p creneau
	url=$$(tests/support/postgres.sh start) && \
	  CRENEAU_TEST_POSTGRES=$$url CRENEAU_TEST_MOTO=$(CURDIR)/.venv/bin/moto_server cargo test --release --workspace; \
	  status=$$?; tests/support/postgres.sh stop; exit $$status

browser-test: build browser edge-tools node-tools api-tools
	node --test --test-concurrency=1 tests/

test: tools browser edge-tools api-tools
	$(MAKE) unit
	$(MAKE) browser-test

# --- benchmarks --------------------------------------------------------------

# Lighthouse for the benchmarks only, in a folder of its own so that
# `make test` does not install it.
bench-tools: bench/lighthouse/node_modules/.package-lock.json

bench/lighthouse/node_modules/.package-lock.json: bench/lighthouse/package.json bench/lighthouse/package-lock.json
	npm ci --prefix bench/lighthouse --no-audit --no-fund
	@touch $@

bench: build bench-tools api-tools
	cargo bench -p creneau --bench snapshot
	node tests/support/size-report.mjs
	node tests/support/bench-render.mjs
	node tests/support/bench-slow4g.mjs
	node tests/support/bench-lighthouse.mjs
	@command -v wrk >/dev/null || ( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk )
	node tests/support/bench-bookings.mjs
	node tests/support/bench-crash-cycles.mjs
	node tests/support/bench-messages.mjs
	cargo run --release -p creneau --example alerts_cost

# The 14 January surge on loopback (a measurement, a few minutes): the
# nginx edge in front of two origins on PostgreSQL, under h2load (reads),
# Goose (bench/citizens: people following the app) and wrk (a bookings
# burst). Writes target/surge.md; see docs/capacity.md.
surge-tools:
	@command -v h2load >/dev/null && command -v wrk >/dev/null || \
	  ( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nghttp2-client wrk )
	cargo build --release --locked --manifest-path bench/citizens/Cargo.toml --target-dir target/citizens

surge: build edge-tools surge-tools
	node tests/support/surge.mjs

clean:
	rm -rf dist var target/criterion
