"""How an account (``network:name``) and a campaign's name are written: one rule for campaign files,
the store (pauses) and the accounts commands, in a module that depends on nothing.

The patterns are ECMA-262 regular expressions too (what ajv, VS Code and check-jsonschema run, as
they go into the campaign JSON Schema): no named groups or other Python-only syntax in them.
"""

from __future__ import annotations

import re

ACCOUNT_PATTERN = r"^[a-z][a-z0-9_-]*:[A-Za-z0-9][A-Za-z0-9_.-]*$"
ACCOUNT_REF = re.compile(ACCOUNT_PATTERN)
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
