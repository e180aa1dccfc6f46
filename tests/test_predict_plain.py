"""``handcam predict`` without --json prints what the window would show, not a bare label:
the sign, "?" when unsure, "not a sign" when the gate rejects the shape, "(no hand)"."""

from __future__ import annotations

import io

import cv2
import numpy as np

from conftest import MODEL
from handcam.cli.predict import Predictor, run_predict
from handcam.recognition.assemble import LoadedModel
from handcam.testing import FakeClassifier, FakeHandDetector, synthetic_hand


class FixedGate:
    """A stand-in "not a sign" gate: the same sign-ness for every hand."""

    def __init__(self, sign: float) -> None:
        self.sign = sign

    def sign_score(self, features, probs=None) -> float:
        return self.sign


def plain(tmp_path, probs, gate=None, hand=True) -> str:
    image = tmp_path / "hand.png"
    cv2.imwrite(str(image), np.full((120, 160, 3), 90, np.uint8))
    model = LoadedModel.of(FakeClassifier(["A", "B"], fn=lambda f: probs), gate=gate)
    hands = (lambda img: [synthetic_hand(160, 120)]) if hand else (lambda img: [])
    predictor = Predictor(model, detector_factory=lambda kind, m: FakeHandDetector(hands))
    out = io.StringIO()
    assert run_predict([str(image)], MODEL, False, out, predictor=predictor) == 0
    path, shown = out.getvalue().rstrip("\n").split("\t", 1)
    assert path == str(image)
    return shown


def test_a_sign_shows_its_label_and_confidence(tmp_path):
    assert plain(tmp_path, [0.1, 0.9]) == "B\t0.900"


def test_an_unsure_reading_shows_a_question_mark_and_what_was_read(tmp_path):
    assert plain(tmp_path, [0.45, 0.55]) == "?\t(read as B 0.550)"


def test_a_shape_the_gate_rejects_shows_not_a_sign(tmp_path):
    assert plain(tmp_path, [0.02, 0.98], gate=FixedGate(0.1)) == "not a sign\t(read as B 0.980)"
    assert plain(tmp_path, [0.02, 0.98], gate=FixedGate(0.9)) == "B\t0.980"


def test_no_hand_says_so(tmp_path):
    assert plain(tmp_path, [0.1, 0.9], hand=False) == "(no hand)"
