#!/bin/sh
# Updates (docs/appliance.md): `biokiosk --version` prints meson's project
# version, and a record the kiosk seals carries it (kiosk.version), so that
# the back office knows which version took each capture. TAP output.
set -u
bin=${BK_BIOKIOSK:?}
want=${BK_PROJECT_VERSION:?}
. "$(dirname "$0")/tap.sh"

got=$("$bin" --version 2>&1)
if [ "$got" = "biokiosk $want" ]; then
	ok "--version prints 'biokiosk $want'"
else
	echo "# got: $got"
	not_ok "--version prints 'biokiosk $want'"
fi

# One record through the demo, opened as the back office opens it.
if "$bin" demo --headless --out "$scratch/demo" >"$scratch/demo.log" 2>&1; then
	ok "the demo seals records"
else
	sed 's/^/# /' "$scratch/demo.log"
	not_ok "the demo seals records"
fi
record=$(ls "$scratch"/demo/state/outbox/*.bkrec 2>/dev/null | head -n 1)
if [ -n "$record" ] &&
	"$bin" record open --json --secret-key "$scratch/demo/state/backoffice-demo.sk" \
		"$record" >"$scratch/open.json" 2>"$scratch/open.err" &&
	grep -q "\"kiosk.version\" *: *\"$want\"" "$scratch/open.json"; then
	ok "the record carries kiosk.version $want"
else
	sed 's/^/# /' "$scratch/open.err" 2>/dev/null
	grep -o '"kiosk[^,]*' "$scratch/open.json" 2>/dev/null | sed 's/^/# /'
	not_ok "the record carries kiosk.version $want"
fi

tap_done
