# dip: the two commands a new user needs are `make demo` and `make test`.
SWIFT ?= swift
DIP := .build/release/dip

.PHONY: all deps build test slurm-test demo bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product dip

# Tests build optimised: the engine's hand-written kernels (SIMD over 16-lane blocks) run
# ~50× slower unoptimised, which would stretch the suite from under a minute to many.
# They build in a folder of their own: -enable-testing in the same folder as `make build`
# would make every switch between the two a full rebuild.
TEST_SCRATCH := .build-test
TEST_FLAGS := -c release -Xswiftc -enable-testing --scratch-path $(TEST_SCRATCH)

test: deps
	$(SWIFT) build $(TEST_FLAGS) --build-tests
	$(SWIFT) test $(TEST_FLAGS) --skip-build

# A real one-node Slurm cluster (Debian's packages, temp folder, random ports) running dip's
# batch and NAS job arrays; about 20 s. Needs root, as on CI.
slurm-test: deps
	$(SWIFT) build $(TEST_FLAGS) --product dip
	@bash scripts/slurm-test.sh $(TEST_SCRATCH)/release/dip

demo: build
	@bash scripts/demo.sh $(DIP)

bench: build
	@bash benchmarks/run.sh $(DIP)

clean:
	rm -rf .build $(TEST_SCRATCH)
