"""Scores a prediction log of a composite video against its truth sidecar.

The log is the app's ``--log-predictions`` JSONL or ``handcam predict --json`` output
of the video: one object per processed frame with ``frame``, ``hand_found``, ``label``,
``smoothed_label`` and, where present, ``hands`` (one entry per hand with ``box`` and
``smoothed_label``). Figures:

- right: the shown (smoothed) label equals the truth, on the hand frames after the
  first ``skip`` frames of each hand's appearance; per hand when two hands are shown
  (each true hand matched to the logged hand whose box centre lies in its box);
- on screen: the same over every frame of the video, taking for a frame that was not
  processed the last processed frame's result, as the window does;
- false labels: empty frames (no hand in the truth) that show any label;
- processed: frames in the log out of the video's frames;
- found: hand frames where the detector found that hand; raw right: raw label right;
- not a sign: scored hand frames whose hand showed "not_a_sign" (the open-set gate), and
  found hand frames whose own sign-ness was under 0.5 (the gate's raw per-frame call);
- labelled: scored hand frames that showed any label (on a video of shapes the model does
  not know, e.g. letters for the digits model, every one is a false accept).
"""

from __future__ import annotations

import json
from pathlib import Path


def read_log(path: Path) -> dict[int, dict]:
    """frame index -> record (the last one when a frame is logged twice)."""
    records = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            if "frame" in rec:
                records[int(rec["frame"])] = rec
    return records


def logged_hands(rec: dict) -> list[dict]:
    """The hands of a record: its ``hands`` list, else the top-level main hand."""
    if "hands" in rec:
        return list(rec["hands"])
    if not rec.get("hand_found"):
        return []
    return [
        {
            "box": rec.get("box"),
            "label": rec.get("label"),
            "smoothed_label": rec.get("smoothed_label"),
        }
    ]


def match(truth_box: list[float], hands: list[dict], used: set[int]) -> dict | None:
    """The unused logged hand whose box centre is nearest inside the (grown) truth box."""
    x0, y0, x1, y1 = truth_box
    gx, gy = 0.25 * (x1 - x0), 0.25 * (y1 - y0)
    best, best_d = None, None
    for i, hand in enumerate(hands):
        box = hand.get("box")
        if i in used or not box:
            continue
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        if x0 - gx <= cx <= x1 + gx and y0 - gy <= cy <= y1 + gy:
            d = (cx - (x0 + x1) / 2) ** 2 + (cy - (y0 + y1) / 2) ** 2
            if best_d is None or d < best_d:
                best, best_d = i, d
    if best is None:
        return None
    used.add(best)
    return hands[best]


def _pct(a: int, b: int) -> float | None:
    return round(100.0 * a / b, 2) if b else None


def score_log(log: Path, truth_file: Path, skip: int = 10) -> dict:
    doc = json.loads(Path(truth_file).read_text(encoding="utf-8"))
    truth: list[list[dict]] = doc["truth"]
    starts = {a["id"]: a["start"] for a in doc["appearances"]}
    records = read_log(log)
    n = len(truth)
    c = dict.fromkeys(
        ("scored", "right", "main_scored", "main_right", "shown_scored", "shown_right",
         "hand_frames", "found", "raw_scored", "raw_right", "empty", "false", "shown_empty",
         "shown_false", "empty_found", "found_past", "not_a_sign", "gated", "gate_seen",
         "labelled"), 0,
    )  # fmt: skip
    per_app: dict[int, list[int]] = {}
    by_scene: dict[str, list[int]] = {}  # right, scored: per kind of scene
    scene = {a["id"]: a.get("scene", "?") for a in doc["appearances"]}
    last = None
    for f in range(n):
        rec = records.get(f)
        processed = rec is not None
        last = rec if processed else last
        for view, r in (("", rec), ("shown_", last)):
            if r is None and view == "":
                continue
            if not truth[f]:
                labelled = r is not None and (
                    r.get("smoothed_label") is not None
                    or any(h.get("smoothed_label") is not None for h in logged_hands(r))
                )
                c[f"{view}empty"] += 1
                c[f"{view}false"] += int(labelled)
                if view == "":
                    c["empty_found"] += int(bool(logged_hands(r)))
                continue
            hands = logged_hands(r) if r is not None else []
            used: set[int] = set()
            for t in truth[f]:
                got = (
                    match(t["box"], hands, used)
                    if len(truth[f]) > 1 or "hands" in (r or {})
                    else (hands[0] if hands else None)
                )
                past = f - starts[t["hand"]] >= skip
                if view == "":
                    c["hand_frames"] += 1
                    c["found"] += int(got is not None)
                    per_app.setdefault(t["hand"], [0, 0])
                    per_app[t["hand"]][0] += 1
                    per_app[t["hand"]][1] += int(got is not None)
                    if got is not None and got.get("sign") is not None:
                        c["gate_seen"] += 1
                        c["gated"] += int(got["sign"] < 0.5)
                    if got is not None and got.get("label") is not None:
                        c["raw_scored"] += 1
                        c["raw_right"] += int(got["label"] == t["label"])
                if past:
                    right = got is not None and got.get("smoothed_label") == t["label"]
                    if view == "":
                        c["found_past"] += int(got is not None)
                        state = got.get("smoothed_state") if got is not None else None
                        c["not_a_sign"] += int(state == "not_a_sign")
                        c["labelled"] += int(
                            got is not None and got.get("smoothed_label") is not None
                        )
                        kind = scene.get(t["hand"], "?")
                        by_scene.setdefault(kind, [0, 0])
                        by_scene[kind][0] += int(right)
                        by_scene[kind][1] += 1
                    c[f"{view}scored"] += 1
                    c[f"{view}right"] += int(right)
            if (
                view == ""
                and len(truth[f]) == 1
                and all(f - starts[t["hand"]] >= skip for t in truth[f])
            ):
                c["main_scored"] += 1
                c["main_right"] += int(r.get("smoothed_label") == truth[f][0]["label"])
    apps = {a["id"]: a for a in doc["appearances"]}
    weak = [
        {"hand": i, "label": apps[i]["label"], "signer": apps[i]["signer"],
         "size": apps[i]["size"], "paste": apps[i]["paste"], "scene": apps[i]["scene"],
         "found_pct": _pct(found, seen)}
        for i, (seen, found) in sorted(per_app.items()) if found < 0.9 * seen
    ]  # fmt: skip
    return {
        "video": doc.get("video"),
        "frames": n,
        "processed": len([f for f in records if 0 <= f < n]),
        "processed_pct": _pct(len([f for f in records if 0 <= f < n]), n),
        "skip": skip,
        "right_pct": _pct(c["right"], c["scored"]),
        "right": [c["right"], c["scored"]],
        "main_right_pct": _pct(c["main_right"], c["main_scored"]),
        "on_screen_right_pct": _pct(c["shown_right"], c["shown_scored"]),
        "empty_frames": c["empty"],
        "false_labels": c["false"],
        "on_screen_false_labels": c["shown_false"],
        "empty_frames_with_a_hand_found": c["empty_found"],
        "found_pct": _pct(c["found"], c["hand_frames"]),
        "found": [c["found"], c["hand_frames"]],
        "found_after_skip_pct": _pct(c["found_past"], c["scored"]),
        "raw_right_pct": _pct(c["raw_right"], c["raw_scored"]),
        "raw_right": [c["raw_right"], c["raw_scored"]],
        "right_pct_by_scene": {k: _pct(*v) for k, v in sorted(by_scene.items())},
        "not_a_sign_pct": _pct(c["not_a_sign"], c["scored"]),
        "labelled_pct": _pct(c["labelled"], c["scored"]),
        "gate_rejected_pct": _pct(c["gated"], c["gate_seen"]),
        "hands_found_under_90pct": weak,
        "composed": composed_score(log, doc),
    }


def composed_score(log: Path, doc: dict) -> dict | None:
    """The text the log composed (its last ``text``: ``--log-predictions`` or ``predict
    --compose --json``) against the signs shown in order: edits (insertions, deletions,
    substitutions; word spaces left out) and the character error rate. None when the log
    carries no text or the video shows two hands at once."""
    text = None
    for line in Path(log).read_text(encoding="utf-8").splitlines():
        if '"text"' in line:
            text = json.loads(line).get("text", text)
    if text is None or doc.get("two_hands"):
        return None
    apps = sorted(doc["appearances"], key=lambda a: a["start"])
    truth = "".join(a["label"] if len(a["label"]) == 1 else f" {a['label']} " for a in apps)
    got, want = text.replace(" ", ""), truth.replace(" ", "")
    edits = edit_distance(got, want)
    return {
        "text": text,
        "truth": truth,
        "edits": edits,
        "signs": len(apps),
        "cer": round(edits / max(len(want), 1), 4),
    }


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def format_score(r: dict) -> str:
    lines = [
        f"video {r['video']}: {r['frames']} frames, processed {r['processed']} "
        f"({r['processed_pct']}%)",
        f"right label after the first {r['skip']} frames of each hand: {r['right_pct']}% "
        f"({r['right'][0]}/{r['right'][1]} hand-frames; on screen, unprocessed frames "
        f"showing the last result: {r['on_screen_right_pct']}%)",
        f"false labels on empty frames: {r['false_labels']} of {r['empty_frames']} "
        f"(on screen: {r['on_screen_false_labels']}); a hand found on "
        f"{r['empty_frames_with_a_hand_found']} empty frames",
        f"hand found: {r['found_pct']}% ({r['found'][0]}/{r['found'][1]} hand-frames; after "
        f"the first {r['skip']} frames: {r['found_after_skip_pct']}%); raw "
        f"label right where found: {r['raw_right_pct']}% ({r['raw_right'][0]}/{r['raw_right'][1]})",
    ]
    if r.get("gate_rejected_pct") is not None:
        lines.append(
            f"not a sign shown on {r['not_a_sign_pct']}% of the scored hand-frames; the gate "
            f"rejected {r['gate_rejected_pct']}% of found hand-frames on their own"
        )
    lines.append(f"some label shown on {r.get('labelled_pct')}% of the scored hand-frames")
    lines.append(
        "right label by scene: "
        + ", ".join(f"{k} {v}%" for k, v in r["right_pct_by_scene"].items())
    )
    if r.get("composed"):
        c = r["composed"]
        lines.append(
            f"composed {c['text']!r} for {c['truth']!r}: {c['edits']} edits in {c['signs']} "
            f"signs (character error rate {c['cer']:.1%})"
        )
    for w in r["hands_found_under_90pct"]:
        lines.append(
            f"  hand {w['hand']} (label {w['label']}, {w['signer']}, {w['size']} px, "
            f"{w['paste']}, {w['scene']}): found in {w['found_pct']}% of its frames"
        )
    return "\n".join(lines)
