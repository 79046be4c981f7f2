#!/usr/bin/env bash
# `cmake --install` into a temporary prefix gives a working l2l and `import l2l`, both used from
# the prefix and nothing else: a run, a report (its JavaScript comes from P/share/l2l/js) and a
# Python run whose processes evaluator starts the installed l2l as its worker.
#   install_test.sh BUILD_DIR PYTHON PYTHON_INSTALL_DIR SOURCE_DIR
set -euo pipefail
build=$1 python=$2 pydir=$3 src=$4
prefix=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$prefix" "$work"' EXIT
fail() { echo "install_test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null
[[ -x "$prefix/bin/l2l" ]] || fail "no $prefix/bin/l2l"
[[ -f "$prefix/$pydir/l2l/__init__.py" ]] || fail "no Python package in $prefix/$pydir"

# The default prefix's package folder is one Debian's python3 searches without PYTHONPATH.
"$python" -c "import sys; assert '/usr/local/$pydir' in sys.path, sys.path" ||
  fail "/usr/local/$pydir is not on $python's path"

cd "$work"  # nothing of the source or build tree beside us
cp "$src/examples/rastrigin-ga.yaml" exp.yaml
"$prefix/bin/l2l" --version | grep -q '^l2l ' || fail "l2l --version"
"$prefix/bin/l2l" run exp.yaml --out ga.db --set experiment.max_generations=3 -q >/dev/null
"$prefix/bin/l2l" show ga.db --json | "$python" -c "
import json, sys
s = json.load(sys.stdin)
assert s['generations'] == 3, s['generations']
" || fail "l2l show of the installed run"
if [[ -f "$prefix/share/l2l/js/vega.min.js" ]]; then
  L2L_JS_DIR= "$prefix/bin/l2l" report ga.db -o ga.html >/dev/null
  grep -q 'vega' ga.html || fail "the report does not inline vega"
fi

env -u PYTHONPATH PYTHONPATH="$prefix/$pydir" PATH=/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1 \
  "$python" - "$prefix" <<'PY' || fail "import l2l from the prefix"
import os, sys
prefix = os.path.realpath(sys.argv[1])
import l2l
assert os.path.realpath(l2l.__file__).startswith(prefix), l2l.__file__
assert os.path.realpath(l2l._l2l.__file__).startswith(prefix), l2l._l2l.__file__
# The processes evaluator's workers are the installed l2l (PATH holds no other).
assert os.path.realpath(l2l._l2l.worker_executable()) == os.path.join(prefix, "bin", "l2l"), \
    l2l._l2l.worker_executable()
r = l2l.Experiment("exp.yaml", out="py.db",
                   sets=["experiment.max_generations=2", "evaluator.type=processes",
                         "evaluator.workers=1"]).run()
assert r.generations == 2, r.generations
# The store's readers return pandas frames, a test/bench package; sqlite3 needs nothing more.
import sqlite3
assert sqlite3.connect("py.db").execute("SELECT count(*) FROM evaluations").fetchone()[0] > 0
PY
echo "install_test: ok ($prefix)"
