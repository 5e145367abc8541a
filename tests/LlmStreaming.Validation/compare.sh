#!/usr/bin/env bash
# Compares two findings files of the tool by code base, file, line and rule (messages ignored).
# usage: compare.sh BEFORE.tsv AFTER.tsv
# Prints the counts, each finding only in one ('-' before only, '+' after only) and the AD0001 rows.
set -euo pipefail
before=${1:?usage: compare.sh BEFORE.tsv AFTER.tsv}
after=${2:?usage: compare.sh BEFORE.tsv AFTER.tsv}
keys() { awk -F'\t' 'NR > 1 && $3 ~ /^LLM/ { print $1 "\t" $4 ":" $5 ":" $3 }' "$1" | sort; }
echo "LLM findings: $(keys "$before" | wc -l) in $before, $(keys "$after" | wc -l) in $after"
diff <(keys "$before") <(keys "$after") | sed -n 's/^< /- /p; s/^> /+ /p' || true
for f in "$before" "$after"; do
  echo "AD0001 in $f: $(awk -F'\t' 'NR > 1 && $3 == "AD0001"' "$f" | wc -l)"
  awk -F'\t' 'NR > 1 && $3 == "AD0001"' "$f"
done
