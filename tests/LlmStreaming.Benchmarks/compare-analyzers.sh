#!/usr/bin/env bash
# Compares builds of LlmStreaming.Analyzers (docs/performance.md): two or more copies of the analyzer assembly (say the
# baseline commit's and today's) over one generated project, one csc run each in turn, so that both meet the same
# machine. Needs only the .NET SDK. Slow (a minute or more per run): not part of `dotnet test` or CI.
#
#   bash tests/LlmStreaming.Benchmarks/compare-analyzers.sh --project DIR [--runs 3] NAME=PATH/LlmStreaming.Analyzers.dll ...
#
# DIR is a project written by `LlmStreaming.Benchmarks generate` and restored (build-benchmark.sh leaves them in its
# output folder). One `dotnet build` of it (with the first assembly) gives the compiler's command line; each run then
# starts that csc directly, as a build does with UseSharedCompilation=false (a cold compiler: the analyzers are
# JIT-compiled in every run), with only the analyzer's path changed, and /reportanalyzer. Each line gives the compiler's
# wall time, the package's time by ReportAnalyzer (summed over its analyzers) and its share; the medians follow.
# Without MSBuild around it the spread between runs is smaller than build-benchmark.sh's, but still wide on two cores:
# compare medians of three or more rounds, never single runs.
set -euo pipefail

project=""
runs=3
variants=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --project) project=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        *=*) variants+=("$1"); shift ;;
        *) echo "usage: $0 --project DIR [--runs N] NAME=ANALYZER.dll ..." >&2; exit 2 ;;
    esac
done
[[ -n $project && ${#variants[@]} -gt 0 ]] || { echo "usage: $0 --project DIR [--runs N] NAME=ANALYZER.dll ..." >&2; exit 2; }

project=$(cd "$project" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/llm-compare.XXXXXX")
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDTERMINALLOGGER=off

first=${variants[0]#*=}
echo "Capturing the compiler's command line (one build of $project)..."
dotnet build "$project/Generated.csproj" --no-restore --no-incremental -nologo -p:ReportAnalyzer=true \
    -p:LlmStreamingAnalyzer="$first" -v:d >"$work/capture.log" 2>&1 ||
    { echo "error: the build failed; see $work/capture.log" >&2; exit 1; }
line=$(grep -m1 -E '/bincore/csc(\.dll)? .*/noconfig' "$work/capture.log" | sed -e 's/^ *//')
[[ -n $line ]] || { echo "error: no csc command line in $work/capture.log" >&2; exit 1; }
csc=${line%% *}
arguments=${line#* }

# One response file per variant: the package's analyzer path and the outputs changed, everything else as the build had it.
for variant in "${variants[@]}"; do
    name=${variant%%=*}
    dll=$(cd "$(dirname "${variant#*=}")" && pwd)/$(basename "${variant#*=}")
    mkdir -p "$work/$name"
    printf '%s\n' "$arguments" | sed -E \
        -e "s#/analyzer:[^ ]*LlmStreaming\.Analyzers\.dll#/analyzer:$dll#" \
        -e "s#/out:[^ ]*#/out:$work/$name/Generated.dll#" \
        -e "s#/refout:[^ ]*#/refout:$work/$name/ref.dll#" >"$work/$name/csc.rsp"
done

# package seconds from a csc /reportanalyzer output
package_seconds() {
    awk '
        /Total analyzer execution time:/ { analyzers = 1; next }
        /Total generator execution time:/ { analyzers = 0 }
        analyzers && $3 ~ /^LlmStreaming\.Analyzers,/ { package += ($1 ~ /^</) ? 0 : $1 }
        END { printf "%.3f\n", package }
    ' "$1"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

results="$work/results.txt"
: >"$results"
for run in $(seq 1 "$runs"); do
    for variant in "${variants[@]}"; do
        name=${variant%%=*}
        log="$work/$name/run-$run.log"
        start=$(date +%s.%N)
        (cd "$project" && "$csc" "@$work/$name/csc.rsp" >"$log" 2>&1) || { echo "error: csc failed; see $log" >&2; exit 1; }
        end=$(date +%s.%N)
        wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')
        package=$(package_seconds "$log")
        share=$(awk -v p="$package" -v w="$wall" 'BEGIN { printf "%.2f", 100 * p / w }')
        echo "$name $run $wall $package $share" | tee -a "$results"
    done
done

echo
echo "Medians of $runs runs ($(nproc) cores, .NET SDK $(dotnet --version)); logs in $work"
printf "| %-12s | %12s | %12s | %9s |\n" analyzer "csc wall (s)" "package (s)" share
printf "|%s|%s|%s|%s|\n" "--------------" "-------------:" "-------------:" "----------:"
for variant in "${variants[@]}"; do
    name=${variant%%=*}
    wall=$(awk -v n="$name" '$1 == n { print $3 }' "$results" | median)
    package=$(awk -v n="$name" '$1 == n { print $4 }' "$results" | median)
    share=$(awk -v n="$name" '$1 == n { print $5 }' "$results" | median)
    printf "| %-12s | %12.2f | %12.3f | %8.2f%% |\n" "$name" "$wall" "$package" "$share"
done
