# loadtest.mk: the load tester's targets (harness/loadtest/README.md).
#
#   make loadtest [HOST=127.0.0.1] [PORT=6379] [ARGS='-c 50 -d 10 --pipeline 16']
#   make loadtest-test [LEVEL=n] [MODE=memcheck|valgrind|race]
#   make loadtest-check      what `make check` runs for it
#   make loadtest-mutants    its tests catch each bug planted in harness/loadtest/tests/mutants/
#   make loadtest-compare    it and redis-benchmark against one redis-server, side by side
#
# The program runs from an optimised build ($(BUILD_ROOT)/loadtest/CC/bench/loadtest).
# Variables here start with LT_, so that other targets' files cannot clash.
LT_MAKE = $(MAKE) -s -f harness/loadtest/build.mk V=$(V)
LT_MODE = $(or $(MODE),plain)
LT_OUT  = $(BUILD_ROOT)/loadtest/$(CCNAME)

.PHONY: loadtest loadtest-test loadtest-check loadtest-mutants loadtest-compare

loadtest: deps ## load a RESP server (make serve's, Redis): [PORT=6379] ARGS='-c 50 -d 10 -P 16'
	@$(LT_MAKE) VARIANT=bench program
	@$(LT_OUT)/bench/loadtest -h $(or $(HOST),127.0.0.1) -p $(or $(PORT),6379) $(ARGS)

loadtest-test: deps ## the load tester's own tests [LEVEL=n] [MODE=memcheck|valgrind|race]
	@$(LT_MAKE) VARIANT=$(LT_MODE) program tests
	@harness/loadtest/tests/run $(LT_MODE) $(LT_OUT)/$(LT_MODE)/impl/tool/loadtest/test_loadtest \
		$(LT_OUT)/$(LT_MODE)/loadtest $(BUILD_ROOT)/results/loadtest-$(LT_MODE).tsv "$(LEVEL)"

loadtest-check: deps ## the load tester's gate: gcc and clang, sanitizers, valgrind, real Redis
	@bash harness/checks/loadtest.sh

loadtest-mutants: deps ## prove the load tester's tests catch each bug planted in its mutants/
	@harness/loadtest/tests/mutate

loadtest-compare: deps ## the load tester beside redis-benchmark on one redis-server [QUICK=1]
	@$(LT_MAKE) VARIANT=bench program
	@harness/loadtest/compare $(LT_OUT)/bench/loadtest
