# build.mk: builds the load tester and its tests, for one compiler and one
# kind of build (harness/mk/config.mk's variants: plain, memcheck, race,
# valgrind, bench).
#
#   make -f harness/loadtest/build.mk VARIANT=plain program tests
#
# Output under $(BUILD_ROOT)/loadtest/CC/VARIANT/: the program `loadtest`,
# and the test binary `impl/tool/loadtest/test_loadtest`, which
# harness/mk/build.mk builds as it builds an exercise's (src/ is the
# implementation, tests/ the tests), with dependency files. The program's
# main sits outside src/ so that it never meets Criterion's.

include harness/mk/config.mk

VARIANT ?= plain
LT_ROOT    := $(BUILD_ROOT)/loadtest
LT_OUT     := $(LT_ROOT)/$(CCNAME)/$(VARIANT)
LT_PROGRAM := $(LT_OUT)/loadtest
LT_SRCS    := harness/loadtest/loadtest.c $(wildcard harness/loadtest/src/*.c) \
              harness/src/clock.c harness/src/rng.c
LT_OBJS    := $(patsubst %.c,$(LT_OUT)/program/%.o,$(LT_SRCS))

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: program tests
program: $(LT_PROGRAM)

tests:
	$(Q)$(MAKE) -s -f harness/mk/build.mk EX=loadtest EXDIR=harness/loadtest IMPL=tool \
		IMPL_DIR=harness/loadtest/src VARIANT=$(VARIANT) BUILD_ROOT=$(LT_ROOT) tests

$(LT_PROGRAM): $(LT_OBJS)
	$(Q)$(CC) $(LDFLAGS_$(VARIANT)) -o $@ $^ -pthread -lm

$(LT_OUT)/program/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(STD) $(WARNINGS) $(CFLAGS_$(VARIANT)) $(CPPFLAGS_ALL) -Iharness/loadtest -MMD -MP \
		-c -o $@ $<

-include $(LT_OBJS:.o=.d)
