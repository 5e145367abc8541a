#!/usr/bin/env bash
# The build benchmark of LlmStreaming.Analyzers (docs/performance.md). Needs only the .NET SDK. Slow (minutes per
# project): it is not part of `dotnet test Analyzers.sln` or CI.
#
#   bash tests/LlmStreaming.Benchmarks/build-benchmark.sh [--sizes "500 1000 2000"] [--runs 3] [--variants "sdk nosdk"] [--without] [--out DIR]
#
# For each size and variant it generates a project (tests/LlmStreaming.Benchmarks `generate`): ordinary code, plus 3%
# LLM streaming code of every family and rule shape when the variant is `sdk` (the LLM SDK packages referenced);
# `nosdk` is ordinary code with no LLM SDK referenced. Each project is built `--no-incremental` with the package's
# analyzer (Release build of src/LlmStreaming.Analyzers) and the built-in CA analyzers (AnalysisMode=Recommended),
# with -p:ReportAnalyzer=true -v:d -clp:PerformanceSummary; the log gives the Csc task's time, the total analyzer
# time, the package's time and the CA analyzers' time (Microsoft.CodeAnalysis.NetAnalyzers and
# Microsoft.CodeAnalysis.CSharp.NetAnalyzers). One warm-up build first (discarded), then --runs builds per project;
# the table shows the medians. Analyzer times are summed over analyzers (they may run concurrently); the package's
# share is its analyzer time over the Csc task's wall time. With --without each project is also built without the
# package (same runs): the difference of the Csc times is the package's marginal cost, which ReportAnalyzer overstates
# (an analyzer that binds a member body first is charged for binding the driver would do anyway).
set -euo pipefail

sizes="500 1000 2000"
runs=3
variants="sdk nosdk"
without=0
out=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --sizes) sizes=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --variants) variants=$2; shift 2 ;;
        --without) without=1; shift ;;
        --out) out=$2; shift 2 ;;
        *) echo "usage: $0 [--sizes \"500 1000 2000\"] [--runs 3] [--variants \"sdk nosdk\"] [--without] [--out DIR]" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/llm-build-benchmark.XXXXXX")}
mkdir -p "$out/logs"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDTERMINALLOGGER=off

echo "Building the analyzer and the generator (Release)..."
dotnet build "$root/src/LlmStreaming.Analyzers/LlmStreaming.Analyzers.csproj" -c Release -v:q -nologo -clp:NoSummary >/dev/null
dotnet build "$root/tests/LlmStreaming.Benchmarks/LlmStreaming.Benchmarks.csproj" -c Release -v:q -nologo -clp:NoSummary >/dev/null
analyzer="$root/src/LlmStreaming.Analyzers/bin/Release/netstandard2.0/LlmStreaming.Analyzers.dll"
generator="$root/tests/LlmStreaming.Benchmarks/bin/Release/net10.0/LlmStreaming.Benchmarks.dll"

projects=()
for variant in $variants; do
    for size in $sizes; do
        dir="$out/$variant-$size"
        flag=""
        [[ $variant == nosdk ]] && flag="--no-sdk"
        dotnet "$generator" generate --out "$dir" --files "$size" $flag --repo "$root"
        cp "$root/nuget.config" "$dir/"
        dotnet restore "$dir/Generated.csproj" -v:q -nologo >/dev/null
        projects+=("$dir")
    done
done

build() { # build DIR LOG [ANALYZER]
    dotnet build "$1/Generated.csproj" --no-restore --no-incremental -nologo -p:ReportAnalyzer=true \
        -p:LlmStreamingAnalyzer="${3-$analyzer}" -v:d -clp:PerformanceSummary >"$2" 2>&1 ||
        { echo "error: the build of $1 failed; see $2" >&2; exit 1; }
}

# parse LOG -> "csc_seconds total_analyzer_seconds package_seconds ca_seconds"
parse() {
    awk '
        /Total analyzer execution time:/ { total = $5; analyzers = 1; next }
        /Total generator execution time:/ { analyzers = 0 }
        analyzers && /, Version=/ {
            time = ($1 ~ /^</) ? 0 : $1
            if ($3 ~ /^LlmStreaming\.Analyzers,/) package += time
            if ($3 ~ /^Microsoft\.CodeAnalysis\.(CSharp\.)?NetAnalyzers,/) ca += time
        }
        /^ *[0-9]+ ms +Csc +[0-9]+ calls/ { csc = $1 / 1000 }
        END { printf "%.3f %.3f %.3f %.3f\n", csc, total, package, ca }
    ' "$1"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "Warm-up build (discarded)..."
build "${projects[0]}" "$out/logs/warmup.log"

results="$out/results.txt"
: >"$results"
for dir in "${projects[@]}"; do
    name=$(basename "$dir")
    for run in $(seq 1 "$runs"); do
        log="$out/logs/$name-$run.log"
        build "$dir" "$log"
        echo "$name $run $(parse "$log")" | tee -a "$results"
        if [[ $without == 1 ]]; then
            log="$out/logs/$name-without-$run.log"
            build "$dir" "$log" ""
            echo "$name-without $run $(parse "$log")" | tee -a "$results"
        fi
    done
done

echo
echo "Medians of $runs runs ($(nproc) cores, .NET SDK $(dotnet --version)); logs in $out/logs"
printf "| %-7s | %6s | %9s | %11s | %13s | %8s | %11s | %16s |\n" variant files "LLM files" "Csc (s)" "analyzers (s)" "LLM (s)" "LLM share" "CA analyzers (s)"
printf "|%s|%s|%s|%s|%s|%s|%s|%s|\n" "---------" "--------:" "----------:" "-------------:" "---------------:" "----------:" "------------:" "------------------:"
for dir in "${projects[@]}"; do
    name=$(basename "$dir")
    variant=${name%-*}
    files=${name##*-}
    llm_files=$(find "$dir" -name 'Llm*.cs' | wc -l)
    csc=$(awk -v n="$name" '$1 == n { print $3 }' "$results" | median)
    total=$(awk -v n="$name" '$1 == n { print $4 }' "$results" | median)
    package=$(awk -v n="$name" '$1 == n { print $5 }' "$results" | median)
    ca=$(awk -v n="$name" '$1 == n { print $6 }' "$results" | median)
    share=$(awk -v p="$package" -v c="$csc" 'BEGIN { printf "%.2f%%", (c > 0 ? 100 * p / c : 0) }')
    printf "| %-7s | %6s | %9s | %11.2f | %13.2f | %8.3f | %11s | %16.2f |\n" "$variant" "$files" "$llm_files" "$csc" "$total" "$package" "$share" "$ca"
done
if [[ $without == 1 ]]; then
    echo
    echo "Marginal cost: the Csc task without the package (medians; a difference within the run-to-run noise means none measurable)"
    printf "| %-7s | %6s | %12s | %15s | %12s | %14s |\n" variant files "Csc with (s)" "Csc without (s)" "difference" "CA analyzers without (s)"
    printf "|%s|%s|%s|%s|%s|%s|\n" "---------" "--------:" "--------------:" "-----------------:" "--------------:" "----------------:"
    for dir in "${projects[@]}"; do
        name=$(basename "$dir")
        with=$(awk -v n="$name" '$1 == n { print $3 }' "$results" | median)
        alone=$(awk -v n="$name-without" '$1 == n { print $3 }' "$results" | median)
        ca=$(awk -v n="$name-without" '$1 == n { print $6 }' "$results" | median)
        diff=$(awk -v a="$with" -v b="$alone" 'BEGIN { printf "%+.2f s (%+.1f%%)", a - b, (b > 0 ? 100 * (a - b) / b : 0) }')
        printf "| %-7s | %6s | %12.2f | %15.2f | %12s | %14.2f |\n" "${name%-*}" "${name##*-}" "$with" "$alone" "$diff" "$ca"
    done
fi
