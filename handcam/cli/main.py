"""``handcam``: the desktop app, and its sub-commands predict, bench and record.

Heavy libraries (TensorFlow, MediaPipe, Qt) are imported inside the commands that
need them, so ``handcam --help`` answers at once.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from handcam import __version__
from handcam.errors import HandcamError
from handcam.model.bundle import default_model_path


def _add_model(p: argparse.ArgumentParser, sub: bool = False) -> None:
    # A sub-command's copy of an option must not reset the global one (argparse would set
    # its default over it): `handcam --model X predict ...` and `predict --model X` agree.
    default = default_model_path()
    p.add_argument(
        "--model",
        type=Path,
        default=argparse.SUPPRESS if sub else None,
        help=f"model bundle folder (default: {default})"
        if sub
        else f"model bundle folder (default: the model used last, else {default}; "
        f"predict, bench and record: {default})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="handcam",
        description="Read sign-language digits and letters from your hand, live. "
        "With no command, opens the app window.",
    )
    parser.add_argument("--version", action="version", version=f"handcam {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    parser.add_argument("--source", help="camera index, video file or image folder")
    _add_model(parser)
    parser.add_argument("--no-mirror", action="store_true", help="do not mirror the video")
    parser.add_argument(
        "--exit-after",
        type=float,
        metavar="SECONDS",
        help="close the window after this many seconds (automation)",
    )
    parser.add_argument(
        "--snapshot",
        type=Path,
        metavar="FILE.png",
        help="save a picture of the window just before exiting",
    )
    parser.add_argument(
        "--log-predictions",
        type=Path,
        metavar="FILE.jsonl",
        help="write one JSON line per processed frame",
    )
    parser.add_argument(
        "--data-dir", type=Path, help="where recorded samples and retrained models live"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("predict", help="classify images, folders of images or videos")
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="an image, a video, or a folder (searched, sub-folders too, for images and "
        "videos; other files in it are left alone)",
    )
    _add_model(p, sub=True)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument(
        "--compose",
        action="store_true",
        help="compose each video's signs into text and print it (without --json, only "
        "the text; with --json, a final object with its text after the frame lines)",
    )

    b = sub.add_parser("bench", help="time the pipeline headless and print latency figures")
    b.add_argument("--source", default=argparse.SUPPRESS, help="video file or image folder")
    b.add_argument(
        "--frames",
        type=int,
        default=200,
        metavar="N",
        help="frames (or images) to time after 5 warm-up frames; a shorter source is timed "
        "to its end (default 200)",
    )
    _add_model(b, sub=True)
    b.add_argument("--json", action="store_true", help="one JSON line")
    b.add_argument(
        "--empty",
        metavar="VIDEO",
        help="also time a video with no hand in view (handcam against MediaPipe tracking)",
    )
    b.add_argument(
        "--max-hands", type=int, default=2, choices=(1, 2), help="hands handcam looks for"
    )

    r = sub.add_parser(
        "record",
        help="record labelled samples without the window",
        description="Record samples of one sign (one label) from a camera, video or image "
        "folder into a dataset folder that handcam-train reads (one sub-folder per label). "
        "Each call is one sitting: its samples are kept together when the data are split, "
        "so a model is tested on sittings it was not trained on. Record each label again "
        "on another day, in other light or by another person: only then can training tell "
        "how well the model reads people and rooms it has not seen (with one sitting per "
        "label it cannot, and says so).",
        epilog="example: handcam record --source 0 --label A --count 20 --out ~/my-signs",
    )
    r.add_argument("--source", default=argparse.SUPPRESS, help="camera index, video or folder")
    r.add_argument(
        "--label",
        required=True,
        help="the sign's name, also its folder name: any letters, digits or words ("
        "'A', '7', 'thumbs up', 'ñ'); not empty, at most 64 characters, no leading dot or "
        'surrounding spaces, none of / \\ : * ? " < > |',
    )
    r.add_argument("--count", type=int, help="samples to record (still samples)")
    r.add_argument(
        "--clip",
        action="store_true",
        help="record one motion sample instead: the hand's landmarks over the frames of a "
        "video (or a camera until the hand comes to rest after moving), cut to the motion "
        "(0.3-3 s); a clip without a hand, with the hand lost most of the time or with no "
        "motion is refused and nothing is written",
    )
    r.add_argument(
        "--seconds",
        type=float,
        default=8.0,
        help="with --clip: the longest a camera is watched, or a video read (default 8)",
    )
    r.add_argument("--out", type=Path, required=True, help="dataset folder")
    r.add_argument(
        "--every",
        type=int,
        default=1,
        metavar="K",
        help="consider every K-th frame only (default 1)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.verbose:
        os.environ["HANDCAM_NATIVE_LOGS"] = "1"
    from handcam.system.native_logs import configure_native_logging

    configure_native_logging()
    model = args.model or default_model_path()
    try:
        if args.command == "predict":
            from handcam.cli.predict import run_predict

            return run_predict(args.paths, model, args.json, compose=args.compose)
        if args.command == "bench":
            from handcam.cli.bench import print_bench, run_bench

            report = run_bench(
                args.source, args.frames, model, args.json, args.empty, args.max_hands
            )
            print_bench(report, args.json)
            return 0
        if args.command == "record":
            from handcam.cli.record import run_record

            if not args.source:
                raise HandcamError("record needs --source (a camera index, video or folder)")
            if args.clip:
                from handcam.cli.record import run_record_clip

                return run_record_clip(
                    args.source, args.label, args.out, args.seconds, model=args.model
                )
            if args.count is None:
                raise HandcamError("record needs --count N (or --clip for a motion sample)")
            return run_record(
                args.source, args.label, args.count, args.out, args.every, model=args.model
            )
        from handcam.ui.app import run_app

        return run_app(args)
    except HandcamError as exc:
        print(f"handcam: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `handcam predict DIR --json | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
