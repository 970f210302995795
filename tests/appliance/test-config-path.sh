#!/bin/sh
# Which configuration a command reads without --config (docs/appliance.md):
# the file BIOKIOSK_CONFIG names, else the system's
# /etc/biokiosk/biokiosk.conf where it exists, else the built-in defaults;
# --config wins over all. A technician's `biokiosk queue list` on an
# installed kiosk thus sees the kiosk's own queue. TAP output.
set -u
bin=${BK_BIOKIOSK:?}
. "$(dirname "$0")/tap.sh"
expect() { # expect DESCRIPTION STATUS PATTERN COMMAND...
	what=$1 want=$2 pattern=$3
	shift 3
	"$@" >"$scratch/out" 2>"$scratch/err"
	status=$?
	if [ $status -eq "$want" ] && grep -q -e "$pattern" "$scratch/out" "$scratch/err"; then
		ok "$what"
	else
		echo "# exit $status"
		sed 's/^/# /' "$scratch/out" "$scratch/err"
		not_ok "$what"
	fi
}

# A configuration of its own: the built-in one with its own state folder.
mkdir -p "$scratch/state"
sed "s|^state_dir =\$|state_dir = $scratch/state|" "$BK_SOURCE_DIR/config/biokiosk.conf" >"$scratch/kiosk.conf"

# queue list names the database it looked for: the state folder tells
# which configuration was read.
db="no database at $scratch/state/kiosk.db"
expect "BIOKIOSK_CONFIG names the file a command reads" 2 "$db" \
	env BIOKIOSK_CONFIG="$scratch/kiosk.conf" "$bin" queue list
expect "a missing BIOKIOSK_CONFIG file stops the command (exit 2)" 2 "$scratch/missing.conf" \
	env BIOKIOSK_CONFIG="$scratch/missing.conf" "$bin" queue list
expect "--config wins over BIOKIOSK_CONFIG" 2 "$db" \
	env BIOKIOSK_CONFIG="$scratch/missing.conf" "$bin" queue list --config "$scratch/kiosk.conf"
lines=$(env BIOKIOSK_CONFIG="$scratch/missing.conf" "$bin" queue list 2>&1 >/dev/null | wc -l)
if [ "$lines" -eq 1 ]; then
	ok "that error is one line"
else
	not_ok "that error is one line ($lines)"
fi
expect "without either, the built-in defaults (state in XDG_STATE_HOME)" 2 \
	"no database at $scratch/xdg/biokiosk/kiosk.db" \
	env -u BIOKIOSK_CONFIG XDG_STATE_HOME="$scratch/xdg" "$bin" queue list

tap_done
