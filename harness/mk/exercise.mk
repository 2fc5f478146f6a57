# exercise.mk: lets `make test` (and every other target) work inside an
# exercise folder. Each exercises/X/Makefile sets EX and includes this file;
# every goal is passed on to the top-level Makefile with EX set, and so are
# variables given on the command line (LEVEL=2, IMPL=solution).
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)

.DEFAULT_GOAL := test
.PHONY: test

test:
	@$(MAKE) --no-print-directory -C $(TOP) test EX=$(EX)

# Any other goal (bench, race, hint, ...) goes to the top level as it is.
%:
	@$(MAKE) --no-print-directory -C $(TOP) $@ EX=$(EX)

# make must not try to rebuild the makefiles themselves through the rule above.
Makefile $(TOP)/harness/mk/exercise.mk: ;
