# The system-design workbook: the one entry point. `make help` lists every target.
#
# Most targets take EX=exercise; inside exercises/X/ it is set for you.
SHELL := /bin/bash
.DEFAULT_GOAL := board
MAKEFLAGS += --no-print-directory

include harness/mk/config.mk

MANIFEST  := harness/manifest
EXERCISES := $(shell awk '$$1 == "level" && !seen[$$2]++ { print $$2 }' $(MANIFEST))
IMPL      ?= learner
LEVEL     ?=
V         ?= 0

# The exercises EX links in, from the manifest.
NEEDS = $(shell awk -v ex=$(EX) '$$1 == "needs" && $$2 == ex { print $$3 }' $(MANIFEST))
BUILD = $(MAKE) -s -f harness/mk/build.mk EX=$(EX) IMPL=$(IMPL) NEEDS="$(NEEDS)" V=$(V)
BIN   = $(BUILD_ROOT)/$(CCNAME)/$(1)/impl/$(IMPL)/$(EX)/$(2)_$(EX)
BENCH_BIN = $(BUILD_ROOT)/$(CCNAME)/bench/impl/$(1)/$(EX)/bench_$(EX)
RESULTS = $(BUILD_ROOT)/results/$(IMPL)-$(1)/$(EX).tsv
RUN   = harness/bin/run-tests --ex $(EX) --impl $(IMPL) --level "$(LEVEL)"

# Targets of the tools and exercises that need more than the common ones
# (make serve, make loadtest, make capacity, ...): one file each.
-include $(wildcard harness/mk/targets/*.mk)

.PHONY: board help deps test race memcheck valgrind bench hint reset watch mutants check \
        compdb format clean need-ex

# ---- the learner's loop -----------------------------------------------------

board: deps ## the progress board: every exercise and level, and what to do next
	@harness/bin/board

test: deps need-ex ## run EX's tests against your code [LEVEL=n] [IMPL=solution]
	@$(BUILD) VARIANT=plain tests
	@$(RUN) --mode plain --bin $(call BIN,plain,test) --results $(call RESULTS,plain)

race: deps need-ex ## EX's tests under ThreadSanitizer: finds data races
	@$(BUILD) VARIANT=race tests
	@$(RUN) --mode race --bin $(call BIN,race,test) --results $(call RESULTS,race)

memcheck: deps need-ex ## EX's tests under AddressSanitizer + UBSan: overflows, leaks, UB
	@$(BUILD) VARIANT=memcheck tests
	@$(RUN) --mode memcheck --bin $(call BIN,memcheck,test) --results $(call RESULTS,memcheck)

valgrind: deps need-ex ## EX's tests under valgrind: leaks, uninitialised reads
	@$(BUILD) VARIANT=valgrind tests
	@$(RUN) --mode valgrind --bin $(call BIN,valgrind,test) --results $(call RESULTS,valgrind)

bench: deps need-ex ## your code against the reference, same run, with ratios
	@$(MAKE) -s -f harness/mk/build.mk EX=$(EX) IMPL=learner NEEDS="$(NEEDS)" V=$(V) VARIANT=bench bench
	@$(MAKE) -s -f harness/mk/build.mk EX=$(EX) IMPL=solution NEEDS="$(NEEDS)" V=$(V) VARIANT=bench bench
	@harness/bin/bench $(EX) $(call BENCH_BIN,learner) $(call BENCH_BIN,solution)

hint: need-ex ## the next hint for EX (N=k for the k-th)
	@harness/bin/hint $(EX) $(N)

reset: need-ex ## put EX's stub back (your file is backed up first)
	@harness/bin/reset $(EX)

watch: deps need-ex ## re-run EX's tests whenever one of its files is saved
	@harness/bin/watch $(EX) "$(LEVEL)" $(IMPL)

day-%: deps ## that day's checkpoint (make day-01 ... day-07)
	@harness/bin/day $*

# ---- the workbook's own upkeep ------------------------------------------------

mutants: deps ## prove the tests catch every planted bug [EX=exercise]
	@harness/bin/mutants $(EX)

check: ## the whole self-test; ends with `check: N passed, M failed`
	@harness/bin/check

compdb: ## compile_commands.json, so clangd and VS Code understand the tree
	@harness/bin/compdb

format: ## format every C file with the repository's .clang-format
	@clang-format -i $$(git ls-files '*.c' '*.h' 2>/dev/null || find exercises solutions harness capacity -name '*.[ch]')

clean: ## remove build/ (your code and backups are not touched)
	rm -rf build compile_commands.json

deps: ## install what the workbook needs (as root), or print the command
	@harness/bin/deps basic

help: ## this list
	@echo "System-design workbook. Exercises: $(EXERCISES)"
	@echo
	@awk -F ':.*## ' '/^[a-z%-]+:.*## / { printf "  make %-16s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo
	@echo "  EX=exercise picks the exercise; inside exercises/X/ it is set for you."

need-ex:
	@if [ -z "$(EX)" ]; then \
		echo "Say which exercise: make $(MAKECMDGOALS) EX=name (one of: $(EXERCISES))" >&2; exit 2; \
	elif ! echo " $(EXERCISES) " | grep -q " $(EX) "; then \
		echo "There is no exercise '$(EX)'. The exercises: $(EXERCISES)" >&2; exit 2; \
	fi
	@case "$(IMPL)" in learner|solution) ;; \
		*) echo "IMPL is learner (your code, the default) or solution (the reference), not '$(IMPL)'" >&2; exit 2 ;; esac
