# A thin layer over meson. Every target first installs whatever Debian
# packages are missing (as root with apt-get, otherwise through sudo), so a
# fresh Debian 12 machine needs nothing else.
BUILD ?= build
MESON_OPTS ?=

# Build and test dependencies, by Debian package name (see README).
DEBIAN_PACKAGES = \
	meson ninja-build pkg-config gcc clang gettext \
	libglib2.0-dev libglib2.0-dev-bin libjson-glib-dev \
	libsdl2-dev libsdl2-ttf-dev fonts-dejavu-core fonts-noto-core \
	libjpeg62-turbo-dev libpng-dev \
	libsqlite3-dev sqlite3 libsodium-dev libcurl4-openssl-dev libssl-dev \
	nginx-light openssl \
	libfprint-2-dev libgphoto2-dev umockdev \
	libevdev-dev \
	libhidapi-dev libumockdev-dev \
	opencv-data python-matplotlib-data python3-skimage python3-numpy python3-pil \
	valgrind xvfb xauth clang-format \
	libsystemd-dev systemd debhelper dpkg-dev lintian cage grim xwayland \
	libdlib-dev libdlib-data libopenjp2-7-dev \
	libespeak-ng-dev espeak-ng-data

# The S3 server of the upload tests (tests/emulators/s3) runs on Node.js,
# installed from Debian (see deps) only when no node is on the PATH. Its
# npm packages go from its lock file into the build tree; npm ci runs only
# when they are missing or the lock file changed.
S3_EMULATOR = $(BUILD)/s3-emulator
S3_EMULATOR_STAMP = $(S3_EMULATOR)/node_modules/.package-lock.json

.PHONY: all deps setup build demo run test test-asan test-valgrind stress bench fuzz deb clean

all: build

deps:
	@missing=""; \
	for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) $(MESON_OPTS)

# For any build folder (build/, build-asan/): the tests look for the
# server's packages in their own build tree.
%/s3-emulator/node_modules/.package-lock.json: tests/emulators/s3/package.json tests/emulators/s3/package-lock.json | deps
	mkdir -p $*/s3-emulator
	cp tests/emulators/s3/package.json tests/emulators/s3/package-lock.json $*/s3-emulator/
	cd $*/s3-emulator && npm ci --ignore-scripts --no-audit --no-fund

setup: deps $(BUILD)/build.ninja $(S3_EMULATOR_STAMP)

build: setup
	meson compile -C $(BUILD)

# make demo DEMO_ARGS="--set devices.pad=touch": sign on the touchscreen
demo: build
	./$(BUILD)/biokiosk demo --out $(BUILD)/demo $(DEMO_ARGS)

# The interactive kiosk in training mode (docs/training.md): simulated
# devices, today's codes and the officer PIN printed. Needs a display.
run: build
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "make run opens a window and needs a display; without one: xvfb-run -s '-screen 0 1280x800x24' make run" >&2; \
	  exit 2; \
	fi
	$(abspath $(BUILD))/biokiosk run --training --set paths.state_dir=$(abspath $(BUILD))/run

test: build
	meson test -C $(BUILD) --print-errorlogs --num-processes 2

test-asan: deps $(BUILD)-asan/s3-emulator/node_modules/.package-lock.json
	[ -f $(BUILD)-asan/build.ninja ] || meson setup $(BUILD)-asan -Db_sanitize=address,undefined -Db_lundef=false
	meson compile -C $(BUILD)-asan
	meson test -C $(BUILD)-asan --setup asan --print-errorlogs --num-processes 2

test-valgrind: build
	meson test -C $(BUILD) --setup valgrind --print-errorlogs --num-processes 2

# The queue's crash test (SIGKILL during store and upload on a nearly full
# disk, to a folder and over HTTPS to nginx) with 1,000 cycles each instead
# of meson test's 200; prints the seeds and the figures (lost, duplicated
# and corrupt must be 0). Then the S3 upload test with `biokiosk queue
# upload` killed in 1,000 cycles instead of 200.
stress: build
	BK_CRASH_CYCLES=1000 meson test -C $(BUILD) --print-errorlogs --timeout-multiplier 4 queue-crash; \
	status=$$?; \
	grep -E '^# (seed|crash test)' $(BUILD)/meson-logs/testlog.txt; \
	BK_S3_KILL_CYCLES=1000 meson test -C $(BUILD) --print-errorlogs --timeout-multiplier 8 upload-s3 || status=1; \
	grep -E '^# [0-9]+ cycles' $(BUILD)/meson-logs/testlog.txt; \
	exit $$status

bench: build
	./bench/run $(BUILD)

# The Debian package, built from a copy of the tree (docs/appliance.md):
# $(BUILD)/deb/biokiosk_<version>_<arch>.deb, checked by lintian.
deb: deps
	debian/make-deb $(BUILD)/deb
	lintian --fail-on error $(BUILD)/deb/biokiosk_*_$$(dpkg --print-architecture).deb

fuzz: deps
	[ -f $(BUILD)-fuzz/build.ninja ] || CC=clang CXX=clang++ meson setup $(BUILD)-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
	meson compile -C $(BUILD)-fuzz

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-fuzz
