import numpy as np

from handcam.smoothing import SmootherConfig, TemporalSmoother

LABELS = ("a", "b", "c")


def p(i, conf=0.9):
    out = np.full(3, (1 - conf) / 2, np.float32)
    out[i] = conf
    return out


def test_starts_in_no_hand_and_needs_dwell():
    s = TemporalSmoother(LABELS, SmootherConfig(min_dwell=3))
    assert s.update(None).state == "no_hand"
    assert s.update(p(0)).state == "unsure"
    assert s.update(p(0)).state == "unsure"
    r = s.update(p(0))
    assert (r.state, r.label) == ("label", "a")


def test_single_glitch_does_not_flicker():
    s = TemporalSmoother(LABELS, SmootherConfig(min_dwell=3))
    for _ in range(10):
        s.update(p(0))
    shown = [s.update(p(1) if i == 3 else p(0)).label for i in range(8)]
    assert shown == ["a"] * 8


def test_switches_after_sustained_change():
    s = TemporalSmoother(LABELS, SmootherConfig(min_dwell=3))
    for _ in range(10):
        s.update(p(0))
    labels = [s.update(p(2)).label for _ in range(12)]
    assert labels[-1] == "c"
    assert labels[0] in ("a", None)


def test_low_confidence_is_unsure():
    s = TemporalSmoother(LABELS, SmootherConfig(enter=0.6))
    for _ in range(10):
        r = s.update(np.array([0.4, 0.35, 0.25], np.float32))
    assert r.state == "unsure" and r.label is None


def test_brief_dropout_keeps_label_then_no_hand():
    s = TemporalSmoother(LABELS, SmootherConfig(no_hand_grace=3))
    for _ in range(10):
        s.update(p(1))
    assert s.update(None).label == "b"
    s.update(None)
    assert s.update(None).state == "no_hand"
