# build.mk: builds one exercise's programs against one implementation.
#
#   make -f harness/mk/build.mk EX=lru_cache IMPL=solution VARIANT=plain tests
#
# EX       the exercise (a folder under exercises/)
# IMPL     whose code: learner (exercises/EX), solution (solutions/EX), stub
#          (harness/stubs/EX), or any name with IMPL_DIR=folder (mutants,
#          submissions)
# VARIANT  plain | memcheck (ASan+UBSan) | race (ThreadSanitizer) | valgrind | bench
# Targets: tests (the test binary), bench (the benchmark), objects.
# Everything goes under build/CC/VARIANT/ (BUILD_ROOT/CC/VARIANT/), with dependency files, so a second
# run compiles only what changed.

include harness/mk/config.mk

ifeq ($(EX),)
$(error EX is not set: say which exercise, for example EX=lru_cache)
endif
IMPL    ?= learner
VARIANT ?= plain

EXDIR ?= exercises/$(EX)
ifeq ($(IMPL),learner)
IMPL_DIR ?= $(EXDIR)
else ifeq ($(IMPL),solution)
IMPL_DIR ?= solutions/$(EX)
else ifeq ($(IMPL),stub)
IMPL_DIR ?= harness/stubs/$(EX)
endif
ifeq ($(IMPL_DIR),)
$(error IMPL=$(IMPL) needs IMPL_DIR=folder holding the implementation)
endif

OUT      := $(BUILD_ROOT)/$(CCNAME)/$(VARIANT)
IMPL_OUT := $(OUT)/impl/$(IMPL)/$(EX)
TEST_OUT := $(OUT)/tests/$(EX)
HARN_OUT := $(OUT)/harness

# The implementation: every .c of its folder but the tests and the benchmark.
IMPL_SRCS  := $(filter-out $(IMPL_DIR)/test_%.c $(IMPL_DIR)/bench_%.c,$(wildcard $(IMPL_DIR)/*.c))
TEST_SRCS  := $(wildcard $(EXDIR)/test_*.c $(EXDIR)/tests/*.c)
BENCH_SRCS := $(wildcard $(EXDIR)/bench_*.c)

# Exercises this one links in (from the manifest's `needs` lines): the
# learner's own code, or the reference where the learner's still has a TODO.
NEEDS ?=
# (The pattern sits in a variable: a bare "TODO(" inside $(shell ...) unbalances make's parentheses.)
TODO_MARK := TODO(
NEED_IMPL = $(if $(filter learner,$(IMPL)),$(if $(shell grep -l '$(TODO_MARK)' exercises/$(1)/*.c 2>/dev/null),solution,learner),solution)
NEED_DIR  = $(if $(filter solution,$(call NEED_IMPL,$(1))),solutions/$(1),exercises/$(1))
$(foreach n,$(NEEDS),$(if $(and $(filter learner,$(IMPL)),$(filter solution,$(call NEED_IMPL,$(n)))),$(info note: your $(n) still has TODOs, so $(EX) uses the reference $(n))))
NEED_SRCS := $(foreach n,$(NEEDS),$(filter-out $(call NEED_DIR,$(n))/test_%.c $(call NEED_DIR,$(n))/bench_%.c,$(wildcard $(call NEED_DIR,$(n))/*.c)))

VFLAGS  := $(CFLAGS_$(VARIANT))
LDFLAGS := $(LDFLAGS_$(VARIANT))
INCLUDES := $(CPPFLAGS_ALL) -I$(EXDIR) $(foreach n,$(NEEDS),-Iexercises/$(n))
ifneq ($(filter race valgrind,$(VARIANT)),)
# The race and valgrind builds swap Criterion for the harness's own runner:
# Criterion cannot start under ThreadSanitizer, and under valgrind each of
# its re-executed workers costs seconds to start; the runner only forks.
INCLUDES := -Iharness/shim $(INCLUDES)
TEST_LIBS :=
HARNESS_TEST := shim/runner.c src/test.c
else
TEST_LIBS := $(CRITERION_LIBS)
HARNESS_TEST := src/criterion_glue.c src/test.c
endif
HARNESS_COMMON := src/todo.c src/clock.c src/rng.c
HARNESS_PROGRAM := src/fail_program.c src/bench.c

# Quiet by default (`  CC  file`); V=1 shows the whole commands.
ifeq ($(V),1)
Q :=
say = @:
else
Q := @
say = @printf '  %-4s %s\n' $(1) $(2)
endif

COMPILE = $(CC) $(STD) $(WARNINGS) $(VFLAGS) $(INCLUDES) -DWB_EXERCISE='"$(EX)"' -MMD -MP

obj = $(patsubst %.c,$(2)/%.o,$(notdir $(1)))

IMPL_OBJS  := $(call obj,$(IMPL_SRCS),$(IMPL_OUT))
NEED_OBJS  := $(foreach s,$(NEED_SRCS),$(IMPL_OUT)/needs/$(notdir $(patsubst %/,%,$(dir $(s))))-$(notdir $(s:.c=.o)))
TEST_OBJS  := $(call obj,$(TEST_SRCS),$(TEST_OUT))
BENCH_OBJS := $(call obj,$(BENCH_SRCS),$(TEST_OUT))
HARN_TEST_OBJS := $(addprefix $(HARN_OUT)/,$(notdir $(HARNESS_TEST:.c=.o)))
HARN_COMMON_OBJS := $(addprefix $(HARN_OUT)/,$(notdir $(HARNESS_COMMON:.c=.o)))
HARN_PROGRAM_OBJS := $(addprefix $(HARN_OUT)/,$(notdir $(HARNESS_PROGRAM:.c=.o)))

TEST_BIN  := $(IMPL_OUT)/test_$(EX)
BENCH_BIN := $(IMPL_OUT)/bench_$(EX)

.PHONY: tests bench objects harness
tests: $(TEST_BIN)
bench: $(BENCH_BIN)
objects: $(IMPL_OBJS)
harness: $(HARN_TEST_OBJS) $(HARN_COMMON_OBJS) $(HARN_PROGRAM_OBJS)

$(TEST_BIN): $(TEST_OBJS) $(IMPL_OBJS) $(NEED_OBJS) $(HARN_TEST_OBJS) $(HARN_COMMON_OBJS)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) -pthread -lm

$(BENCH_BIN): $(BENCH_OBJS) $(IMPL_OBJS) $(NEED_OBJS) $(HARN_COMMON_OBJS) $(HARN_PROGRAM_OBJS)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -pthread -lm

$(IMPL_OUT)/%.o: $(IMPL_DIR)/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(COMPILE) -c -o $@ $<

$(TEST_OUT)/%.o: $(EXDIR)/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(COMPILE) $(if $(filter race valgrind,$(VARIANT)),,$(CRITERION_CFLAGS)) -c -o $@ $<

$(TEST_OUT)/%.o: $(EXDIR)/tests/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(COMPILE) $(if $(filter race valgrind,$(VARIANT)),,$(CRITERION_CFLAGS)) -c -o $@ $<

$(HARN_OUT)/%.o: harness/src/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(COMPILE) $(CRITERION_CFLAGS) -c -o $@ $<

$(HARN_OUT)/%.o: harness/shim/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)
	$(Q)$(COMPILE) -c -o $@ $<

# A needed exercise's file: build/.../needs/lru_cache-lru_cache.o from its folder.
define NEED_RULE
$(IMPL_OUT)/needs/$(1)-%.o: $(call NEED_DIR,$(1))/%.c
	@mkdir -p $$(@D)
	$$(call say,CC,$$<)
	$$(Q)$$(COMPILE) -c -o $$@ $$<
endef
$(foreach n,$(NEEDS),$(eval $(call NEED_RULE,$(n))))

-include $(wildcard $(IMPL_OUT)/*.d $(IMPL_OUT)/needs/*.d $(TEST_OUT)/*.d $(HARN_OUT)/*.d)
