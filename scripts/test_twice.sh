#!/usr/bin/env bash
# Run the test suite (or the pytest arguments given) twice at the same time on this machine,
# against the same PostgreSQL and Redis, and fail if either run fails.
#
# Why: every test that needs Redis or PostgreSQL takes them from TEST_REDIS_URL /
# TEST_DATABASE_URL and isolates itself (its own RQ queue prefix and key prefix, its own
# database), so two runs — two developers, or a test run beside a benchmark — never steal
# each other's jobs or see each other's rows. This is the check that they really don't.
#
#   scripts/test_twice.sh                      # the whole suite, twice at once
#   scripts/test_twice.sh tests/orders -q      # a part of it
set -uo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
logs=$(mktemp -d)
"$py" -m pytest -p no:cacheprovider "$@" >"$logs/a.log" 2>&1 &
a=$!
"$py" -m pytest -p no:cacheprovider "$@" >"$logs/b.log" 2>&1 &
b=$!
wait $a; ra=$?
wait $b; rb=$?
for run in a b; do
  echo "run $run: $(grep -E '^[0-9]+ (passed|failed)|[0-9]+ (passed|failed|error)' "$logs/$run.log" | tail -1)"
done
echo "logs: $logs"
[ "$ra" -eq 0 ] && [ "$rb" -eq 0 ]
