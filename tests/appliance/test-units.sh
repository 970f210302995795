#!/bin/sh
# The appliance's systemd units and the files beside them, as shipped in
# debian/ (docs/appliance.md): `systemd-analyze verify` passes on every
# unit; `systemd-analyze security` (offline) rates biokiosk.service at most
# 2.5 ("OK"); sysusers.d and tmpfiles.d, applied to a scratch root, make the
# user biokiosk and /var/lib/biokiosk at mode 0700 owned by it. TAP output.
set -u
src=${BK_SOURCE_DIR:?}
. "$(dirname "$0")/tap.sh"
tap_need systemd-analyze systemd-sysusers systemd-tmpfiles cage

# verify resolves the unit by its own name, so it is copied as it ships.
units=$(ls "$src"/debian/*.service)
[ -n "$units" ] || not_ok "debian/ holds units"
for unit in $units; do
	name=$(basename "$unit")
	cp "$unit" "$scratch/$name"
	if out=$(systemd-analyze verify "$scratch/$name" 2>&1) && [ -z "$out" ]; then
		ok "systemd-analyze verify $name"
	else
		echo "$out" | sed 's/^/# /'
		not_ok "systemd-analyze verify $name"
	fi
done

# Exposure is 0 (best) to 10; --threshold takes it times ten.
out=$(systemd-analyze security --offline=true --threshold=25 --no-pager \
	"$scratch/biokiosk.service" 2>&1)
status=$?
echo "$out" | tail -n 1 | sed 's/^/# /'
if [ $status -eq 0 ] && echo "$out" | grep -q 'Overall exposure level'; then
	ok "systemd-analyze security biokiosk.service <= 2.5"
else
	not_ok "systemd-analyze security biokiosk.service <= 2.5"
fi

root=$scratch/root
mkdir -p "$root/etc" "$root/usr/lib/sysusers.d" "$root/usr/lib/tmpfiles.d"
cp "$src/debian/biokiosk.sysusers" "$root/usr/lib/sysusers.d/biokiosk.conf"
cp "$src/debian/biokiosk.tmpfiles" "$root/usr/lib/tmpfiles.d/biokiosk.conf"
if systemd-sysusers --root="$root" biokiosk.conf >/dev/null 2>&1 &&
	grep -q '^biokiosk:x:[0-9]*:[0-9]*:.*:/var/lib/biokiosk:/usr/sbin/nologin$' "$root/etc/passwd" &&
	grep -q '^biokiosk:x:' "$root/etc/group"; then
	ok "sysusers.d makes the system user and group biokiosk"
else
	not_ok "sysusers.d makes the system user and group biokiosk"
fi
uid=$(grep '^biokiosk:' "$root/etc/passwd" | cut -d: -f3)
if systemd-tmpfiles --root="$root" --create biokiosk.conf >/dev/null 2>&1 &&
	[ "$(stat -c '%a %u %g' "$root/var/lib/biokiosk")" = "700 $uid $uid" ]; then
	ok "tmpfiles.d makes /var/lib/biokiosk 0700, the user's"
else
	stat -c '# %a %u %g %n' "$root/var/lib/biokiosk" 2>&1
	not_ok "tmpfiles.d makes /var/lib/biokiosk 0700, the user's"
fi

tap_done
