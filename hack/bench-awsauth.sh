#!/usr/bin/env bash
# Benchmarks parsing and linting aws-auth documents of 10, 1000 and 5000
# entries (5000 entries is about 1 MiB). Extra arguments go to go test,
# e.g. hack/bench-awsauth.sh -count 5 -cpuprofile /tmp/cpu.out
# Goal: 5000 entries parsed and linted in under 20 ms and 30 MB. On a shared
# machine compare before/after in one run (-count 5) with
# go run golang.org/x/perf/cmd/benchstat@latest old.txt new.txt
set -euo pipefail
cd "$(dirname "$0")/.."
exec go test -run '^$' -bench 'BenchmarkParseAndLint' -benchmem "$@" ./pkg/awsauth
