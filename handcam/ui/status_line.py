"""The status line's words: what is read, how fast, and where the time goes; the
Source picker's name for a source; a model's warnings in the model panel."""

from __future__ import annotations

import html
from pathlib import Path

from handcam.recognition.events import SessionStats


def source_kind(spec: str) -> str:
    """What a source spec is, for people: "camera", "video" (or "images", see stats)."""
    return "camera" if str(spec).isdigit() else "video"


def source_item_text(spec: str) -> str:
    """How the Source picker names a source: a camera, or a file's name (and whether it
    is missing)."""
    if spec.isdigit():
        return f"Camera {spec}"
    return Path(spec).name + ("" if Path(spec).exists() else " (not found)")


def status_text(head: str, st: SessionStats, kind: str, gui_ms: float, latency_ms: float) -> str:
    """``head`` (the mode, or that no model is loaded), then the figures of the source.

    Stills (an image folder, ``st.live`` False) are read one by one: their rate is images
    per second, not a camera's frame rate.
    """
    if not st.source:
        return head
    stages = st.stage_ms
    if st.live:
        rates = f"{kind} {st.camera_fps:.1f} fps · processing {st.processing_fps:.1f} fps"
    else:
        rates = f"images {st.camera_fps:.1f}/s · processing {st.processing_fps:.1f}/s"
    return (
        f"{head} · {rates} · detect {stages.get('detection', 0):.1f} ms · classify "
        f"{stages.get('classification', 0):.1f} ms · total {stages.get('total', 0):.1f} ms"
        f" · GUI {gui_ms:.1f} ms · latency {latency_ms:.0f} ms · dropped {st.dropped} · "
        f"model on {st.device}"
    )


def warnings_html(warnings: tuple[str, ...] | list[str]) -> str:
    """Lines for the model panel, in orange: e.g. a damaged file the model runs without."""
    return "".join(f"<br><span style='color:#e90'>{html.escape(w)}</span>" for w in warnings)
