#!/usr/bin/env bash
# Installs the benchmark's outside tools; safe to run again (does nothing when all is present).
#   wrk               - Debian package, the HTTP load generator (Lua scripts in bench/lua/)
#   json-server@0.17.4 - npm package, the peer we compare with, into bench/.node (git-ignored)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JSON_SERVER_VERSION=0.17.4

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

if ! command -v wrk >/dev/null 2>&1; then
    echo "bench/install.sh: installing wrk (apt)"
    if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; then
        "${SUDO[@]}" apt-get update -q
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
    fi
fi
command -v taskset >/dev/null 2>&1 || echo "bench/install.sh: warning: taskset not found (util-linux); servers will not be pinned" >&2

installed=""
pkg="$here/.node/node_modules/json-server/package.json"
if [ -f "$pkg" ]; then
    installed="$(node -p "require('$pkg').version" 2>/dev/null || true)"
fi
if [ "$installed" != "$JSON_SERVER_VERSION" ]; then
    command -v npm >/dev/null 2>&1 || { echo "bench/install.sh: npm is required (apt-get install nodejs npm)" >&2; exit 1; }
    echo "bench/install.sh: installing json-server@$JSON_SERVER_VERSION into bench/.node"
    npm install --prefix "$here/.node" --no-audit --no-fund --loglevel=error "json-server@$JSON_SERVER_VERSION"
fi
echo "bench/install.sh: wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), json-server $JSON_SERVER_VERSION ready"
