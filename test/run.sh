#!/usr/bin/env bash
# `npm test`: everything a fresh clone needs, then the type check, the lint, and the unit, integration and browser tests.
#  1. npm ci when node_modules is missing or older than package-lock.json;
#  2. the strict type check (`tsc --noEmit`, tsconfig.json: services, shared,
#     test, benches: code no test imports is checked too) and ESLint
#     (eslint.config.mjs: typescript-eslint's type-checked rules, such as
#     promises left floating); a failure is reported at once and fails the
#     run after the tests;
#  3. `callguard stack up` when any service does not answer yet (it installs
#     Debian packages and fetches Maven artifacts on a fresh machine, and
#     reuses services that already answer, even from another checkout);
#  4. `npx vitest run` (projects unit, integration and browser; chromium from Debian when missing);
#  5. `callguard stack down` for exactly the services this run started,
#     so the machine is left as it was found; before it, any process the
#     tests left running (a detector, a private broker, a browser) is named
#     and stopped: they carry CALLGUARD_TEST_RUN=<this run's id>.
# Exits with vitest's exit code, or 1 if the type check or the lint failed or the stack could not be brought up.
set -uo pipefail
cd "$(dirname "$0")/.."

say() { printf '[test/run.sh] %s\n' "$*" >&2; }

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)"
  # npm retries each fetch itself; one more whole try covers a registry that fails for longer.
  npm ci --no-audit --no-fund || { say "npm ci failed; trying again in 20 s"; sleep 20; npm ci --no-audit --no-fund; } || { say "npm ci failed"; exit 1; }
fi

cli() { node bin/callguard.mjs "$@"; }

say "type check: tsc --noEmit -p tsconfig.json"
if node_modules/.bin/tsc --noEmit -p tsconfig.json; then typecheck=ok; else typecheck=failed; say "type check failed (errors above); the tests run, then the run fails"; fi
say "lint: eslint ."
if node_modules/.bin/eslint .; then lint=ok; else lint=failed; say "lint failed (problems above); the tests run, then the run fails"; fi

# Which services do not answer yet: those are the ones this run will start and stop.
status_json=$(cli stack status --json 2>/dev/null || true)
to_start=$(node -e '
  let lines = [];
  try { lines = JSON.parse(process.argv[1] || "[]"); } catch {}
  const all = ["redis", "clickhouse", "kafka", "registry"];
  const up = new Set(lines.filter((l) => l.answering).map((l) => l.name));
  console.log(all.filter((n) => !up.has(n)).join(" "));
' "$status_json")

# Every process the tests start inherits this from vitest's environment, and nothing else has it:
# what still carries it once vitest has exited was left running by a test (a failed one, as a rule).
run_id="$$-$(date +%s%N)"
leftovers() { grep -lsxz "CALLGUARD_TEST_RUN=$run_id" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3; }
stop_leftovers() {
  local pids p i cmd lines=()
  for p in $(leftovers); do
    # A process that is exiting as we look (its /proc entry already gone) is not a leftover.
    cmd=$({ tr '\0' ' ' < "/proc/$p/cmdline"; } 2>/dev/null | cut -c1-240) && [ -n "$cmd" ] || continue
    pids+=" $p"
    lines+=("  pid $p: $cmd")
  done
  [ -n "${pids:-}" ] || return 0
  say "the tests left ${#lines[@]} process(es) running; stopping them:"
  for p in "${lines[@]}"; do say "$p"; done
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null
  for i in $(seq 1 20); do # up to ~10 s for them to stop on SIGTERM
    sleep 0.5
    pids=$(leftovers)
    [ -n "$pids" ] || return 0
  done
  say "still running after 10 s, killed: $pids"
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null
  return 0
}

cleanup() {
  stop_leftovers
  if [ -n "$to_start" ]; then
    say "stopping the services this run started: $to_start"
    # shellcheck disable=SC2086
    cli stack down $to_start >&2 || say "stack down reported a problem"
  fi
}
trap cleanup EXIT

if [ -n "$to_start" ]; then
  say "bringing the stack up (not answering yet: $to_start)"
  if ! cli stack up; then
    say "callguard stack up failed; see the message above and .stack/logs/"
    exit 1
  fi
else
  say "stack already answering; reusing it (it will be left running)"
  # `up` starts nothing here: it re-checks each service, fetches the Kafka jars into this checkout's
  # .stack/cache when the stack is another checkout's (the private brokers of the tests run them),
  # and makes sure topics, schemas and the ClickHouse migration exist (all idempotent).
  cli stack up >&2 || { say "callguard stack up (reusing the running stack) failed"; exit 1; }
fi

# The console's browser test drives Debian's chromium (never a downloaded browser).
if ! command -v chromium >/dev/null 2>&1; then
  say "installing Debian's chromium for the browser test"
  # As services/stack/provision.ts: each download retried, the dpkg lock waited for, three attempts.
  apt_opts=(-o Acquire::Retries=3 -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  for attempt in 1 2 3; do
    if [ "$attempt" -gt 1 ]; then
      say "apt-get failed (attempt $((attempt - 1)) of 3); trying again in $((attempt * 10)) s"
      sleep $((attempt * 10))
      DEBIAN_FRONTEND=noninteractive dpkg --force-confdef --force-confold --configure -a >&2 < /dev/null || true
    fi
    { apt-get "${apt_opts[@]}" update -qq && DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends chromium; } >&2 < /dev/null && break
  done
  command -v chromium >/dev/null 2>&1 || say "could not install chromium: the browser test will fail"
fi

mkdir -p test-artifacts
report=test-artifacts/vitest-report.json
rm -f "$report"
# The vitest that npm ci installed (npx could fetch one from the registry if it were missing).
CALLGUARD_TEST_RUN="$run_id" node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
code=$?
stop_leftovers
# One plain closing line with the counts, for readers of the CI log.
if [ -f "$report" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    // A file that fails before its tests run (an error in beforeAll or at import) fails no test: vitest marks its
    // tests skipped. Name such files, so that the line never reads "0 failed" for a run that failed.
    const broken = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((t) => t.status === "failed"));
    const files = broken.length ? `, ${broken.length} test file(s) failed outside any test: ${broken.map((f) => require("path").relative(process.cwd(), f.name)).join(", ")}` : "";
    console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped${files}`);
  ' "$report" || true
fi
echo "typecheck: $typecheck"
echo "lint: $lint"
if { [ "$typecheck" != ok ] || [ "$lint" != ok ]; } && [ "$code" -eq 0 ]; then code=1; fi
exit "$code"
