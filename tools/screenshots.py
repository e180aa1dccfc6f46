"""Screenshots of the real window in each of its states, at each screen size.

    python -m tools.screenshots OUT_DIR [--states S,S] [--sizes 1280x720,1920x1080]
                                [--video VIDEO] [--model BUNDLE] [--report-from BUNDLE]

Runs ``handcam.ui.app.start_window`` (the window ``handcam`` opens) once per state and
size, waits until the state is on screen, and saves ``STATE-WxH.png`` (the screen: the
window and any dialog over it) and ``STATE-WxH-window.png`` (``window.grab()``). Use a
real X server (``Xvfb :99 -screen 0 1920x1080x24 & DISPLAY=:99``); under
``QT_QPA_PLATFORM=offscreen`` only the ``-window`` pictures mean anything.

States: no-camera, bad-model, recovered (a good model picked after the bad one), video,
stills (an image folder), record, practice, sign-chart, retrain-one-sitting and
retrain-grouped (the retrain dialog at the end of a 26-letter run, from samples written
out of the landmarks ``models/letters`` carries: one sitting per letter, or four
people as four sittings; each trains for real, 1-2 minutes on 2 cores, unless
``--report-from`` names a finished bundle to show instead; a second size shows the
bundle the first one trained), calibration (Calibrate to your hand with the letters
model, on a video of one person's letter photos held 2 s each in the order asked:
mid-pass, then its before/after result once the adaptation has run for real), motion
(two motion signs taught in the window and caught on a video: :mod:`tools.motion_shots`).

The video and the image folder are made from the digits photos beside the repository
(``../shared/datasets/sign-language-digits``) unless ``--video`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from argparse import Namespace
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DIGITS = REPO.parent / "shared" / "datasets" / "sign-language-digits"
STATES = (
    "no-camera", "bad-model", "recovered", "video", "stills", "record", "practice",
    "sign-chart", "retrain-one-sitting", "retrain-grouped", "calibration", "motion",
)  # fmt: skip


def wait_until(app, cond: Callable[[], bool], timeout: float) -> bool:
    """Run the event loop until ``cond()`` or ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if cond():
            return True
        time.sleep(0.02)
    return False


def settle(app, seconds: float = 0.4) -> None:
    wait_until(app, lambda: False, seconds)


def letters_samples(root: Path, people: list[str], per_person: int, sitting: str) -> Path:
    """App-style samples (image + sidecar) of the 26 letters from the landmarks of the
    letter photos (``tools/synth/letters_photo_hands.npz``); ``sitting`` "letter": one
    sitting per letter (as one ``handcam record`` per letter), "person": each person a
    sitting."""
    import cv2
    import numpy as np

    from handcam.hands.hand import Hand

    carried = np.load(REPO / "tools" / "synth" / "letters_photo_hands.npz")
    jpg = cv2.imencode(".jpg", np.zeros((48, 64, 3), np.uint8))[1].tobytes()
    for label in sorted(set(carried["labels"].tolist())):
        folder = root / label
        folder.mkdir(parents=True, exist_ok=True)
        for person in people:
            rows = (carried["labels"] == label) & (carried["groups"] == person)
            for k, i in enumerate(np.flatnonzero(rows)[:per_person]):
                hand = Hand(
                    carried["landmarks"][i],
                    str(carried["handedness"][i]),
                    0.9,
                    world_landmarks=carried["world"][i],
                )
                session = f"sitting-{label}" if sitting == "letter" else f"sitting-{person}"
                side = {"label": label, "hand": hand.to_dict(), "session": session}
                (folder / f"{person}-{k:03d}.json").write_text(json.dumps(side))
                (folder / f"{person}-{k:03d}.jpg").write_bytes(jpg)
    return root


def letters_video(out: Path, labels: tuple[str, ...], person: str = "P8") -> Path:
    """A 640x480 video of ``person``'s letter photos, one per label in order, 2 s each."""
    import cv2
    import numpy as np

    if out.is_file():
        return out
    letters = REPO.parent / "shared" / "datasets" / "asl-hg-letters"
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), 15, (640, 480))
    for label in labels:
        photo = cv2.imread(str(sorted((letters / label).glob(f"{person}_*.jpg"))[0]))
        h, w = photo.shape[:2]
        scale = 420 / max(h, w)
        small = cv2.resize(photo, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
        frame = np.full((480, 640, 3), 90, np.uint8)
        y, x = (480 - small.shape[0]) // 2, (640 - small.shape[1]) // 2
        frame[y : y + small.shape[0], x : x + small.shape[1]] = small
        for _ in range(30):
            writer.write(frame)
    writer.release()
    return out


def make_inputs(work: Path, video: Path | None) -> tuple[Path, Path]:
    """(a video of signing hands, a folder of still photos)."""
    import shutil
    import subprocess

    stills = work / "stills"
    if not stills.is_dir() and DIGITS.is_dir():
        stills.mkdir(parents=True)
        for digit in "0123456789":
            for photo in sorted((DIGITS / digit).glob("*.JPG"))[:10]:  # 50 s at 2/s
                shutil.copy(photo, stills / f"{digit}-{photo.name}")
    if video is None:
        video = work / "digits.mp4"
        if not video.is_file():
            subprocess.run(
                [sys.executable, "-m", "benchmarks.videos", "make", "--data", str(DIGITS),
                 "--out", str(video), "--seconds", "30", "--fps", "15", "--seed", "7",
                 "--holdout-of", str(REPO / "models" / "digits")],
                check=True, cwd=REPO,
            )  # fmt: skip
    return video, stills


class Shooter:
    """Opens the window for one state and size, saves the pictures, closes it."""

    def __init__(self, out: Path, work: Path, video: Path, stills: Path, report_from, model=None):
        self.out, self.work, self.video, self.stills = out, work, video, stills
        self.model = model  # for the video, record and practice states (default: the app's)
        self.report_from = report_from
        self.trained: dict[str, str] = {}  # state -> the bundle its dialog trained
        self.app = None

    def open(self, name: str, size: tuple[int, int], source=None, model=None, cameras=None):
        import handcam.capture.sources as sources
        from handcam.ui.app import start_window

        if cameras is not None:
            sources.list_cameras = lambda max_index=5: list(cameras)
        scratch = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.work))
        args = Namespace(
            source=source, model=model, data_dir=scratch / "data", log_predictions=None,
            no_mirror=False, snapshot=None, exit_after=None, verbose=False,
        )  # fmt: skip
        self.app, window, worker, _ = start_window(
            args, settings_path=str(scratch / "settings.ini")
        )
        window.setGeometry(0, 0, *size)
        return window, worker

    def shoot(self, name: str, size: tuple[int, int], window, extra=(), when=None) -> None:
        """Save the pictures; ``when``: a condition that must still hold after the
        pictures settle (a sign on screen), tried again for up to 60 s."""
        end = time.monotonic() + 60
        while True:
            settle(self.app, 1.0)  # without a window manager, a dialog's move repaints late
            if when is None or when() or time.monotonic() > end:
                break
            wait_until(self.app, when, 10)
        tag = f"{name}-{size[0]}x{size[1]}"
        screen = self.app.primaryScreen().grabWindow(0, 0, 0, *size)
        screen.save(str(self.out / f"{tag}.png"))
        window.grab().save(str(self.out / f"{tag}-window.png"))
        for suffix, widget in extra:
            widget.grab().save(str(self.out / f"{tag}-{suffix}.png"))
        print(f"saved {tag}", flush=True)

    def close(self, window, worker) -> None:
        from PySide6.QtWidgets import QApplication

        for other in QApplication.topLevelWidgets():  # dialogs over the window
            if other is not window and other.isVisible():
                other.close()
        window.close()
        worker.stop()
        settle(self.app, 0.2)

    # --- the states ---------------------------------------------------------------------
    def playing(self, window, frames: int = 45) -> None:
        wait_until(self.app, lambda: window.frames_shown >= frames, 60)

    def state(self, name: str, size: tuple[int, int]) -> None:
        getattr(self, "s_" + name.replace("-", "_"))(name, size)

    def s_no_camera(self, name, size):
        window, worker = self.open(name, size, cameras=[])
        wait_until(self.app, lambda: "No camera" in window.video.shown_message(), 20)
        wait_until(self.app, lambda: window.model_path != "", 60)
        self.shoot(name, size, window)
        self.close(window, worker)

    def _bad_model(self, name, size):
        bad = self.work / "not-a-model"
        bad.mkdir(exist_ok=True)
        (bad / "labels.json").write_text('["A", "B"]')
        window, worker = self.open(name, size, source=str(self.video), model=str(bad))
        wait_until(self.app, lambda: window.model_state == "failed", 60)
        wait_until(self.app, lambda: not window.statusBar().currentMessage(), 20)  # the line
        return window, worker

    def s_bad_model(self, name, size):
        window, worker = self._bad_model(name, size)
        self.shoot(name, size, window)
        self.close(window, worker)

    def s_recovered(self, name, size):
        window, worker = self._bad_model(name, size)
        index = window.toolbar.model_combo.findText("digits")
        window.toolbar.model_combo.setCurrentIndex(index)
        window.toolbar.model_combo.activated.emit(index)  # as a person picks it
        self.playing(window)
        self.shoot(name, size, window)
        self.close(window, worker)

    def s_video(self, name, size):
        window, worker = self.open(name, size, source=str(self.video), model=self.model)
        self.playing(window, 150)
        signing = lambda: window.side.big_label.text() not in ("", "?")  # noqa: E731
        wait_until(self.app, signing, 20)
        self.shoot(name, size, window, when=signing)
        self.close(window, worker)

    def s_stills(self, name, size):
        window, worker = self.open(name, size, source=str(self.stills))
        rate_shown = lambda: (  # noqa: E731 - the figures, not a passing message
            "images" in window.status.text() and not window.statusBar().currentMessage()
        )
        wait_until(self.app, rate_shown, 60)
        self.shoot(name, size, window, when=rate_shown)
        self.close(window, worker)

    def s_record(self, name, size):
        window, worker = self.open(name, size, source=str(self.video), model=self.model)
        window.record_dock.show()
        self.playing(window)
        panel = window.record_dock.panel
        panel.label_combo.setCurrentText("thumbs up")
        for _ in range(4):
            wait_until(self.app, lambda: window.latest is not None and window.latest.hand_found, 20)
            panel.capture()
            settle(self.app, 0.5)
        self.shoot(name, size, window, when=lambda: window.side.big_label.text() not in ("", "?"))
        self.close(window, worker)

    def s_practice(self, name, size):
        window, worker = self.open(name, size, source=str(self.video), model=self.model)
        window.practice_dock.show()
        self.playing(window)
        window.practice_dock.panel.start()
        settle(self.app, 3.0)
        self.shoot(name, size, window, when=lambda: window.side.big_label.text() not in ("", "?"))
        self.close(window, worker)

    def s_sign_chart(self, name, size):
        from PySide6.QtCore import Qt

        letters = str(REPO / "models" / "letters")
        window, worker = self.open(name, size, source=str(self.video), model=letters)
        self.playing(window)
        window.resizeDocks([window.chart_dock], [size[0] // 3], Qt.Orientation.Horizontal)
        self.shoot(name, size, window)
        self.close(window, worker)

    def _retrain(self, name, size, sitting: str, people: list[str]):
        from handcam.ui.record_panel import open_retrain_dialog

        samples = self.work / f"letters-{sitting}"
        if not samples.is_dir():
            letters_samples(samples, people, 10, sitting)
        window, worker = self.open(name, size, source=str(self.video))
        self.playing(window, 10)
        panel = window.record_dock.panel
        panel.set_dataset_dir(samples)
        dialog = open_retrain_dialog(window, panel)
        bundle = self.report_from or self.trained.get(name)
        if bundle:  # shown as the dialog shows a finished run (a second size: no retrain)
            report = json.loads((Path(bundle) / "report.json").read_text())
            dialog.show_report(report, str(bundle))
        else:
            dialog.scratch_radio.setChecked(True)  # a new model of the 26 letters
            dialog.keep_signs_check.setChecked(False)
            tag = f"{name}-{size[0]}x{size[1]}"
            settle(self.app, 0.5)
            dialog.grab().save(str(self.out / f"{tag}-options.png"))
            dialog.start()
            wait_until(self.app, lambda: dialog.bar.value() >= 20, 600)  # mid-training
            dialog.grab().save(str(self.out / f"{tag}-training.png"))
            wait_until(self.app, lambda: dialog.start_button.isEnabled(), 600)
            if dialog.new_model:
                self.trained[name] = dialog.new_model
        view = dialog.report_view
        extra = [("dialog", dialog)]
        self.shoot(name, size, window, extra)
        if view is not None:
            full = view.show_full_matrix()
            settle(self.app, 0.5)
            full.grab().save(str(self.out / f"{name}-{size[0]}x{size[1]}-matrix.png"))
            full.close()
            view.tabs.setCurrentIndex(1)
            settle(self.app, 0.3)
            dialog.grab().save(str(self.out / f"{name}-{size[0]}x{size[1]}-details.png"))
        self.close(window, worker)

    def s_calibration(self, name, size):
        from handcam.model.bundle import ModelBundle

        letters = REPO / "models" / "letters"
        bundle = ModelBundle.load(letters)
        stills = tuple(x for x in bundle.labels if x not in bundle.motion_signs)
        video = letters_video(self.work / "letters-in-order.mp4", stills)
        window, worker = self.open(name, size, source=str(video), model=str(letters))
        window.calibration_dock.show()
        panel = window.calibration_dock.panel
        wait_until(self.app, lambda: panel.labels == stills, 60)
        panel.start()
        wait_until(self.app, lambda: panel.calibration is None or panel.calibration.index >= 3, 60)
        self.shoot(name, size, window, [("dock", window.calibration_dock)])
        wait_until(self.app, lambda: bool(panel.result_label.text()), 300)
        self.shoot(f"{name}-done", size, window, [("dock", window.calibration_dock)])
        self.close(window, worker)

    def s_motion(self, name, size):
        from tools.motion_shots import motion_state

        motion_state(self, name, size)

    def s_retrain_one_sitting(self, name, size):
        self._retrain(name, size, "letter", ["P1", "P2"])

    def s_retrain_grouped(self, name, size):
        self._retrain(name, size, "person", ["P1", "P2", "P3", "P4"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.screenshots", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--states", default=",".join(STATES))
    parser.add_argument("--sizes", default="1280x720,1920x1080")
    parser.add_argument("--video", type=Path)
    parser.add_argument("--report-from", type=Path, metavar="BUNDLE")
    parser.add_argument("--model", help="model of the video, record and practice states")
    parser.add_argument("--work", type=Path, help="scratch folder (default: OUT/work)")
    args = parser.parse_args(argv)
    states = [s for s in args.states.split(",") if s]
    unknown = set(states) - set(STATES)
    if unknown:
        parser.error(f"unknown states: {sorted(unknown)}; known: {', '.join(STATES)}")
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    work = args.work or args.out / "work"
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HANDCAM_CACHE_DIR", str(work / "cache"))  # training's cache
    video, stills = make_inputs(work, args.video)
    shooter = Shooter(args.out, work, video, stills, args.report_from, args.model)
    for state in states:
        for size in sizes:
            shooter.state(state, size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
