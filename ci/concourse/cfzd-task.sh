#!/usr/bin/env bash
# The script of cfzd-task.yml: run one cfzd command with --json in a Concourse task, and leave
# its result in the task's output (cfzd-result/ in the working directory):
#   result.json  the --json document (an {"error": ...} document when the command failed)
#   summary.md   the Markdown summary, for the commands that write one (--summary)
#   exit-code    cfzd's exit code, which is also the task's
# Params arrive as environment variables (see cfzd-task.yml). CFZD_BIN runs another cfzd
# executable instead of `npx cfzd@VERSION` (the tests run the local build with it).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="cfzd-result"
mkdir -p "$out"

if [ -z "${CFZD_COMMAND//[[:space:]]/}" ]; then
  echo "cfzd-task: set CFZD_COMMAND (restart, restage, push, rollback, scale, restage-all, ...)" >&2
  echo 2 > "$out/exit-code"
  exit 2
fi

# A param the job leaves unset still arrives, empty: cfzd must not take it for a value.
for name in CF_API CF_USERNAME CF_PASSWORD CF_CLIENT_ID CF_CLIENT_SECRET CF_ORG CF_SPACE CF_SKIP_SSL_VALIDATION; do
  if [ -z "${!name:-}" ]; then unset "$name"; fi
done
export CI=true

if [ -n "${CFZD_BIN:-}" ]; then
  cfzd=("$CFZD_BIN")
else
  version="${CFZD_VERSION:-}"
  if [ -z "$version" ]; then version="$(node -p 'require(process.argv[1]).version' "$here/../../package.json")"; fi
  cfzd=(npx --yes "cfzd@$version")
fi

read -r -a args <<< "$CFZD_COMMAND"
command=("${args[@]}")
if [ -n "${CFZD_APP:-}" ]; then args+=("$CFZD_APP"); fi
if [ -n "${CFZD_STRATEGY:-}" ]; then args+=(--strategy "$CFZD_STRATEGY"); fi
if [ -n "${CFZD_ARGS:-}" ] && [ -n "${CFZD_ARGS//[[:space:]]/}" ]; then
  # xargs splits as a shell would (quotes, backslashes) without expanding $ or `.
  split="$(mktemp)"
  if ! printf '%s' "$CFZD_ARGS" | xargs printf '%s\0' > "$split"; then
    echo "cfzd-task: CFZD_ARGS has an unbalanced quote: $CFZD_ARGS" >&2
    echo 2 > "$out/exit-code"
    exit 2
  fi
  mapfile -d '' -t extra < "$split"
  rm -f "$split"
  args+=("${extra[@]}")
fi
args+=(--json)
# The commands that change apps write a Markdown summary; the others don't take --summary.
if "${cfzd[@]}" "${command[@]}" --help 2>/dev/null | grep -q -- '--summary='; then
  args+=(--summary "$out/summary.md")
fi

echo "cfzd ${args[*]}" >&2
set +e
"${cfzd[@]}" "${args[@]}" > "$out/result.json"
code=$?
set -e
echo "$code" > "$out/exit-code"
cat "$out/result.json"
exit "$code"
