#!/usr/bin/env bash
# Where each service logs, with the last lines of each.
source "$(dirname "$0")/lib.sh"
echo "Logs are in $LOGDIR:"
for f in "$LOGDIR"/*.log; do
  [ -f "$f" ] || continue
  printf '\n--- %s\n' "$f"
  tail -n 5 "$f"
done
