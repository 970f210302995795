#!/bin/sh
# A technician PIN hash in the wrong form stops the kiosk at start-up
# (docs/appliance.md): exit 2 and one line naming the key, from the file
# and from --set alike, before any device or window is opened; an empty
# one (no technician screen) is accepted. TAP output.
set -u
bin=${BK_BIOKIOSK:?}
. "$(dirname "$0")/tap.sh"

# check DESCRIPTION WANT_STATUS COMMAND...: the status, and for a refusal
# exactly one line on stderr that names the key.
check() {
	what=$1 want=$2
	shift 2
	timeout 30 "$@" >"$scratch/out" 2>"$scratch/err"
	status=$?
	lines=$(wc -l <"$scratch/err")
	if [ "$status" -eq "$want" ] && { [ "$want" -eq 0 ] ||
		{ [ "$lines" -eq 1 ] && grep -q "technician_pin_hash" "$scratch/err"; }; }; then
		ok "$what"
	else
		echo "# exit $status, $lines lines"
		sed 's/^/# /' "$scratch/out" "$scratch/err"
		not_ok "$what"
	fi
}

mkdir -p "$scratch/state"
conf() { # conf HASH: the shipped configuration with that technician hash
	sed -e "s|^state_dir =\$|state_dir = $scratch/state|" \
		-e "s|^technician_pin_hash =.*\$|technician_pin_hash = $1|" \
		"$BK_SOURCE_DIR/config/biokiosk.conf" >"$scratch/kiosk.conf"
}

conf 'not-a-hash'
check "a technician_pin_hash that is no hash: exit 2, one line" 2 \
	"$bin" run --config "$scratch/kiosk.conf"
conf '$argon2id$v=19$m=65536,t=2,p=1$DXQlII0UR8hzSUUhUK/8lA$OXbt1YP/9WX'
check "a cut-off argon2id hash: exit 2, one line" 2 \
	"$bin" run --config "$scratch/kiosk.conf"
conf '$argon2i$v=19$m=65536,t=2,p=1$DXQlII0UR8hzSUUhUK/8lA$OXbt1YP/9WXAito6edg/sVFZrDi2X5CovQGuJ1sf4CU'
check "an argon2i (not argon2id) hash: exit 2, one line" 2 \
	"$bin" run --config "$scratch/kiosk.conf"
check "--set is checked the same way" 2 \
	"$bin" run --set 'kiosk.technician_pin_hash=$argon2id$v=19$cut'
# The configuration itself is fine with no technician screen: `config
# check`-like commands read it without complaint.
conf ''
check "an empty technician_pin_hash is accepted (no technician screen)" 0 \
	"$bin" appointments list --config "$scratch/kiosk.conf"

tap_done
