#!/usr/bin/env bash
# Benchmarks of specsql, measured end to end: see bench/README.md for what
# each figure means.
#
#   bench/run.sh [quick|full|ratelimit|concurrency|rows|coldstart|gobench] [HARNESS FLAGS]
#
#   quick        concurrency sweep on 500 users, 100,000 rows, cold start,
#                Go benchmarks once each (about a minute and a half)
#   full         everything, with the three-minute rate-limited audit join
#                and the concurrency sweep on 2,000 users (about 8 minutes)
#   ratelimit, concurrency, rows, coldstart
#                one end-to-end scenario, as in full
#   gobench      only the Go benchmarks of engine/
#
# HARNESS FLAGS go to bench/harness, e.g. -rl-concurrency 16,64 (the
# rate-limited run at each concurrency, three minutes each) or
# -cold-runs 50.
#
# Run from the repository root. Needs only Go: specsql and the harness are
# built into a temporary directory, and the harness serves the fake orgs
# itself on loopback ports and stops them. hyperfine, when installed, gives
# a second opinion on the cold start (apt-get install -y hyperfine); without
# it that line is skipped with a message.
# Set BENCH_OUT=FILE to also write the results to FILE.
set -euo pipefail

mode=${1:-quick}
shift || true
case $mode in
quick | full | ratelimit | concurrency | rows | coldstart | gobench) ;;
*)
	sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac

cd "$(dirname "$0")/.."
if [[ ! -f go.mod ]] || ! grep -q '^module github.com/specsql/specsql$' go.mod; then
	echo "bench/run.sh: run it from the specsql repository" >&2
	exit 2
fi
command -v go >/dev/null || {
	echo "bench/run.sh: Go is needed (https://go.dev/dl/)" >&2
	exit 2
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/specsql-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
out=$tmp/results.md

echo "building specsql and the harness into $tmp ..." >&2
go build -o "$tmp/specsql" ./cmd/specsql
go build -o "$tmp/harness" ./bench/harness
goversion=$(go env GOVERSION)

set +e
{
	rc=0
	echo "nproc: $(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN); $(go version)"
	if rev=$(git rev-parse --short HEAD 2>/dev/null); then
		changed=$(git status --porcelain --untracked-files=no -- . ':!bench' 2>/dev/null | wc -l)
		echo "source: commit $rev, $changed tracked files changed outside bench/ (git status)"
	else
		echo "source: not a git checkout"
	fi
	echo
	case $mode in
	quick | full)
		"$tmp/harness" -specsql "$tmp/specsql" -mode "$mode" -go-version "$goversion" "$@" || rc=1
		;;
	ratelimit | concurrency | rows | coldstart)
		"$tmp/harness" -specsql "$tmp/specsql" -mode full -only "$mode" -go-version "$goversion" "$@" || rc=1
		;;
	esac

	if [[ $mode == gobench || $mode == quick || $mode == full ]]; then
		benchtime=3x
		[[ $mode == quick ]] && benchtime=1x
		echo
		echo "## 5. Go benchmarks (engine/bench_test.go)"
		echo
		# The 100,000-row benchmarks take seconds an operation: a few runs
		# each. The planner and the spec load take microseconds to
		# milliseconds: Go's default of a second each.
		big='^Benchmark(LoadRows|Select100kUsers|AuditJoin)$'
		small='^Benchmark(PlanAuditJoin|LoadOktaProvider)$'
		echo "commands:"
		echo "  go test -run '^\$' -bench '$big' -benchmem -benchtime $benchtime ./engine/"
		echo "  go test -run '^\$' -bench '$small' -benchmem ./engine/"
		echo
		echo '```'
		go test -run '^$' -bench "$big" -benchmem -benchtime "$benchtime" ./engine/ || rc=1
		go test -run '^$' -bench "$small" -benchmem ./engine/ | grep '^Benchmark' || rc=1
		echo '```'
	fi
	exit $rc
} 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e

if [[ -n ${BENCH_OUT:-} ]]; then
	cp "$out" "$BENCH_OUT"
	echo "results written to $BENCH_OUT" >&2
fi
exit "$status"
