#!/usr/bin/env bash
# Quick start: install dependencies, build, package the .vsix for this machine, then run `nootropic doctor` here.
set -euo pipefail
cd "$(dirname "$0")/.."
# .npmrc keeps onnxruntime-node and node-llama-cpp install scripts off the network; nothing to export.
npm ci --no-audit --no-fund
# This machine's VS Code target; where none is built (an Intel Mac: LanceDB has no darwin-x64 binary) say so and
# go on: the CLI and doctor still run here.
vsix=""
if target="$(node scripts/package.mjs --host-target)"; then
  npm run package -- --target "$target"
  vsix="dist/nootropic-$target.vsix"
else
  echo "(continuing without a .vsix: the CLI and \`nootropic doctor\` below still work)"
fi
echo
# doctor exits 1 when a FAIL item makes configured features unusable (e.g. no model server running yet): say so, go on.
node bin/nootropic.js doctor --root . || echo "(doctor exit $?: see the FAIL lines above)"
echo
if [ -n "$vsix" ]; then
  echo "VS Code extension: $vsix  (code --install-extension $vsix)"
else
  echo "VS Code extension: no .vsix for this platform (see above)"
fi
