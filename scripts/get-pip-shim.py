"""Stand-in for the pip bootstrap script that ansible-test downloads from its own CI host.

ansible-test runs that script inside each fresh sanity venv with pip-install arguments
(for example ``pip==24.2``), with a scrubbed environment and PIP_CONFIG_FILE=/dev/null.
Where only the package index is reachable (possibly through a TLS-inspecting proxy whose
CA is in the system bundle), the same result comes from the interpreter's bundled
ensurepip, a normal ``pip install``, and pointing the venv's pip at the system CA bundle.
"""
import glob
import os
import shutil
import ssl
import subprocess
import sys
import ensurepip

# get-pip.py options that pip itself does not accept.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}


def system_ca_bundle():
    for candidate in (ssl.get_default_verify_paths().cafile, "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"):
        if candidate and os.path.isfile(candidate):
            return candidate
    return None


def trust_system_cas(bundle):
    """Make the venv's pip (used again by ansible-test later) trust the system CAs."""
    for pem in glob.glob(os.path.join(sys.prefix, "lib", "python*", "site-packages", "pip", "_vendor", "certifi", "cacert.pem")):
        shutil.copyfile(bundle, pem)


ensurepip.bootstrap(upgrade=True)
bundle = system_ca_bundle()
if bundle:
    trust_system_cas(bundle)
args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
cert = ["--cert", bundle] if bundle else []
status = subprocess.call([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", *cert, *args])
if status == 0 and bundle:
    trust_system_cas(bundle)
sys.exit(status)
