# Sourced by the appliance suite's shell tests: a scratch folder removed on
# exit, and TAP lines ("ok N - ...", "not ok N - ..."); tap_done prints the
# plan and exits 1 when a check failed.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
tap_done() { echo "1..$n"; exit $failed; }
# tap_need TOOL...: skips the whole test (exit 77) when a tool is missing.
tap_need() {
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "1..0 # SKIP $tool is not installed (make deps installs it)"
			exit 77
		fi
	done
}
