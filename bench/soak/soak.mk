# bench/soak/soak.mk: `make soak` (included by the Makefile; never part of
# `make test`).  Installs what it needs, builds the soak load client and
# the module, then bench/soak/soak.py runs the farm under faults for
# SOAK_SECONDS (default 300) and prints its summary table; it exits
# non-zero when a check failed.  SOAK_MPM=prefork runs the httpds under
# prefork instead of event.
.PHONY: soak soak-build

SOAK_SRC := $(wildcard bench/soak/*.c) bench/common.c
SOAK_HDR := bench/soak/soak.h bench/soak/scenario.h bench/common.h

$(BUILD)/soak/soak-client: $(SOAK_SRC) $(SOAK_HDR) include/sspi.h \
		$(BUILD)/libsspidigest.a
	@mkdir -p $(@D)
	$(CC) $(OPT) $(WARN) $(WERROR) -Iinclude -Isrc $(APR_CFLAGS) -o $@ \
		$(SOAK_SRC) $(BUILD)/libsspidigest.a -lnghttp2 $(LIBS)

soak-build: $(BUILD)/soak/soak-client $(BUILD)/sspidigest-passwd module

soak:
	scripts/install-deps soak
	$(MAKE) --no-print-directory soak-build
	python3 bench/soak/test_procstat.py
	BUILD=$(BUILD) python3 bench/soak/soak.py
