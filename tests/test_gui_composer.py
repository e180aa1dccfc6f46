"""The window's composer, keys, sign chart, practice dock and modes, with fakes (offscreen)."""

import json
import random
import shutil

import numpy as np
import pytest

from conftest import MODEL, frame
from handcam.capture.sources import FrameSource
from handcam.recognition.assemble import LoadedModel
from handcam.testing import FakeClassifier, FakeHandDetector, synthetic_hand

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from window_factory import build_window  # noqa: E402

LABELS = ("0", "1", "2", "3", "4")
FPS = 30


class Signs:
    """A fake detector and classifier that read the sign from the frame's grey value:
    0 is no hand, 40 + 20 * i is LABELS[i] (the detector tells the classifier)."""

    def __init__(self, labels=LABELS) -> None:
        self.labels = tuple(labels)
        self.shown: int | None = None

    def detector(self, mode, pre):
        def fn(img):
            value = int(img[0, 0, 0])
            self.shown = None if value < 20 else round((value - 40) / 20)
            return [] if self.shown is None else [synthetic_hand(img.shape[1], img.shape[0])]

        return FakeHandDetector(fn)

    def classifier(self, path):
        def fn(features):
            p = np.full(len(self.labels), 0.02)
            p[self.shown] = 1.0
            return p

        return LoadedModel.of(FakeClassifier(self.labels, fn=fn))


def signing(sequence: str, hold_s=0.8, gap_s=0.4, away_s=0.0, labels=LABELS):
    """Frames showing each sign of ``sequence`` (a space: the hand away ``away_s``)."""
    frames = [frame(64, 48, 0)] * int(gap_s * FPS)
    for sign in sequence:
        if sign == " ":
            frames += [frame(64, 48, 0)] * int(away_s * FPS)
            continue
        frames += [frame(64, 48, 40 + 20 * labels.index(sign))] * int(hold_s * FPS)
        frames += [frame(64, 48, 0)] * int(gap_s * FPS)
    return frames


@pytest.fixture
def make_window(qtbot, tmp_path):
    made = []

    def make(signs=None, model_dirs=None, settings_name="settings.ini"):
        signs = signs or Signs()
        w = build_window(
            qtbot,
            tmp_path,
            signs.classifier,
            signs.detector,
            model=str(MODEL),
            model_dirs=model_dirs,
            settings_name=settings_name,
            list_models=True,
        )
        made.append(w)
        return w

    yield make
    for w in made:
        w.worker.stop()


class TimedSource(FrameSource):
    """Frames stamped at FPS (media time), delivered ``speed`` times faster than that."""

    def __init__(self, images, name="signs", speed=2.0) -> None:
        super().__init__()
        self.images, self.name, self.fps = list(images), name, FPS * speed

    def _media_time(self, t_read):
        return self._index / FPS

    def _read(self):
        if self._index >= len(self.images):
            return None, None
        return self.images[self._index], None


def play(w, frames, name="signs"):
    w.set_source(name, factory=lambda: TimedSource(frames, name=name))


def test_signs_compose_text_logged_every_frame_and_keys_edit_it(make_window, qtbot, tmp_path):
    w = make_window()
    qtbot.waitUntil(lambda: w.labels == LABELS, timeout=5000)
    play(w, signing("42 13", away_s=2.0))
    qtbot.waitUntil(lambda: w.composer_view.text == "42 13", timeout=15000)
    assert w.composer_view.history == ("42",)
    lines = [json.loads(x) for x in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert all("text" in r for r in lines)
    texts = [r["text"] for r in lines]
    assert texts[0] == "" and texts[-1] == "42 13"
    assert "4" in texts and "42" in texts and "42 1" in texts  # grows sign by sign
    w.composer_keys.actions["Ctrl+C"].trigger()
    assert QGuiApplication.clipboard().text() == "42 13"
    w.composer_view.setFocus()
    qtbot.keyClick(w.composer_view, Qt.Key.Key_Backspace)  # asked of the loop, shown back
    qtbot.waitUntil(lambda: w.composer_view.text == "42 1", timeout=3000)
    w.practice_dock.show()
    w.practice_dock.panel.sequence_edit.setText("12")
    w.practice_dock.panel.sequence_edit.setFocus()
    field = w.practice_dock.panel.sequence_edit
    qtbot.keyClick(field, Qt.Key.Key_Backspace)  # the field keeps it
    qtbot.wait(300)  # no edit reaches the loop
    assert field.text() == "1" and w.composer_view.text == "42 1"
    w.composer_keys.actions["Ctrl+Shift+Backspace"].trigger()
    qtbot.waitUntil(lambda: w.composer_view.text == "", timeout=3000)
    assert w.composer_view.history == ("42",)


def test_hold_and_word_end_times_are_settings(make_window, qtbot, tmp_path):
    w = make_window()
    w.side.composing.hold_spin.setValue(1.2)
    w.side.composing.space_spin.setValue(3.0)
    composer = w.worker.session.composer  # the loop's; read here once it took the change
    qtbot.waitUntil(lambda: composer.config.space_after_s == 3.0, timeout=3000)
    assert composer.config.commit_after_s == 1.2
    assert w.practice_dock.panel.composer_config.commit_after_s == 1.2  # practice holds alike
    w.close()
    w2 = make_window()
    assert (w2.side.composing.hold_spin.value(), w2.side.composing.space_spin.value()) == (1.2, 3.0)
    composer = w2.worker.session.composer
    qtbot.waitUntil(lambda: composer.config.commit_after_s == 1.2, timeout=3000)


def stand_in_bundle(path, labels=None, extra=None):
    """A copy of the digits bundle's small files under another name (a stand-in for the
    letters or alphanumeric bundles); ``extra``: label -> hands added to its trainset."""
    from handcam.model.integrity import seal
    from handcam.model.trainset import TRAINSET_FILE, HandSet

    path.mkdir(parents=True)
    for name in ("config.json", "labels.json", "report.json", TRAINSET_FILE):
        if (MODEL / name).is_file():
            shutil.copy(MODEL / name, path / name)
    if labels is not None:
        (path / "labels.json").write_text(json.dumps(list(labels)))
    if extra:
        base = HandSet.load(path / TRAINSET_FILE)
        added = [
            HandSet.from_hands(hands, [label] * len(hands), parts=["train"] * len(hands))
            for label, hands in extra.items()
        ]
        HandSet.concat([base, *added]).save(path / TRAINSET_FILE)
    seal(path)  # its files, as assembled here, are the bundle's record
    return path


def test_sign_chart_for_a_retrained_bundle_with_a_new_label(make_window, qtbot, tmp_path):
    labels = (*[str(i) for i in range(10)], "thumbs up")
    hands = [synthetic_hand(640, 480, spread=0.3 + 0.01 * i) for i in range(5)]
    bundle = stand_in_bundle(tmp_path / "retrained", labels, {"thumbs up": hands})
    signs = Signs(labels)
    w = make_window(signs)
    w.set_model(str(bundle))
    # the fake classifier has these labels for any path: wait for the bundle's own shapes
    qtbot.waitUntil(lambda: set(w.chart_dock.chart.shapes) == set(labels), timeout=5000)
    assert w.chart_dock.chart.labels == labels  # every label drawn, the new one too
    assert w.chart_dock.isVisible()
    play(w, signing("7", hold_s=1.0, labels=labels) + [frame(64, 48, 40 + 20 * 10)] * 60)
    qtbot.waitUntil(lambda: w.chart_dock.chart.current == "thumbs up", timeout=10000)
    w.chart_dock.chart.grab().save(str(tmp_path / "chart.png"))
    qtbot.waitUntil(lambda: w.composer_view.text == "7 thumbs up", timeout=10000)


def test_practice_round_driven_by_a_fake_source(make_window, qtbot, tmp_path):
    w = make_window()
    qtbot.waitUntil(lambda: w.practice_dock.panel.labels == LABELS, timeout=5000)
    w.practice_dock.show()
    w.practice_dock.panel.sequence_radio.setChecked(True)
    w.practice_dock.panel.sequence_edit.setText("4-2-4")
    assert w.practice_dock.panel.start()
    assert w.practice_dock.panel.session.prompt == "4" and w.chart_dock.chart.wanted == "4"
    # a wrong sign first, then the three asked for
    play(w, signing("1424", hold_s=0.8, gap_s=0.5))
    qtbot.waitUntil(lambda: w.practice_dock.panel.session is None, timeout=15000)
    assert "3 asked" in w.practice_dock.panel.message.text()
    assert w.chart_dock.chart.wanted is None
    data = json.loads((tmp_path / "practice_scores.json").read_text(encoding="utf-8"))
    attempts = data["labels"]
    assert sorted(attempts) == ["2", "4"] and len(attempts["4"]) == 2
    first, second = attempts["4"]
    assert not first["first_try"] and second["first_try"]  # the 1 came first
    assert all(0.4 <= a["seconds"] < 3.0 for a in attempts["4"] + attempts["2"])
    assert w.practice_dock.panel.table.rowCount() == 2


def test_random_practice_asks_more_for_slow_signs(make_window, qtbot, tmp_path):
    from handcam.signs.scores import Attempt

    w = make_window()
    qtbot.waitUntil(lambda: w.practice_dock.panel.labels == LABELS, timeout=5000)
    for label in LABELS:
        for _ in range(3):
            w.practice_dock.panel.store.add(Attempt(label, 6.0 if label == "3" else 1.0, True))
    w.practice_dock.panel._rng = random.Random(1)
    assert w.practice_dock.panel.start()
    asked = []
    for _ in range(200):
        asked.append(w.practice_dock.panel.session.prompt)
        w.practice_dock.panel.skip()
        w.practice_dock.panel.store._attempts.clear()  # keep the weights as set up above
        for label in LABELS:
            for _ in range(3):
                w.practice_dock.panel.store.add(Attempt(label, 6.0 if label == "3" else 1.0, True))
    assert asked.count("3") > 1.5 * max(asked.count(x) for x in LABELS if x != "3")


class ByBundle(Signs):
    """Labels by bundle folder name, as a real load would give them."""

    def classifier(self, path):
        from pathlib import Path

        self.labels = ("A", "B", "C") if Path(path).name == "letters" else LABELS
        return super().classifier(path)


def test_modes_switch_from_toolbar_and_shortcut_and_are_remembered(make_window, qtbot, tmp_path):
    root = tmp_path / "models"
    stand_in_bundle(root / "digits")
    stand_in_bundle(root / "letters", ["A", "B", "C"])
    w = make_window(ByBundle(), model_dirs=[root])
    modes = w.toolbar.modes
    assert modes.actions["digits"].isEnabled() and modes.actions["letters"].isEnabled()
    missing = modes.actions["alphanumeric"]
    assert not missing.isEnabled() and "no 'alphanumeric' model bundle" in missing.toolTip()
    assert not modes.switch("alphanumeric")
    w.set_model(str(root / "digits"))
    qtbot.waitUntil(lambda: w.model_path == str(root / "digits"), timeout=5000)
    assert modes.current.key == "digits" and modes.actions["digits"].isChecked()
    modes.actions["letters"].trigger()  # the toolbar button
    qtbot.waitUntil(lambda: w.labels == ("A", "B", "C"), timeout=5000)
    assert (
        w.model_path == str(root / "letters") and w.toolbar.model_combo.currentText() == "letters"
    )
    assert modes.actions["letters"].isChecked() and not modes.actions["digits"].isChecked()
    w._update_status()
    assert w.status.text().startswith("mode: Letters")
    qtbot.keyClick(w, "m", modifier=Qt.KeyboardModifier.ControlModifier)  # cycles
    qtbot.waitUntil(lambda: w.labels == LABELS, timeout=5000)
    assert modes.current.key == "digits"
    modes.cycle()
    qtbot.waitUntil(lambda: w.labels == ("A", "B", "C"), timeout=5000)
    assert w.chart_dock.chart.labels == ("A", "B", "C")
    w.close()
    w2 = make_window(ByBundle(), model_dirs=[root])
    assert w2.toolbar.modes.current.key == "letters"  # remembered between runs
    assert w2.settings.value("model/path") == str(root / "letters")
    w2.set_model(str(MODEL))  # a model of no mode: none lit
    qtbot.waitUntil(lambda: w2.model_path == str(MODEL), timeout=5000)
    assert w2.toolbar.modes.current is None and not any(
        a.isChecked() for a in w2.toolbar.modes.actions.values()
    )


def test_a_long_text_does_not_widen_the_window(make_window, qtbot):
    from handcam.signs.compose_stage import ComposedText

    w = make_window()
    w.resize(1000, 700)
    qtbot.wait(50)
    width = w.width()
    long_text = " ".join("4207" for _ in range(400))  # an hour of signing
    w.composer_view.show_composed(ComposedText(long_text, ("42",)))
    qtbot.wait(50)
    assert w.width() == width and w.composer_view.text == long_text  # copy takes it all
    shown = w.composer_view.shown_text()
    assert shown.endswith("4207") and len(shown) < len(long_text)  # the end that fits
