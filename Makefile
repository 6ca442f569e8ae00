# Two commands for a newcomer: `make run` and `make test`.
# Both install what is missing first: Debian packages through apt (as root or
# with sudo) and a .venv pinned by requirements*.lock.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= hall_config/county.toml
HTTP_PORT ?= 8080

# mosquitto: production broker and integration tests; espeak-ng + sox: the
# default voice pack; fonts-unifont: LED text; alsa-utils: aplay on the Pi;
# chromium + fonts-wqy-microhei: the hall's pages in a kiosk browser and the
# browser tests (Playwright drives Debian's chromium, it never downloads one); the
# same CJK font in the reports' PDF; poppler-utils: pdftoppm/pdftotext in the report tests.
# postgresql: the county's store of every site (tests start their own in a temp dir);
# iproute2: `hall-hil tiers` gives each site its own network namespace.
# systemd: systemd-analyze verifies the units `make install` writes.
APT_PACKAGES := python3-venv python3-dev gcc mosquitto mosquitto-clients espeak-ng sox chromium-l10n \
	fonts-unifont sqlite3 alsa-utils chromium fonts-wqy-microhei poppler-utils postgresql iproute2 systemd
# What an installed gateway needs on the Pi (make install): no browsers, compilers or test tools.
# (python3-dev and gcc build spidev, the LED panel's SPI binding, on the Pi.)
RUNTIME_APT_PACKAGES := python3-venv python3-dev gcc mosquitto espeak-ng sox fonts-unifont sqlite3 alsa-utils systemd

# make install: where things go (DESTDIR stages them under another root). HALL_FILE becomes
# /etc/hall/hall.toml when there is none yet. See docs/OPERATING.md "Installing on a Pi".
APPDIR ?= /opt/hall
ETCDIR ?= /etc/hall
STATEDIR ?= /var/lib/hall
BACKUPDIR ?= /var/backups/hall
UNITDIR ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
JOURNALDIR ?= /usr/lib/systemd/journald.conf.d
BINDIR ?= /usr/local/bin
HALL_FILE ?= hall_config/village.toml
INSTALL_VARS = DESTDIR="$(DESTDIR)" APPDIR="$(APPDIR)" ETCDIR="$(ETCDIR)" STATEDIR="$(STATEDIR)" \
	BACKUPDIR="$(BACKUPDIR)" UNITDIR="$(UNITDIR)" SYSUSERSDIR="$(SYSUSERSDIR)" BINDIR="$(BINDIR)" \
	JOURNALDIR="$(JOURNALDIR)" HALL_FILE="$(HALL_FILE)" PYTHON="$(PYTHON)"

# Playwright drives Debian's chromium (/usr/bin/chromium); it must never fetch a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test tiers system system-runtime venv venv-test lock clean install uninstall

# The gateway plus one emulated board per configured device, and the hall page.
# The store and the boards' flash persist in data/<hall file>/ between runs.
run: venv
	$(BIN)/hallgw voice build
	$(BIN)/hall-hil run --config $(CONFIG) --http-port $(HTTP_PORT) --workdir data/$(basename $(notdir $(CONFIG)))

# The three tiers on this machine (as root: network namespaces): a county with its PostgreSQL,
# a township and a village, each with its gateway, brokers and emulated boards, with faults.
tiers: venv
	$(BIN)/hall-hil tiers --hours 8 --speed 60 --faults

# Four workers on any machine: most tests wait on simulated clocks, brokers and browsers rather
# than the CPU (tests/conftest.py keeps the heavy simulations to two lanes).
test: venv-test
	$(BIN)/python -m pytest -q -n 4

system: PKGS = $(APT_PACKAGES)
system-runtime: PKGS = $(RUNTIME_APT_PACKAGES)
system system-runtime:
	@missing=$$(for p in $(PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:" $$missing; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "need root or sudo to install:" $$missing >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BIN)/python: | system
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The gateway as a Pi gets it, plus the emulated hall (hil/) and the benchmarks (bench/), which are
# the checkout's own and never in the wheel: the venv imports them from here (a .pth naming the
# checkout); `hall-hil` and `hall-bench` run them.
$(VENV)/.run-stamp: requirements.lock requirements-hil.lock pyproject.toml setup.py | $(BIN)/python
	$(BIN)/pip install -q -r requirements.lock -r requirements-hil.lock
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/python -c 'import sys, sysconfig, pathlib; pathlib.Path(sysconfig.get_path("purelib"), \
	  "hall-checkout.pth").write_text(sys.argv[1] + "\n")' "$(CURDIR)"
	for part in hil bench; do \
	  printf '#!/bin/sh\nexec "%s" -m %s.cli "$$@"\n' "$(CURDIR)/$(BIN)/python" $$part > $(BIN)/hall-$$part; \
	  chmod +x $(BIN)/hall-$$part; \
	done
	touch $@

$(VENV)/.test-stamp: requirements-test.lock $(VENV)/.run-stamp
	$(BIN)/pip install -q -r requirements-test.lock
	touch $@

# The ESP32 port's API as type stubs, in a folder of their own (they shadow stdlib names):
# tests/firmware/test_esp32_types.py checks firmware/ against them (firmware/mypy-esp32.ini).
$(VENV)/.stubs-stamp: requirements-stubs.lock | $(BIN)/python
	rm -rf $(VENV)/esp32-stubs
	$(BIN)/pip install -q --no-deps --target $(VENV)/esp32-stubs -r requirements-stubs.lock
	touch $@

venv: system $(VENV)/.run-stamp
venv-test: system $(VENV)/.test-stamp $(VENV)/.stubs-stamp

# The gateway as services (root): user hall, /etc/hall, /var/lib/hall, systemd units.
install: system-runtime
	$(INSTALL_VARS) bash deploy/install.sh

# Removes what install added; keeps the store, the backups, the hall file and the secrets.
uninstall:
	$(INSTALL_VARS) bash deploy/uninstall.sh

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
