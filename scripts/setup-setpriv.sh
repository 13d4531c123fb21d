#!/usr/bin/env bash
# The system-error tests (test/integration/system-errors.test.ts) run the CLI as the unprivileged user nobody when the
# suite runs as root (file modes do not deny root): they need util-linux's setpriv. util-linux is Essential in Debian,
# so this is a no-op there; it installs it on a trimmed image. Idempotent; does nothing when not root.
set -euo pipefail
if [ "$(id -u)" != 0 ] || command -v setpriv >/dev/null 2>&1; then exit 0; fi
command -v apt-get >/dev/null 2>&1 || { echo "setpriv is missing and apt-get is not available" >&2; exit 1; }
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq util-linux >/dev/null
command -v setpriv >/dev/null
