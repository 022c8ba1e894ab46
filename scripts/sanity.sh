#!/usr/bin/env bash
# ansible-test sanity needs the collection at .../ansible_collections/<ns>/<name> as a real
# directory (it resolves the working directory), so run it on a copy of the tracked and
# new files, not on the symlink that the other targets use.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# A directory per run, so two runs at once do not pull the tree from under each other.
mkdir -p "$root/.cache"
work=$(mktemp -d "$root/.cache/sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/portwarden/hardening"
mkdir -p "$dest"
cd "$root"
# Tracked files plus new, not ignored ones: what the next commit would hold.
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | tar --null --files-from=- -cf - | tar -C "$dest" -xf -
# ansible-test bootstraps pip in its sanity venvs with a script from its own CI host;
# provide it locally (see scripts/get-pip-shim.py) so only the package index is needed.
pip_version=$(python3 - <<'PY'
import inspect, re
import ansible_test._internal.python_requirements as requirements
match = re.search(r"pip='([0-9.]+)'", inspect.getsource(requirements))
print(match.group(1) if match else '')
PY
)
if [ -n "$pip_version" ]; then
  shim="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
  mkdir -p "$(dirname "$shim")"
  cmp -s "$root/scripts/get-pip-shim.py" "$shim" 2>/dev/null || cp "$root/scripts/get-pip-shim.py" "$shim"
fi
cd "$dest"
# ansible-test wants a git work tree to know which files belong to the collection.
git init -q && git add -A >/dev/null
tests=${SANITY_TESTS:-}
args=(--python "$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')" --color no)
if [ -n "$tests" ]; then
  for t in $tests; do args+=(--test "$t"); done
fi
# Checks that need a network or a container registry cannot run here; everything else does.
ansible-test sanity "${args[@]}" --skip-test shellcheck
