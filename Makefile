# draft_mode: PGXS build of the extension plus the engine's own unit tests
# and fuzz target.
#
#   make && make install       build and install the extension (install as root); the install
#                              script of default_version is made from sql/draft_mode.sql
#   make installcheck          pg_regress + isolation tests against a running server
#   make engine-tests          build build/engine_tests (GoogleTest, no server needed)
#   make fuzz                  build build/patch_fuzzer (libFuzzer, clang)

EXTENSION = draft_mode
# The version CREATE EXTENSION installs, read from the control file.
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" draft_mode.control)
MODULE_big = draft_mode
# sql/draft_mode.sql is the current schema; it becomes the install script of EXTVERSION at
# build time (as pgvector does; git ignores the copy). The 0.1.0 install script and the update
# scripts stay: they are how databases of older versions reach EXTVERSION (test/tap/upgrade.t
# walks them and compares the result with a fresh install).
BASE_SCRIPT = sql/draft_mode--0.1.0.sql
SCHEMA_SCRIPT = sql/draft_mode--$(EXTVERSION).sql
ifeq ($(SCHEMA_SCRIPT),$(BASE_SCRIPT))
$(error default_version is 0.1.0, whose install script is kept in git: bump it in draft_mode.control)
endif
DATA = $(BASE_SCRIPT) $(wildcard sql/draft_mode--*--*.sql) $(SCHEMA_SCRIPT)
EXTRA_CLEAN = $(SCHEMA_SCRIPT)

ENGINE_SRCS = $(wildcard src/engine/*.cpp)
# JSON text parsing (nlohmann/json) is for the tests, fuzzer and benchmarks:
# the extension reads jsonb, never JSON text.
ENGINE_TEXT_SRCS = src/engine/json_text.cpp
BOUNDARY_SRCS = $(wildcard src/boundary/*.cpp)
STORE_SRCS = $(wildcard src/store/*.cpp)
OBJS = $(patsubst %.cpp,%.o,$(filter-out $(ENGINE_TEXT_SRCS),$(ENGINE_SRCS))) \
	$(BOUNDARY_SRCS:.cpp=.o) $(STORE_SRCS:.cpp=.o)

REGRESS := $(patsubst test/sql/%.sql,%,$(sort $(wildcard test/sql/*.sql)))
REGRESS_OPTS = --inputdir=test --load-extension=draft_mode
ISOLATION := $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
# --outputdir=. (after PGXS's output_iso) keeps expected files in ./expected beside regress's.
ISOLATION_OPTS = --inputdir=test --outputdir=. --load-extension=draft_mode

# The extension is C++17. Warnings are errors everywhere.
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror -Wno-register
SHLIB_LINK = -lstdc++

# No LLVM bitcode: JIT inlining of C++ entry points buys nothing, and PGXS's
# bitcode rule would compile our C++ with clang and without -std=c++17.
override with_llvm = no

PG_CONFIG ?= pg_config
# Postgres headers as system headers: -Wextra stays an error for our code only.
PG_CPPFLAGS = -Isrc -isystem $(shell $(PG_CONFIG) --includedir-server)
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

all: $(SCHEMA_SCRIPT)

$(SCHEMA_SCRIPT): sql/draft_mode.sql draft_mode.control
	cp $< $@

# Engine unit tests: pure C++, linked without Postgres.
ENGINE_TEST_SRCS = $(wildcard test/engine/*.cpp)
ENGINE_CXXFLAGS = -std=c++17 -O2 -g -Wall -Wextra -Werror -Isrc -D_GLIBCXX_ASSERTIONS

build/engine_tests: $(ENGINE_SRCS) $(ENGINE_TEST_SRCS) $(wildcard src/engine/*.h)
	@mkdir -p build
	$(CXX) $(ENGINE_CXXFLAGS) -o $@ $(ENGINE_SRCS) $(ENGINE_TEST_SRCS) -lgtest -lpthread

engine-tests: build/engine_tests

# libFuzzer target for patch, merge patch and diff (needs clang).
FUZZ_CXX ?= clang++
build/patch_fuzzer: $(ENGINE_SRCS) test/fuzz/patch_fuzzer.cpp $(wildcard src/engine/*.h)
	@mkdir -p build
	$(FUZZ_CXX) -std=c++17 -O1 -g -Isrc -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $(ENGINE_SRCS) test/fuzz/patch_fuzzer.cpp

fuzz: build/patch_fuzzer

.PHONY: engine-tests fuzz

# PGXS tracks no header dependencies; rebuild every object when a header changes.
$(OBJS): $(wildcard src/engine/*.h src/boundary/*.h src/store/*.h)
