#!/usr/bin/env bash
# Ecosystem gates on what users install: the built tarball passes galaxy-importer, the docs
# and changelog pass antsibull's linters, and the execution environment definition turns
# into a build context (ansible-builder create needs no registry).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=$(python3 -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')
tarball="ee/portwarden-hardening-$version.tar.gz"

echo "== antsibull-changelog lint"
antsibull-changelog lint

echo "== ansible-galaxy collection build"
rm -rf ee && mkdir -p ee
ansible-galaxy collection build --force --output-path ee . >/dev/null
contents=$(tar -tzf "$tarball" | sed 's|^\./||')
unwanted=$(grep -E '(^|/)(\.venv|\.cache|__pycache__|molecule|images|scripts|tests/output)(/|$)|\.pyc$|^(\.ansible-lint|\.yamllint|ansible\.cfg|pytest\.ini|Makefile)$' <<<"$contents" || true)
if [ -n "$unwanted" ]; then
  echo "the built collection carries files users should not get:"; echo "$unwanted"; exit 1
fi
for required in COPYING README.md meta/runtime.yml changelogs/changelog.yaml; do
  grep -qx "$required" <<<"$contents" || { echo "the built collection lacks $required"; exit 1; }
done
# The execution environment installs the tarball under a version-free name, so its
# definition never goes stale when galaxy.yml's version changes.
cp "$tarball" ee/portwarden-hardening.tar.gz

echo "== galaxy-importer"
cfg=$(mktemp); trap 'rm -f "$cfg"' EXIT
printf '[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\nOFFLINE_ANSIBLE_LINT = True\nRUN_FLAKE8 = False\nCHECK_CHANGELOG = True\n' > "$cfg"
# It writes importer_result.json into the working directory: keep that in .cache.
# A private HOME: ansible-lint inside the importer must see this tarball's content, not a
# copy of the collection that another run left under ~/.ansible/collections.
mkdir -p .cache/importer-home
(cd .cache && HOME=$root/.cache/importer-home GALAXY_IMPORTER_CONFIG=$cfg python3 -m galaxy_importer.main "$root/$tarball") > .cache/galaxy-importer.log 2>&1 || {
  cat .cache/galaxy-importer.log; exit 1; }
if grep -E '^(ERROR|WARNING)' .cache/galaxy-importer.log; then
  echo "galaxy-importer reported the problems above"; exit 1
fi

echo "== antsibull-docs lint-collection-docs"
antsibull-docs lint-collection-docs --plugin-docs --skip-rstcheck .cache/collections/ansible_collections/portwarden/hardening

echo "== ansible-builder create (execution environment)"
grep -q "ee/portwarden-hardening.tar.gz" execution-environment.yml || {
  echo "execution-environment.yml must install ee/portwarden-hardening.tar.gz"; exit 1; }
rm -rf .cache/ee-context
ansible-builder create -f execution-environment.yml -c .cache/ee-context >/dev/null
test -f ".cache/ee-context/_build/ee/portwarden-hardening.tar.gz"
grep -q "openssh-client" .cache/ee-context/_build/bindep.txt
grep -q "ansible-galaxy collection install" .cache/ee-context/Dockerfile
echo "execution environment context ready in .cache/ee-context"
