# Two commands on a fresh Debian 12 machine: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
CARGO ?= cargo
NPM_DIR := $(CURDIR)/.scratch/npm

# A clean CI build gains nothing from incremental state, which costs half a gigabyte of disk.
ifdef CI
export CARGO_INCREMENTAL := 0
endif

.PHONY: demo test deps build lint unit-tests doc verify-units fault test-faults test-faults-short fuzz clean

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

test: lint unit-tests doc verify-units test-faults-short
	@echo "make test: all checks passed"

# Network faults (needs root): a meeting with real media and a room in a network namespace
# through random and burst loss, a rate squeeze, delay where the kernel has netem, a 2-minute
# link outage; then sync through 30 % loss and a 10-minute hub outage, compared row by row.
# Figures as JSON lines in target/fault-figures.jsonl; see scripts/fault-network.sh.
test-faults: build
	./scripts/fault-network.sh

# The short form `make test` runs (20 s per case, 20 s outages; the debug build).
test-faults-short: unit-tests
	PHONGHOP_BIN=target/debug/phonghop ./scripts/fault-network.sh --short

fault: test-faults

# Fuzzing (not part of `make test`): each target in fuzz/ for FUZZ_SECS seconds with the
# nightly toolchain, starting from fuzz/seeds/<target> (kept) and fuzz/corpus/<target> (grown,
# not kept); a crash stops the run and leaves its input in fuzz/artifacts/<target>/.
FUZZ_SECS ?= 60
FUZZ_TARGETS := wire_messages vietqr_parse webhook_bodies webhook_signature_headers \
	config_loader ticket_lookup sync_batch
fuzz:
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	cd fuzz && for t in $(FUZZ_TARGETS); do \
		mkdir -p corpus/$$t && \
		$(CARGO) +nightly fuzz run -O $$t corpus/$$t seeds/$$t -- \
			-max_total_time=$(FUZZ_SECS) -max_len=65536 || exit 1; \
	done

clean:
	$(CARGO) clean
	rm -rf .scratch
