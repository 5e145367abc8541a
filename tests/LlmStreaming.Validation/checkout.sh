#!/usr/bin/env bash
# Extracts every code base of codebases.tsv at its recorded commit into CHECKOUTS/<name>.
# usage: checkout.sh CHECKOUTS [MIRRORS]
#   MIRRORS (optional): a folder holding a bare or normal git repository per code base as
#   MIRRORS/<owner>+<repo>/repo or MIRRORS/<owner>/<repo>. Without it (or when a code base
#   is not there) the repository is cloned bare from its URL into CHECKOUTS/.git-cache first.
# Blobs a partial mirror lacks (large binaries: images, PDFs, DLLs) are skipped and listed in
# CHECKOUTS/<name>.missing; symbolic links and submodules are skipped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
checkouts=${1:?usage: checkout.sh CHECKOUTS [MIRRORS]}
mirrors=${2:-}
mkdir -p "$checkouts"
grep -v '^#' "$here/codebases.tsv" | while IFS=$'\t' read -r name url commit include exclude; do
  [ -n "$name" ] || continue
  owner=$(echo "$url" | cut -d/ -f4); repo=$(echo "$url" | cut -d/ -f5)
  gitdir=""
  if [ -n "$mirrors" ]; then
    for c in "$mirrors/$owner+$repo/repo" "$mirrors/$owner/$repo"; do
      if [ -d "$c" ]; then gitdir=$c; break; fi
    done
  fi
  if [ -z "$gitdir" ]; then
    gitdir="$checkouts/.git-cache/$owner+$repo"
    [ -d "$gitdir" ] || git clone --bare --quiet "$url" "$gitdir"
  fi
  if ! git --git-dir="$gitdir" cat-file -e "$commit^{commit}" 2>/dev/null; then
    echo "$name: commit $commit missing from $gitdir; using its newest commit" >&2
    commit=$(git --git-dir="$gitdir" rev-parse HEAD)
  fi
  out="$checkouts/$name"
  rm -rf "$out"; mkdir -p "$out"
  # which blobs of the commit this repository lacks
  missing=$(git --git-dir="$gitdir" ls-tree -r "$commit" | awk '$2 == "blob" { print $3 }' \
    | git --git-dir="$gitdir" cat-file --batch-check --buffer | awk '$2 == "missing" { print $1 }' | sort -u)
  : > "$out.missing"
  count=0
  while IFS= read -r -d '' entry; do
    meta=${entry%%$'\t'*}; path=${entry#*$'\t'}
    read -r mode type sha <<< "$meta"
    [ "$type" = blob ] && [ "$mode" != 120000 ] || continue
    if [ -n "$missing" ] && grep -qx "$sha" <<< "$missing"; then
      printf '%s\n' "$path" >> "$out.missing"; continue
    fi
    mkdir -p "$out/$(dirname "$path")"
    git --git-dir="$gitdir" cat-file blob "$sha" > "$out/$path"
    count=$((count + 1))
  done < <(git --git-dir="$gitdir" ls-tree -r -z "$commit")
  echo "$name: $count files at ${commit:0:12}, $(wc -l < "$out.missing") absent from the repository copy (listed in $out.missing)"
done
