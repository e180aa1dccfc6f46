"""Motion signs learned from clips: the model and its file, the live spotter, and
``handcam-train`` on clips (alone, or added to a bundle's still signs) through to the text
the composer writes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("keras")

from handcam.errors import BundleError  # noqa: E402
from handcam.recording.clips import Clip, ClipStore, cut_to_motion  # noqa: E402
from handcam.signs.motion_model import MOTION_FILE, load_motion_model  # noqa: E402
from handcam.signs.motion_spotter import MotionSpotter  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DIGITS = REPO / "models" / "digits"
SIGNS = ("hello", "circle")


def taught(sign: str, seed: int, person: str = "P1"):
    from tools.synth.realhands import RealHands
    from tools.synth.taught import teach_clip

    return teach_clip(sign, seed, RealHands(), person)


def as_clip(seq, label: str) -> Clip:
    return Clip(label, np.array([f[0] for f in seq.frames]), tuple(f[1] for f in seq.frames))


@pytest.fixture(scope="module")
def clips() -> dict[str, list[Clip]]:
    return {s: [cut_to_motion(as_clip(taught(s, 10 * k + i), s)) for i in range(3)]
            for k, s in enumerate(SIGNS)}  # fmt: skip


@pytest.fixture(scope="module")
def still_hands():
    from handcam.model.trainset import HandSet

    s = HandSet.load(DIGITS / "trainset.npz")
    return [(s.landmarks[i].astype(np.float64), str(s.handedness[i])) for i in range(0, len(s), 8)]


@pytest.fixture(scope="module")
def model(clips, still_hands):
    from training.motion_fit import fit_motion

    return fit_motion(clips, still_hands, seed=0, copies=90, members=1, epochs=20)


def onsets(model, seq) -> list[tuple[float, str]]:
    spotter = MotionSpotter(model)
    out = []
    for t, hand, _ in seq.frames:
        res = spotter.update(t, hand)
        if res.onset:
            out.append((t, res.label))
    return out


def test_a_taught_sign_made_again_is_caught_once_as_it_ends(model):
    for k, sign in enumerate(SIGNS):
        seq = taught(sign, 500 + k)
        ((_, t0, t1),) = seq.motions
        found = onsets(model, seq)
        assert [lab for _, lab in found] == [sign], found
        assert t0 + 0.5 * (t1 - t0) <= found[0][0] <= t1 + 1.0


def test_a_held_or_drifting_hand_fires_no_motion_sign(model):
    from tools.synth.realhands import RealHands
    from tools.synth.varied_scenes import make

    hands = RealHands()
    for kind, seed in (("held", 1), ("held", 2), ("drift", 3), ("I_still", 4)):
        seq = make(kind, seed, hands, ("P1",))
        assert onsets(model, seq) == [], kind


def test_a_window_where_the_hand_itself_went_less_far_than_in_any_taught_copy_is_no_sign(
    model, clips
):
    """A hand turning or curling in place (an I turned about the forearm) is not a sign
    whose copies all carried the hand somewhere: the taught clip's own window is read,
    the same window with the middle knuckle held still is none of the signs."""
    from handcam.signs.motion_features import POINTS, STEPS, extent, windows_features
    from training.motion_data import clip_seq

    assert model.min_extent is not None and (model.min_extent > 0).all()
    seq = clip_seq(clips["circle"][0])
    (a, b), k = seq.span, model.labels.index("circle")
    f = windows_features(seq.times, seq.rows(), np.array([a]), np.array([b]))
    assert extent(f)[0] > model.min_extent[k] and model.predict(f)[0, k] > 0.5
    still = f.copy()
    still[:, : STEPS * 2 * len(POINTS)].reshape(1, STEPS, len(POINTS), 2)[:, :, 0] = 0.0
    assert extent(still)[0] == 0.0
    assert (model.predict(still)[0, :-1] == 0.0).all()


def test_a_video_that_loops_back_is_read_again_from_its_start(model):
    """The clock going back (a looped video) right after a catch starts afresh: the
    same sign is caught again on the second pass."""
    seq = taught("circle", 501)
    spotter = MotionSpotter(model)
    caught = []
    for lap in range(2):
        for t, hand, _ in seq.frames:
            if spotter.update(t, hand).onset:
                caught.append(lap)
    assert caught == [0, 1]


def test_a_network_trained_an_epoch_per_call_has_the_weights_of_one_trained_a_step_per_call(
    monkeypatch,
):
    from training.fused import FUSED_ENV
    from training.motion_fit import _train

    rng = np.random.default_rng(3)
    x = rng.normal(size=(700, 20)).astype(np.float32)  # 3 steps an epoch, the last one short
    y = rng.integers(0, 3, len(x))
    fused = _train(x, y, 3, seed=5, epochs=3, say=lambda _: None)
    monkeypatch.setenv(FUSED_ENV, "0")  # a call a step
    plain = _train(x, y, 3, seed=5, epochs=3, say=lambda _: None)
    assert len(fused) == len(plain) == 6
    for a, b in zip(fused, plain, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(fused[0], _train(x, y, 3, seed=6, epochs=3, say=lambda _: None)[0])


def test_the_model_file_reads_back_the_same_and_a_damaged_one_is_named(model, tmp_path):
    path = tmp_path / MOTION_FILE
    model.save(path)
    back = load_motion_model(path)
    x = np.random.default_rng(0).normal(size=(5, model.mean.shape[0])).astype(np.float32)
    np.testing.assert_allclose(back.predict(x), model.predict(x), atol=1e-6)
    assert back.labels == model.labels and back.threshold == model.threshold
    np.testing.assert_allclose(back.min_extent, model.min_extent, rtol=1e-6)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(BundleError, match=MOTION_FILE):
        load_motion_model(path)


def _as_earlier_layout(path: Path) -> None:
    """Rewrite the motion model at ``path`` as one that read 5 fewer features a window."""
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["mean"], arrays["scale"] = arrays["mean"][:-5], arrays["scale"][:-5]
    for k in [k for k in arrays if k.endswith("_w0")]:
        arrays[k] = arrays[k][:-5]
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def test_a_model_file_of_an_earlier_feature_layout_is_named_for_retraining(model, tmp_path):
    path = tmp_path / MOTION_FILE
    model.save(path)
    _as_earlier_layout(path)
    with pytest.raises(BundleError, match="earlier handcam.*learns them again"):
        load_motion_model(path)


def test_a_motion_only_bundle_of_an_earlier_layout_is_learned_again_from_its_clips(
    clips, tmp_path, quick
):
    from handcam.model.integrity import seal
    from handcam.recognition.assemble import load_model
    from training.cli import main as train_main

    old = tmp_path / "old"
    assert train_main([str(record(clips, tmp_path / "rec")), "--out", str(old)]) == 0
    _as_earlier_layout(old / MOTION_FILE)
    seal(old)
    with pytest.raises(BundleError, match="earlier handcam"):
        load_model(old)
    out = tmp_path / "again"
    assert train_main([str(old), "--init", str(old), "--out", str(out)]) == 0
    loaded = load_model(out)
    assert loaded.labels == tuple(sorted(SIGNS))
    assert compose(loaded, taught("hello", 778)).strip() == "hello"


def record(clips, root: Path) -> Path:
    store = ClipStore(root)
    for items in clips.values():
        for clip in items:
            store.save_clip(clip)
    return root


@pytest.fixture
def quick(monkeypatch):
    import training.motion_fit as mf

    monkeypatch.setattr(mf, "COPIES", 60)
    monkeypatch.setattr(mf, "MEMBERS", 1)
    monkeypatch.setattr(mf, "EPOCHS", 12)
    monkeypatch.setattr(mf, "CHECK_NEGATIVES", 12)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_clips_added_to_the_digits_keep_its_still_model_byte_for_byte_and_write_the_word(
    clips, tmp_path, quick
):
    from handcam.recognition.assemble import load_model
    from training.cli import main as train_main

    data = record(clips, tmp_path / "rec")
    out = tmp_path / "digits-plus"
    assert train_main([str(data), "--init", str(DIGITS), "--out", str(out)]) == 0
    for name in ("model.keras", "model_fp16.tflite", "openset.npz", "trainset.npz"):
        assert sha(out / name) == sha(DIGITS / name), name
    config = json.loads((out / "config.json").read_text())
    assert config["motion_model"]["signs"] == sorted(SIGNS)
    report = json.loads((out / "report.json").read_text())["motion"]
    assert set(report["check"]["signs"]) == set(SIGNS) and "false_per_min" in report["check"]

    loaded = load_model(out)
    assert loaded.motion_model is not None and loaded.motion_signs == tuple(sorted(SIGNS))
    assert loaded.labels[:10] == tuple(str(d) for d in range(10))
    text = compose(loaded, taught("circle", 777))
    assert text.strip() == "circle", text


def test_clips_alone_make_a_bundle_of_motion_signs_only(clips, tmp_path, quick):
    from handcam.recognition.assemble import load_model
    from training.cli import main as train_main

    data = record(clips, tmp_path / "rec")
    out = tmp_path / "moves"
    assert train_main([str(data), "--out", str(out)]) == 0
    assert not (out / "model.keras").exists()
    loaded = load_model(out)
    assert loaded.labels == tuple(sorted(SIGNS)) and loaded.gate is None
    assert compose(loaded, taught("hello", 778)).strip() == "hello"


def test_a_motion_only_bundle_without_its_motion_file_is_an_error_not_a_warning(
    clips, tmp_path, quick, caplog
):
    import logging
    import shutil

    from handcam.recognition.assemble import load_model
    from training.cli import main as train_main

    out = tmp_path / "moves"
    assert train_main([str(record(clips, tmp_path / "rec")), "--out", str(out)]) == 0
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    (broken / "motion.npz").unlink()
    caplog.clear()
    with caplog.at_level(logging.WARNING), pytest.raises(BundleError, match="motion.npz"):
        load_model(broken)
    assert "running without" not in caplog.text


def test_clips_of_a_new_sign_added_to_a_motion_only_bundle_keep_its_signs(clips, tmp_path, quick):
    from handcam.recognition.assemble import load_model
    from training.cli import main as train_main

    first = tmp_path / "moves"
    assert train_main([str(record(clips, tmp_path / "rec")), "--out", str(first)]) == 0
    more = {"yes": [cut_to_motion(as_clip(taught("yes", 40 + i), "yes")) for i in range(2)]}
    out = tmp_path / "moves2"
    assert (
        train_main([str(record(more, tmp_path / "rec2")), "--init", str(first), "--out", str(out)])
        == 0
    )
    assert load_model(out).labels == ("circle", "hello", "yes")


def test_a_sign_recorded_both_still_and_as_clips_is_refused(clips, tmp_path, capsys, quick):
    import shutil

    from training.cli import main as train_main

    data = record(clips, tmp_path / "rec")
    photos = sorted((REPO / "../shared/datasets/sign-language-digits/5").glob("*"))[:4]
    if not photos:
        pytest.skip("needs ../shared/datasets/sign-language-digits")
    for name in ("hello", "5"):
        (data / name).mkdir(exist_ok=True)
        for p in photos:
            shutil.copy(p, data / name / p.name)
    assert train_main([str(data), "--out", str(tmp_path / "m"), "--epochs", "1"]) == 2
    assert "both as still samples and as clips" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def compose(loaded, seq) -> str:
    """The text the app composes from ``seq``'s hands (the real pipeline, a fake camera)."""
    from handcam.capture.sources import Frame
    from handcam.recognition.assemble import assemble
    from handcam.signs.compose_stage import TextComposer
    from handcam.testing import FakeHandDetector

    frames = [(t, h) for t, h, _ in seq.frames]
    state = {"i": 0}
    detector = FakeHandDetector(
        lambda img: [] if frames[state["i"]][1] is None else [frames[state["i"]][1]]
    )
    pipe = assemble(loaded, "video", detector=detector)
    composer = TextComposer()
    image = np.zeros((480, 640, 3), np.uint8)
    for i, (t, _) in enumerate(frames):
        state["i"] = i
        composer.feed(pipe.process(Frame(i, image, t, "test", time=t)))
    return composer.text


def test_the_same_clip_recorded_twice_is_learned_once_and_said(clips, tmp_path, capsys):
    from training.motion_train import gather_clips
    from training.progress import Progress

    store = ClipStore(tmp_path / "rec")
    first = clips["circle"][0]
    store.save_clip(first)
    store.save_clip(first)  # the same video recorded again
    store.save_clip(clips["circle"][1])
    got, new = gather_clips([tmp_path / "rec"], None, Progress())
    assert new and len(got["circle"]) == 2
    assert "the same frames as another clip of circle" in capsys.readouterr().err


def test_a_folder_whose_clips_are_all_damaged_is_refused_with_why(tmp_path, capsys):
    from training.cli import main as train_main

    (tmp_path / "rec" / "circle").mkdir(parents=True)
    for name in ("a", "b"):
        (tmp_path / "rec" / "circle" / f"{name}.clip.json").write_text("{not json")
    assert train_main([str(tmp_path / "rec"), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "every clip of the data was left out" in err and "a.clip.json" in err
    assert not (tmp_path / "m").exists()


def test_taught_clips_are_written_as_record_clip_writes_them_one_sitting_a_person(tmp_path):
    from handcam.recording.clips import ClipStore
    from tools.synth.taught import write_clips

    counts = write_clips(tmp_path, ["circle"], ["P1", "P3"], 2)
    assert counts == {"circle": 4}
    files = sorted((tmp_path / "circle").glob("*.clip.json"))
    assert len(files) == 4 and len(sorted((tmp_path / "circle").glob("*.clip.png"))) == 4
    sittings = {f.name.split("-")[-2] for f in files}
    assert len(sittings) == 2
    assert ClipStore(tmp_path).clip_counts() == {"circle": 4}
