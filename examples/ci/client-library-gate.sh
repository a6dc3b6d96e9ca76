#!/usr/bin/env bash
# Client-library gate: serve the mock tenant, run the library's own tests against it, then the conformance suite;
# the mock is stopped however the script ends.
#
#   examples/ci/client-library-gate.sh [CONFORMANCE_RUN_ARGS...]     e.g. -k signup, -m "signin or sspr", -x
#
# Environment (all optional):
#   GATE_PORT             TCP port of the mock (default 8765)
#   LIBRARY_TEST_COMMAND  the library's own tests, run by bash with NATIVE_AUTH_BASE_URL, NATIVE_AUTH_CLIENT_ID and
#                         NATIVE_AUTH_CONTROL_URL exported (GET $NATIVE_AUTH_CONTROL_URL/_mock/outbox?to=ADDRESS
#                         lists the codes the mock sent); without it that step is skipped
#   GATE_REPORTS          where `conformance run` writes its reports (default reports)
#   GATE_PROFILE          the target profile of a mock served on 127.0.0.1:8765 (default examples/targets/mock-http.toml)
#   CONFORMANCE           the conformance command (default conformance, from PATH)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
port="${GATE_PORT:-8765}"
origin="http://127.0.0.1:$port"
read -r -a conformance <<< "${CONFORMANCE:-conformance}"
workdir="$(mktemp -d)"
profile="$workdir/mock-http.toml"

# The passwords of the mock's seeded users (conformance/mock/default_tenant.toml), which the profile names.
export MOCK_CASEY_PASSWORD="${MOCK_CASEY_PASSWORD:-Casey-Pass-2026!}"
export MOCK_ROBIN_PASSWORD="${MOCK_ROBIN_PASSWORD:-Robin-Pass-2026!}"
export MOCK_BLOCKED_PASSWORD="${MOCK_BLOCKED_PASSWORD:-Blocked-Pass-2026!}"

sed "s#http://127.0.0.1:8765#$origin#g" "${GATE_PROFILE:-$here/../targets/mock-http.toml}" > "$profile"

# Something already answering there would be tested instead of the mock this script starts.
if curl -s -o /dev/null --max-time 2 "$origin/"; then
    echo "gate: $origin is already in use; set GATE_PORT to a free port" >&2
    rm -rf "$workdir"
    exit 1
fi

"${conformance[@]}" mock serve --port "$port" --log-level warning > "$workdir/mock.log" 2>&1 &
mock_pid=$!
stop_mock() {
    local status=$?
    kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null || true
    rm -rf "$workdir"
    echo "gate: mock tenant stopped (pid $mock_pid)"
    exit "$status"
}
trap stop_mock EXIT
echo "gate: mock tenant (pid $mock_pid) at $origin"

# Ready when the control API answers; give up when the mock exits or after 30 s.
for _ in $(seq 300); do
    curl -fsS -o /dev/null "$origin/_mock/outbox" 2>/dev/null && break
    if ! kill -0 "$mock_pid" 2>/dev/null; then
        echo "gate: the mock tenant exited: $(tail -n 1 "$workdir/mock.log")" >&2
        exit 1
    fi
    sleep 0.1
done
curl -fsS -o /dev/null "$origin/_mock/outbox" || { echo "gate: the mock tenant did not answer at $origin" >&2; exit 1; }

export NATIVE_AUTH_BASE_URL="$origin/contoso.onmicrosoft.com"
# The profile's main application (its first, top-level client_id; [[applications]] list more).
export NATIVE_AUTH_CLIENT_ID="$(sed -n 's/^client_id = "\([^"]*\)".*/\1/p' "$profile" | head -n 1)"
export NATIVE_AUTH_CONTROL_URL="$origin"
if [ -n "${LIBRARY_TEST_COMMAND:-}" ]; then
    echo "gate: library tests: $LIBRARY_TEST_COMMAND"
    bash -c "$LIBRARY_TEST_COMMAND"
else
    echo "gate: no LIBRARY_TEST_COMMAND given; skipping the library's own tests"
fi

"${conformance[@]}" run --target "$profile" --reports "${GATE_REPORTS:-reports}" "$@"
