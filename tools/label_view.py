"""A view of a class-folder dataset under other labels: links, never copies.

    python -m tools.label_view SRC --out VIEW [--map J=I,0=O] [--keep A,B,...] [--drop Z]

Makes ``VIEW/LABEL/`` folders of symbolic links to SRC's photos (a photo is never copied)
and ``VIEW/signers.csv`` (``path,label,signer``) from SRC's own ``signers.csv``, so
``handcam-train VIEW --groups VIEW/signers.csv`` trains on SRC as if its folders had the
new names. ``--map`` renames (several source labels may map to one, e.g. the still frames
of J folded into I), ``--keep`` keeps only these source labels, ``--drop`` leaves some out.
E.g. the letters' still model (J and Z are motions) and the digits whose handshape is a
letter's (0 = O, 2 = V, 6 = W, 9 = F) as more people's letters::

    python -m tools.label_view ../shared/datasets/asl-hg-letters --out /tmp/letters-still \\
        --map J=I --drop Z
    python -m tools.label_view ../shared/datasets/sign-language-digits --out /tmp/digit-letters \\
        --map 0=O,2=V,6=W,9=F --keep 0,2,6,9
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path


def _pairs(text: str) -> dict[str, str]:
    out = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        src, sep, dst = item.partition("=")
        if not sep or not src or not dst:
            raise argparse.ArgumentTypeError(f"{item!r}: expected FROM=TO")
        out[src] = dst
    return out


def _names(text: str) -> set[str]:
    return {t.strip() for t in text.split(",") if t.strip()}


def make_view(src: Path, out: Path, mapping: dict[str, str], keep: set[str] | None,
              drop: set[str]) -> int:  # fmt: skip
    """Link SRC's photos into OUT under their new labels; return how many."""
    signers = {}
    csv_path = src / "signers.csv"
    if csv_path.is_file():
        with open(csv_path, newline="", encoding="utf-8") as fh:
            signers = {row["path"]: row.get("signer", "") for row in csv.DictReader(fh)}
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out}: exists and is not empty; choose a new folder")
    rows = []
    for folder in sorted(p for p in src.iterdir() if p.is_dir() and not p.name.startswith(".")):
        label = folder.name
        if (keep is not None and label not in keep) or label in drop:
            continue
        new = mapping.get(label, label)
        (out / new).mkdir(parents=True, exist_ok=True)
        for photo in sorted(folder.iterdir()):
            if not photo.is_file() or photo.name.startswith("."):
                continue
            link = out / new / photo.name
            if link.exists():  # two source labels with one file name: keep both
                link = out / new / f"{label}_{photo.name}"
            os.symlink(photo.resolve(), link)
            rows.append((f"{new}/{link.name}", new, signers.get(f"{label}/{photo.name}", "")))
    with open(out / "signers.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["path", "label", "signer"])
        writer.writerows(rows)
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tools.label_view", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("src", type=Path, help="a dataset of class folders (and signers.csv)")
    p.add_argument("--out", type=Path, required=True, help="the view's folder (new or empty)")
    p.add_argument("--map", type=_pairs, default={}, help="FROM=TO,... label renames")
    p.add_argument("--keep", type=_names, help="only these source labels")
    p.add_argument("--drop", type=_names, default=set(), help="leave these source labels out")
    a = p.parse_args(argv)
    n = make_view(a.src, a.out, a.map, a.keep, a.drop)
    print(f"{a.out}: {n} photos linked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
