#!/usr/bin/env bash
# Builds the reference list and the tool, then runs the tool for one analyzer DLL.
# usage: run.sh ANALYZER_DLL OUTPUT_TSV [CHECKOUTS] [extra tool options, e.g. --only AIShell]
#   CHECKOUTS defaults to /work/validation/checkouts (made by checkout.sh).
#   WORK (environment, default: the folder of OUTPUT_TSV) receives references.txt and tool/.
# Writes OUTPUT_TSV (findings and AD0001), OUTPUT.errors.tsv (compiler errors per project) and
# OUTPUT.errors-detail.tsv (every compiler error).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dll=$(readlink -f "${1:?usage: run.sh ANALYZER_DLL OUTPUT_TSV [CHECKOUTS] [options]}")
out=$(readlink -f "${2:?usage: run.sh ANALYZER_DLL OUTPUT_TSV [CHECKOUTS] [options]}")
checkouts=$(readlink -f "${3:-/work/validation/checkouts}")
shift 2; [ $# -gt 0 ] && shift
work=${WORK:-$(dirname "$out")}
mkdir -p "$work" "$(dirname "$out")"

# the reference assemblies: .NET 10 and ASP.NET Core 10 reference packs and the packages of refs/Refs.csproj
dotnet msbuild "$here/refs/Refs.csproj" -restore -t:WriteReferenceList -nologo -v:m \
  -p:ReferenceListFile="$work/references.txt"

# the tool (Debug, into $work/tool: nothing is built into the repository's src/)
dotnet build "$here/LlmStreaming.Validation.csproj" -nologo -v:q -o "$work/tool"

base=${out%.tsv}
dotnet "$work/tool/LlmStreaming.Validation.dll" \
  --checkouts "$checkouts" \
  --codebases "$here/codebases.tsv" \
  --references "$work/references.txt" \
  --analyzer "$dll" \
  --out "$out" \
  --errors "$base.errors.tsv" \
  --errors-detail "$base.errors-detail.tsv" \
  "$@"
