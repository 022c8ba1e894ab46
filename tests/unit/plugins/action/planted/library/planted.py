# Copyright (c) 2026, portwarden maintainers
# SPDX-License-Identifier: GPL-3.0-or-later
"""A hostile module: returns the packed text it is given, as a compromised host could."""

from __future__ import annotations

import json
import sys

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={"packed": dict(type="str", required=True),
                                          "raw_bytes": dict(type="bool", default=False)})
    if module.params["raw_bytes"]:
        # Bytes that are not UTF-8 inside the packed text, printed as they are.
        text = json.dumps({"changed": False, "_packed_result": "PLACEHOLDER"})
        sys.stdout.buffer.write(text.encode().replace(b"PLACEHOLDER", b'{\\"listening\\": [\\"\xff\xfe\\"]}'))
        sys.stdout.flush()
        sys.exit(0)
    module.exit_json(changed=False, _packed_result=module.params["packed"])


if __name__ == "__main__":
    main()
