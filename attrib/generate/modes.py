"""What ``attrib generate`` does when the output copies code the policy denies."""
from __future__ import annotations

ON_MATCH = ("report", "block", "avoid")
"""``report`` every copy; ``block`` output that copies a denied license; ``avoid`` such
copies by rolling back and resampling (see :mod:`attrib.generate.generator`)."""

MAX_TRIES = 3
"""Roll-backs ``avoid`` tries before it gives up and blocks."""
