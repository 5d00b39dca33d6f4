# Two commands on a fresh Debian 12 machine: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
CARGO ?= cargo
NPM_DIR := $(CURDIR)/.scratch/npm

# A clean CI build gains nothing from incremental state, which costs half a gigabyte of disk.
ifdef CI
export CARGO_INCREMENTAL := 0
endif

.PHONY: demo test deps build lint unit-tests doc verify-units fault clean

deps:
	./scripts/install-deps.sh

build: deps
	$(CARGO) build --release --locked

# Runs the main job: a hub and two rooms, connected. Headless without a display.
demo: build
	./target/release/phonghop demo $(if $(or $(DISPLAY),$(WAYLAND_DISPLAY)),,--headless)

lint: deps
	$(CARGO) fmt --all --check
	$(CARGO) clippy --all-targets --locked -- -D warnings

unit-tests: deps
	PHONGHOP_NPM_DIR=$(NPM_DIR) $(CARGO) test --locked --all-targets

doc: deps
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --locked

verify-units: unit-tests
	./scripts/verify-units.sh target/debug/phonghop

test: lint unit-tests doc verify-units
	@echo "make test: all checks passed"

# Long fault run, not part of `make test`: a tc rate limit and a link outage on a veth pair into a
# network namespace (needs root); see scripts/fault-network.sh.
fault: build
	./scripts/fault-network.sh

clean:
	$(CARGO) clean
	rm -rf .scratch
