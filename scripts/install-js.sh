#!/usr/bin/env bash
# Installs the JavaScript packages l2l uses, pinned by third_party_js/package-lock.json, into
# third_party_js/node_modules (git-ignored): vega, vega-lite and vega-embed, which `l2l report`
# inlines into its HTML files, and with --dev also playwright-core, which drives Debian's Chromium
# in the report browser test. Idempotent: when node_modules matches the lock file it only checks
# (no network).
# Needs Node.js and npm (scripts/install-deps.sh installs Debian's nodejs; npm comes with it or
# from Debian's npm package).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir="$root/third_party_js"

if ! command -v npm >/dev/null 2>&1; then
  echo "install-js: npm not found; installing Debian's npm"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
fi

# npm writes node_modules/.package-lock.json after a complete install; when it is newer than the
# lock file and every package is present, nothing changed since the last run.
dev=0
[[ "${1:-}" == "--dev" ]] && dev=1
stamp="$dir/node_modules/.package-lock.json"
need=0
[[ -f "$stamp" && "$stamp" -nt "$dir/package-lock.json" ]] || need=1
wanted=(vega/build/vega.min.js vega-lite/build/vega-lite.min.js vega-embed/build/vega-embed.min.js)
((dev)) && wanted+=(playwright-core/package.json)
for f in "${wanted[@]}"; do
  [[ -f "$dir/node_modules/$f" ]] || need=1
done
if ((need == 0)); then
  echo "install-js: third_party_js/node_modules is up to date"
  exit 0
fi

omit=(--omit=dev)
((dev)) && omit=()
echo "install-js: npm ci ${omit[*]} in third_party_js"
# --ignore-scripts: none of these packages needs an install script, and playwright-core must not
# try to download a browser (the tests use Debian's /usr/bin/chromium).
(cd "$dir" && npm ci "${omit[@]}" --no-audit --no-fund --ignore-scripts --loglevel=error)
touch "$stamp"
