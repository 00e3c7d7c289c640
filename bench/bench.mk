# bench/bench.mk: `make bench` (included by the Makefile; never part of
# `make test`).  Installs what it needs, builds the engine micro-benchmark
# and the Digest load client, then bench/run.sh runs both parts and prints
# one report.  Knobs (environment or make variables, see bench/run.sh):
# BENCH_SECONDS (per end-to-end run, default 3), BENCH_ROUNDS (default 5),
# BENCH_CONNS (default 16), BENCH_PIN=0 (no CPU pinning), BENCH_WAIT_IDLE=S
# (wait up to S seconds for a load average below 1), BENCH_QUICK=1 (a short
# smoke run).
.PHONY: bench bench-build timing timing-check timing-userfile

BENCH_CFLAGS = $(OPT) $(filter-out -Wmissing-prototypes,$(WARN)) \
	-Wno-missing-prototypes -Iinclude -Isrc $(APR_CFLAGS)
# What the bench clients share (the soak client too, bench/soak/soak.mk).
BENCH_COMMON := bench/common.c bench/common.h

$(BUILD)/bench/engine_bench: bench/engine_bench.c $(BENCH_COMMON) $(ENGINE_HDR) \
		$(BUILD)/libsspidigest.a
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $< bench/common.c $(BUILD)/libsspidigest.a \
		$(LIBS)

$(BUILD)/bench/load: bench/load.c $(BENCH_COMMON) include/sspi.h \
		$(BUILD)/libsspidigest.a
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $< bench/common.c $(BUILD)/libsspidigest.a \
		$(LIBS)

# The timing of refusals (bench/timing.c): `make timing` measures it,
# `make timing-check` counts its instructions under callgrind (make test).
$(BUILD)/bench/timing: bench/timing.c $(BENCH_COMMON) include/sspi.h \
		$(BUILD)/libsspidigest.a
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $< bench/common.c $(BUILD)/libsspidigest.a \
		$(LIBS) -lm

timing: $(BUILD)/bench/timing
	$(BUILD)/bench/timing -n $${TIMING_TRIES:-20000}

# End to end: a user's place in a 10,000-user AuthUserFile, or its absence,
# against the response time (file, socache in front, dbm).
timing-userfile: module
	python3 bench/userfile.py --tries $${TIMING_TRIES:-400}

timing-check: $(BUILD)/bench/timing
	t/timing/instructions.sh --timing $(BUILD)/bench/timing \
		--results $(BUILD)/results/timing.txt

bench-build: $(BUILD)/bench/engine_bench $(BUILD)/bench/load \
		$(BUILD)/sspidigest-passwd module

bench:
	scripts/install-deps bench
	$(MAKE) --no-print-directory bench-build
	BUILD=$(BUILD) bench/run.sh
