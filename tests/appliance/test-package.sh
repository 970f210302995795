#!/bin/sh
# The Debian package (debian/, docs/appliance.md): built by debian/make-deb
# into <build>/deb (its copy of the tree and meson folder are kept, so a
# later run compiles only what changed), then inspected: its version is the
# binary's, the files and their modes, the conffiles, the maintainer
# scripts, and lintian reports no error. TAP output.
set -u
src=${BK_SOURCE_DIR:?}
build=${BK_BUILD_DIR:?}
bin=${BK_BIOKIOSK:?}
out=$build/deb
. "$(dirname "$0")/tap.sh"
tap_need dpkg-buildpackage dpkg-deb lintian dh meson
check() { # check DESCRIPTION COMMAND...
	what=$1
	shift
	if "$@" >"$scratch/check.log" 2>&1; then
		ok "$what"
	else
		sed 's/^/# /' "$scratch/check.log"
		not_ok "$what"
	fi
}

started=$(date +%s)
if ! "$src/debian/make-deb" "$out" --reuse >"$scratch/build.log" 2>&1; then
	tail -n 40 "$scratch/build.log" | sed 's/^/# /'
	echo "not ok 1 - make-deb builds the package"
	echo "1..1"
	exit 1
fi
echo "# package built in $(($(date +%s) - started)) s"
version=$("$bin" --version | sed -n 's/^biokiosk //p')
arch=$(dpkg --print-architecture)
deb=$out/biokiosk_${version}_$arch.deb
check "the package is biokiosk_${version}_$arch.deb (the binary's version)" test -f "$deb"
[ -f "$deb" ] || { echo "1..$n"; exit 1; }

dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' >"$scratch/files"
has() { # has MODE PATH
	grep -qxF -e "$1 root/root ./$2" "$scratch/files"
}
check "the binary, 0755" has -rwxr-xr-x usr/bin/biokiosk
check "the configuration, 0644" has -rw-r--r-- etc/biokiosk/biokiosk.conf
check "the unit" has -rw-r--r-- lib/systemd/system/biokiosk.service
check "sysusers.d" has -rw-r--r-- usr/lib/sysusers.d/biokiosk.conf
check "tmpfiles.d" has -rw-r--r-- usr/lib/tmpfiles.d/biokiosk.conf
check "the udev rules" has -rw-r--r-- lib/udev/rules.d/65-biokiosk.rules
check "the PAM service of the session" has -rw-r--r-- etc/pam.d/biokiosk
check "the appliance's documentation" has -rw-r--r-- usr/share/doc/biokiosk/appliance.md.gz
check "the manual page" has -rw-r--r-- usr/share/man/man1/biokiosk.1.gz
if [ -f "$src/config/70-biokiosk-pads.rules" ]; then
	check "the pads' udev rules" has -rw-r--r-- lib/udev/rules.d/70-biokiosk-pads.rules
fi
check "every file is root's, none set-id" sh -c \
	"! grep -v ' root/root ' '$scratch/files' && ! grep -E '^...[sS]|^......[sS]' '$scratch/files'"

dpkg-deb -e "$deb" "$scratch/control"
dpkg-deb -x "$deb" "$scratch/root"
check "conffiles: the configuration and the PAM service" sh -c \
	"printf '/etc/biokiosk/biokiosk.conf\n/etc/pam.d/biokiosk\n' | diff - '$scratch/control/conffiles'"
check "the shipped configuration keeps its state in /var/lib/biokiosk" \
	grep -qx 'state_dir = /var/lib/biokiosk' "$scratch/root/etc/biokiosk/biokiosk.conf"
check "the packaged binary prints its version" sh -c \
	"'$scratch/root/usr/bin/biokiosk' --version | grep -qx 'biokiosk $version'"
check "Depends: cage, xwayland, libsystemd0" sh -c \
	"dpkg-deb -f '$deb' Depends | grep -q 'cage' && dpkg-deb -f '$deb' Depends | grep -q 'xwayland' && dpkg-deb -f '$deb' Depends | grep -q 'libsystemd0'"
# The photo validator reads its face cascade and landmark model at run time.
check "Depends: opencv-data, libdlib-data (the validator's models)" sh -c \
	"dpkg-deb -f '$deb' Depends | grep -q 'opencv-data' && dpkg-deb -f '$deb' Depends | grep -q 'libdlib-data'"
for script in preinst postinst prerm postrm; do
	if [ -f "$scratch/control/$script" ]; then
		check "$script is valid sh" sh -n "$scratch/control/$script"
	fi
done
post=$scratch/control/postinst
check "postinst makes the user and the state folder" sh -c \
	"grep -q 'systemd-sysusers.*biokiosk.conf' '$post' && grep -q 'systemd-tmpfiles.*--create biokiosk.conf' '$post'"
check "postinst enables the unit but does not start it on a first install" sh -c \
	"grep -q \"deb-systemd-helper enable 'biokiosk.service'\" '$post' && ! grep -q '_dh_action' '$post'"
check "postinst restarts a running kiosk on an upgrade" \
	grep -q 'try-restart biokiosk.service' "$post"
check "systemd-analyze verify on the packaged unit" sh -c \
	"cp '$scratch/root/lib/systemd/system/biokiosk.service' '$scratch/' && out=\$(systemd-analyze verify '$scratch/biokiosk.service' 2>&1) && [ -z \"\$out\" ] || { echo \"\$out\"; false; }"

lintian --fail-on error "$deb" >"$scratch/lintian" 2>&1
status=$?
sed 's/^/# lintian: /' "$scratch/lintian"
if [ $status -eq 0 ] && ! grep -q '^E:' "$scratch/lintian"; then
	ok "lintian: no error"
else
	not_ok "lintian: no error"
fi

tap_done
