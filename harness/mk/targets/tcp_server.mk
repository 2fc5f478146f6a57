# tcp_server.mk: the tcp_server exercise's tools, as top-level targets.
#
#   make serve [PROTO=resp|text] [MODE=threads|loop] [PORT=6379] [HOST=127.0.0.1] [IMPL=solution]
#   make fuzz  [RUNS=10000000] [IMPL=solution]
#
# Both build the learner's tcp_server (IMPL=solution: the reference) with the
# lru_cache the tests would link (the learner's once it has no TODO left).
# Variables here start with KV_, so that other targets' files cannot clash.

KV_TODO_MARK := TODO(
KV_IMPL_DIR   = $(if $(filter solution,$(IMPL)),solutions/tcp_server,exercises/tcp_server)
KV_LRU_DIR    = $(if $(filter solution,$(IMPL)),solutions/lru_cache,$(if $(shell grep -l '$(KV_TODO_MARK)' exercises/lru_cache/*.c 2>/dev/null),solutions/lru_cache,exercises/lru_cache))
KV_SRCS       = $(filter-out $(KV_IMPL_DIR)/test_%.c $(KV_IMPL_DIR)/bench_%.c,$(wildcard $(KV_IMPL_DIR)/*.c)) \
                $(filter-out $(KV_LRU_DIR)/test_%.c $(KV_LRU_DIR)/bench_%.c,$(wildcard $(KV_LRU_DIR)/*.c)) \
                harness/src/todo.c harness/src/clock.c harness/src/rng.c harness/src/fail_program.c
KV_HEADERS    = $(wildcard exercises/tcp_server/*.h exercises/lru_cache/*.h harness/include/wb/*.h)
KV_INCLUDES   = $(CPPFLAGS_ALL) -Iexercises/tcp_server -Iexercises/lru_cache -DWB_EXERCISE='"tcp_server"'
# One folder per implementation and per cache, so that switching either rebuilds.
KV_TOOLS      = $(BUILD_ROOT)/tools/tcp_server/$(IMPL)-with-$(if $(filter solutions/%,$(KV_LRU_DIR)),reference,your)-lru
KV_SERVE_BIN  = $(KV_TOOLS)/kv_serve
KV_FUZZ_BIN   = $(KV_TOOLS)/fuzz_parse

.PHONY: serve fuzz kv-impl-check

kv-impl-check:
	@case "$(IMPL)" in learner|solution) ;; \
		*) echo "IMPL is learner (your code, the default) or solution (the reference), not '$(IMPL)'" >&2; exit 2 ;; esac
	@if [ "$(KV_LRU_DIR)" = solutions/lru_cache ] && [ "$(IMPL)" = learner ]; then \
		echo "note: your lru_cache still has TODOs, so tcp_server uses the reference lru_cache"; fi

$(KV_SERVE_BIN): exercises/tcp_server/tools/kv_serve.c $(KV_SRCS) $(KV_HEADERS)
	@mkdir -p $(@D)
	@printf '  %-4s %s\n' LINK $@
	@$(CC) $(STD) $(WARNINGS) -O2 -g $(KV_INCLUDES) -o $@ exercises/tcp_server/tools/kv_serve.c $(KV_SRCS) -pthread

$(KV_FUZZ_BIN): exercises/tcp_server/fuzz/fuzz_parse.c $(KV_SRCS) $(KV_HEADERS)
	@mkdir -p $(@D)
	@printf '  %-4s %s\n' LINK $@
	@clang $(STD) $(WARNINGS) -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$(KV_INCLUDES) -o $@ exercises/tcp_server/fuzz/fuzz_parse.c $(KV_SRCS) -pthread

serve: deps kv-impl-check $(KV_SERVE_BIN) ## run tcp_server until Ctrl-C [PROTO=resp|text] [MODE=threads|loop] [PORT=6379]
	@$(KV_SERVE_BIN) --port $(or $(PORT),6379) --protocol $(or $(PROTO),resp) --mode $(or $(MODE),threads) \
		$(if $(HOST),--host $(HOST)) $(if $(CAPACITY),--capacity $(CAPACITY))

fuzz: deps kv-impl-check $(KV_FUZZ_BIN) ## fuzz tcp_server's parser with libFuzzer [RUNS=10000000] [IMPL=solution]
	@mkdir -p $(KV_TOOLS)/corpus $(KV_TOOLS)/findings
	@echo "Fuzzing kv_parse for $(or $(RUNS),10000000) runs; new inputs go to $(KV_TOOLS)/corpus,"
	@echo "crashes to $(KV_TOOLS)/findings. The seed corpus is exercises/tcp_server/fuzz/corpus."
	@$(KV_FUZZ_BIN) -runs=$(or $(RUNS),10000000) -max_len=66000 -dict=exercises/tcp_server/fuzz/resp.dict \
		-artifact_prefix=$(KV_TOOLS)/findings/ -print_final_stats=1 \
		$(KV_TOOLS)/corpus exercises/tcp_server/fuzz/corpus
