"""Where untrusted text (corpus articles, questions, file names) becomes terminal text.

C0 and C1 control characters, DEL among them, would move the cursor, clear the screen, retitle
the window or hide text; every one but newline and tab is shown as a visible ``\\xNN`` escape.
Every text-mode output of the terminal commands goes through ``printable``.
"""

from __future__ import annotations

import re

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with every C0/C1 control character but newline and tab escaped visibly."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


_JSON_RAW = re.compile(r"[\x7f-\x9f]")  # json.dumps escapes C0 itself, not DEL or C1


def json_line(record: object) -> str:
    """One JSON object on one line, non-ASCII text as it is but DEL and C1 controls escaped
    (``\u009b``): the same value to a parser, nothing a terminal acts on."""
    import json

    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(record, ensure_ascii=False))
