"""Non-sign hand shapes made from real hands, and the rule that drops made shapes that are
a sign of the label set after all."""

from __future__ import annotations

import numpy as np

from benchmarks import nonsigns
from conftest import REPO
from handcam.model.trainset import HandSet

LETTERS = HandSet.load(REPO / "tools" / "synth" / "letters_photo_hands.npz")  # A-Z photos
DIGITS = HandSet.load(REPO / "models" / "digits" / "trainset.npz")


def some(hs: HandSet, labels, people) -> HandSet:
    return hs.subset(np.flatnonzero(np.isin(hs.labels, labels) & np.isin(hs.groups, people)))


def test_each_family_is_made_and_the_seed_decides_everything():
    hs = some(LETTERS, ["A", "B", "L", "V", "Y"], ["P1", "P3"])
    args = (hs.landmarks, hs.world, hs.handedness, hs.labels, hs.groups)
    a = nonsigns.generate(*args, seed=3, per_family=20)
    b = nonsigns.generate(*args, seed=3, per_family=20)
    c = nonsigns.generate(*args, seed=4, per_family=20)
    assert sorted(set(a["family"])) == sorted(nonsigns.FAMILIES)
    assert a["landmarks"].shape == (100, 21, 3) and a["world"].shape == (100, 21, 3)
    np.testing.assert_array_equal(a["world"], b["world"])
    assert not np.allclose(a["world"], c["world"])
    between = a["family"] == "between"
    assert (hs.labels[a["partner"][between]] != hs.labels[a["base"][between]]).all()


def test_an_edit_moves_fingers_about_their_joints_and_keeps_the_palm_and_bones():
    hs = some(LETTERS, ["B"], ["P1"])
    pose = nonsigns.Pose.of(nonsigns.mirrored(hs.world, hs.handedness))
    np.testing.assert_allclose(pose.rebuild(pose.dirs), pose.points, atol=1e-9)
    curled = nonsigns.set_finger(
        pose.dirs, 1, np.tile([70.0, 100.0, 50.0], (len(hs), 1)), np.zeros(len(hs))
    )
    out = pose.rebuild(curled)
    palm = [0, 1, 5, 9, 13, 17]
    np.testing.assert_allclose(out[:, palm], pose.points[:, palm])
    bones = lambda p: np.linalg.norm(p[:, 1:] - p[:, nonsigns.PARENT[1:]], axis=-1)  # noqa: E731
    np.testing.assert_allclose(bones(out), bones(pose.points), rtol=1e-6)
    angles = nonsigns.joint_angles(nonsigns.Pose.of(out).dirs)
    assert (angles[:, 1, 1] > 80).all()  # the index finger's middle joint is bent
    frame, size = nonsigns.palm_frame(out)
    tip = np.einsum("nij,nj->ni", frame, out[:, 8] - out[:, 0]) / size[:, None]
    assert (tip[:, 2] > 0).all()  # toward the palm


def test_the_rule_knows_real_signs_and_drops_made_shapes_that_are_signs():
    rule = nonsigns.SignRule(LETTERS.world, LETTERS.handedness, LETTERS.labels, LETTERS.groups)
    assert rule.is_sign(LETTERS.world[:200], LETTERS.handedness[:200]).all()
    for digit, sign_share in (("2", 0.7), ("7", 0.05)):  # 2 is V, 7 is no letter
        d = DIGITS.subset(np.flatnonzero(DIGITS.labels == digit))
        share = rule.is_sign(d.world, d.handedness).mean()
        assert share > sign_share if digit == "2" else share < sign_share
    made = nonsigns.non_signs(some(LETTERS, ["A", "S", "E", "T"], ["P2"]), LETTERS, 7, 30)
    assert len(made["family"]) and not rule.is_sign(made["world"], made["handedness"]).any()
    assert made["kept_share"].shape == (len(nonsigns.FAMILIES),)
