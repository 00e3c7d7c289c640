# dist/dist.mk (included by the Makefile): the engine as a shared library,
# `make install`, `make deb` and `make check-exports`.
#
# libsspidigest.so.0 is built from its own objects, compiled with default
# visibility, and exports exactly the functions include/sspi.h declares: a
# linker version script made from the header at build time
# (scripts/sspi-exports) hides the rest.  The module and the password tool
# keep linking the static archive, whose objects are -fvisibility=hidden.
.PHONY: shared check-exports install uninstall deb deps-deb

# One version for the library, the .pc file and the packages: the newest
# entry of debian/changelog.
VERSION := $(shell sed -n '1{s/^[^ ]* [(]//;s/[-)].*//;p;}' debian/changelog)
SONAME := libsspidigest.so.0
SHLIB := $(BUILD)/libsspidigest.so.$(VERSION)

# Where `make install` puts things.  The module goes where httpd looks for
# modules (apxs), whatever PREFIX is; the .load file only where Debian's
# a2enmod layout exists (or where APACHE_MODS_AVAILABLE says).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/mod-auth-sspidigest
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MODULEDIR ?= $(shell $(APXS) -q LIBEXECDIR)
APACHE_MODS_AVAILABLE ?= $(wildcard /etc/apache2/mods-available)

SHARED_CFLAGS = $(filter-out -fvisibility=hidden,$(ENGINE_CFLAGS))
SHARED_OBJ := $(ENGINE_SRC:src/%.c=$(BUILD)/shared/obj/%.o)

shared: $(BUILD)/$(SONAME) $(BUILD)/libsspidigest.so

$(BUILD)/shared/obj/%.o: src/%.c $(ENGINE_HDR)
	@mkdir -p $(@D)
	$(CC) $(OPT) $(SHARED_CFLAGS) -c -o $@ $<

$(BUILD)/shared/sspidigest.map: scripts/sspi-exports $(wildcard include/*.h)
	@mkdir -p $(@D)
	CC="$(CC)" scripts/sspi-exports --map include/sspi.h $(APR_CFLAGS) >$@.tmp
	mv $@.tmp $@

# --no-undefined: the library names every library it needs; --as-needed
# drops those of $(LIBS) that the engine does not use.
$(SHLIB): $(SHARED_OBJ) $(BUILD)/shared/sspidigest.map
	$(CC) $(OPT) -shared -fPIC -Wl,-soname,$(SONAME) \
		-Wl,--version-script=$(BUILD)/shared/sspidigest.map \
		-Wl,--no-undefined -Wl,--as-needed $(LDFLAGS) \
		-o $@ $(SHARED_OBJ) $(LIBS)

$(BUILD)/$(SONAME): $(SHLIB)
	ln -sf $(notdir $<) $@

$(BUILD)/libsspidigest.so: $(BUILD)/$(SONAME)
	ln -sf $(notdir $<) $@

# The .pc and .load files name install directories: made by `make install`.
PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|'

check-exports: shared module
	scripts/check-exports --lib $(BUILD)/$(SONAME) --header include/sspi.h \
		--module .libs/mod_auth_sspidigest.so $(APR_CFLAGS)

install: all
	install -d $(DESTDIR)$(MODULEDIR) $(DESTDIR)$(LIBDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(INCLUDEDIR)/sspidigest \
		$(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR)
	install -m 644 .libs/mod_auth_sspidigest.so $(DESTDIR)$(MODULEDIR)/
	install -m 644 $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(SHLIB)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libsspidigest.so
	install -m 644 include/sspi.h $(DESTDIR)$(INCLUDEDIR)/sspidigest/
	$(PC_SED) dist/sspidigest.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/sspidigest.pc
	install -m 755 $(BUILD)/sspidigest-passwd $(DESTDIR)$(BINDIR)/
	install -m 644 dist/sspidigest-passwd.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/
	if [ -n "$(APACHE_MODS_AVAILABLE)" ]; then \
		install -d $(DESTDIR)$(APACHE_MODS_AVAILABLE) && \
		sed 's|@MODULEDIR@|$(MODULEDIR)|' dist/auth_sspidigest.load.in \
			>$(DESTDIR)$(APACHE_MODS_AVAILABLE)/auth_sspidigest.load; \
	fi
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

# The same variables as `make install` (a2dismod auth_sspidigest first).
uninstall:
	rm -f $(DESTDIR)$(MODULEDIR)/mod_auth_sspidigest.so \
		$(DESTDIR)$(LIBDIR)/libsspidigest.so* \
		$(DESTDIR)$(INCLUDEDIR)/sspidigest/sspi.h \
		$(DESTDIR)$(PKGCONFIGDIR)/sspidigest.pc \
		$(DESTDIR)$(BINDIR)/sspidigest-passwd \
		$(DESTDIR)$(MANDIR)/man1/sspidigest-passwd.1 \
		$(DESTDIR)$(DOCDIR)/README.md
	-rmdir $(DESTDIR)$(INCLUDEDIR)/sspidigest $(DESTDIR)$(DOCDIR)
	if [ -n "$(APACHE_MODS_AVAILABLE)" ]; then \
		rm -f $(DESTDIR)$(APACHE_MODS_AVAILABLE)/auth_sspidigest.load; \
	fi

# The three Debian packages, into $(BUILD)/deb/ (scripts/build-deb).
deps-deb:
	scripts/install-deps deb

deb: deps-deb
	BUILD=$(BUILD) scripts/build-deb
