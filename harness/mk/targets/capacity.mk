# capacity.mk: the capacity calculator's targets (capacity/README.md).
#
#   make capacity ARGS='--dau 10M --payload 1KB'   run it (ARGS='quiz' to practise)
#   make capacity-test [LEVEL=n] [MODE=memcheck|valgrind]
#   make capacity-check                           what `make check` runs for it
#   make capacity-mutants                         the tests catch every planted bug
CAPACITY_MAKE = $(MAKE) -s -f capacity/build.mk V=$(V)
CAPACITY_MODE = $(or $(MODE),plain)
CAPACITY_OUT  = $(BUILD_ROOT)/capacity/$(CCNAME)/$(CAPACITY_MODE)

.PHONY: capacity capacity-test capacity-check capacity-mutants

capacity: deps ## the capacity-math calculator: make capacity ARGS='--dau 10M --payload 1KB'
	@$(CAPACITY_MAKE) VARIANT=plain program
	@$(BUILD_ROOT)/capacity/$(CCNAME)/plain/capacity $(ARGS)

capacity-test: deps ## the calculator's own tests [LEVEL=n] [MODE=memcheck|valgrind]
	@$(CAPACITY_MAKE) VARIANT=$(CAPACITY_MODE) program tests
	@capacity/tests/run $(CAPACITY_MODE) $(CAPACITY_OUT)/impl/calculator/capacity/test_capacity \
		$(CAPACITY_OUT)/capacity $(BUILD_ROOT)/results/capacity-$(CAPACITY_MODE).tsv "$(LEVEL)"

capacity-check: deps ## the calculator's gate: gcc and clang, -Werror, ASan+UBSan, valgrind
	@bash harness/checks/capacity.sh

capacity-mutants: deps ## prove the calculator's tests catch each bug in capacity/tests/mutants/
	@capacity/tests/mutate
