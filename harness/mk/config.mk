# config.mk: compilers and flags, shared by every build of the workbook.
#
# CC picks the compiler (gcc by default, CC=clang works); WERROR=1 turns
# warnings into errors, as `make check` does.

CC      ?= gcc
ifeq ($(origin CC),default)
CC      := gcc
endif
CCNAME  := $(notdir $(firstword $(CC)))

# Where builds go; `make check` builds in its own tree, with WERROR=1.
BUILD_ROOT ?= build

STD       := -std=c11
WARNINGS  := -Wall -Wextra -Wpedantic
ifeq ($(WERROR),1)
WARNINGS  += -Werror
endif
CPPFLAGS_ALL := -D_POSIX_C_SOURCE=200809L -Iharness/include

# One set of flags per kind of build.
CFLAGS_plain    := -Og -g
CFLAGS_memcheck := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CFLAGS_race     := -O1 -g -fsanitize=thread
CFLAGS_valgrind := -Og -g
CFLAGS_bench    := -O2 -g -DNDEBUG
LDFLAGS_memcheck := -fsanitize=address,undefined
LDFLAGS_race     := -fsanitize=thread

CRITERION_CFLAGS := $(shell pkg-config --cflags criterion 2>/dev/null || echo -pthread)
CRITERION_LIBS   := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)
export BUILD_ROOT
