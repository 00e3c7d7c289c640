# mod_auth_sspidigest: the engine (libsspidigest.a), the httpd module, the
# password tool, and their tests.  `make test` and `make run` install what
# is missing from Debian first; plain `make` only builds.
.DEFAULT_GOAL := all
.PHONY: all engine module module-asan tools tools-test deps deps-test deps-run test \
	unit unit-asan apache-test install run clean sample sasl-interop

BUILD ?= build
CC ?= gcc
OPT ?= -O2 -g
WERROR ?=
WARN := -std=gnu11 -Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith \
	-Wcast-qual -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wundef \
	-Wimplicit-fallthrough -Wconversion -Wsign-conversion
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -g -O1

APR_CFLAGS = $(shell apr-1-config --cflags --cppflags --includes)
APR_LIBS = $(shell apu-1-config --link-ld) $(shell apr-1-config --link-ld)
LIBS = -lssl -lcrypto $(APR_LIBS) -lpthread
ENGINE_CFLAGS = $(WARN) $(WERROR) -fPIC -fvisibility=hidden -Iinclude -Isrc \
	$(APR_CFLAGS)

ENGINE_SRC := $(wildcard src/*.c)
ENGINE_HDR := $(wildcard src/*.h include/*.h)
UNIT_SRC := $(wildcard t/unit/test_*.c)
UNIT_SUPPORT := t/unit/support.c
UNIT_NAMES := $(UNIT_SRC:t/unit/%.c=%)

all: engine module tools shared sample

engine: $(BUILD)/libsspidigest.a

# ---- engine ---------------------------------------------------------------
$(BUILD)/obj/%.o: src/%.c $(ENGINE_HDR)
	@mkdir -p $(@D)
	$(CC) $(OPT) $(ENGINE_CFLAGS) -c -o $@ $<

$(BUILD)/asan/obj/%.o: src/%.c $(ENGINE_HDR)
	@mkdir -p $(@D)
	$(CC) $(SAN) $(ENGINE_CFLAGS) -c -o $@ $<

$(BUILD)/libsspidigest.a: $(ENGINE_SRC:src/%.c=$(BUILD)/obj/%.o)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/asan/libsspidigest.a: $(ENGINE_SRC:src/%.c=$(BUILD)/asan/obj/%.o)
	rm -f $@ && ar rcs $@ $^

# ---- the httpd module (apxs), and a sanitizer build of it for the tests --
APXS ?= apxs
# mod_auth_sspidigest.c (hooks, request flow) and the glue files in module/.
MODULE_SRC := mod_auth_sspidigest.c $(wildcard module/*.c)
MODULE_HDR := $(wildcard module/*.h)
# The house set, less -Wcast-qual: APR's apr_ring.h casts away volatile.
MODULE_CFLAGS = $(filter-out -Wcast-qual,$(WARN)) $(WERROR)
APXS_FLAGS = $(foreach f,$(MODULE_CFLAGS) -fvisibility=hidden,-Wc,$(f))

module: .libs/mod_auth_sspidigest.so

.libs/mod_auth_sspidigest.so: $(MODULE_SRC) $(MODULE_HDR) \
		include/sspi.h $(BUILD)/libsspidigest.a
	$(APXS) -c -o mod_auth_sspidigest.la -Iinclude -Isrc $(APXS_FLAGS) \
		$(MODULE_SRC) $(BUILD)/libsspidigest.a -lssl -lcrypto -lhiredis

module-asan: $(BUILD)/asan/mod_auth_sspidigest.so

$(BUILD)/asan/mod_auth_sspidigest.so: $(MODULE_SRC) $(MODULE_HDR) \
		include/sspi.h $(BUILD)/asan/libsspidigest.a
	@mkdir -p $(@D)
	$(CC) $(SAN) -shared -fPIC -fvisibility=hidden $(MODULE_CFLAGS) \
		-Iinclude -Isrc -I$$($(APXS) -q INCLUDEDIR) $(APR_CFLAGS) \
		-o $@ $(MODULE_SRC) $(BUILD)/asan/libsspidigest.a -lssl -lcrypto \
		-lhiredis

# ---- the password tool, plain and under ASan+UBSan -------------------------
TOOL_SRC := $(wildcard tools/*.c)
TOOL_HDR := $(wildcard tools/*.h)
TOOL_CFLAGS = $(WARN) $(WERROR) -Iinclude -Isrc -Itools $(APR_CFLAGS)

tools: $(BUILD)/sspidigest-passwd

$(BUILD)/sspidigest-passwd: $(TOOL_SRC) $(TOOL_HDR) $(ENGINE_HDR) $(BUILD)/libsspidigest.a
	@mkdir -p $(@D)
	$(CC) $(OPT) $(TOOL_CFLAGS) $(LDFLAGS) -o $@ $(TOOL_SRC) $(BUILD)/libsspidigest.a $(LIBS)

$(BUILD)/asan/sspidigest-passwd: $(TOOL_SRC) $(TOOL_HDR) $(ENGINE_HDR) $(BUILD)/asan/libsspidigest.a
	@mkdir -p $(@D)
	$(CC) $(SAN) $(TOOL_CFLAGS) -o $@ $(TOOL_SRC) $(BUILD)/asan/libsspidigest.a $(LIBS)

tools-test: $(BUILD)/sspidigest-passwd $(BUILD)/asan/sspidigest-passwd
	SSPIDIGEST_PASSWD=$(BUILD)/sspidigest-passwd prove -v t/tools/passwd.t \
		| scripts/tap-count $(BUILD)/results/passwd.txt
	SSPIDIGEST_PASSWD=$(BUILD)/asan/sspidigest-passwd prove -v t/tools/passwd.t \
		| scripts/tap-count $(BUILD)/results/passwd-asan.txt

# ---- the TLS stage's Digest client with channel bindings (t/tls/) ------------
.PHONY: tls-client
tls-client: $(BUILD)/tls/cbclient

$(BUILD)/tls/cbclient: t/tls/cbclient.c include/sspi.h $(BUILD)/libsspidigest.a
	@mkdir -p $(@D)
	$(CC) $(OPT) $(TOOL_CFLAGS) -o $@ $< $(BUILD)/libsspidigest.a $(LIBS)

# ---- the SASL sample program (plain, and under ASan+UBSan for interop) ------
SAMPLE_SRC := $(wildcard sample/*.c)
SAMPLE_HDR := $(wildcard sample/*.h)
# An embedder's view: the public header only.
SAMPLE_CFLAGS = $(WARN) $(WERROR) -Iinclude -Isample $(APR_CFLAGS)

sample: $(BUILD)/sspidigest-sasl-sample

$(BUILD)/sspidigest-sasl-sample: $(SAMPLE_SRC) $(SAMPLE_HDR) include/sspi.h $(BUILD)/libsspidigest.a
	@mkdir -p $(@D)
	$(CC) $(OPT) $(SAMPLE_CFLAGS) -o $@ $(SAMPLE_SRC) $(BUILD)/libsspidigest.a $(LIBS)

$(BUILD)/asan/sspidigest-sasl-sample: $(SAMPLE_SRC) $(SAMPLE_HDR) include/sspi.h $(BUILD)/asan/libsspidigest.a
	@mkdir -p $(@D)
	$(CC) $(SAN) $(SAMPLE_CFLAGS) -o $@ $(SAMPLE_SRC) $(BUILD)/asan/libsspidigest.a $(LIBS)

# Interop with Cyrus SASL, OpenJDK and GNU SASL (t/sasl/interop.py).
sasl-interop: $(BUILD)/asan/sspidigest-sasl-sample $(BUILD)/sspidigest-passwd
	python3 t/sasl/interop.py --sample $(BUILD)/asan/sspidigest-sasl-sample \
		--passwd $(BUILD)/sspidigest-passwd --build $(BUILD)/sasl \
		--results $(BUILD)/results/sasl-interop.txt

# ---- the demo: `make run` ------------------------------------------------------
deps-run:
	scripts/install-deps run

run: deps-run
	$(MAKE) --no-print-directory all
	scripts/demo

# ---- unit tests (cmocka), plain and under ASan+UBSan ----------------------
UNIT_CFLAGS = $(WARN) $(WERROR) -Wno-missing-prototypes -Iinclude -Isrc \
	-It/unit $(APR_CFLAGS) -DVECTORS_DIR='"$(CURDIR)/t/unit"'

# test_failures injects our own failures by wrapping calls at link time.
WRAP_test_failures = -Wl,--wrap=sd_ctxbuf_alloc -Wl,--wrap=EVP_DigestInit_ex2 \
	-Wl,--wrap=EVP_CipherUpdate
# test_binding counts the engine's channel-binding hashes.
WRAP_test_binding = -Wl,--wrap=sd_bindings_hash

$(BUILD)/unit/%: t/unit/%.c $(UNIT_SUPPORT) t/unit/support.h $(BUILD)/libsspidigest.a
	@mkdir -p $(@D)
	$(CC) $(OPT) $(UNIT_CFLAGS) -o $@ $< $(UNIT_SUPPORT) \
		$(BUILD)/libsspidigest.a -lcmocka $(LIBS) $(WRAP_$*)

$(BUILD)/asan/unit/%: t/unit/%.c $(UNIT_SUPPORT) t/unit/support.h $(BUILD)/asan/libsspidigest.a
	@mkdir -p $(@D)
	$(CC) $(SAN) $(UNIT_CFLAGS) -o $@ $< $(UNIT_SUPPORT) \
		$(BUILD)/asan/libsspidigest.a -lcmocka $(LIBS) $(WRAP_$*)

unit: $(UNIT_NAMES:%=$(BUILD)/unit/%)
	scripts/run-unit $(BUILD)/results/unit.txt $^

unit-asan: $(UNIT_NAMES:%=$(BUILD)/asan/unit/%)
	scripts/run-unit $(BUILD)/results/unit-asan.txt $^

# ---- set-up and the whole suite -------------------------------------------
deps:
	scripts/install-deps build

deps-test:
	scripts/install-deps test

test: deps-test
	$(MAKE) WERROR=-Werror all
	scripts/test-all

# ---- fuzzing: replay the corpora (part of make test), or run libFuzzer ---
.PHONY: fuzz-replay fuzz
FUZZ_SECONDS ?= 60

fuzz-replay:
	scripts/fuzz replay-all

# make fuzz T=fuzz_params FUZZ_SECONDS=600
fuzz:
	scripts/fuzz $(T) $(FUZZ_SECONDS)

# ---- the shared library, make install, make deb (dist/dist.mk) ------------
include dist/dist.mk

# ---- the benchmark (bench/bench.mk): `make bench`, never part of `make test`
-include bench/bench.mk
# ---- the soak (bench/soak/soak.mk): `make soak`, never part of `make test`
-include bench/soak/soak.mk

clean:
	rm -rf $(BUILD) .libs *.lo *.la *.slo *.o module/.libs module/*.lo \
		module/*.slo module/*.o
