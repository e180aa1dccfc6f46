"""Label names: any readable name that is also a safe single folder name."""

from __future__ import annotations

import unicodedata

from handcam.errors import LabelError

MAX_LABEL_LENGTH = 64
_FORBIDDEN = set('/\\:*?"<>|')


def validate_label(label: str) -> str:
    """Return the label (NFC-normalised) or raise LabelError saying why it is unsafe.

    Spaces and non-ASCII letters are fine ("thumbs up", "ñ"); path separators, "..",
    control characters, leading dots or surrounding spaces are not.
    """
    if not isinstance(label, str):
        raise LabelError(f"label must be text, not {type(label).__name__}")
    name = unicodedata.normalize("NFC", label)
    if not name.strip():
        raise LabelError("label is empty")
    if name != name.strip():
        raise LabelError(f"label {label!r} starts or ends with spaces")
    if len(name) > MAX_LABEL_LENGTH:
        raise LabelError(f"label {label!r} is longer than {MAX_LABEL_LENGTH} characters")
    if name.startswith("."):
        raise LabelError(f"label {label!r} starts with a dot")
    bad = sorted({c for c in name if c in _FORBIDDEN or unicodedata.category(c)[0] == "C"})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        raise LabelError(f"label {label!r} contains characters not allowed in a name: {shown}")
    return name
