"""Write the spec reference page: ``python -m tabkit.pipeline.reference docs/spec.md``.

The page is generated from :data:`tabkit.pipeline.schema.SCHEMA` and every registered
kind's own keys, so it cannot drift from what the spec check accepts (a test compares it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from tabkit.files import write_text
from tabkit.pipeline.kinds import KINDS
from tabkit.pipeline.schema import reference


def spec_reference() -> str:
    """The reference page's Markdown."""
    return reference({name: kind.entry_keys for name, kind in sorted(KINDS.items())})


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/spec.md")
    write_text(target, spec_reference())
    print(f"wrote {target}")
