"""``handcam-train --leave-out GROUPS`` keeps signers out of a model entirely (a final
holdout), and refuses a group that is not in the data."""

from __future__ import annotations

import numpy as np
import pytest

from handcam.features.preprocess import PreprocessConfig
from handcam.model.trainset import load_bundle_handset
from training.config import TrainConfig
from training.data import DatasetError
from training.gather import gather
from training.models import get_spec
from training.progress import Progress

DIGITS = "models/digits"


def gathered(leave_out):
    cfg = TrainConfig(data_dirs=[DIGITS], out="unused", leave_out=leave_out)
    data, info = gather(cfg, None, get_spec("landmarks"), PreprocessConfig(), Progress())
    return data.hands, info


def test_left_out_signers_are_in_no_row_of_the_training_data():
    everyone = load_bundle_handset(DIGITS)
    two = tuple(sorted(set(everyone.groups.tolist()))[:2])
    hands, info = gathered(two)
    assert not np.isin(hands.groups, two).any()
    assert len(hands) == len(everyone) - int(np.isin(everyone.groups, two).sum())
    assert info["left_out"] == list(two)


def test_a_left_out_signer_not_in_the_data_is_an_error():
    with pytest.raises(DatasetError, match="no samples of nobody"):
        gathered(("nobody",))


def test_leaving_out_signers_the_start_bundle_learned_from_is_an_error(tmp_path, capsys):
    from training.cli import main as train_main

    letters = load_bundle_handset("models/letters")
    trained_on = sorted(set(letters.groups[letters.parts == "train"].tolist()))[0]
    code = train_main(
        ["models/letters", "--init", "models/letters", "--leave-out", trained_on,
         "--out", str(tmp_path / "m"), "--no-export"]
    )  # fmt: skip
    assert code != 0 and not (tmp_path / "m").exists()
    assert "was trained on them" in capsys.readouterr().err
