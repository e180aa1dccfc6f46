"""The "not a sign" gate that must hold for new people: it never rejects other people's
signs on the word of one or two people, labels made by too few people never reject, and
unseen people's signs pass turned and moved. Real hands: the letters' and digits' carried
sets (numbers in the repository, no photos)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks import nonsigns
from conftest import REPO
from handcam.errors import BundleError
from handcam.features.preprocess import PreprocessConfig, landmark_features
from handcam.model.gate import OPENSET_FILE, describe_gate, load_gate
from handcam.model.legacy_gate import MahalanobisGate
from handcam.model.shape_gate import ShapeGate
from handcam.model.trainset import HandSet
from handcam.testing import write_mahalanobis_gate
from training import repose
from training.gate_fit import fit_shape_gate, gate_report, people_of

PRE = PreprocessConfig(features="shape")
LETTERS = HandSet.load(REPO / "tools" / "synth" / "letters_photo_hands.npz")  # A-Z photos
DIGITS = HandSet.load(REPO / "models" / "digits" / "trainset.npz")


def pick(hs: HandSet, labels, people=None) -> HandSet:
    keep = np.isin(hs.labels, labels)
    if people is not None:
        keep &= np.isin(hs.groups, people)
    return hs.subset(np.flatnonzero(keep))


def recorded(hs: HandSet, person: str, labels, n: int = 15) -> HandSet:
    """One person's ``n`` samples of each label, one sitting of the app's recorder per label
    (repeats where the person has fewer photos), as `handcam record` would leave them."""
    parts = []
    for k, lab in enumerate(labels):
        rows = np.resize(np.flatnonzero((hs.labels == lab) & (hs.groups == person)), n)
        h = hs.subset(rows)
        parts.append(
            HandSet(
                h.landmarks,
                h.world,
                h.handedness,
                h.labels,
                np.array([f"20261204-10{k:02d}00-0a1b2c"] * n),
                np.array([""] * n),
                h.origins,
            )
        )
    return HandSet.concat(parts)


def feats(hs: HandSet) -> np.ndarray:
    return landmark_features(hs.landmarks, hs.world, hs.handedness, PRE)


def test_recorder_sessions_and_missing_groups_are_one_person():
    who = people_of(["20261204-101500-0a1b2c", "20261205-090000-ffffff", "", "P1", "s12"])
    assert who.tolist() == ["(recorder)", "(recorder)", "(recorder)", "P1", "s12"]


def test_a_model_recorded_by_one_person_never_rejects_other_peoples_signs(tmp_path):
    abc = ["A", "B", "C"]
    gate, info = fit_shape_gate(recorded(LETTERS, "P1", abc), abc, PRE)
    assert not gate.active and info["open_labels"] == abc and info["people"]["A"] == 1
    others = feats(pick(LETTERS, abc, ["P2", "P3", "P4", "P5", "P6", "P7", "P8"]))
    assert (gate.sign_scores(others) == 1.0).all()
    assert all(gate.sign_score(x, np.array([0.1, 0.8, 0.1])) == 1.0 for x in others[:30])
    report = gate_report(gate, info, PRE, None)
    assert report["state"] == "off" and "one person" in report["why"]
    assert describe_gate(gate).startswith("not a sign: off") and "never hidden" in gate.describe()
    gate.save(tmp_path / OPENSET_FILE)
    again = load_gate(tmp_path, 389)
    assert isinstance(again, ShapeGate) and not again.active
    assert again.sign_score(others[0]) == 1.0


def test_two_people_are_still_too_few_to_reject_anyone():
    hands = pick(LETTERS, ["A", "B", "C"], ["P1", "P3"])
    gate, info = fit_shape_gate(hands, ["A", "B", "C"], PRE)
    assert not gate.active and set(info["open_labels"]) == {"A", "B", "C"}


def test_a_label_made_by_too_few_people_never_rejects_while_the_others_do():
    base = pick(LETTERS, ["A", "B", "L", "Y"], ["P1", "P3", "P4", "P6"])
    signer = sorted(set(DIGITS.groups[(DIGITS.labels == "3") & (DIGITS.parts == "train")]))[0]
    new = recorded(pick(DIGITS, ["3"], [signer]), signer, ["3"])
    labels = ["A", "B", "L", "Y", "3"]
    gate, info = fit_shape_gate(HandSet.concat([base, new]), labels, PRE)
    assert gate.active and info["open_labels"] == ["3"]
    assert describe_gate(gate) == (
        "not a sign: on (measured on 4+ people per sign); never for 3 (fewer than 3 people)"
    )
    threes = feats(pick(DIGITS, ["3"], sorted(set(DIGITS.groups[DIGITS.parts == "test"]))))
    read_as_3 = np.eye(5)[np.full(len(threes), 4)]
    assert (gate.sign_scores(threes, read_as_3) == 1.0).all()  # other people's 3: shown
    assert all(gate.sign_score(x, p) == 1.0 for x, p in zip(threes[:10], read_as_3, strict=False))
    read_as_a = np.eye(5)[np.zeros(len(threes), int)]
    assert (gate.sign_scores(threes, read_as_a) < 0.5).mean() > 0.5  # a 3 is no A, B, L, Y
    unseen = pick(LETTERS, ["A", "B", "L", "Y"], ["P2", "P5"])
    y = np.eye(5)[[labels.index(s) for s in unseen.labels]]
    shown = gate.sign_scores(feats(unseen), y) >= 0.5
    # all but one of the 8 (person, letter) pairs pass on every photo; P5's L lies beyond
    # what four people's L showed and is rejected on every photo: what a gate fitted on few
    # people still does (the research report's per-label failures)
    pairs = {(g, s): shown[(unseen.groups == g) & (unseen.labels == s)].mean()
             for g in ("P2", "P5") for s in "ABLY"}  # fmt: skip
    assert sum(v == 1.0 for v in pairs.values()) >= 7 and shown.mean() >= 0.85


def test_unseen_peoples_signs_pass_frontal_turned_and_moved_and_made_non_signs_mostly_do_not():
    labels = [str(d) for d in range(10)]
    signers = sorted(set(DIGITS.groups[DIGITS.parts == "train"].tolist()))[:40]
    gate, info = fit_shape_gate(pick(DIGITS, labels, signers), labels, PRE)
    assert gate.active and not info["open_labels"] and info["left_out_people"] == 40
    assert info["left_out_passing"] >= 0.98
    unseen = pick(DIGITS, labels, sorted(set(DIGITS.groups[DIGITS.parts == "test"].tolist())))
    passed = []
    for name in repose.up_to(30):
        lm, w = repose.view(unseen.landmarks, unseen.world, name)
        passed.append(
            gate.scores(landmark_features(lm, w, unseen.handedness, PRE)) <= gate.threshold
        )
    assert np.mean(passed) >= 0.95  # 40 people to fit on here (fast); more people pass more
    frontal, turned = (
        gate.scores(feats(unseen)),
        gate.scores(
            landmark_features(
                *repose.view(unseen.landmarks, unseen.world, "y+30"), unseen.handedness, PRE
            )
        ),
    )
    np.testing.assert_allclose(frontal, turned, rtol=1e-3)  # the gate reads no camera angle
    made = nonsigns.non_signs(unseen, DIGITS, seed=5, per_family=60)
    x = landmark_features(made["landmarks"], made["world"], made["handedness"], PRE)
    assert (gate.scores(x) <= gate.threshold).mean() < 0.5


def test_one_hand_and_many_give_the_same_sign_ness_and_the_file_round_trips(tmp_path):
    labels = ["A", "B", "C", "V"]
    gate, _ = fit_shape_gate(pick(LETTERS, labels, ["P1", "P3", "P4"]), labels, PRE)
    x = feats(pick(LETTERS, labels, ["P2"]))
    many = gate.sign_scores(x)
    np.testing.assert_allclose([gate.sign_score(v) for v in x], many, atol=1e-4)
    gate.save(tmp_path / OPENSET_FILE)
    again = load_gate(tmp_path, 389)
    np.testing.assert_allclose(again.sign_scores(x), many, atol=1e-5)
    with pytest.raises(BundleError, match="does not fit"):
        load_gate(tmp_path, 63)


def test_an_unknown_gate_format_is_a_clear_error(tmp_path):
    np.savez(tmp_path / OPENSET_FILE, format=np.array("shape-nn-9"))
    with pytest.raises(BundleError, match="does not know"):
        load_gate(tmp_path, 389)


def test_old_mahalanobis_gates_still_load_unless_calibrated_on_their_own_hands(tmp_path):
    write_mahalanobis_gate(tmp_path / OPENSET_FILE, np.zeros((1, 4)), np.eye(4), 2.0, ("a",))
    report = {"open_set": {"calibrated_on": "validation"}}
    (tmp_path / "report.json").write_text(json.dumps(report))
    gate = load_gate(tmp_path, 4)
    assert isinstance(gate, MahalanobisGate) and gate.sign_score(np.zeros(4), np.ones(1)) == 1.0
    report["open_set"]["calibrated_on"] = "augmented training hands"
    (tmp_path / "report.json").write_text(json.dumps(report))
    assert load_gate(tmp_path, 4) is None  # it hid other people's signs: not used
    shipped = load_gate(REPO / "models" / "digits", 389)
    assert shipped is not None and shipped.active
    assert describe_gate(None) == "not a sign: none (this model has no gate)"


def test_a_recorded_new_label_beside_recorded_known_ones_fits_and_stays_open():
    # the app's recorder adds "ZZ" (last label) and more A: the fold that leaves the
    # recorder out has no ZZ at all, which once crashed the calibration after training
    base = pick(LETTERS, ["A", "B", "C"])
    mine = recorded(LETTERS, "P1", ["A", "D"], n=10)
    mine = HandSet(mine.landmarks, mine.world, mine.handedness,
                   np.where(mine.labels == "D", "ZZ", mine.labels), mine.groups, mine.parts,
                   mine.origins)  # fmt: skip
    gate, info = fit_shape_gate(HandSet.concat([base, mine]), ["A", "B", "C", "ZZ"], PRE)
    assert info["open_labels"] == ["ZZ"] and gate.closed.tolist() == [True, True, True, False]
    assert np.isfinite(gate.scale[:3]).all() and np.isfinite(gate.threshold)
