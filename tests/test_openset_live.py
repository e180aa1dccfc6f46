"""The open-set gate in the live pipeline: a hand shape unlike every sign shows "not_a_sign"
(no label, a release for the composer), a known one its label; a bundle without a gate
behaves as before; stills are gated image by image; a single rejected frame is bridged."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import frame
from handcam.capture.sources import Frame
from handcam.features.preprocess import PreprocessConfig, hand_features
from handcam.hands.hand import Hand
from handcam.model.gate import OPENSET_FILE
from handcam.model.legacy_gate import LIVE_MARGIN, MahalanobisGate
from handcam.recognition.assemble import LoadedModel, assemble, bundle_gate
from handcam.recognition.pipeline import Pipeline
from handcam.recognition.records import hand_record, result_record
from handcam.signs.smoothing import SmootherConfig, TemporalSmoother, still_prediction
from handcam.testing import (
    FakeClassifier,
    FakeHandDetector,
    synthetic_hand,
    write_mahalanobis_gate,
)

PRE = PreprocessConfig()  # coords features: 63 numbers
ROOT = Path(__file__).resolve().parents[1]


def known_hand() -> Hand:
    return synthetic_hand(640, 480, spread=1.0)


def unknown_hand() -> Hand:
    return synthetic_hand(640, 480, spread=0.2)  # fingers squeezed together


def feats(hand: Hand) -> np.ndarray:
    return hand_features(frame(), hand, PRE, with_crop=False).landmarks


def make_gate() -> MahalanobisGate:
    """One sign, the open hand: the squeezed hand lies far outside its threshold."""
    known = feats(known_hand()).astype(np.float64)
    gate = MahalanobisGate(known[None], np.eye(len(known)), 1.0, ("x",))
    far = float(gate.distance(feats(unknown_hand()))[0])  # 4x the operating threshold:
    return MahalanobisGate(known[None], np.eye(len(known)), far / 4 / LIVE_MARGIN, ("x",))


def write_gate(gate: MahalanobisGate, path: Path) -> None:
    write_mahalanobis_gate(path, gate.means, gate.precision, gate.threshold, gate.labels)


def frames(n: int, fps: float = 30.0) -> list[Frame]:
    return [Frame(i, frame(), 0.0, "fake", None, i / fps) for i in range(n)]


def run(hands: list[Hand], gate, stills: bool = False):
    it = iter(hands)
    det = FakeHandDetector(lambda img: [next(it)])
    clf = FakeClassifier(["x", "y"], fn=lambda f: [0.95, 0.05])  # always sure it is "x"
    pipe = Pipeline(det, clf, PRE, stills=stills, gate=gate, motion=None)
    return [pipe.process(f) for f in frames(len(hands))]


def test_gate_scores_half_at_the_operating_threshold():
    gate = make_gate()
    assert gate.sign_score(feats(known_hand())) == pytest.approx(1.0)
    assert gate.sign_score(feats(unknown_hand())) == pytest.approx(1 / (1 + 4.0**4))
    x = np.random.default_rng(0).normal(size=(6, 63))
    diff = x[:, None] - gate.means[None]
    slow = np.einsum("nkd,de,nke->nk", diff, gate.precision, diff).min(1)
    assert np.allclose(gate.distance(x), slow)  # the whitened form is the same distance


def test_unknown_shape_shows_not_a_sign_and_known_its_label():
    gate = make_gate()
    unknown = run([unknown_hand()] * 10, gate)
    assert unknown[0].state != "label"  # a new hand starts presumed a sign, but unsure
    for r in unknown[2:]:  # within 3 frames at 30 fps
        assert r.state == "not_a_sign" and r.smoothed.label is None
        assert r.label == "x" and r.sign < 0.5  # the raw classifier still says "x"
    known = run([known_hand()] * 10, gate)
    assert known[-1].state == "label" and known[-1].smoothed.label == "x"
    assert known[-1].sign > 0.5 and known[-1].smoothed.sign > 0.5


def test_without_a_gate_nothing_changes():
    results = run([unknown_hand()] * 10, None)
    assert results[-1].state == "label" and results[-1].smoothed.label == "x"
    assert results[-1].sign is None and results[-1].smoothed.sign is None


def test_one_rejected_frame_is_bridged_but_a_held_shape_is_not():
    gate = make_gate()
    hands = [known_hand()] * 10 + [unknown_hand()] + [known_hand()] * 3
    states = [r.state for r in run(hands, gate)]
    assert states[5:] == ["label"] * 9
    hands = [known_hand()] * 10 + [unknown_hand()] * 8 + [known_hand()] * 10
    states = [r.state for r in run(hands, gate)]
    assert "not_a_sign" in states[10:18] and states[-1] == "label"
    # back from "not a sign", the label that led all along shows without a new dwell
    assert states.index("label", 18) <= 21


def test_stills_are_gated_image_by_image():
    gate = make_gate()
    results = run([unknown_hand(), known_hand(), unknown_hand()], gate, stills=True)
    assert [r.state for r in results] == ["not_a_sign", "label", "not_a_sign"]


def test_records_show_not_a_sign_without_a_label():
    r = run([unknown_hand()] * 3, make_gate())[-1]
    rec = result_record("video.mp4", r)
    assert rec["state"] == "not_a_sign" and rec["hands"][0]["smoothed_label"] is None
    assert rec["hands"][0]["smoothed_state"] == "not_a_sign" and rec["hands"][0]["sign"] < 0.5
    plain = hand_record(run([unknown_hand()] * 3, None)[-1].per_hand[0])
    assert plain["sign"] is None and plain["smoothed_state"] == "label"


def test_smoother_not_a_sign_in_seconds_at_any_rate():
    """The same time of rejected frames turns the state at 15 and at 60 frames/s."""
    for fps in (15, 60):
        sm = TemporalSmoother(("x", "y"), SmootherConfig())
        p = np.array([0.9, 0.1])
        t, seen = 0.0, None
        for _ in range(int(fps)):
            sm.update(p, t, 1.0)
            t += 1 / fps
        start = t
        while seen is None:
            if sm.update(p, t, 0.0).state == "not_a_sign":
                seen = t - start + 1 / fps  # a frame stands until the next
            t += 1 / fps
        assert 0.06 <= seen <= 0.14, (fps, seen)


def test_still_prediction_without_sign_is_unchanged():
    p = np.array([0.2, 0.8])
    assert still_prediction(("x", "y"), p).state == "label"
    assert still_prediction(("x", "y"), p, sign=0.7).label == "y"
    assert still_prediction(("x", "y"), p, sign=0.3).state == "not_a_sign"


def test_the_assembly_takes_the_gate_from_the_bundle(tmp_path):
    gate = make_gate()
    bundle = SimpleNamespace(path=tmp_path, inputs=("landmarks",), preprocess=PRE, damaged={})
    assert bundle_gate(bundle) is None  # a bundle without openset.npz
    crop = SimpleNamespace(path=tmp_path, inputs=("crop",), preprocess=PRE, damaged={})
    assert bundle_gate(crop) is None
    write_gate(gate, tmp_path / OPENSET_FILE)
    loaded = bundle_gate(bundle)
    assert loaded is not None and loaded.threshold == pytest.approx(gate.threshold)
    model = LoadedModel.of(FakeClassifier(["x", "y"]), PRE, loaded)
    pipe = assemble(model, "video", detector=FakeHandDetector())
    assert pipe.gate is loaded and pipe.motion_config is None  # no J / Z labels
    good = (tmp_path / OPENSET_FILE).read_bytes()
    (tmp_path / OPENSET_FILE).write_bytes(b"garbage")  # a broken file: the model still runs
    assert bundle_gate(bundle) is None
    model = LoadedModel.of(FakeClassifier(["x", "y"]), PRE, bundle_gate(bundle))
    assert assemble(model, detector=FakeHandDetector()).process(frames(1)[0]).sign is None
    # a truncated or bit-flipped archive (zipfile's own errors) is a broken file too
    (tmp_path / OPENSET_FILE).write_bytes(good[: len(good) // 2])
    assert bundle_gate(bundle) is None
    flipped = bytearray(good)
    flipped[len(good) // 3] ^= 0xFF
    (tmp_path / OPENSET_FILE).write_bytes(bytes(flipped))
    assert bundle_gate(bundle) is None


def test_shipped_digits_bundle_carries_an_active_people_measured_gate_for_its_features():
    from handcam.model.bundle import ModelBundle
    from handcam.model.shape_gate import ShapeGate

    bundle = ModelBundle.load(ROOT / "models" / "digits")
    gate = bundle_gate(bundle)
    assert isinstance(gate, ShapeGate) and gate.active
    assert gate.closed.all() and int(gate.people.min()) >= 100  # every digit: many signers
    assert max(gate.cols.max(), gate.axes.max(), gate.pointing.max()) < 389


@pytest.mark.parametrize("damage", ["fewer labels", "threshold not one number"])
def test_a_gate_file_that_does_not_fit_the_model_is_dropped_and_the_model_still_runs(
    tmp_path, damage
):
    import shutil

    from handcam.model.bundle import ModelBundle

    bundle_dir = tmp_path / "digits"
    shutil.copytree(ROOT / "models" / "digits", bundle_dir)
    z = dict(np.load(bundle_dir / OPENSET_FILE))
    assert bundle_gate(ModelBundle.load(bundle_dir)) is not None
    if damage == "fewer labels":  # e.g. a gate from another model copied in
        keep = z["bank_label"] < 5
        z.update(labels=z["labels"][:5], scale=z["scale"][:5], people=z["people"][:5],
                 bank=z["bank"][keep], bank_label=z["bank_label"][keep])  # fmt: skip
    else:
        z["threshold"] = np.array([1.0, 2.0])
    np.savez(bundle_dir / OPENSET_FILE, **z)
    assert bundle_gate(ModelBundle.load(bundle_dir)) is None
