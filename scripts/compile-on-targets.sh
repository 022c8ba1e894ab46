#!/usr/bin/env bash
# Target-side code must run on the targets' own Python (Debian 11: 3.9, 12: 3.11,
# 13: 3.13) with the standard library only. Compile every module and module_utils file
# with each target's interpreter, and import every module_utils file there with nothing
# but the stdlib on the path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
for suite in ${PORTWARDEN_SUITES:-bullseye bookworm trixie}; do
  docker run --rm -i -v "$root:/c/ansible_collections/portwarden/hardening:ro" -w /c \
    "portwarden/base:$suite" python3 - <<'PY'
import glob, importlib, sys
base = "ansible_collections/portwarden/hardening/plugins"
files = sorted(glob.glob(base + "/modules/*.py") + glob.glob(base + "/module_utils/**/*.py", recursive=True))
for path in files:
    with open(path, "rb") as source:
        compile(source.read(), path, "exec", dont_inherit=True)
sys.path.insert(0, "/c")
sys.dont_write_bytecode = True
for path in glob.glob(base + "/module_utils/**/_*.py", recursive=True):
    importlib.import_module(path[:-3].replace("/", "."))
print("python %s: compiled %d files, imported module_utils with the stdlib only" % (sys.version.split()[0], len(files)))
PY
done
