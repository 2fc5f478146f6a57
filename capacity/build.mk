# build.mk: builds the capacity calculator and its tests, for one compiler and
# one kind of build (harness/mk/config.mk's variants: plain, memcheck, valgrind, bench).
#
#   make -f capacity/build.mk VARIANT=plain program tests
#
# Output under $(BUILD_ROOT)/capacity/CC/VARIANT/: the program `capacity`, and
# the test binary `impl/calculator/capacity/test_capacity`, which
# harness/mk/build.mk builds as it builds an exercise's (src/ is the
# implementation, tests/ the tests), with dependency files.

include harness/mk/config.mk

VARIANT ?= plain
CAP_ROOT    := $(BUILD_ROOT)/capacity
CAP_OUT     := $(CAP_ROOT)/$(CCNAME)/$(VARIANT)
CAP_PROGRAM := $(CAP_OUT)/capacity
CAP_SRCS    := capacity/capacity.c $(wildcard capacity/src/*.c) harness/src/rng.c
CAP_OBJS    := $(patsubst %.c,$(CAP_OUT)/program/%.o,$(CAP_SRCS))

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: program tests
program: $(CAP_PROGRAM)

tests:
	$(Q)$(MAKE) -s -f harness/mk/build.mk EX=capacity EXDIR=capacity IMPL=calculator \
		IMPL_DIR=capacity/src VARIANT=$(VARIANT) BUILD_ROOT=$(CAP_ROOT) tests

$(CAP_PROGRAM): $(CAP_OBJS)
	$(Q)$(CC) $(LDFLAGS_$(VARIANT)) -o $@ $^ -lm

$(CAP_OUT)/program/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(STD) $(WARNINGS) $(CFLAGS_$(VARIANT)) $(CPPFLAGS_ALL) -Icapacity -MMD -MP -c -o $@ $<

-include $(CAP_OBJS:.o=.d)
