"""The monthly customer-success review as one HTML file.

:func:`build` reads a :class:`~retain.Book` and computes, as of one day, what a CS leader looks
at every month: revenue (headline tiles, the MRR bridge, churn and NRR trends, cohorts, churn by
reason, retention by tier), health (scores by tier and grade, grade moves, the accounts at risk
with their reasons, MRR at risk by owner), CSM coverage and the backtest that shows whether the
health score foresees churn. :meth:`Report.write` saves it as ``report.html`` (charts as inline
SVG, no script and no link outside the folder: it opens from disk, offline) with the table
behind every chart and table as CSV in ``tables/``.

The same Book, model and day always give a byte-identical report: nothing in it depends on the
clock unless ``stamp=True`` asks for one footer line.

>>> book = rt.datasets.synthetic_saas()              # or rt.Book.read("exports/")
>>> report = rt.report.build(book, model=rt.models.default())
>>> report.write("retain-report")
>>> print(report.summary())
"""

from __future__ import annotations

import html
import io
import os
import re
import textwrap
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _frames, kpi, metrics, models, survival
from . import plot as rtplot
from ._files import replace_folder
from .backtest import backtest as _backtest
from .backtest import fit_weights
from .book import Book
from .calibration import calibrate_risk, mrr_at_risk
from .errors import InputError, RetainWarning
from .health_model import HealthModel, ModelSet
from .segment import Segmenter

if TYPE_CHECKING:  # matplotlib stays unimported at run time until a chart is drawn
    from matplotlib.axes import Axes

__all__ = ["Report", "build"]

#: The sections of the report, in order: (id, heading).
SECTIONS = (
    ("headline", "Headline"),
    ("revenue", "Revenue"),
    ("health", "Health"),
    ("coverage", "Segments and CSM coverage"),
    ("backtest", "Does the health score foresee churn?"),
)
#: What a report folder holds (report.html first): Report.write replaces only such a folder.
OUTPUT_FILES = ("report.html", "tables", "tables/*.csv")
_AT_RISK_ROWS = 15  # accounts listed per at-risk table: a CSM team's week of calls
_BACKTEST_DATES = 12  # monthly as-of dates in the backtest, the latest whose horizon is observed


@dataclass
class _Item:
    """One chart (``svg`` set) or table of a section, with the data behind it."""

    name: str
    title: str
    caption: str
    data: pd.DataFrame
    svg: str | None = None
    shown: pd.DataFrame | None = None  # the table as displayed, when it differs from ``data``


@dataclass
class _Section:
    id: str
    title: str
    tiles: list[tuple[str, str, str]] = field(default_factory=list)  # (label, value, note)
    items: list[_Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Report:
    """A built report: :meth:`html` is the page, :meth:`write` saves it with its tables,
    :attr:`tables` holds every table behind it by name, :meth:`summary` a few lines to print."""

    def __init__(
        self,
        title: str,
        as_of: pd.Timestamp,
        sections: list[_Section],
        facts: dict[str, Any],
        notes: list[str] | None = None,
    ):
        self.title = title
        self.as_of = as_of
        self._sections = sections
        self.facts = facts
        #: What retain warned about while building (each once), also shown at the page's end.
        self.notes = list(notes or [])

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The data behind each chart and table, by name (the CSV files of :meth:`write`)."""
        return {item.name: item.data for s in self._sections for item in s.items}

    @property
    def sections(self) -> list[str]:
        """The section ids present, in order."""
        return [s.id for s in self._sections]

    def summary(self) -> str:
        """The headline numbers as a few lines of text."""
        f = self.facts
        lines = [f"{self.title}, as of {self.as_of:%Y-%m-%d}"]
        tiles = [f"{label} {value}" for s in self._sections for label, value, _ in s.tiles]
        lines += textwrap.wrap(" · ".join(tiles), 96, initial_indent="  ", subsequent_indent="  ")
        if "auc" in f:
            lines.append(f"  health score backtest: 90-day ROC AUC {f['auc']:.3f}")
        if "red_accounts" in f:
            lines.append(
                f"  {f['red_accounts']:,} accounts graded {f['lowest_grade']}, "
                f"{f['untouched_red']:,} of them untouched for 30 days"
            )
        return "\n".join(lines)

    def html(self, stamp: str | None = None) -> str:
        """The report as one self-contained HTML page; ``stamp`` adds a footer line."""
        nav = " · ".join(f'<a href="#{s.id}">{html.escape(s.title)}</a>' for s in self._sections)
        body = [
            f"<header><h1>{html.escape(self.title)}</h1>",
            f'<p class="asof">As of {self.as_of:%Y-%m-%d}</p><nav>{nav}</nav></header>',
        ]
        for section in self._sections:
            body.append(_section_html(section))
        if self.notes:
            body.append('<section class="notes"><h2>Notes</h2><ul>')
            body.extend(f'<li class="note">{html.escape(n)}</li>' for n in self.notes)
            body.append("</ul></section>")
        footer = "retain report — tables behind each chart are in tables/ beside this file."
        if stamp:
            footer += f" Generated {html.escape(stamp)}."
        body.append(f"<footer>{footer}</footer>")
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head>\n<body>\n"
            + "\n".join(body)
            + "\n</body></html>\n"
        )

    def write(self, out: str | os.PathLike[str], stamp: bool = False) -> Path:
        """Save ``report.html`` and ``tables/*.csv`` into the folder ``out``; return the HTML's
        path. Everything is written into a new folder beside ``out`` first and then put in its
        place, so ``out`` holds either the whole new report or what it held before. ``out`` must
        be absent, empty or an earlier report holding nothing but ``report.html`` and
        ``tables/*.csv``: other folders are refused rather than replaced (a file of yours in
        it would be lost). ``stamp`` adds the generation time in the footer."""
        when = pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M UTC") if stamp else None
        page = self.html(when)  # everything that can fail, before any file is touched
        tables = self.tables

        def save(folder: Path) -> None:
            (folder / "tables").mkdir()
            for name, table in tables.items():
                # An unnamed index is only row numbers: left out, so no column lacks a name.
                named = any(n is not None for n in table.index.names)
                table.to_csv(folder / "tables" / f"{name}.csv", index=named, lineterminator="\n")
            (folder / "report.html").write_text(page, encoding="utf-8")

        out = replace_folder(out, save, OUTPUT_FILES)
        return out / "report.html"

    def __repr__(self) -> str:
        return f"Report({self.title!r}, as_of={self.as_of:%Y-%m-%d}, sections={self.sections})"


# ------------------------------------------------------------------------------------- build


def build(
    book: Book,
    model: HealthModel | ModelSet | None = None,
    segments: Segmenter | None = None,
    as_of: Any = None,
    *,
    horizon_days: int = 90,
    gross_margin: float = 0.8,
    title: str = "Customer-success review",
    progress: Callable[[str], None] | None = None,
    n_threads: int | None = None,
) -> Report:
    """Compute the monthly customer-success review of ``book`` as of one day.

    Parameters
    ----------
    book : Book
        The business's tables. Accounts and MRR are needed; surveys, events, tickets,
        milestones, churns and activities fill the parts that read them (a part whose table is
        absent says so in the report instead of a chart).
    model : HealthModel or ModelSet, optional
        The health model to score, explain and backtest; :func:`retain.models.default` if None.
    segments : Segmenter, optional
        Assigns each account a tier from its snapshot row. Without one, the accounts' ``tier``
        column is used, else their ``plan``.
    as_of : date, optional
        The review day; by default the last day of the last MRR month. Revenue charts end with
        its month; health is scored on it and on the last day of the month before.
    horizon_days : int, default 90
        The churn horizon of the backtest and of the churn probabilities.
    gross_margin : float, default 0.8
        The share of revenue kept after the cost of serving it, for LTV.
    title : str
        The page's heading.
    progress : callable, optional
        Called with the name of each step as it starts (the command line's progress lines).
    n_threads : int, optional
        Threads for the compiled steps (None: every core); the report does not depend on it.

    Returns
    -------
    Report
    """
    if not isinstance(book, Book):
        raise TypeError(f"build: expected a retain.Book, got {type(book).__name__}")
    if "mrr" not in book.tables:
        raise InputError("build: the Book has no mrr table; the report starts from revenue")
    model = models.default() if model is None else model
    if not isinstance(model, (HealthModel, ModelSet)):
        raise TypeError(f"model: expected a HealthModel or ModelSet, got {type(model).__name__}")
    step = progress or (lambda _name: None)

    # What retain warns about on the way (a measure without its column, events ending before the
    # day) is part of the report: kept as notes, shown at the end and printed by the command.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RetainWarning)
        step("revenue")
        mv_all = kpi.mrr_movements(book, n_threads=n_threads)
        day, month = _review_day(mv_all, as_of)
        mv = mv_all.loc[:month]
        ctx = _Context(book, model, segments, day, month, mv, horizon_days, gross_margin, n_threads)
        sections = [_headline(ctx), _revenue(ctx)]
        step("health")
        sections.append(_health(ctx))
        step("coverage")
        sections.append(_coverage(ctx))
        step("backtest")
        sections.append(_backtest_section(ctx))
    next(s for s in sections if s.id == "health").items.extend(ctx.health_items)
    for w in caught:
        if not issubclass(w.category, RetainWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    notes = list(
        dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, RetainWarning))
    )
    return Report(title, day, sections, ctx.facts, notes)


@dataclass
class _Context:
    book: Book
    model: Any
    segments: Segmenter | None
    day: pd.Timestamp
    month: pd.Period
    mv: pd.DataFrame
    horizon_days: int
    gross_margin: float
    n_threads: int | None
    nrr: pd.Series = field(init=False)  # 12-month NRR and GRR per month: the tiles and trends
    grr: pd.Series = field(init=False)
    facts: dict[str, Any] = field(default_factory=dict)
    health_items: list[_Item] = field(default_factory=list)
    _snaps: dict[pd.Timestamp, pd.DataFrame] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A business with less than 13 months of MRR has no 12-month NRR yet: its tile and
        # trend show none, which says so on the page, so the KPIs' warning is not repeated.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "(nrr|grr): no period has", RetainWarning)
            self.nrr = kpi.nrr(self.book, months=12).reindex(self.mv.index)
            self.grr = kpi.grr(self.book, months=12).reindex(self.mv.index)

    def snapshots(self, day: pd.Timestamp) -> pd.DataFrame:
        if day not in self._snaps:
            self._snaps[day] = self.book.snapshots([day], n_threads=self.n_threads)
        return self._snaps[day]

    def tier(self, snaps: pd.DataFrame) -> pd.Series:
        """Each snapshot row's tier: the segmenter's, else the tier or plan column."""
        if self.segments is not None:
            return pd.Series(self.segments.assign(snaps).to_numpy(), index=snaps.index, name="tier")
        for column in ("tier", "plan"):
            if column in snaps.columns:
                return snaps[column].astype(object).fillna("(none)").rename("tier")
        return pd.Series("all", index=snaps.index, name="tier")


def _review_day(mv: pd.DataFrame, as_of: Any) -> tuple[pd.Timestamp, pd.Period]:
    if len(mv) == 0:
        raise InputError("build: the mrr table has no rows; there is no revenue to report")
    if as_of is None:
        month = mv.index[-1]
        return month.end_time.normalize(), month
    try:
        day = pd.Timestamp(pd.to_datetime(as_of, format=_frames.iso_format([as_of])))
    except (ValueError, TypeError) as exc:
        raise InputError(f"as_of: {as_of!r} is not a date (write it as YYYY-MM-DD)") from exc
    if day.tzinfo is not None:
        day = day.tz_localize(None)
    day = day.normalize()
    month = day.to_period("M")
    first, last = mv.index[0], mv.index[-1]
    if not first <= month <= last:
        raise InputError(f"as_of: {day:%Y-%m-%d} is outside the MRR data ({first} to {last})")
    return day, month


# ---------------------------------------------------------------------------------- sections


def _headline(ctx: _Context) -> _Section:
    mv, section = ctx.mv, _Section("headline", "Headline")
    last = mv.iloc[-12:]
    mrr_now = float(mv["ending_mrr"].iloc[-1])
    nrr, grr = ctx.nrr, ctx.grr
    logo = _ratio(last["churned_accounts"].sum(), last["starting_accounts"].sum())
    revenue = _ratio((last["churned"] + last["contraction"]).sum(), last["starting_mrr"].sum())
    gains = (last["new"] + last["expansion"] + last["reactivation"]).sum()
    quick = _ratio(gains, (last["churned"] + last["contraction"]).sum())
    arpa = _ratio(mrr_now, mv["ending_accounts"].iloc[-1])
    ltv = (
        kpi.ltv(arpa=arpa, gross_margin=ctx.gross_margin, churn_rate=logo)
        if np.isfinite(arpa) and np.isfinite(logo) and logo > 0
        else float("nan")
    )
    months = f"{last.index[0]} to {last.index[-1]}"
    year_ago = mv["ending_mrr"].iloc[-13] if len(mv) >= 13 else float("nan")
    rows = [
        ("MRR", _money(mrr_now), _change(mrr_now, year_ago)),
        ("Customers", f"{int(mv['ending_accounts'].iloc[-1]):,}", f"ARPA {_money(arpa)}"),
        ("NRR, 12 months", _share(nrr.iloc[-1]), "revenue kept and grown from a year ago"),
        ("GRR, 12 months", _share(grr.iloc[-1]), "revenue kept, without expansion"),
        ("Logo churn", _share(logo, 2), f"per month, {months}"),
        ("Gross revenue churn", _share(revenue, 2), "churn and contraction per month"),
        ("Quick ratio", _number(quick), "gains over losses, 12 months"),
        ("LTV", _money(ltv), f"at {ctx.gross_margin:.0%} gross margin"),
    ]
    answers = _survey_scores(ctx)
    if answers is None:
        section.notes.append("No surveys table: NPS and CSAT are not shown.")
    else:
        nps_scores, csat_scores = answers
        if len(nps_scores):
            n = kpi.nps(nps_scores)
            rows.append(("NPS", f"{n.nps:+.0f}", f"± {n.margin95:.0f}, {n.n:,} answers, 12 months"))
        if len(csat_scores):
            c = kpi.csat(csat_scores)
            rows.append(("CSAT", _share(c.csat), f"{c.n:,} answers, 12 months"))
    section.tiles = rows
    tiles = pd.DataFrame(rows, columns=["measure", "value", "note"]).set_index("measure")
    section.items.append(
        _Item("headline", "Headline numbers", f"As of {ctx.day:%Y-%m-%d}", tiles, shown=tiles)
    )
    ctx.facts.update(mrr=mrr_now, nrr=float(nrr.iloc[-1]), logo_churn=logo)
    return section


def _survey_scores(ctx: _Context) -> tuple[np.ndarray, np.ndarray] | None:
    if "surveys" not in ctx.book.tables:
        return None
    surveys = ctx.book.table("surveys")
    # The Book's own day of each answer (its time rule and zone: offsets, mixed forms), not a
    # second parse here.
    day = ctx.book._days("surveys", "answered_at")
    review = (ctx.day - pd.Timestamp("1970-01-01")).days
    recent = (day > review - 365) & (day <= review)
    score = surveys["score"].to_numpy(dtype=np.float64, na_value=np.nan)
    if "kind" not in surveys.columns:  # the contract: without a kind every answer is NPS
        return score[recent], score[:0]
    kind = surveys["kind"].astype("string").str.strip().str.lower()
    nps = (kind == "nps").fillna(False).to_numpy(dtype=bool)
    csat = (kind == "csat").fillna(False).to_numpy(dtype=bool)
    return score[recent & nps], score[recent & csat]


def _revenue(ctx: _Context) -> _Section:
    section, mv = _Section("revenue", "Revenue"), ctx.mv
    bridge = mv.iloc[-12:]
    section.items.append(
        _chart(
            "mrr_bridge",
            "MRR bridge, last 12 months",
            "Gains above zero, losses below; the line is ending MRR (right axis).",
            bridge,
            lambda ax: rtplot.mrr_bridge(bridge, ax=ax),
        )
    )
    trends = pd.DataFrame(
        {
            "logo_churn": kpi.churn_rate(mv, "logo"),
            "gross_revenue_churn": kpi.churn_rate(mv, "gross_revenue"),
            "nrr_12m": ctx.nrr,
            "grr_12m": ctx.grr,
        }
    )
    section.items.append(
        _chart(
            "churn_trends",
            "Churn and retention trends",
            "Monthly logo and gross revenue churn (left); NRR and GRR over the 12 months before "
            "(right, from the 13th month of data).",
            trends,
            lambda ax: _trend_lines(ax, trends),
        )
    )
    cohorts = kpi.cohort_retention(ctx.book, kind="logo")
    cohorts = cohorts.loc[cohorts.index <= ctx.month].iloc[-24:]
    cohorts = cohorts.loc[:, [age for age in cohorts.columns if age <= 24]]
    section.items.append(
        _chart(
            "cohorts",
            "Logo retention by first paid month",
            "Share of each month's new paying customers still paying n months later (the last "
            "24 cohorts; accounts paying in the first month of data start there).",
            cohorts,
            lambda ax: rtplot.cohorts(cohorts, ax=ax),
            size=(9, 6),
        )
    )
    if "churns" in ctx.book.tables:
        reasons = kpi.churn_reasons(ctx.book, freq="Q", n_threads=ctx.n_threads)
        reasons = reasons.loc[reasons.index.get_level_values(0) <= ctx.month.asfreq("Q")]
        if len(reasons):
            section.items.append(
                _chart(
                    "churn_reasons",
                    "Churn by reason",
                    "MRR lost to churn per quarter, by the reason recorded at churn.",
                    reasons,
                    lambda ax: rtplot.churn_reasons(reasons, ax=ax),
                )
            )
    else:
        section.notes.append("No churns table: churn by reason is not shown.")
    tenure = ctx.book.tenure(ctx.day)
    accounts = ctx.book.accounts.set_index(ctx.book.accounts.columns[0])
    frame = tenure.join(_account_tier(ctx, accounts))
    # Monthly steps up to the longest tenure seen: a curve does not run on past its data.
    longest = int(frame["duration"].max()) if len(frame) else 0
    curves = survival.retention_curves(
        frame.reset_index(drop=True),
        by="tier",
        observed="churned",
        entry="entry",
        timeline=np.arange(0, longest + 1, 30),
    )
    section.items.append(
        _chart(
            "retention_by_tier",
            "Customer retention by tier (Kaplan-Meier)",
            "Share of accounts still customers after n days, with 95 % bands; accounts that "
            "signed before the data start enter late.",
            curves,
            lambda ax: rtplot.survival(curves, ax=ax),
        )
    )
    return section


def _account_tier(ctx: _Context, accounts: pd.DataFrame) -> pd.Series:
    """Tier per account id for the survival curves (a segmenter reads snapshot columns, so it
    tiers the accounts scored on the review day; the others fall back to tier or plan)."""
    base = None
    for column in ("tier", "plan"):
        if column in accounts.columns:
            base = accounts[column].astype(object).fillna("(none)")
            break
    if base is None:
        base = pd.Series("all", index=accounts.index)
    if ctx.segments is not None:
        snaps = ctx.snapshots(ctx.day)
        assigned = pd.Series(ctx.tier(snaps).to_numpy(), index=snaps["account_id"].to_numpy())
        base = assigned.reindex(base.index).astype(object).fillna(base)
    return base.rename("tier")


def _health(ctx: _Context) -> _Section:
    section, model = _Section("health", "Health"), ctx.model
    snaps = ctx.snapshots(ctx.day)
    previous_day = (ctx.month - 1).end_time.normalize()
    before = ctx.snapshots(previous_day)
    scored = model.score(snaps, n_threads=ctx.n_threads)
    scored_before = model.score(before, n_threads=ctx.n_threads)
    ids = snaps["account_id"].to_numpy()
    now = scored.set_index(pd.Index(ids, name="account_id"))
    now.insert(0, "tier", ctx.tier(snaps).to_numpy())
    now.insert(1, "owner", snaps["owner"].to_numpy() if "owner" in snaps else "(none)")
    now.insert(2, "mrr", snaps["mrr"].to_numpy())
    # NaN (shown as "never") when the Book has no activities table.
    now["tenure_days"] = snaps["tenure_days"].to_numpy()
    now["days_since_touch"] = snaps.get(
        "days_since_touch", pd.Series(np.nan, snaps.index)
    ).to_numpy()
    prev = scored_before.set_index(pd.Index(before["account_id"].to_numpy(), name="account_id"))
    now["previous_score"] = prev["score"].reindex(now.index)
    now["grade"] = now["grade"].astype(object)
    now["previous_grade"] = prev["grade"].astype(object).reindex(now.index)
    now["score_change"] = now["score"] - now["previous_score"]
    grades = list(model.grades)

    section.items.append(
        _chart(
            "health_distribution",
            "Health scores",
            _active_caption(ctx, len(now)),
            now[["score", "grade"]],
            lambda ax: rtplot.health_distribution(scored, ax=ax),
        )
    )
    by_tier = pd.crosstab(now["tier"], pd.Categorical(now["grade"], categories=grades))
    by_tier = by_tier.reindex(columns=grades, fill_value=0)  # a grade nobody has is a 0 column
    by_tier.columns.name = "grade"
    mrr_by = (
        now.pivot_table(index="tier", columns="grade", values="mrr", aggfunc="sum", observed=False)
        .reindex(columns=grades)
        .fillna(0.0)
    )
    tier_table = by_tier.join(mrr_by.add_suffix(" MRR"))
    section.items.append(
        _chart(
            "grades_by_tier",
            "Grades by tier",
            "Accounts per tier and grade (the MRR in each is in the table).",
            tier_table,
            lambda ax: _stacked_bars(ax, by_tier, grades, "accounts"),
        )
    )
    moves = pd.crosstab(
        pd.Categorical(now["previous_grade"].fillna("(new)"), categories=[*grades, "(new)"]),
        pd.Categorical(now["grade"], categories=grades),
        dropna=False,
    )
    moves.index.name, moves.columns.name = f"grade on {previous_day:%Y-%m-%d}", "grade now"
    section.items.append(
        _Item(
            "grade_moves",
            "Grade moves since last month",
            "Accounts by last month's grade (rows) and this month's (columns).",
            moves,
            shown=moves,
        )
    )

    reasons = model.reasons(snaps, top=3, n_threads=ctx.n_threads)
    texts = reasons["reason"].groupby(level=0).agg(" · ".join)
    now["top_reasons"] = pd.Series(texts.to_numpy(), index=ids[texts.index.to_numpy()]).reindex(
        now.index
    )
    columns = [
        "tier",
        "owner",
        "mrr",
        "tenure_days",
        "score",
        "grade",
        "score_change",
        "days_since_touch",
        "top_reasons",
    ]
    lowest = now.dropna(subset=["score"]).sort_values(["score", "mrr"], ascending=[True, False])
    section.items.append(
        _table_item(
            "at_risk_lowest",
            "At risk: lowest scores",
            f"The {_AT_RISK_ROWS} lowest-scored accounts, their top reasons and days since "
            "the last CSM touch.",
            lowest[columns].head(_AT_RISK_ROWS),
        )
    )
    drops = now.dropna(subset=["score_change"]).sort_values(
        ["score_change", "mrr"], ascending=[True, False]
    )
    drops = drops[columns].head(_AT_RISK_ROWS).rename(columns={"top_reasons": "what_moved"})
    drops["what_moved"] = _change_reasons(model, snaps, before, drops.index, ctx.n_threads)
    section.items.append(
        _table_item(
            "at_risk_drops",
            "At risk: biggest drops",
            f"The {_AT_RISK_ROWS} accounts whose score fell most since {previous_day:%Y-%m-%d}, "
            "with the measures that moved it most.",
            drops,
        )
    )
    ctx.facts["scored"] = now
    ctx.facts["red_accounts"] = int((now["grade"] == grades[0]).sum())
    ctx.facts["lowest_grade"] = grades[0]
    return section


def _active_caption(ctx: _Context, active: int) -> str:
    paying = int(ctx.mv["ending_accounts"].iloc[-1])
    text = f"The {active:,} accounts active on {ctx.day:%Y-%m-%d}, by score, coloured by grade."
    if paying > active:
        text += (
            f" The headline's {paying:,} customers paid in {ctx.month}; {paying - active:,} of "
            "them have a churn recorded by the review day and are no longer scored."
        )
    return text


def _change_reasons(
    model: Any, snaps: pd.DataFrame, before: pd.DataFrame, ids: pd.Index, n_threads: Any
) -> list[str]:
    """The top 3 measures that moved each account's score since ``before`` (accounts in both)."""
    now = snaps.set_index("account_id")
    then = before.set_index("account_id")
    both = now.index.intersection(then.index, sort=False)
    if len(ids) == 0:
        return []
    moved = model.reasons(now.loc[both], top=3, previous=then, n_threads=n_threads)
    texts = moved["reason"].groupby(level=0, sort=False).agg(" · ".join)
    return [texts.get(account, "") for account in ids]


def _coverage(ctx: _Context) -> _Section:
    section = _Section("coverage", "Segments and CSM coverage")
    now = ctx.facts["scored"]
    tiers = now.groupby("tier", sort=True).agg(
        accounts=("mrr", "size"), arr=("mrr", lambda m: 12 * m.sum()), mean_score=("score", "mean")
    )
    section.items.append(
        _table_item(
            "segments",
            "Accounts and ARR by tier",
            "Customers on the review day per tier"
            + (" (from the segmenter)." if ctx.segments else "."),
            tiers,
        )
    )
    if "activities" not in ctx.book.tables or "owner" not in ctx.book.accounts.columns:
        section.notes.append("No activities table or no account owner: CSM coverage is not shown.")
        ctx.facts["untouched_red"] = 0
        return section
    cover = kpi.coverage(ctx.book, ctx.day, 30, by="owner", n_threads=ctx.n_threads)
    shown = cover.drop(columns="untouched_accounts")
    section.items.append(
        _chart(
            "coverage_by_owner",
            "ARR per CSM, and ARR nobody touched in 30 days",
            "Each owner's ARR, the part untouched for 30 days darker.",
            shown,
            lambda ax: _coverage_bars(ax, shown),
        )
    )
    red = now.index[now["grade"] == ctx.facts["lowest_grade"]]
    red_cover = kpi.coverage(
        ctx.book, ctx.day, 30, by="owner", accounts=list(red), n_threads=ctx.n_threads
    )
    untouched = [
        (owner, account)
        for owner, ids in red_cover["untouched_accounts"].items()
        for account in ids
    ]
    table = pd.DataFrame(untouched, columns=["owner", "account_id"]).set_index("account_id")
    table = table.join(now[["tier", "mrr", "score", "days_since_touch", "top_reasons"]])
    table = table.sort_values(["mrr"], ascending=False)
    listed = f"the {_AT_RISK_ROWS} largest by MRR" if len(table) > _AT_RISK_ROWS else "by MRR"
    section.items.append(
        _Item(
            "untouched_red",
            f"{ctx.facts['lowest_grade'].capitalize()} accounts nobody touched in 30 days",
            f"{len(table):,} accounts, {listed} here, all in the CSV.",
            table,
            shown=table.head(_AT_RISK_ROWS),
        )
    )
    ctx.facts["untouched_red"] = len(table)
    return section


def _backtest_section(ctx: _Context) -> _Section:
    section = _Section("backtest", "Does the health score foresee churn?")
    if "churns" not in ctx.book.tables:
        section.notes.append("No churns table: there are no churn labels to backtest against.")
        return section
    dates = _backtest_dates(ctx)
    if len(dates) < 4:
        section.notes.append(
            f"Too little history before {ctx.day:%Y-%m-%d} to backtest a {ctx.horizon_days}-day "
            "horizon (4 monthly as-of dates needed)."
        )
        return section
    options = dict(as_of=dates, horizon_days=ctx.horizon_days, observed_until=ctx.day)
    result = _backtest(ctx.model, ctx.book, n_threads=ctx.n_threads, **options)
    y = result.scores["label"].to_numpy(dtype=float)
    risk = result.scores["risk"].to_numpy(dtype=float)
    auc = float(result.pooled["roc_auc"])
    ctx.facts["auc"] = auc
    roc = metrics.roc_curve(y, risk)
    section.items.append(
        _chart(
            "roc",
            f"ROC curve (AUC {auc:.3f})",
            f"{int(result.pooled['n']):,} account-months on {len(dates)} monthly dates, "
            f"{int(result.pooled['churners']):,} churned within {ctx.horizon_days} days.",
            roc,
            lambda ax: _roc(ax, roc),
            size=(5, 4.5),
        )
    )
    tops = np.arange(1, 11) / 10
    lift = pd.DataFrame(
        {
            "lift": [metrics.lift(y, risk, top=t) for t in tops],
            "recall": [metrics.recall_at(y, risk, top=t) for t in tops],
        },
        index=pd.Index((tops * 100).round().astype(int), name="top_percent"),
    )
    section.items.append(
        _chart(
            "lift",
            "Lift by risk decile",
            "Churn rate among the riskiest n % of accounts over the overall rate.",
            lift,
            lambda ax: _lift_bars(ax, lift),
            size=(5, 4.5),
        )
    )
    calibration = calibrate_risk(ctx.model, ctx.book, n_threads=ctx.n_threads, **options)
    reliability = calibration.reliability
    section.items.append(
        _chart(
            "calibration",
            "Calibration on held-out dates",
            "Churn probability from the risk (isotonic, fitted on earlier dates) against the "
            f"churn seen; Brier {calibration.brier:.4f} against "
            f"{calibration.brier_base_rate:.4f} for the base rate. A dot's area is its rows.",
            reliability,
            lambda ax: _reliability(ax, reliability),
            size=(5, 4.5),
        )
    )
    per_date = result.per_date
    section.items.append(
        _chart(
            "auc_by_date",
            "ROC AUC per as-of date",
            "Whether the score holds up month after month (a month in which no account churned "
            "within the horizon has no AUC: a gap).",
            per_date,
            lambda ax: _per_date(ax, per_date),
        )
    )
    if isinstance(ctx.model, ModelSet):
        # One weight fit per segment's model would need each segment's own backtest dates.
        section.notes.append(
            "No configured-against-fitted weights: the scores come from a ModelSet, whose "
            "models are fitted one by one (rt.fit_weights on each segment's rows)."
        )
    else:
        _weights_chart(section, ctx.model, ctx.book, options)
    if "scored" in ctx.facts and "owner" in ctx.facts["scored"].columns:
        snaps = ctx.snapshots(ctx.day)
        p = calibration.churn_probability(snaps, n_threads=ctx.n_threads)
        now = ctx.facts["scored"]
        probability = pd.Series(p.to_numpy(), index=now.index).dropna()
        at_risk = mrr_at_risk(
            probability,
            now["mrr"].reindex(probability.index),
            by=now["owner"].reindex(probability.index),
        )
        shown = at_risk.assign(top_accounts=at_risk["top_accounts"].map(" ".join))
        # Shown under health, where a CS leader looks for it; computed here, from the calibration.
        ctx.health_items.append(
            _chart(
                "mrr_at_risk_by_owner",
                f"MRR at risk by owner, next {ctx.horizon_days} days",
                "Churn probability times MRR, summed per owner; the probabilities are the "
                "backtest's calibration applied to today's risk.",
                shown,
                lambda ax: _at_risk_bars(ax, shown),
            )
        )
    return section


def observed_month_ends(
    months: pd.PeriodIndex, day: pd.Timestamp, horizon_days: int, n: int = _BACKTEST_DATES
) -> pd.DatetimeIndex:
    """The month ends of ``months`` whose ``horizon_days`` end by ``day``, the latest ``n``: the
    as-of dates whose churn labels the data already knows (the report's backtest and the
    command line's backtest and fit)."""
    ends = pd.date_range(months[0].end_time.normalize(), day, freq="ME")
    ends = ends[ends + pd.Timedelta(days=horizon_days) <= day]
    return ends[-n:]


def _backtest_dates(ctx: _Context) -> pd.DatetimeIndex:
    return observed_month_ends(ctx.mv.index, ctx.day, ctx.horizon_days)


def _weights_chart(
    section: _Section, model: HealthModel, book: Book, options: dict[str, Any]
) -> None:
    """The configured weights beside those fitted to the book's churn on the backtest dates."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RetainWarning)
        fitted = fit_weights(model, book, **options)
    # The fit's own remarks (measures pointing the wrong way) belong beside its chart.
    section.notes.extend(str(w.message) for w in caught if issubclass(w.category, RetainWarning))
    weights = _effective_weights(model, fitted)
    comparison = fitted.fit_report.comparison
    before, after = comparison.loc["pooled", "before"], comparison.loc["pooled", "after"]
    section.items.append(
        _chart(
            "weights",
            "Configured against fitted weights",
            "Each measure's share of the score as configured and as fitted to churn on the "
            f"earlier dates; held-out AUC {before:.3f} configured, {after:.3f} fitted.",
            weights,
            lambda ax: _weight_bars(ax, weights),
        )
    )


def _effective_weights(model: HealthModel, fitted: HealthModel) -> pd.DataFrame:
    def shares(document: dict[str, Any]) -> pd.Series:
        groups = {g["name"]: g["weight"] for g in document["groups"]}
        measures = pd.DataFrame(
            [(m["name"], m["group"], m.get("weight", 1.0)) for m in document["measures"]],
            columns=["measure", "group", "weight"],
        ).set_index("measure")
        total = measures.groupby("group")["weight"].transform("sum")
        share = measures["group"].map(groups) * measures["weight"] / total
        # A fitted document's group weights need not add up to 1 (the score divides by their
        # sum), so the shares are normalised to what they are in the score.
        return share / share.sum()

    return pd.DataFrame({"configured": shares(model.to_dict()), "fitted": shares(fitted.to_dict())})


# ------------------------------------------------------------------------------ chart helpers


def _chart(
    name: str,
    title: str,
    caption: str,
    data: pd.DataFrame,
    draw: Callable[[Axes], object],
    size: tuple[float, float] = (8, 4.2),
) -> _Item:
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    ax = fig.subplots()
    draw(ax)
    for axes in fig.axes:
        _readable_amounts(axes)
    return _Item(name, title, caption, data, svg=_svg(fig, name))


def _readable_amounts(ax: Any) -> None:
    """Amounts on an axis as 250k or 1.5M instead of matplotlib's 1e6 offset notation."""
    from matplotlib.ticker import FuncFormatter, ScalarFormatter

    for axis, limits in ((ax.yaxis, ax.get_ylim()), (ax.xaxis, ax.get_xlim())):
        if isinstance(axis.get_major_formatter(), ScalarFormatter) and max(map(abs, limits)) >= 1e4:
            axis.set_major_formatter(FuncFormatter(lambda v, _pos: _tick(v)))


def _tick(x: float) -> str:
    """An axis amount in three significant digits: 20k, 1.5M, 120M."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= limit:
            return f"{x / limit:.3g}{suffix}"
    return f"{x:.3g}"


def _svg(fig: Any, name: str) -> str:
    import matplotlib

    # A per-chart salt keeps the ids of clip paths and markers unique across the inline SVGs of
    # one page, and makes them the same from run to run (byte-identical reports).
    with matplotlib.rc_context({"svg.hashsalt": f"retain-{name}", "svg.fonttype": "none"}):
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
    return re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL).strip()


def _trend_lines(ax: Any, trends: pd.DataFrame) -> None:
    x = np.arange(len(trends))
    ax.plot(x, trends["logo_churn"] * 100, label="logo churn", color="#d62728")
    ax.plot(x, trends["gross_revenue_churn"] * 100, label="gross revenue churn", color="#ff7f0e")
    ax.set_ylabel("churn per month, %")
    right = ax.twinx()
    right.plot(x, trends["nrr_12m"] * 100, label="NRR 12m", color="#1f77b4")
    right.plot(x, trends["grr_12m"] * 100, label="GRR 12m", color="#1f77b4", linestyle="--")
    right.set_ylabel("retention over 12 months, %")
    lines = ax.get_lines() + right.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="upper left", fontsize=8)
    _month_ticks(ax, trends.index)


def _month_ticks(ax: Any, index: pd.Index) -> None:
    step = max(1, len(index) // 12)
    ticks = np.arange(0, len(index), step)
    ax.set_xticks(ticks, [str(index[i]) for i in ticks], rotation=45, ha="right")


def _stacked_bars(ax: Any, table: pd.DataFrame, grades: list[str], ylabel: str) -> None:
    import matplotlib.pyplot as plt

    # The colours of rt.plot.health_distribution, so a grade looks the same in every chart.
    colors = dict(zip(grades, rtplot._grade_colors(plt, [str(g) for g in grades]), strict=True))
    bottom = np.zeros(len(table))
    x = np.arange(len(table))
    for grade in grades:
        values = table[grade].to_numpy(dtype=float)
        ax.bar(
            x,
            values,
            bottom=bottom,
            label=str(grade),
            color=colors[grade],
        )
        bottom += values
    ax.set_xticks(x, [str(t) for t in table.index])
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)


def _coverage_bars(ax: Any, table: pd.DataFrame) -> None:
    x = np.arange(len(table))
    ax.barh(x, table["arr"], color="#9ecae1", label="ARR")
    ax.barh(x, table["untouched_arr"], color="#08519c", label="untouched 30 days")
    ax.set_yticks(x, [str(o) for o in table.index])
    ax.invert_yaxis()
    ax.set_xlabel("ARR")
    ax.legend(fontsize=8)


def _roc(ax: Any, roc: pd.DataFrame) -> None:
    ax.plot(roc["fpr"], roc["tpr"], color="#1f77b4")
    ax.plot([0, 1], [0, 1], linestyle=":", color="grey")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", xlim=(0, 1), ylim=(0, 1))


def _lift_bars(ax: Any, lift: pd.DataFrame) -> None:
    ax.bar(lift.index, lift["lift"], width=6, color="#1f77b4")
    ax.axhline(1.0, linestyle=":", color="grey")
    ax.set(xlabel="riskiest % of accounts", ylabel="lift")


def _reliability(ax: Any, table: pd.DataFrame) -> None:
    ax.plot(table["mean_predicted"], table["observed"], color="#1f77b4")
    # Dot area by the bin's rows: a bin of 4 rows should not look as sure as one of 5,000.
    size = 400 * table["count"] / max(float(table["count"].max()), 1.0)
    ax.scatter(table["mean_predicted"], table["observed"], s=size.clip(lower=6), color="#1f77b4")
    top = float(np.nanmax([table["mean_predicted"].max(), table["observed"].max(), 0.01]))
    ax.plot([0, top], [0, top], linestyle=":", color="grey")
    ax.set(xlabel="predicted churn probability", ylabel="churn seen")


def _per_date(ax: Any, per_date: pd.DataFrame) -> None:
    labels = [f"{d:%Y-%m}" for d in per_date.index]
    x = np.arange(len(per_date))
    ax.plot(x, per_date["roc_auc"], marker="o", color="#1f77b4")
    ax.axhline(0.5, linestyle=":", color="grey")
    ax.set_xticks(x, labels, rotation=45, ha="right")
    ax.set(ylabel="ROC AUC", ylim=(0.4, 1.0))


def _weight_bars(ax: Any, weights: pd.DataFrame) -> None:
    y = np.arange(len(weights))
    ax.barh(y - 0.2, weights["configured"], height=0.4, label="configured", color="#9ecae1")
    ax.barh(y + 0.2, weights["fitted"], height=0.4, label="fitted", color="#08519c")
    ax.set_yticks(y, [str(m) for m in weights.index])
    ax.invert_yaxis()
    ax.set_xlabel("share of the score")
    ax.legend(fontsize=8)


def _at_risk_bars(ax: Any, table: pd.DataFrame) -> None:
    y = np.arange(len(table))
    ax.barh(y, table["expected_mrr_lost"], color="#d62728")
    ax.set_yticks(y, [str(o) for o in table.index])
    ax.invert_yaxis()
    ax.set_xlabel("expected MRR lost")


# ------------------------------------------------------------------------------------- HTML


def _table_item(name: str, title: str, caption: str, table: pd.DataFrame) -> _Item:
    return _Item(name, title, caption, table, shown=table)


def _section_html(section: _Section) -> str:
    parts = [
        f'<section class="report-section" id="{section.id}">',
        f"<h2>{html.escape(section.title)}</h2>",
    ]
    if section.tiles:
        parts.append('<div class="tiles">')
        for label, value, note in section.tiles:
            parts.append(
                f'<div class="tile"><div class="label">{html.escape(label)}</div>'
                f'<div class="value">{html.escape(value)}</div>'
                f'<div class="note">{html.escape(note)}</div></div>'
            )
        parts.append("</div>")
        parts.append('<p class="caption">Data: <a href="tables/headline.csv">headline.csv</a></p>')
    for note in section.notes:
        parts.append(f'<p class="note">{html.escape(note)}</p>')
    for item in section.items:
        if section.tiles and item.name == "headline":
            continue
        link = f'<a href="tables/{item.name}.csv">{item.name}.csv</a>'
        if item.svg is not None:
            parts.append(
                f'<figure class="chart" id="chart-{item.name}"><h3>{html.escape(item.title)}</h3>'
                f"{item.svg}<figcaption>{html.escape(item.caption)} Data: {link}</figcaption>"
                "</figure>"
            )
        else:
            parts.append(
                f'<div class="table" id="table-{item.name}"><h3>{html.escape(item.title)}</h3>'
                f'<p class="caption">{html.escape(item.caption)} Data: {link}</p>'
                f"{_html_table(item.shown if item.shown is not None else item.data)}</div>"
            )
    parts.append("</section>")
    return "\n".join(parts)


def _html_table(table: pd.DataFrame) -> str:
    if len(table) == 0:
        return '<p class="note">None.</p>'
    shown = table.copy()
    if "days_since_touch" in shown.columns:
        days = shown["days_since_touch"]
        shown["days_since_touch"] = days.map(lambda v: "never" if pd.isna(v) else f"{v:.0f}")
    for column in shown.columns:
        values = shown[column]
        if pd.api.types.is_float_dtype(values):
            digits = 0 if str(column).endswith(("mrr", "arr", "MRR")) else 1
            # + 0.0 turns a rounded -0.0 into 0.0
            shown[column] = values.map(
                lambda v, d=digits: "" if pd.isna(v) else f"{round(v, d) + 0.0:,.{d}f}"
            )
    page: str = shown.to_html(classes="data", border=0, na_rep="", escape=True)
    return page


def _ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b else float("nan")


def _money(x: float) -> str:
    if not np.isfinite(x):
        return "—"
    for limit, unit, suffix in ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if abs(x) >= limit:
            return f"{x / unit:,.2f}{suffix}"
    return f"{x:,.0f}"


def _share(x: float, digits: int = 1) -> str:
    return "—" if not np.isfinite(x) else f"{x:.{digits}%}"


def _number(x: float) -> str:
    return "—" if not np.isfinite(x) else f"{x:.2f}"


def _change(now: float, before: float) -> str:
    if not np.isfinite(before) or before == 0:
        return "no revenue a year earlier"
    return f"{now / before - 1:+.1%} on a year earlier"


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:1200px;padding:0 24px 40px;color:#1d2330;background:#fff}
header{border-bottom:2px solid #1d2330;margin-bottom:12px}h1{margin:20px 0 4px}
.asof{margin:0 0 8px;color:#555}nav{margin-bottom:10px}nav a{color:#08519c}
h2{margin-top:28px;border-bottom:1px solid #ccd}h3{margin:12px 0 4px;font-size:1.02em}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:10px}
.tile{border:1px solid #dde;border-radius:6px;padding:10px;background:#f7f8fb}
.tile .label{font-size:.85em;color:#555}.tile .value{font-size:1.6em;font-weight:600}
.tile .note{font-size:.78em;color:#666}
figure.chart{display:inline-block;vertical-align:top;margin:8px 12px 8px 0;max-width:100%}
figure.chart svg{max-width:100%;height:auto}figcaption,.caption{font-size:.85em;color:#555;
max-width:720px}table.data{border-collapse:collapse;font-size:.82em}
table.data th,table.data td{padding:3px 8px;border-bottom:1px solid #e3e5ec;text-align:right}
table.data td:last-child{text-align:left}table.data th{white-space:nowrap}.note{color:#8a4b00}
footer{margin-top:30px;font-size:.8em;color:#777}
"""
