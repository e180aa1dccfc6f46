"""``handcam-train DATA_DIR [DATA_DIR ...] --out BUNDLE_DIR [options]``."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from handcam.features.preprocess import FEATURE_SETS
from training.config import DEFAULT_EPOCHS, FINE_TUNE_EPOCHS, FIXED_BUDGET
from training.models import DEFAULT_FEATURES, DEFAULT_MODEL, MODELS


def comma_list(value: str) -> tuple[str, ...]:
    """``"P2, P5"`` -> ``("P2", "P5")`` (empty items dropped)."""
    return tuple(item.strip() for item in value.split(",") if item.strip())


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="handcam-train",
        description="Train a handcam model bundle from folders with one sub-folder per class.",
        epilog="models: " + "; ".join(f"{n}: {s.description}" for n, s in MODELS.items()),
    )
    p.add_argument(
        "data_dirs",
        nargs="+",
        metavar="DATA_DIR",
        help="dataset folder(s) with one sub-folder per class (handcam's recordings "
        "included), or model bundles whose carried training sets to use; merged by class name",
    )
    p.add_argument("--out", required=True, help="bundle folder to create")
    p.add_argument("--model", default=DEFAULT_MODEL, choices=sorted(MODELS))
    p.add_argument(
        "--init",
        metavar="BUNDLE",
        help="fine-tune from this bundle (personalisation; new labels allowed); its carried "
        "training set is trained on too, so its labels keep their accuracy",
    )
    p.add_argument(
        "--pretrained",
        metavar="BUNDLE|auto|none",
        default="auto",
        help="start every network from this landmark bundle's layers; labels it lacks get new "
        "output weights, its carried data is not used. Default auto: a new landmark model "
        "starts from the bundled digits model (hand shapes of 176 people: it reads people "
        "you did not record better), unless the data holds that model's own photos; none: "
        "from scratch",
    )
    p.add_argument(
        "--no-carried",
        dest="carried",
        action="store_false",
        help="with --init: train on the given data only, not on the bundle's carried set",
    )
    p.add_argument(
        "--groups",
        metavar="CSV",
        action="append",
        help="CSV with path and a group column (signer/session) for grouped splits; give "
        "--groups once per data folder that has one",
    )
    crop = ", ".join(f"{n} {e}" for n, e in DEFAULT_EPOCHS.items() if n != "landmarks")
    p.add_argument(
        "--epochs",
        type=int,
        help="how long to train. Landmark models (the default kind) and fine-tunes of them: "
        f"exactly this many epochs, with a cosine learning rate (default "
        f"{FIXED_BUDGET['landmarks']}; no early stopping). Crop models: at most this many "
        "when the validation part holds every label from people or sittings not trained "
        f"on (early stopping; default {crop}, fine-tunes {FINE_TUNE_EPOCHS}), else exactly "
        f"this many (default {FIXED_BUDGET['crop']})",
    )
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, dest="learning_rate")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--val-fraction", type=float, default=0.15)
    p.add_argument("--test-fraction", type=float, default=0.15)
    p.add_argument(
        "--folds",
        type=int,
        default=0,
        help="also run k-fold (grouped where groups are known) cross-validation",
    )
    p.add_argument(
        "--weights",
        default="imagenet",
        help="backbone weights for transfer models: imagenet, none or a file path",
    )
    p.add_argument("--crop-size", type=int, default=96)
    p.add_argument(
        "--features",
        default=DEFAULT_FEATURES,
        choices=sorted(FEATURE_SETS),
        help=f"landmark feature set (default {DEFAULT_FEATURES})",
    )
    p.add_argument(
        "--no-mirror-augment",
        dest="mirror_augment",
        action="store_false",
        help="do not train on mirrored landmarks (for sign sets where the "
        "hand used changes the meaning)",
    )
    p.add_argument(
        "--no-view-augment",
        dest="view_augment",
        action="store_false",
        help="landmark models: do not teach other camera angles and distances (turns, "
        "perspective, jitter); bone lengths and mirroring only, the recipe before 2026-12",
    )
    p.add_argument("--patience", type=int, help="crop models: early-stopping patience in epochs")
    p.add_argument(
        "--members",
        type=int,
        help="train this many networks (own seeds) and average them in one model; "
        "default: as many as the --init model has, else 1",
    )
    p.add_argument(
        "--leave-out",
        metavar="GROUPS",
        type=comma_list,
        default=(),
        help="comma-separated signers (groups of --groups, or of a carried set) kept out of "
        "the model entirely, for a final holdout that no choice has seen; score them "
        "afterwards, e.g. python -m benchmarks.angles OUT --hands BUNDLE --signers GROUPS",
    )
    p.add_argument(
        "--motion-signs",
        metavar="SIGNS",
        type=comma_list,
        default=(),
        help="comma-separated signs read only from their motion, e.g. J,Z for the letters: "
        "the still classifier leaves them out (fold their still photos into the shape they "
        "start from, e.g. with tools.label_view --map J=I --drop Z) and the window reads them "
        "from the hand's path. With --init: the bundle's, unless given",
    )
    p.add_argument(
        "--webcam-copies",
        type=int,
        default=0,
        metavar="N",
        help="also learn from N webcam-like copies of every photo (the hand small, soft and "
        "compressed in a room, found again by the app's video tracker), so the model reads "
        "webcams as well as photos; recorded samples are webcam frames already and get none. "
        "About 0.3 s a copy on 2 cores the first time, cached after",
    )
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--adapt",
        action="store_true",
        default=None,
        help="with --init: adapt the model to the new samples in seconds (its output layers "
        "only, beside its carried set; every new sample trained on): a calibration to your "
        "hand. The default when every new sample is one of the model's signs",
    )
    how.add_argument(
        "--fine-tune",
        dest="adapt",
        action="store_false",
        help="with --init: fine-tune every layer (minutes; ten networks for the letters "
        "model). The default when the samples add a sign the model lacks",
    )
    p.add_argument(
        "--check",
        metavar="DIR",
        help="recorded samples kept out of training (e.g. the later frames of a calibration "
        "pass): the report says how many the start model (--init) and the new one show right",
    )
    p.add_argument(
        "--no-export", dest="export", action="store_false", help="skip the TFLite exports"
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing bundle at --out (swapped in only on success)",
    )
    p.add_argument(
        "--progress-json",
        action="store_true",
        help="stream progress as JSON lines on stdout (used by the app)",
    )
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from training import cancel

    cancel.reset()
    with cancel.handle_signals():  # Ctrl-C, and the app's Cancel (SIGTERM)
        try:
            return _run(args)
        except BaseException as exc:
            if not (cancel.requested() or isinstance(exc, KeyboardInterrupt)):
                raise
            # A cancel that TensorFlow turned into another error is still a cancel.
            done = cancel.written()
            if done is not None:
                print(
                    f"handcam-train: cancelled after the bundle was written to {done}",
                    file=sys.stderr,
                )
            else:
                print("handcam-train: cancelled; no bundle was written", file=sys.stderr)
            if argv is None:  # the process ends now: TensorFlow's objects, cut off while
                sys.unraisablehook = lambda _: None  # tracing, need not print their teardown
            return 130


def _run(args: argparse.Namespace) -> int:
    if args.verbose:
        os.environ["HANDCAM_NATIVE_LOGS"] = "1"
    from handcam.system.native_logs import configure_native_logging

    configure_native_logging()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from handcam.errors import HandcamError
    from training import cancel
    from training.progress import Progress
    from training.train import TrainConfig, train

    opts = vars(args)
    json_stream = opts.pop("progress_json")
    opts.pop("verbose")
    if not opts.pop("view_augment"):
        from training.augment import NO_VIEWS

        opts["augment"] = dict(NO_VIEWS)
    progress = Progress(json_stream=json_stream)
    try:
        train(TrainConfig(**opts), progress)
    except (HandcamError, OSError) as exc:
        cancel.check()  # an error caused by a cancel is reported as the cancel
        if isinstance(exc, HandcamError):
            message = str(exc)
        else:  # a full disk or a read-only folder: nothing half-written is kept
            where = f" {exc.filename}" if exc.filename else ""
            message = f"could not write{where}: {exc.strerror or exc}; no bundle was written"
        print(f"handcam-train: error: {message}", file=sys.stderr)
        progress.event("error", message=message)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
