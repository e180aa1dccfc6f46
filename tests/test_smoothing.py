import numpy as np

from handcam.signs.smoothing import SmootherConfig, TemporalSmoother, still_prediction

LABELS = ("a", "b", "c")


def p(i, conf=0.9):
    out = np.full(3, (1 - conf) / 2, np.float32)
    out[i] = conf
    return out


def feed(s, probs, fps, start=0.0):
    """Feed one probability vector per frame at ``fps``; return (times, predictions)."""
    out = []
    for k, pr in enumerate(probs):
        t = start + k / fps
        out.append((t, s.update(pr, t)))
    return out


def test_starts_in_no_hand_and_needs_dwell():
    s = TemporalSmoother(LABELS, SmootherConfig(dwell_s=0.1))
    assert s.update(None, 0.0).state == "no_hand"
    states = [r.state for _, r in feed(s, [p(0)] * 3, fps=30)]
    assert states == ["unsure", "unsure", "label"]


def test_a_sign_needs_the_same_time_at_15_and_60_fps():
    shown_after = {}
    for fps in (15, 30, 60):
        s = TemporalSmoother(LABELS, SmootherConfig(dwell_s=0.2, tau_s=0.1))
        feed(s, [p(0)] * fps, fps)
        switch = feed(s, [p(2)] * fps, fps, start=1.0)
        shown_after[fps] = next(t for t, r in switch if r.label == "c") - 1.0
    assert max(shown_after.values()) - min(shown_after.values()) <= 1 / 15 + 1e-6
    assert 0.15 <= shown_after[60] <= 0.4


def test_single_glitch_does_not_flicker():
    s = TemporalSmoother(LABELS, SmootherConfig(dwell_s=0.1))
    feed(s, [p(0)] * 10, fps=30)
    shown = [r.label for _, r in feed(s, [p(1) if i == 3 else p(0) for i in range(8)], 30, 10 / 30)]
    assert shown == ["a"] * 8


def test_low_confidence_is_unsure():
    s = TemporalSmoother(LABELS, SmootherConfig(enter=0.6))
    r = feed(s, [np.array([0.4, 0.35, 0.25], np.float32)] * 10, fps=30)[-1][1]
    assert r.state == "unsure" and r.label is None


def test_no_label_without_a_hand_but_a_short_dropout_resumes_at_once():
    s = TemporalSmoother(LABELS, SmootherConfig(no_hand_grace_s=0.2))
    feed(s, [p(1)] * 10, fps=30)
    assert s.update(None, 0.4).state == "no_hand"  # nothing shown without a hand
    assert s.update(p(1), 0.433).label == "b"  # back within the grace: no new dwell
    s.update(None, 0.5)
    s.update(None, 0.8)  # gone longer than the grace: forgotten
    assert s.update(p(1), 0.833).state == "unsure"


def test_still_images_are_read_one_by_one():
    assert still_prediction(LABELS, p(2)).label == "c"
    assert still_prediction(LABELS, np.array([0.5, 0.3, 0.2], np.float32)).state == "unsure"
    assert still_prediction(LABELS, None).state == "no_hand"
