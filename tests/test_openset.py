"""The "not a sign" gate: fitted on known shapes, it rejects shapes unlike all of them."""

import numpy as np
import pytest

from handcam.errors import BundleError
from handcam.model.gate import OPENSET_FILE, OpenSetGate, load_gate
from training.openset import auroc, fit_gate


def clusters(rng, centres, n=200, spread=0.3):
    x = np.concatenate([c + rng.normal(0, spread, (n, len(c))) for c in centres])
    return x, np.repeat(np.arange(len(centres)), n)


def test_gate_passes_known_shapes_and_rejects_unknown_ones(tmp_path):
    rng = np.random.default_rng(0)
    centres = [np.array([0.0, 0, 0, 0]), np.array([3.0, 0, 0, 0]), np.array([0.0, 3, 0, 0])]
    x, y = clusters(rng, centres)
    calib, _ = clusters(rng, centres, n=100)
    gate = fit_gate(x, y, ["a", "b", "c"], calib, pass_rate=0.95)
    known, _ = clusters(rng, centres, n=300)
    unknown, _ = clusters(rng, [np.array([0.0, 0, 3, 3])], n=300)
    passed = gate.distance(known) <= gate.threshold
    assert 0.9 < passed.mean() < 0.99
    assert (gate.distance(unknown) <= gate.threshold).mean() < 0.01
    assert auroc(gate.distance(known), gate.distance(unknown)) > 0.99
    assert gate.is_sign(centres[1]) and not gate.is_sign(np.array([0.0, 0, 3, 3]))
    gate.save(tmp_path / OPENSET_FILE)
    again = load_gate(tmp_path, feature_size=4)
    np.testing.assert_allclose(again.distance(known), gate.distance(known))
    with pytest.raises(BundleError, match="does not fit"):
        load_gate(tmp_path, feature_size=63)
    assert load_gate(tmp_path / "none", 4) is None


def test_a_corrupt_gate_file_is_a_clear_error(tmp_path):
    (tmp_path / OPENSET_FILE).write_bytes(b"garbage")
    with pytest.raises(BundleError, match="open-set"):
        load_gate(tmp_path, 4)
    bad = OpenSetGate(np.zeros((1, 2)), np.eye(2), -1.0, ("a",))
    bad.save(tmp_path / OPENSET_FILE)
    with pytest.raises(BundleError, match="positive"):
        load_gate(tmp_path, 2)
