"""The "not a sign" trade-off benchmark runs on a tiny carried set and says its curve."""

from __future__ import annotations

import numpy as np

from benchmarks import gate_bench
from conftest import REPO
from handcam.model.trainset import HandSet


def test_the_benchmark_prints_the_trade_off_and_draws_it(tmp_path, capsys):
    hs = HandSet.load(REPO / "tools" / "synth" / "letters_photo_hands.npz")
    keep = np.isin(hs.labels, ["A", "B", "L", "V"]) & np.isin(
        hs.groups, ["P1", "P2", "P3", "P4", "P6"]
    )
    tiny = hs.subset(np.flatnonzero(keep))
    tiny = tiny.with_parts(np.where(tiny.groups == "P4", "validation", "train"))
    tiny.save(tmp_path / "trainset.npz")
    png = tmp_path / "curve.png"
    assert (
        gate_bench.main(
            [
                str(tmp_path / "trainset.npz"),
                "--holdout",
                "P2",
                "--per-family",
                "30",
                "--png",
                str(png),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "new: signs rejected" in out and "before: signs rejected" in out
    assert "non-signs accepted" in out and "rejected 45 deg" in out
    assert png.is_file() and png.stat().st_size > 1000
