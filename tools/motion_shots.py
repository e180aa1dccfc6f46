"""The screenshot of a motion sign taught in the window (``python -m tools.screenshots OUT
--states motion``), done as a person would: the record panel's clip mode (G) on three
videos each of two motion signs (a hand carried in a circle, swiped to the right: one
person's photo, :mod:`benchmarks.motion_videos`), the retrain dialog adding them to the
digits, the new model used at once on a video of other people making both signs; the
picture is taken while a caught sign shows with its path drawn."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

DIGITS = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "sign-language-digits"


def motion_state(shooter, name: str, size: tuple[int, int]) -> None:
    from benchmarks.motion_videos import clip_video, sequence_video
    from handcam.ui.record_panel import open_retrain_dialog

    def app_wait(cond, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            shooter.app.processEvents()
            if cond():
                return True
            time.sleep(0.02)
        return False

    work = shooter.work / "motion"
    clips = []
    for sign in ("circle", "swipe"):
        for i in range(3):
            video = work / f"{sign}{i}.mp4"
            if not video.is_file():
                clip_video(DIGITS, "s001", sign, video, seed=i)
            clips.append((sign, video))
    seq = work / "both.mp4"
    if not seq.is_file():
        sequence_video(DIGITS, ["s010", "s022", "s025"], ["circle", "swipe"] * 3, seq, seed=4)
    window, worker = shooter.open(name, size, source=str(clips[0][1]))
    window.record_dock.show()
    panel = window.record_dock.panel
    recordings = work / f"recordings-{size[0]}"
    shutil.rmtree(recordings, ignore_errors=True)  # three clips a sign, this run's
    panel.set_dataset_dir(recordings)
    panel.burst_delay.setValue(0)
    for sign, video in clips:  # one clip a press, each video from its start
        saved = len(panel.clips.history)
        panel.label_combo.setCurrentText(sign)
        window.set_source(str(video))
        name_now = video.name
        app_wait(lambda n=name_now: window.latest is not None
                 and Path(window.latest.frame.source).name == n, 30)  # fmt: skip
        panel.clips.start()
        app_wait(lambda k=saved: len(panel.clips.history) > k, 30)
    shooter.shoot(f"{name}-recorded", size, window, [("record", window.record_dock)])
    dialog = open_retrain_dialog(window, panel)
    dialog.finetune_radio.setChecked(True)  # add to the current model (the digits)
    dialog.start()
    app_wait(lambda: dialog.start_button.isEnabled(), 600)
    shooter.shoot(f"{name}-trained", size, window, [("dialog", dialog)])
    dialog.use_new()
    dialog.close()
    window.worker.edit_text("clear")  # the 5s written while recording: a fresh page
    window.set_source(str(seq))
    caught = lambda: any(  # noqa: E731
        r.motion is not None and r.motion.label is not None and r.motion.path
        for r in (window.latest.per_hand if window.latest is not None else ())
    )
    app_wait(caught, 120)  # the sign shows 0.6 s: the picture is taken at once
    app_wait(lambda: False, 0.1)  # the plot's next refresh marks it
    tag = f"{name}-{size[0]}x{size[1]}"
    window.grab().save(str(shooter.out / f"{tag}-window.png"))
    app_wait(lambda: False, 0.15)  # the X server's copy of the screen catches up
    shooter.app.primaryScreen().grabWindow(0, 0, 0, *size).save(str(shooter.out / f"{tag}.png"))
    print(f"saved {tag}", flush=True)
    shooter.close(window, worker)
