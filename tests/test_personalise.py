"""Teaching handcam new signs: splits that never starve a label, the recordings layout,
carried training sets, and retraining with no dataset folder."""

import json
import shutil

import numpy as np
import pytest

from conftest import make_sidecar_dataset
from handcam.model.bundle import ModelBundle
from handcam.model.trainset import TRAINSET_FILE, HandSet, load_bundle_handset
from training.cli import main as train_main
from training.data import scan_dataset
from training.splits import plan_split

SPREADS = {"open": 1.0, "half": 0.55, "closed": 0.15, "wide": 1.3}


def one_session_per_label(root, labels, per_class=12):
    """Like one `handcam record` call per label: every label has its own session."""
    make_sidecar_dataset(root, labels, per_class=per_class)
    for label in labels:
        for sidecar in (root / label).glob("*.json"):
            data = json.loads(sidecar.read_text())
            data["session"] = f"session-{label}"
            sidecar.write_text(json.dumps(data))
    return root


def test_one_session_per_label_trains_every_label_and_says_why(tmp_path):
    data = one_session_per_label(tmp_path / "rec", SPREADS)
    out = tmp_path / "m"
    assert train_main([str(data), "--out", str(out), "--epochs", "3", "--no-export"]) == 0
    report = json.loads((out / "report.json").read_text())
    split = report["split"]
    assert split["policy"] == "by sample" and split["labels_missing"] == {}
    assert set(split["by_sample_labels"]) == set(SPREADS)
    assert any("second" in n or "two more sittings" in n for n in split["notes"])
    assert report["selection"]["policy"] == "fixed budget"
    carried = load_bundle_handset(out)
    for part in ("train", "validation", "test"):
        assert set(carried.labels[carried.parts == part]) == set(SPREADS), part


def test_split_plans_on_awkward_groups():
    labels = list("abcd")
    y = np.repeat(np.arange(4), 12)
    # labels a, b recorded in 4 sessions each; c, d in one session each
    groups = np.array(
        [
            f"{labels[c]}{i % 4}" if c < 2 else f"{labels[c]}0"
            for c, i in zip(y, range(48), strict=True)
        ]
    )
    plan = plan_split(y, groups, labels)
    assert plan.policy == "mixed"
    assert set(plan.grouped_labels) == {"a", "b"} and set(plan.by_sample_labels) == {"c", "d"}
    assert all(not m for m in plan.missing(y, 4).values())
    for c in (0, 1):  # grouped labels: no session in two parts
        rows = y == c
        parts = [
            set(groups[np.intersect1d(np.flatnonzero(rows), idx)])
            for idx in (plan.train, plan.validation, plan.test)
        ]
        assert not (parts[0] & parts[1]) and not (parts[0] & parts[2])
    # a label with 2 samples stays in training only; nothing crashes
    tiny = plan_split(np.array([0, 0, 1, 1, 1, 1, 1]), np.array([""] * 7), ["x", "y"])
    assert set(np.array([0, 0, 1, 1, 1, 1, 1])[tiny.train]) == {0, 1}
    # fixed parts (carried samples) are kept
    fixed = np.array(["test"] * 6 + [""] * 42)
    kept = plan_split(y, groups, labels, fixed)
    assert set(range(6)) <= set(kept.test.tolist())


def test_recordings_layout_is_read_as_the_app_writes_it(tmp_path):
    rec = make_sidecar_dataset(tmp_path / "rec", {"thumbs up": 1.0}, per_class=3)
    crops = rec / "thumbs up" / "crops"
    crops.mkdir()
    for img in (rec / "thumbs up").glob("*.png"):
        shutil.copy(img, crops / img.name)
    ds = scan_dataset([rec])
    assert ds.labels == ["thumbs up"] and len(ds.samples) == 3  # crops/ is never a class
    ds2 = scan_dataset([rec / "thumbs up"])  # the label folder itself: one class
    assert ds2.labels == ["thumbs up"] and len(ds2.samples) == 3


@pytest.fixture(scope="module")
def base_bundle(tmp_path_factory):
    root = tmp_path_factory.mktemp("base")
    data = make_sidecar_dataset(root / "data", {"open": 1.0, "half": 0.55, "closed": 0.15})
    out = root / "bundle"
    assert train_main([str(data), "--out", str(out), "--epochs", "40", "--no-export"]) == 0
    shutil.rmtree(root / "data")  # as on a user's machine: no dataset folder, only the bundle
    return out


def test_a_bundle_carries_its_training_set(base_bundle):
    carried = HandSet.load(base_bundle / TRAINSET_FILE)
    assert len(carried) == 36 and set(carried.labels) == {"open", "half", "closed"}
    assert set(carried.parts) == {"train", "validation", "test"}
    assert carried.landmarks.shape == (36, 21, 3) and all(carried.groups != "")


def test_one_new_label_joins_the_base_models_labels_without_its_dataset(base_bundle, tmp_path):
    rec = one_session_per_label(tmp_path / "rec", {"wide": 1.35}, per_class=10)
    out = tmp_path / "m"
    code = train_main([str(rec), "--init", str(base_bundle), "--out", str(out), "--no-export"])
    assert code == 0
    bundle = ModelBundle.load(out)
    assert bundle.labels == (*ModelBundle.load(base_bundle).labels, "wide")
    report = json.loads((out / "report.json").read_text())
    assert report["data"]["carried"]["bundle"] == {"open": 12, "half": 12, "closed": 12}
    test = report["evaluation"]["test"]
    assert set(test["by_source"]) == {"data", "rec"}  # base samples and the new recording
    carried = load_bundle_handset(out)
    base = load_bundle_handset(base_bundle)
    # the base model's test samples stay in test: its people remain unseen
    assert set(base.origins[base.parts == "test"]) <= set(carried.origins[carried.parts == "test"])
    assert "wide" in set(carried.labels[carried.parts == "train"])


def test_a_bundle_given_as_data_lends_its_carried_samples(base_bundle, tmp_path):
    rec = one_session_per_label(tmp_path / "rec", {"wide": 1.35}, per_class=8)
    out = tmp_path / "m"
    assert (
        train_main([str(rec), str(base_bundle), "--out", str(out), "--epochs", "2", "--no-export"])
        == 0
    )
    assert set(ModelBundle.load(out).labels) == {"open", "half", "closed", "wide"}
    one = make_sidecar_dataset(tmp_path / "one", {"only": 1.0}, per_class=3)
    assert train_main([str(one), "--out", str(tmp_path / "x")]) == 2  # no base: one class


def test_a_broken_carried_set_is_refused_with_its_name(base_bundle, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(base_bundle, broken)
    (broken / TRAINSET_FILE).write_bytes(b"not a zip file")
    rec = one_session_per_label(tmp_path / "rec", {"wide": 1.35}, per_class=4)
    assert train_main([str(rec), "--init", str(broken), "--out", str(tmp_path / "m")]) == 2
    assert not (tmp_path / "m").exists()
