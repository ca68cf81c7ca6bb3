#!/usr/bin/env bash
# Quick start: install dependencies, build, package the .vsix, then run `nootropic doctor` on this repo.
set -euo pipefail
cd "$(dirname "$0")/.."
export ONNXRUNTIME_NODE_INSTALL=skip ONNXRUNTIME_NODE_INSTALL_CUDA=skip
# node-llama-cpp (optional) uses the prebuilt binaries npm installs; never a download + build of llama.cpp.
export NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
# `npm ci` refuses this lock: @lancedb/lancedb lists optional platform packages the registry does not serve for
# every platform, so npm never records them. `npm install` honours the lock and skips what it cannot get.
npm install --no-audit --no-fund
npm run package
echo
node bin/nootropic.js doctor --root .
echo
echo "VS Code extension: dist/nootropic.vsix  (code --install-extension dist/nootropic.vsix)"
