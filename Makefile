# Two commands for a fresh clone on Debian/Ubuntu with Python 3.11+:
#   make run    set everything up and start the app
#   make test   set everything up and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test setup setup-test qt-deps system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

setup-test: $(BIN)/python system-deps
	$(BIN)/python -m pip install --quiet -e ".[test]"

QT_PACKAGES := libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
	libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xkb1 libxcb-randr0 \
	libxcb-render-util0 libxcb-image0 fonts-dejavu-core
BROWSER_PACKAGES := chromium
# pdftotext, pdfinfo and pdffonts: the map sheet and printed-page tests read exported PDFs back
# as a reader would; Java runs the HTML validator (vnu) of the HTML export's check.
PDF_PACKAGES := poppler-utils
VALIDATOR_PACKAGES := default-jre-headless

# System libraries Qt needs for a real window (xcb), Chromium for the browser tests and
# poppler-utils for the PDF tests.
# Installs only what is missing, with apt-get (as root, or through sudo).
define apt_install
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ] && command -v apt-get >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		echo "installing system packages:" $$missing; \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

qt-deps:
	$(call apt_install,$(QT_PACKAGES))

system-deps: qt-deps
	$(call apt_install,$(BROWSER_PACKAGES) $(PDF_PACKAGES) $(VALIDATOR_PACKAGES))

run: setup qt-deps
	$(BIN)/influencemap

# INFLUENCEMAP_REQUIRE_BROWSER=1: a missing Chromium fails the browser tests instead of skipping them
test: setup-test
	QT_QPA_PLATFORM=offscreen INFLUENCEMAP_REQUIRE_BROWSER=1 $(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build dist
