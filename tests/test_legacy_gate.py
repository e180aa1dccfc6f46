"""Older bundles' Mahalanobis gates still load (the compatibility reader); a broken or
misfit file is a clear error."""

import numpy as np
import pytest

from handcam.errors import BundleError
from handcam.model.gate import OPENSET_FILE, load_gate
from handcam.model.legacy_gate import LIVE_MARGIN, MahalanobisGate
from handcam.testing import write_mahalanobis_gate

MEANS = np.array([[0.0, 0, 0, 0], [3.0, 0, 0, 0], [0.0, 3, 0, 0]])


def test_an_old_gate_file_reads_back_as_it_was_written(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    precision = a @ a.T + np.eye(4)
    write_mahalanobis_gate(tmp_path / OPENSET_FILE, MEANS, precision, 2.5, ("a", "b", "c"))
    gate = load_gate(tmp_path, feature_size=4)
    assert isinstance(gate, MahalanobisGate) and gate.labels == ("a", "b", "c")
    np.testing.assert_array_equal(gate.means, MEANS)
    x = rng.normal(size=(5, 4)) * 2
    diff = x[:, None] - MEANS[None]
    slow = np.einsum("nkd,de,nke->nk", diff, precision, diff).min(1)
    np.testing.assert_allclose(gate.distance(x), slow)  # the nearest mean's distance
    assert gate.operating_threshold == pytest.approx(2.5 * LIVE_MARGIN)
    assert gate.sign_score(MEANS[1]) == pytest.approx(1.0)
    with pytest.raises(BundleError, match="does not fit"):
        load_gate(tmp_path, feature_size=63)
    assert load_gate(tmp_path / "none", 4) is None


def test_a_corrupt_or_negative_gate_file_is_a_clear_error(tmp_path):
    (tmp_path / OPENSET_FILE).write_bytes(b"garbage")
    with pytest.raises(BundleError, match="open-set"):
        load_gate(tmp_path, 4)
    write_mahalanobis_gate(tmp_path / OPENSET_FILE, np.zeros((1, 2)), np.eye(2), -1.0, ("a",))
    with pytest.raises(BundleError, match="positive"):
        load_gate(tmp_path, 2)
