"""The ``retain`` command: the monthly customer-success review from a folder of exports.

Exit codes: 0 done, 1 a check failed (``--min-auc``), 2 bad input (a missing or malformed table,
model or option; the message names the file, column and row). Nothing is half-written: every
output appears whole or not at all.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__, datasets, models
from . import report as _report
from ._files import check_file, check_folder, replace_file, replace_folder
from .backtest import backtest, fit_weights
from .book import Book
from .errors import RetainError, RetainWarning
from .health_model import HealthModel
from .segment import Segmenter

_EXAMPLES = {
    "demo": "example:\n  retain demo --accounts 5000 --months 36 --seed 0 --out retain-report",
    "report": "example:\n  retain report --data exports/ --as-of 2025-12-31 --out review-2025-12",
    "score": "example:\n  retain score --data exports/ --as-of 2025-12-31 --out scores.csv",
    "backtest": "example:\n  retain backtest --data exports/ --out backtest/ --min-auc 0.7",
    "fit": "example:\n  retain fit --data exports/ --out fitted-model.json",
}


class BadInput(Exception):
    """An input the user can fix: exit code 2."""


class _Progress:
    """One line per step, or a bar redrawn in place on a terminal; nothing when quiet."""

    def __init__(self, steps: Sequence[str], quiet: bool, stream: Any = None):
        self.steps, self.quiet = list(steps), quiet
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = self.last = time.perf_counter()
        self.done = 0

    def __call__(self, name: str) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        k = self.steps.index(name) + 1 if name in self.steps else self.done + 1
        self.done, self.last = k, now
        if self.tty:
            width = 24
            filled = width * (k - 1) // len(self.steps)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(
                f"\r[{bar}] {k}/{len(self.steps)} {name:<12} {now - self.start:5.1f} s"
            )
        else:
            self.stream.write(
                f"retain: [{k}/{len(self.steps)}] {name} ({now - self.start:.1f} s)\n"
            )
        self.stream.flush()

    def finish(self) -> None:
        if self.quiet:
            return
        total = time.perf_counter() - self.start
        if self.tty:
            self.stream.write(f"\r[{'#' * 24}] done in {total:.1f} s{' ' * 20}\n")
        else:
            self.stream.write(f"retain: done in {total:.1f} s\n")
        self.stream.flush()


# ----------------------------------------------------------------------------------- inputs


def _read_book(args: argparse.Namespace) -> Book:
    path = Path(args.data)
    if not path.is_dir():
        raise BadInput(f"--data: {args.data!r} is not a folder")
    internal = [t for t in args.internal_types.split(",") if t] if args.internal_types else None
    return Book.read(
        path,
        tz=args.tz,
        internal_activity_types=internal,
        unknown_accounts=args.unknown_accounts,
    )


def _read_model(path: str | None) -> HealthModel:
    if path is None:
        return models.default()
    text = _read_text(path, "--model")
    try:
        return HealthModel.from_json(text)
    except RetainError as exc:
        raise BadInput(f"--model {path}: {exc}") from exc


def _read_segments(path: str | None) -> Segmenter | None:
    if path is None:
        return None
    text = _read_text(path, "--segments")
    try:
        return Segmenter.from_json(text)
    except RetainError as exc:
        raise BadInput(f"--segments {path}: {exc}") from exc


def _read_text(path: str, option: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"{option}: cannot read {path!r}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise BadInput(f"{option}: {path!r} is not UTF-8 text") from exc


def _day(value: str | None, option: str = "--as-of") -> pd.Timestamp | None:
    if value is None:
        return None
    try:  # ISO only: pandas would read 03/04/2024 as March 4th without a word
        return pd.Timestamp(pd.to_datetime(value, format="ISO8601"))
    except (ValueError, TypeError) as exc:
        raise BadInput(f"{option}: {value!r} is not a date (write it as 2025-12-31)") from exc


# --------------------------------------------------------------------------------- commands


def _cmd_demo(args: argparse.Namespace) -> int:
    check_folder(args.out, _report.OUTPUT_FILES)  # before the work, not after it
    progress = _Progress(["data", *_REPORT_STEPS, "write"], args.quiet)
    progress("data")
    book = datasets.synthetic_saas(
        accounts=args.accounts, months=args.months, random_state=args.seed
    )
    return _make_report(book, args, progress, model=None, segments=None, as_of=None)


def _cmd_report(args: argparse.Namespace) -> int:
    check_folder(args.out, _report.OUTPUT_FILES)
    progress = _Progress(["data", *_REPORT_STEPS, "write"], args.quiet)
    model, segments, as_of = (
        _read_model(args.model),
        _read_segments(args.segments),
        _day(args.as_of),
    )
    progress("data")
    book = _read_book(args)
    return _make_report(book, args, progress, model, segments, as_of)


_REPORT_STEPS = ("revenue", "health", "coverage", "backtest")
_BACKTEST_FILES = ("summary.txt", "per_date.csv", "scores.csv", "pooled.csv")


def _make_report(
    book: Book,
    args: argparse.Namespace,
    progress: _Progress,
    model: HealthModel | None,
    segments: Segmenter | None,
    as_of: pd.Timestamp | None,
) -> int:
    built = _report.build(
        book,
        model=model,
        segments=segments,
        as_of=as_of,
        title=args.title,
        progress=progress,
        n_threads=args.threads,
    )
    progress("write")
    path = built.write(args.out, stamp=args.stamp)
    progress.finish()
    print(built.summary())
    for note in built.notes:
        print(f"note: {note}")
    print(f"report: {path}")
    return _check_auc(built.facts.get("auc"), args.min_auc)


def _check_options(args: argparse.Namespace) -> None:
    """Options argparse takes by type but not by range: refused before any work."""
    minimum = getattr(args, "min_auc", None)
    if minimum is not None and not 0.0 <= minimum <= 1.0:
        raise BadInput(f"--min-auc: an ROC AUC from 0 to 1, got {minimum}")
    if getattr(args, "reasons", 0) < 0:
        raise BadInput(f"--reasons: a count of reasons >= 0, got {args.reasons}")


def _check_auc(auc: float | None, minimum: float | None) -> int:
    if minimum is None:
        return 0
    if auc is None or not auc >= minimum:
        shown = "not measured" if auc is None else f"{auc:.3f}"
        print(
            f"retain: check failed: ROC AUC {shown} is below --min-auc {minimum}", file=sys.stderr
        )
        return 1
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    check_file(args.out, args.overwrite)
    progress = _Progress(["data", "score", "write"], args.quiet)
    model, day = _read_model(args.model), _day(args.as_of)
    progress("data")
    book = _read_book(args)
    progress("score")
    snaps = book.snapshots([day], n_threads=args.threads)
    scored = model.score(snaps, n_threads=args.threads)
    scored.insert(0, "account_id", snaps["account_id"].to_numpy())
    scored.insert(1, "as_of", snaps["as_of"].to_numpy())
    if args.reasons > 0 and len(snaps):
        reasons = model.reasons(snaps, top=args.reasons, n_threads=args.threads)["reason"].unstack(
            "rank"
        )
        for rank in reasons.columns:
            scored[f"reason_{rank}"] = reasons[rank].reindex(scored.index)
    progress("write")
    path = replace_file(
        args.out, lambda p: scored.to_csv(p, index=False, lineterminator="\n"), args.overwrite
    )
    progress.finish()
    grades = scored["grade"].value_counts().reindex(model.grades).fillna(0).astype(int)
    print(
        f"scored {len(scored):,} accounts as of {day:%Y-%m-%d}: "
        + ", ".join(f"{g} {n:,}" for g, n in grades.items())
    )
    print(f"scores: {path}")
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    check_folder(args.out, _BACKTEST_FILES)
    progress = _Progress(["data", "backtest", "write"], args.quiet)
    model = _read_model(args.model)
    dates = [_day(d) for d in args.as_of.split(",")] if args.as_of else None
    progress("data")
    book = _read_book(args)
    progress("backtest")
    last, dates = _observed_dates(book, args.horizon_days, dates)
    # Labels are known up to the data's last day; later horizons are dropped as unresolved.
    result = backtest(
        model,
        book,
        as_of=dates,
        horizon_days=args.horizon_days,
        observed_until=last,
        n_threads=args.threads,
    )
    progress("write")
    out = Path(args.out)

    def save(folder: Path) -> None:
        result.per_date.to_csv(folder / "per_date.csv", lineterminator="\n")
        result.scores.to_csv(folder / "scores.csv", index=False, lineterminator="\n")
        result.pooled.to_frame("pooled").to_csv(folder / "pooled.csv", lineterminator="\n")
        (folder / "summary.txt").write_text(result.summary() + "\n", encoding="utf-8")

    replace_folder(out, save, _BACKTEST_FILES)
    progress.finish()
    print(result.summary())
    print(f"backtest: {out}")
    return _check_auc(float(result.pooled["roc_auc"]), args.min_auc)


def _cmd_fit(args: argparse.Namespace) -> int:
    check_file(args.out, args.overwrite)
    progress = _Progress(["data", "fit", "write"], args.quiet)
    model = _read_model(args.model)
    progress("data")
    book = _read_book(args)
    progress("fit")
    last, dates = _observed_dates(book, args.horizon_days)
    fitted = fit_weights(
        model,
        book,
        as_of=dates,
        horizon_days=args.horizon_days,
        holdout=args.holdout,
        observed_until=last,
    )
    progress("write")
    fitted_document = fitted.to_dict()
    if "name" in fitted_document:  # a fitted copy is not the model it started from
        fitted_document["name"] = f"{fitted_document['name']} (fitted)"
    document = json.dumps(fitted_document, indent=2, sort_keys=True) + "\n"
    path = replace_file(
        args.out, lambda p: p.write_text(document, encoding="utf-8"), args.overwrite
    )
    progress.finish()
    report = fitted.fit_report
    pooled = report.comparison.loc["pooled"]
    print(
        f"held-out ROC AUC {pooled['before']:.3f} as configured, {pooled['after']:.3f} fitted "
        f"({len(report.holdout_dates)} held-out dates)"
    )
    if report.wrong_way:
        print("weight 0 (a higher score went with more churn): " + ", ".join(report.wrong_way))
    print(f"model: {path}")
    return 0


def _observed_dates(
    book: Book, horizon_days: int, given: list[pd.Timestamp | None] | None = None
) -> tuple[pd.Timestamp, list[pd.Timestamp]]:
    """The last day of the last MRR month (the end of what the data has observed) and the as-of
    dates: those `given` (--as-of), else the month ends whose horizon it observes, the latest
    12, by the report's rule."""
    from .kpi import mrr_movements

    months = mrr_movements(book).index
    if len(months) == 0:
        raise BadInput("--data: the mrr table has no rows")
    last = months[-1].end_time.normalize()
    if given is not None:
        return last, [d for d in given if d is not None]
    ends = _report.observed_month_ends(months, last, horizon_days)
    if len(ends) < 2:
        raise BadInput(
            f"--data: the MRR covers {len(months)} months, too few to backtest a "
            f"{horizon_days}-day horizon on two month ends"
        )
    return last, list(ends)


# ------------------------------------------------------------------------------------ parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="retain",
        description="Customer-success analytics: the monthly review from a business's tables.",
        epilog="example:\n"
        "  retain demo                                    # a synthetic business's report\n"
        "  retain report --data exports/ --out review/    # the report of your exports\n"
        "Run 'retain COMMAND --help' for a command's options and an example.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"retain {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help,
            description=help,
            epilog=_EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("--quiet", action="store_true", help="print no progress")
        p.add_argument(
            "--threads", type=int, metavar="N", help="threads to use (default: every core)"
        )
        return p

    def data(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--data",
            required=True,
            metavar="FOLDER",
            help="folder of CSV or Parquet exports (accounts, mrr, events, ...)",
        )
        p.add_argument("--tz", default="UTC", help="time zone of dates without an offset")
        p.add_argument(
            "--unknown-accounts",
            choices=["error", "drop"],
            default="error",
            help="rows whose account is not in accounts: an error (default) or dropped",
        )
        p.add_argument(
            "--internal-types",
            metavar="TYPES",
            help="comma-separated activity types that are not customer touches (e.g. note)",
        )

    def model(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--model",
            metavar="JSON",
            help="health model document (default: the shipped default model)",
        )

    def report_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--out",
            default="retain-report",
            metavar="DIR",
            help="folder for report.html and tables/ (default: retain-report)",
        )
        p.add_argument("--title", default="Customer-success review", help="the page's heading")
        p.add_argument("--stamp", action="store_true", help="add the generation time in the footer")
        p.add_argument(
            "--min-auc", type=float, metavar="X", help="exit 1 if the backtest's ROC AUC is below X"
        )

    p = command("demo", "generate a synthetic business and write its report")
    p.add_argument("--accounts", type=int, default=5000, help="accounts (default 5000)")
    p.add_argument("--months", type=int, default=36, help="months of history (default 36)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    report_options(p)
    p.set_defaults(run=_cmd_demo)

    p = command("report", "write the customer-success report of a folder of exports")
    data(p)
    model(p)
    p.add_argument("--segments", metavar="JSON", help="segmenter document assigning tiers")
    p.add_argument(
        "--as-of", metavar="DATE", help="review day (default: end of the last MRR month)"
    )
    report_options(p)
    p.set_defaults(run=_cmd_report)

    p = command("score", "score every active account on one day, with its top reasons")
    data(p)
    model(p)
    p.add_argument("--as-of", required=True, metavar="DATE", help="the day to score")
    p.add_argument("--out", required=True, metavar="CSV", help="scores file to write")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    p.add_argument(
        "--reasons",
        type=int,
        default=3,
        metavar="N",
        help="ranked reasons per account (default 3, 0 for none)",
    )
    p.set_defaults(run=_cmd_score)

    p = command("backtest", "measure how well the model foresaw churn on past month ends")
    data(p)
    model(p)
    p.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="folder for per_date.csv, scores.csv, pooled.csv, summary.txt",
    )
    p.add_argument(
        "--as-of",
        metavar="DATES",
        help="comma-separated as-of dates (default: the last 12 month ends observed)",
    )
    p.add_argument("--horizon-days", type=int, default=90, metavar="N")
    p.add_argument("--min-auc", type=float, metavar="X", help="exit 1 if the ROC AUC is below X")
    p.set_defaults(run=_cmd_backtest)

    p = command("fit", "fit the model's weights to past churn and write the fitted document")
    data(p)
    model(p)
    p.add_argument("--out", required=True, metavar="JSON", help="fitted model document to write")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    p.add_argument("--horizon-days", type=int, default=90, metavar="N")
    p.add_argument(
        "--holdout",
        type=float,
        default=0.3,
        metavar="SHARE",
        help="share of the latest as-of dates held out (default 0.3)",
    )
    p.set_defaults(run=_cmd_fit)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``retain`` command; return its exit code."""
    args = _parser().parse_args(argv)
    try:
        _check_options(args)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RetainWarning)
            code = int(args.run(args))
        for message in dict.fromkeys(str(w.message) for w in caught):  # each once
            print(f"retain {args.command}: warning: {message}", file=sys.stderr)
        return code
    except (BadInput, RetainError, OSError) as exc:
        # OSError: a file that is not there or not readable, or a write that failed (a full
        # disk); the output is then as it was before (retain._files).
        if isinstance(exc, OSError):
            message = f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)
        elif isinstance(exc, KeyError) and exc.args:  # ColumnError is a KeyError: no repr quotes
            message = str(exc.args[0])
        else:
            message = str(exc)
        lead = "\n" if sys.stderr.isatty() and not getattr(args, "quiet", True) else ""
        print(f"{lead}retain {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
