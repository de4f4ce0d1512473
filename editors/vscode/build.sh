#!/usr/bin/env bash
# Build the VS Code extension and package it as editors/vscode/pgmig.vsix (CI runs this).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm run typecheck
npm run build
npx --no-install @vscode/vsce package --no-dependencies -o pgmig.vsix
