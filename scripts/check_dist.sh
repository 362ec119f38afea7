#!/usr/bin/env bash
# Build the wheel and sdist as a release would, install the wheel into a fresh virtual environment, and
# run the installed command: catches a package that builds but is missing its grammar, its bundled runs
# or its licence, which tests run from the source tree cannot see.
#
# Run from anywhere: scripts/check_dist.sh  (needs `build`, from the test extra, and network access or a
# package index for the build and runtime dependencies). PYTHON picks the interpreter (default: python3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() {
    echo "check_dist: $*" >&2
    exit 1
}

"$python" -m build --outdir "$work/dist" "$root" >"$work/build.log" 2>&1 || {
    cat "$work/build.log" >&2
    fail "python -m build failed"
}
wheels=("$work"/dist/*.whl)
sdists=("$work"/dist/*.tar.gz)
[ "${#wheels[@]}" -eq 1 ] && [ -f "${wheels[0]}" ] || fail "expected one wheel in $work/dist"
[ "${#sdists[@]}" -eq 1 ] && [ -f "${sdists[0]}" ] || fail "expected one sdist in $work/dist"
wheel="${wheels[0]}"
sdist="${sdists[0]}"

# What each archive must hold, read with the standard library so no tool beyond Python is assumed.
"$python" - "$wheel" "$sdist" <<'PY' || fail "an archive is missing files"
import sys
import tarfile
import zipfile

wheel, sdist = sys.argv[1], sys.argv[2]
names = zipfile.ZipFile(wheel).namelist()
missing = [
    want
    for want in ("nql_lsp/grammar.lark", "nql_lsp/data/sample_runs.json.gz")
    if want not in names
]
if not any(n.endswith(".dist-info/licenses/LICENSE") for n in names):
    missing.append("*.dist-info/licenses/LICENSE")
members = tarfile.open(sdist).getnames()
top = members[0].split("/")[0]
for want in ("LICENSE", "pyproject.toml", "nql_lsp/grammar.lark", "nql_lsp/data/sample_runs.json.gz"):
    if f"{top}/{want}" not in members:
        missing.append(f"sdist: {want}")
for name in missing:
    print(f"missing: {name}", file=sys.stderr)
sys.exit(1 if missing else 0)
PY

"$python" -m venv "$work/venv"
venv_python="$work/venv/bin/python"
[ -x "$venv_python" ] || venv_python="$work/venv/Scripts/python.exe"
"$venv_python" -m pip install --quiet "$wheel" || fail "the wheel does not install"

# Run the installed command from outside the source tree, so nothing is imported from it by accident.
command="$(dirname "$venv_python")/nql-lsp"
cd "$work"
version="$("$command" --version)" || fail "nql-lsp --version failed"
[[ "$version" == "nql-lsp "* ]] || fail "unexpected --version output: $version"
"$command" --check "$root/examples/good" >"$work/check.out" || {
    cat "$work/check.out" >&2
    fail "nql-lsp --check examples/good did not exit 0"
}
"$command" --preview 'sys/id:string = CLS-7' --output-format csv >"$work/preview.out" ||
    fail "nql-lsp --preview against the bundled sample failed"
grep -q '^CLS-7,' "$work/preview.out" || fail "the bundled sample runs were not read"
"$venv_python" -c 'import nql_lsp.server' || fail "the server does not import in the installed package"

echo "check_dist: $(basename "$wheel") and $(basename "$sdist") build, install and run"
