"""Practice mode on synthetic label streams: rounds, timing, accuracy, skips, sequence
mode, the weighting of prompts, and the score file (round trip, corrupt, unwritable)."""

from __future__ import annotations

import json
import logging
import random
from collections import Counter

import pytest

from handcam.signs.practice import (
    NEW_WEIGHT,
    PracticeError,
    PracticeSession,
    parse_sequence,
    prompt_weights,
)
from handcam.signs.scores import Attempt, ScoreStore

DIGITS = tuple("0123456789")
FPS = 30


class Signer:
    """A fake hand in front of the camera: feeds a session one smoothed state per frame."""

    def __init__(self, session: PracticeSession) -> None:
        self.session, self.t, self.updates = session, 0.0, []

    def show(self, label: str | None, seconds: float, state: str | None = None) -> Signer:
        state = state or ("label" if label else "no_hand")
        end = self.t + seconds
        while self.t < end - 1e-9:
            self.updates.append(self.session.observe(self.t, state, label))
            self.t += 1 / FPS
        return self

    def results(self):
        return [u.result for u in self.updates if u.result]


def test_a_sequence_round_times_and_scores_each_prompt(tmp_path):
    store = ScoreStore(tmp_path / "scores.json")
    session = PracticeSession(DIGITS, store, mode="sequence", sequence="0-12")
    assert session.next_prompt() == "0"
    hand = Signer(session)
    hand.show(None, 0.5).show("0", 0.8)  # 0.5 s to react, then the hold
    first = hand.results()[0]
    assert first.label == "0" and first.first_try
    assert 0.9 - 1e-6 <= first.seconds < 0.9 + 1.5 / FPS
    assert session.prompt == "1"
    hand.show(None, 0.3).show("5", 0.6).show(None, 0.3).show("1", 0.6)  # a wrong sign first
    assert [u.wrong for u in hand.updates if u.wrong] == ["5"]
    hand.show(None, 0.3).show("2", 0.6)
    assert [(r.label, r.first_try) for r in hand.results()] == [
        ("0", True), ("1", False), ("2", True)
    ]  # fmt: skip
    assert session.finished and session.prompt is None and hand.updates[-1].finished
    summary = session.summary()
    assert summary.overall.count == 3 and summary.overall.accuracy == pytest.approx(2 / 3)
    assert summary.per_label["1"].accuracy == 0.0
    # from the commit of "0" (0.4 s of it still held) to the commit of "1": 0.4+0.3+0.6+0.3+0.4
    assert summary.per_label["1"].mean_seconds == pytest.approx(2.0, abs=1.5 / FPS)
    saved = ScoreStore(tmp_path / "scores.json")
    assert saved.attempts("0") == (first,)
    assert saved.score("1").accuracy == 0.0


def test_a_sign_still_held_does_not_answer_the_next_prompt():
    session = PracticeSession(DIGITS, ScoreStore(), mode="sequence", sequence="007")
    session.next_prompt()
    hand = Signer(session).show("0", 2.0)
    assert len(hand.results()) == 1 and session.prompt == "0"  # the held 0 counted once
    hand.show(None, 0.3).show("0", 0.6).show("7", 0.6)
    assert [r.label for r in hand.results()] == ["0", "0", "7"]
    assert all(r.first_try for r in hand.results())


def test_skip_is_a_miss_without_a_time():
    store = ScoreStore()
    session = PracticeSession(DIGITS, store, mode="sequence", sequence="34")
    session.next_prompt()
    Signer(session).show(None, 1.0)
    skipped = session.skip()
    assert skipped == Attempt("3", None, False) and skipped.skipped
    assert session.prompt == "4" and store.score("3").count == 1
    assert store.score("3").mean_seconds is None
    session.skip()
    assert session.finished and session.skip() is None


def test_sequences_map_text_to_labels_and_reject_unknown_signs():
    assert parse_sequence("+1 (555) 010-2030", DIGITS) == tuple("15550102030")
    labels = DIGITS + ("thumbs up",)
    assert parse_sequence(["thumbs up", "4"], labels) == ("thumbs up", "4")
    with pytest.raises(PracticeError, match=r"'a', 'x'.*its labels: 0, 1"):
        parse_sequence("12ax", DIGITS)
    with pytest.raises(PracticeError, match="empty"):
        parse_sequence("--", DIGITS)
    with pytest.raises(PracticeError, match="sequence mode"):
        PracticeSession(DIGITS, ScoreStore(), mode="sequence")
    with pytest.raises(PracticeError, match="unknown practice mode"):
        PracticeSession(DIGITS, ScoreStore(), mode="drill")


def _practised(times: dict[str, float], accuracy: dict[str, bool] | None = None) -> ScoreStore:
    store = ScoreStore()
    for label, seconds in times.items():
        for _ in range(5):
            store.add(Attempt(label, seconds, (accuracy or {}).get(label, True)))
    return store


def test_weights_favour_slow_inaccurate_and_new_labels():
    store = _practised({"0": 1.0, "1": 1.0, "2": 2.0, "3": 1.0}, {"3": False})
    w = prompt_weights(("0", "1", "2", "3", "4"), store)
    assert w == {"0": 1.0, "1": 1.0, "2": 2.0, "3": 2.0, "4": NEW_WEIGHT}
    assert prompt_weights(("0", "1"), store, previous="0")["0"] == 0.0
    skipped = ScoreStore()
    skipped.add(Attempt("5", None, False))
    skipped.add(Attempt("6", 1.0, True))
    w = prompt_weights(("5", "6"), skipped)
    assert w["5"] > 4 * w["6"]


def test_random_prompts_ask_for_the_slow_label_more_often():
    store = _practised({"0": 1.0, "1": 1.0, "2": 5.0, "3": 1.0})
    session = PracticeSession(("0", "1", "2", "3"), store, rng=random.Random(7))
    prompts = [session.next_prompt() for _ in range(3000)]
    counts = Counter(prompts)
    assert counts["2"] > 1.5 * max(counts[x] for x in "013")  # 40% vs 20% expected
    assert all(a != b for a, b in zip(prompts, prompts[1:], strict=False))  # no repeats


def test_random_round_learns_from_its_own_answers():
    store = ScoreStore()
    session = PracticeSession(("a", "b"), store, rng=random.Random(3))
    hand = Signer(session)
    session.next_prompt()
    for _ in range(6):
        prompt = session.prompt  # the session moves on by itself after a right answer
        hand.show(None, 2.5 if prompt == "b" else 0.2).show(prompt, 0.6)
    assert store.score("a").count + store.score("b").count == 6
    w = prompt_weights(("a", "b"), store)
    assert w["b"] > 2 * w["a"]


def test_score_file_round_trip_is_utf8_and_keeps_the_last_attempts(tmp_path):
    path = tmp_path / "sub" / "scores.json"
    store = ScoreStore(path, keep=3)
    for i in range(5):
        store.add(Attempt("ñ", float(i), i % 2 == 0))
    store.add(Attempt("thumbs up", None, False))
    store.save()
    assert "ñ" in path.read_text(encoding="utf-8")
    loaded = ScoreStore(path, keep=3)
    assert [a.seconds for a in loaded.attempts("ñ")] == [2.0, 3.0, 4.0]
    assert loaded.attempts("thumbs up") == (Attempt("thumbs up", None, False),)
    assert [p.name for p in path.parent.iterdir()] == ["scores.json"]  # no temp files left


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe garbage",
        json.dumps({"labels": {"1": [{"seconds": "slow", "first_try": True}]}}).encode(),
        json.dumps({"labels": ["1"]}).encode(),
        json.dumps([1, 2]).encode(),
    ],
)
def test_a_corrupt_score_file_starts_fresh_and_is_kept_aside(tmp_path, caplog, content):
    path = tmp_path / "scores.json"
    path.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="handcam.signs.scores"):
        store = ScoreStore(path)
    assert store.score("1").count == 0
    assert "unreadable" in caplog.text
    assert (tmp_path / "scores.json.corrupt").read_bytes() == content
    store.add(Attempt("1", 1.0, True))
    store.save()
    assert ScoreStore(path).score("1").count == 1


def test_a_missing_score_file_starts_fresh(tmp_path):
    assert ScoreStore(tmp_path / "none.json").score("0").count == 0


def test_an_unwritable_score_file_does_not_stop_practice(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    session = PracticeSession(DIGITS, ScoreStore(blocker / "scores.json"), "sequence", "1")
    session.next_prompt()
    with caplog.at_level(logging.WARNING, logger="handcam.signs.practice"):
        Signer(session).show("1", 0.6)
    assert session.finished and "not saved" in caplog.text
    assert session.store.score("1").count == 1
