#!/usr/bin/env bash
# Quick start: install dependencies, build, package the .vsix for this machine, then run `nootropic doctor` here.
set -euo pipefail
cd "$(dirname "$0")/.."
# .npmrc keeps onnxruntime-node and node-llama-cpp install scripts off the network; nothing to export.
npm ci --no-audit --no-fund
target="$(node -p 'process.platform + "-" + process.arch')"
npm run package -- --target "$target"
echo
# doctor exits 1 when a FAIL item makes configured features unusable (e.g. no model server running yet): say so, go on.
node bin/nootropic.js doctor --root . || echo "(doctor exit $?: see the FAIL lines above)"
echo
echo "VS Code extension: dist/nootropic-$target.vsix  (code --install-extension dist/nootropic-$target.vsix)"
