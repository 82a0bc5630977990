"""Plots of retain's tables with matplotlib: the MRR bridge, cohort heatmaps, survival curves,
churn by reason and the spread of health scores.

Each function takes the table another retain function returns, draws on ``ax`` (a new figure
when None) and returns the Axes, as pandas' ``.plot`` does, with title, axis labels and legend
set. matplotlib is imported when a plot is drawn, never by ``import retain``, so the package
does not need it otherwise (``pip install retain[plot]`` brings it).

Tables computed with ``by=`` (one outer index level per account attribute) hold one plot per
group: pick it with ``group=`` (a tuple for several attributes)::

    mv = rt.kpi.mrr_movements(book, by="plan")
    rt.plot.mrr_bridge(mv, group="pro")

A table that is not the expected output (a column missing) is a :class:`~retain.ColumnError`
naming the column and the function whose output was expected; an empty table, a NaN where a
number is needed or a bad argument is an :class:`~retain.InputError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _frames
from .errors import ColumnError, InputError

if TYPE_CHECKING:  # matplotlib stays unimported at run time until a plot is drawn
    from matplotlib.axes import Axes

__all__ = ["churn_reasons", "cohorts", "health_distribution", "mrr_bridge", "survival"]

_GAINS = (
    ("new", "new", "#2ca02c"),
    ("expansion", "expansion", "#98df8a"),
    ("reactivation", "reactivation", "#17becf"),
)
_LOSSES = (("contraction", "contraction", "#ff9896"), ("churned", "churned", "#d62728"))
_KM_COLUMNS = ("time", "at_risk", "events", "censored", "survival", "ci_lower", "ci_upper")
_MAX_ANNOTATED = 24  # cells per side up to which a cohort heatmap prints its values
_MAX_TICKS = 24  # period labels on an axis before they are thinned out


def mrr_bridge(movements: pd.DataFrame, ax: Axes | None = None, *, group: Any = None) -> Axes:
    """The MRR bridge per period: gains up, losses down, ending MRR as a line.

    Stacked bars per period: ``new``, ``expansion`` and ``reactivation`` above zero,
    ``contraction`` and ``churned`` below it (drawn negative), and ``ending_mrr`` as a line on a
    second y axis on the right (ending MRR is usually far larger than a month's movements, and
    would flatten the bars on a shared axis). The bars' Axes is returned; the line's is its
    ``right_ax`` attribute, as with pandas' ``secondary_y``.

    Parameters
    ----------
    movements : DataFrame
        The output of :func:`retain.kpi.mrr_movements`: one row per period (a Book's
        ``Period[M]`` index named ``period``, or periods of the DataFrame's kind).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    group : label or tuple, optional
        With a table computed with ``by=`` (outer index levels before ``period``): the group to
        draw, required then (a tuple with several ``by`` attributes).

    Returns
    -------
    matplotlib Axes
        The bars' Axes; ``ax.right_ax`` holds the ending-MRR line.

    Raises
    ------
    ColumnError
        A movements column is missing.
    InputError
        The table is empty, has a NaN or an infinite amount, or has groups and ``group`` is
        missing or unknown.

    Examples
    --------
    >>> mv = rt.kpi.mrr_movements(df, account="account_id", period="month", mrr="mrr")
    >>> ax = rt.plot.mrr_bridge(mv)
    >>> ax = rt.plot.mrr_bridge(rt.kpi.mrr_movements(book, by="plan"), group="pro")
    """
    func, source = "mrr_bridge", "rt.kpi.mrr_movements"
    table = _table(movements, func, source)
    needed = [name for name, _, _ in (*_GAINS, *_LOSSES)] + ["ending_mrr"]
    _require(table, needed, func, source)
    table, where = _pick_group(table, group, 1, func)
    _not_empty(table, func)
    amounts = {name: _finite(table, name, func) for name in needed}
    plt = _pyplot()
    ax = _axes(plt, ax)
    x = np.arange(len(table))
    labels = _period_labels(table.index)
    bottom = np.zeros(len(x))
    handles = []
    for name, label, color in _GAINS:
        handles.append(ax.bar(x, amounts[name], bottom=bottom, color=color, label=label))
        bottom = bottom + amounts[name]
    bottom = np.zeros(len(x))
    for name, label, color in _LOSSES:
        handles.append(ax.bar(x, -amounts[name], bottom=bottom, color=color, label=label))
        bottom = bottom - amounts[name]
    ax.axhline(0.0, color="grey", linewidth=0.8)
    right = ax.twinx()
    (line,) = right.plot(x, amounts["ending_mrr"], color="black", marker="o", label="ending MRR")
    low = min(0.0, float(amounts["ending_mrr"].min()))
    right.set_ylim(bottom=low)
    right.set_ylabel("ending MRR")
    ax.right_ax = right  # type: ignore[union-attr]  # pandas' name for a secondary y axis
    _period_ticks(ax, labels)
    ax.set_xlabel(_index_name(table.index, "period"))
    ax.set_ylabel("MRR movement")
    ax.set_title(f"MRR bridge{where}")
    # Headroom on both axes so the legend sits above the bars and the line, not over them.
    for axis in (ax, right):
        low_y, high_y = axis.get_ylim()
        axis.set_ylim(low_y, high_y + 0.3 * (high_y - low_y))
    ax.legend(handles=[*handles, line], loc="upper left", ncol=3, fontsize="small")
    return ax


def cohorts(
    table: pd.DataFrame,
    ax: Axes | None = None,
    fmt: str = ".0%",
    *,
    group: Any = None,
    cmap: Any = "YlGnBu",
    annotate: bool | None = None,
) -> Axes:
    """Heatmap of a cohort x age retention table, with a colorbar.

    Rows are cohorts (oldest on top), columns ages; NaN cells (ages not yet reached, or not
    observed) are left blank. The colour scale runs from 0 to 1, or to the table's largest value
    when revenue retention exceeds 1.

    Parameters
    ----------
    table : DataFrame
        The output of :func:`retain.kpi.cohort_retention` (cohorts as rows, ages as columns).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    fmt : str, default ".0%"
        Format spec of the annotations and the colorbar ticks (``format(0.5, fmt)``).
    group : label or tuple, optional
        With a table computed with ``by=`` (outer index levels before ``cohort``): the group to
        draw, required then.
    cmap : str or Colormap, default "YlGnBu"
        The colour map.
    annotate : bool, optional
        Print each cell's value; by default when the table is at most 24 x 24.

    Returns
    -------
    matplotlib Axes
        The heatmap's Axes (its image is ``ax.images[0]``).

    Raises
    ------
    InputError
        The table is empty or all NaN, a column is not numeric, ``fmt`` is not a number format,
        or the table has groups and ``group`` is missing or unknown.

    Examples
    --------
    >>> table = rt.kpi.cohort_retention(df, account="account_id", period="month", mrr="mrr")
    >>> ax = rt.plot.cohorts(table, fmt=".1%")
    """
    func = "cohorts"
    table = _table(table, func, "rt.kpi.cohort_retention")
    table, where = _pick_group(table, group, 1, func)
    _not_empty(table, func)
    if not isinstance(fmt, str):
        raise InputError(f"fmt: must be a format spec such as '.0%', got {fmt!r}")
    try:
        format(0.5, fmt)
    except (ValueError, TypeError) as exc:
        raise InputError(f"fmt: {fmt!r} is not a number format spec (such as '.0%')") from exc
    if annotate is not None and not isinstance(annotate, (bool, np.bool_)):
        raise InputError(f"annotate: must be True, False or None, got {annotate!r}")
    for column in table.columns:
        if not pd.api.types.is_numeric_dtype(table[column]) or pd.api.types.is_bool_dtype(
            table[column]
        ):
            raise InputError(
                f"{func}: age column {column!r} holds {table[column].dtype} values, not "
                "retention shares; pass the output of rt.kpi.cohort_retention"
            )
    values = table.to_numpy(dtype=np.float64)
    if np.isinf(values).any():
        row, col = (int(i[0]) for i in np.nonzero(np.isinf(values)))
        raise InputError(
            f"{func}: cohort {_label(table.index[row])}, age {table.columns[col]!r} is infinite"
        )
    if np.isnan(values).all():
        raise InputError(f"{func}: every cell of the table is NaN, nothing to plot")
    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter

    ax = _axes(plt, ax)
    low = min(0.0, float(np.nanmin(values)))
    high = max(1.0, float(np.nanmax(values)))
    image = ax.imshow(
        np.ma.masked_invalid(values),
        aspect="auto",
        cmap=cmap,
        vmin=low,
        vmax=high,
        interpolation="nearest",
    )
    n_rows, n_cols = values.shape
    if annotate is None:
        annotate = n_rows <= _MAX_ANNOTATED and n_cols <= _MAX_ANNOTATED
    if annotate:
        for (row, col), value in np.ndenumerate(values):
            if np.isnan(value):
                continue
            red, green, blue, _ = image.cmap(image.norm(value))
            dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
            ax.text(
                col,
                row,
                format(value, fmt),
                ha="center",
                va="center",
                fontsize="x-small",
                color="white" if dark else "black",
            )
    colorbar = ax.figure.colorbar(image, ax=ax)
    colorbar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: format(v, fmt)))
    colorbar.set_label("retention")
    _thinned_ticks(ax.set_xticks, n_cols, [str(c) for c in table.columns])
    _thinned_ticks(ax.set_yticks, n_rows, _period_labels(table.index))
    ax.set_xlabel(_index_name(table.columns, "age"))
    ax.set_ylabel(_index_name(table.index, "cohort"))
    ax.set_title(f"Cohort retention{where}")
    return ax


def survival(
    curves: pd.DataFrame | Mapping[Any, pd.DataFrame] | pd.Series,
    ax: Axes | None = None,
    ci: bool = True,
) -> Axes:
    """Kaplan-Meier survival curves as steps, with their confidence intervals shaded.

    Parameters
    ----------
    curves : DataFrame, dict or Series
        One :func:`retain.survival.kaplan_meier` table; or several, as a dict or Series of such
        tables keyed by their legend label; or the stacked output of
        :func:`retain.survival.retention_curves`, whose columns before ``time`` (the segment
        keys: every column that is not a Kaplan-Meier column) give one curve per segment.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    ci : bool, default True
        Shade each curve's interval (``ci_lower`` to ``ci_upper``), which the tables must then
        have.

    Returns
    -------
    matplotlib Axes
        One step line per curve (``ax.get_lines()``, in the order given), a legend entry each.

    Raises
    ------
    ColumnError
        A table lacks ``time`` or ``survival`` (or the interval columns with ``ci=True``).
    InputError
        No curve, an empty table, times not increasing, or survival NaN or outside [0, 1].

    Examples
    --------
    >>> km = rt.survival.kaplan_meier(durations, observed)
    >>> ax = rt.plot.survival(km)
    >>> ax = rt.plot.survival(rt.survival.retention_curves(frame, by="plan"))
    """
    func = "survival"
    if not isinstance(ci, (bool, np.bool_)):
        raise InputError(f"ci: must be True or False, got {ci!r}")
    named, legend_title = _named_curves(curves, func)
    needed = ["time", "survival", *(["ci_lower", "ci_upper"] if ci else [])]
    steps = []
    for label, km, what in named:
        _require(
            km,
            needed,
            func,
            "rt.survival.kaplan_meier",
            what=what,
            hint="; or draw it with ci=False" if ci else "",
        )
        if len(km) == 0:
            raise InputError(f"{func}: {what} has no rows, nothing to plot")
        cols = {name: _finite(km, name, func, what=what) for name in needed}
        if len(km) > 1 and not (np.diff(cols["time"]) > 0).all():
            row = _frames.first_row(np.diff(cols["time"]) <= 0) + 1
            raise InputError(f"{func}: {what}, row {row}: times must be strictly increasing")
        for name in needed[1:]:
            bad = (cols[name] < 0) | (cols[name] > 1)
            if bad.any():
                row = _frames.first_row(bad)
                raise InputError(
                    f"{func}: {what}, column {name!r}, row {row}: {cols[name][row]:g} is not a "
                    "survival probability in [0, 1]"
                )
        steps.append((label, cols))
    plt = _pyplot()
    ax = _axes(plt, ax)
    for label, cols in steps:
        (line,) = ax.step(cols["time"], cols["survival"], where="post", label=label)
        if ci:
            ax.fill_between(
                cols["time"],
                cols["ci_lower"],
                cols["ci_upper"],
                step="post",
                alpha=0.2,
                color=line.get_color(),
                linewidth=0,
            )
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel("time")
    ax.set_ylabel("share still customers")
    title = "Survival (Kaplan-Meier)"
    if ci:
        levels = {_ci_level(km) for _, km, _ in named}
        level = levels.pop() if len(levels) == 1 else None
        title += f", shaded: {level:g}% interval" if level is not None else ", shaded: interval"
    ax.set_title(title)
    ax.legend(title=legend_title, fontsize="small")
    return ax


def churn_reasons(
    table: pd.DataFrame,
    ax: Axes | None = None,
    value: str = "mrr_lost",
    *,
    group: Any = None,
) -> Axes:
    """Churn per period stacked by reason.

    One bar per period from the first to the last period of the table (periods without churn
    are bars of 0), stacked by reason, the reason with the largest total at the bottom. Legend
    labels are the ``reason_name`` column when present, else the reason codes.

    Parameters
    ----------
    table : DataFrame
        The output of :func:`retain.kpi.churn_reasons`: indexed by [account attributes...,
        ``period``, ``reason``], with ``churned_accounts``, ``mrr_lost`` and the other columns.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    value : str, default "mrr_lost"
        The column to stack: ``"mrr_lost"``, ``"churned_accounts"``, or another numeric column
        of the table (``"voluntary_mrr"``, ...).
    group : label or tuple, optional
        With outer index levels before ``period`` (a table computed with ``by=``): the group to
        draw, required then.

    Returns
    -------
    matplotlib Axes
        One bar container per reason (``ax.containers``, labelled as in the legend).

    Raises
    ------
    ColumnError
        A column or the ``period`` / ``reason`` index level is missing.
    InputError
        The table is empty, ``value`` is not a numeric column, a value is NaN or negative, a
        (period, reason) pair repeats, or the table has groups and ``group`` is missing or
        unknown.

    Examples
    --------
    >>> table = rt.kpi.churn_reasons(book)
    >>> ax = rt.plot.churn_reasons(table, value="churned_accounts")
    """
    func, source = "churn_reasons", "rt.kpi.churn_reasons"
    table = _table(table, func, source)
    _require(table, ["churned_accounts", "mrr_lost"], func, source)
    for level in ("period", "reason"):
        if level not in table.index.names:
            raise ColumnError(
                f"{func}: the table has no index level {level!r} (its levels: "
                f"{list(table.index.names)}); pass the output of {source}"
            )
    if table.index.names[-2:] != ["period", "reason"]:
        raise InputError(
            f"{func}: the index must end with the levels ['period', 'reason'], got "
            f"{list(table.index.names)}; pass the output of {source}"
        )
    if not isinstance(value, str) or value not in table.columns:
        raise InputError(
            f"value: {value!r} is not a column of the table (its columns: {list(table.columns)})"
        )
    if not pd.api.types.is_numeric_dtype(table[value]) or pd.api.types.is_bool_dtype(table[value]):
        raise InputError(f"value: column {value!r} holds {table[value].dtype}, not numbers")
    table, where = _pick_group(table, group, 2, func)
    _not_empty(table, func)
    amounts = _finite(table, value, func)
    if (amounts < 0).any():
        row = _frames.first_row(amounts < 0)
        raise InputError(
            f"{func}: column {value!r}, row {row} ({_label(table.index[row])}): "
            f"{amounts[row]:g} is negative"
        )
    repeated = table.index.duplicated()
    if repeated.any():
        row = _frames.first_row(repeated)
        raise InputError(
            f"{func}: row {row}: (period, reason) {_label(table.index[row])} appears twice"
        )
    period = table.index.get_level_values("period")
    reason = table.index.get_level_values("reason")
    periods = _period_axis(period)
    reason_codes, reasons = pd.factorize(reason, use_na_sentinel=False)
    cells = np.zeros((len(reasons), len(periods)))
    cells[reason_codes, periods.get_indexer(period)] = amounts
    names = _reason_names(table, reasons)
    order = np.argsort(-cells.sum(axis=1), kind="stable")
    plt = _pyplot()
    ax = _axes(plt, ax)
    colors = _category_colors(plt, len(reasons))
    x = np.arange(len(periods))
    bottom = np.zeros(len(periods))
    for k, r in enumerate(order):
        ax.bar(x, cells[r], bottom=bottom, label=names[r], color=colors[k])
        bottom = bottom + cells[r]
    _period_ticks(ax, _period_labels(periods))
    ax.set_xlabel("period")
    ax.set_ylabel(_words(value))
    ax.set_title(f"Churn by reason{where}")
    ax.legend(title="reason", fontsize="small")
    return ax


def health_distribution(
    scored: pd.DataFrame, ax: Axes | None = None, bins: Any = 20, by: str | None = "grade"
) -> Axes:
    """Histogram of health scores, stacked by grade.

    Accounts without a score (NaN: nothing present to score) are left out and counted in the
    title. Bins cover 0 to 100 (the scores' scale), wider if a score lies outside.

    Parameters
    ----------
    scored : DataFrame
        The output of :meth:`retain.HealthModel.score` (a ``score`` column, and ``grade``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    bins : int or sequence of float, default 20
        The number of equal bins, or the bin edges (increasing, covering every score).
    by : str or None, default "grade"
        The column whose values colour the stacked bars, in its category order (the model's
        grades from low to high); ``"grade"`` is skipped when absent, None draws one histogram.

    Returns
    -------
    matplotlib Axes
        One bar container per group (``ax.containers``), each with one bar per bin.

    Raises
    ------
    ColumnError
        ``score`` is missing.
    InputError
        No row has a score, a score is infinite, ``bins`` is not a count or edges covering the
        scores, or ``by`` is not a column.

    Examples
    --------
    >>> scored = model.score(features)
    >>> ax = rt.plot.health_distribution(scored, bins=10)
    """
    func, source = "health_distribution", "HealthModel.score"
    scored = _table(scored, func, source)
    _require(scored, ["score"], func, source)
    if by is not None and (not isinstance(by, str) or by not in scored.columns):
        if by != "grade":
            raise InputError(
                f"by: {by!r} is not a column of the scored frame (its columns: "
                f"{list(scored.columns)})"
            )
        by = None
    if not pd.api.types.is_numeric_dtype(scored["score"]) or pd.api.types.is_bool_dtype(
        scored["score"]
    ):
        raise InputError(f"{func}: column 'score' holds {scored['score'].dtype}, not numbers")
    score = scored["score"].to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(score).any():
        row = _frames.first_row(np.isinf(score))
        raise InputError(f"{func}: column 'score', row {row}: the score is infinite")
    present = ~np.isnan(score)
    unscored = int((~present).sum())
    if not present.any():
        what = "the scored frame has no rows" if len(score) == 0 else "every score is NaN"
        raise InputError(f"{func}: {what}, nothing to plot")
    edges = _bin_edges(bins, score[present])
    groups: list[tuple[str, np.ndarray]] = []
    if by is None:
        groups.append(("accounts", score[present]))
    else:
        column = scored[by]
        if isinstance(column.dtype, pd.CategoricalDtype):
            categories = list(column.cat.categories)
        else:
            categories = sorted(column[present].dropna().unique(), key=str)
        for category in categories:
            groups.append((str(category), score[present & (column == category).to_numpy()]))
        missing = present & column.isna().to_numpy()
        if missing.any():
            groups.append((f"(no {by})", score[missing]))
    plt = _pyplot()
    ax = _axes(plt, ax)
    colors = _grade_colors(plt, [g for g, _ in groups]) if by is not None else ["C0"]
    bottom = np.zeros(len(edges) - 1)
    for (label, values), color in zip(groups, colors, strict=True):
        counts, _ = np.histogram(values, bins=edges)
        ax.bar(
            edges[:-1],
            counts,
            width=np.diff(edges),
            bottom=bottom,
            align="edge",
            color=color,
            edgecolor="white",
            linewidth=0.5,
            label=f"{label} ({len(values)})",
        )
        bottom = bottom + counts
    ax.set_xlabel("health score")
    ax.set_ylabel("accounts")
    title = f"Health scores ({int(present.sum())} accounts"
    title += f"; {unscored} without a score left out)" if unscored else ")"
    ax.set_title(title)
    if by is not None:
        ax.legend(title=by, fontsize="small")
    return ax


# ----------------------------------------------------------------------------------- helpers


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - only without matplotlib
        raise ImportError(
            "retain.plot needs matplotlib: pip install 'retain[plot]' (or matplotlib)"
        ) from exc
    return plt


def _axes(plt: Any, ax: Any) -> Any:
    if ax is None:
        _fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
    return ax


def _table(table: Any, func: str, source: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(
            f"{func}: expected the DataFrame that {source} returns, got {type(table).__name__}"
        )
    return table


def _require(
    table: pd.DataFrame,
    columns: list[str],
    func: str,
    source: str,
    what: str = "the table",
    hint: str = "",
) -> None:
    for column in columns:
        if column not in table.columns:
            raise ColumnError(
                f"{func}: {what} has no column {column!r} (its columns: {list(table.columns)}); "
                f"pass the output of {source}{hint}"
            )


def _not_empty(table: pd.DataFrame, func: str) -> None:
    if len(table) == 0:
        raise InputError(f"{func}: the table has no rows, nothing to plot")


def _finite(table: pd.DataFrame, column: str, func: str, what: str = "") -> np.ndarray:
    """A numeric column as float64; NaN or infinity is an error naming the row."""
    where = f"{what}, " if what else ""
    try:
        values: np.ndarray = table[column].to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{func}: {where}column {column!r} holds {table[column].dtype}, not numbers"
        ) from exc
    bad = ~np.isfinite(values)
    if bad.any():
        row = _frames.first_row(bad)
        raise InputError(
            f"{func}: {where}column {column!r}, row {row} ({_label(table.index[row])}): "
            f"{values[row]} is not a finite number"
        )
    return values


def _pick_group(table: pd.DataFrame, group: Any, inner: int, func: str) -> tuple[pd.DataFrame, str]:
    """The rows of one group of a table computed with ``by=`` (outer index levels before the
    ``inner`` last ones), without the outer levels, and the group as a title suffix."""
    outer = table.index.nlevels - inner
    if outer <= 0:
        if group is not None:
            raise InputError(
                f"group: the table has no groups (it was computed without by=), got {group!r}"
            )
        return table, ""
    names = list(table.index.names[:outer])
    keys = table.index.droplevel(list(range(outer, table.index.nlevels))).unique()
    shown = list(keys[:10])
    more = ", ..." if len(keys) > 10 else ""
    if group is None:
        raise InputError(
            f"{func}: the table holds groups by {names} (computed with by=); pick one with "
            f"group=, one of {shown}{more}"
        )
    key = group if isinstance(group, tuple) else (group,)
    if len(key) != outer:
        raise InputError(
            f"group: give one value per grouping level {names} "
            f"({'a tuple of ' + str(outer) if outer > 1 else 'a single label'}), got {group!r}"
        )
    mask = np.ones(len(table), dtype=bool)
    for level, wanted in enumerate(key):
        values = table.index.get_level_values(level)
        mask &= values.isna() if _missing(wanted) else (values == wanted)
    if not mask.any():
        raise InputError(f"group: {group!r} is not one of the table's groups: {shown}{more}")
    rows = table[mask]
    rows.index = rows.index.droplevel(list(range(outer)))
    suffix = ", ".join(f"{n}={k}" for n, k in zip(names, key, strict=True))
    return rows, f" ({suffix})"


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _label(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(map(str, value)) + ")"
    return str(value)


def _index_name(index: pd.Index, default: str) -> str:
    return str(index.name) if index.name is not None else default


def _period_labels(index: pd.Index) -> list[str]:
    """Short labels of periods: '2024-03' for a month, as the index's kind prints it."""
    if isinstance(index, pd.DatetimeIndex):
        whole_months = bool(len(index)) and (index == index.to_period("M").to_timestamp()).all()
        return list(index.strftime("%Y-%m" if whole_months else "%Y-%m-%d"))
    return [str(v) for v in index]


def _period_axis(period: pd.Index) -> pd.Index:
    """Every period from the first to the last: a month without churn is a bar of 0."""
    if isinstance(period, pd.PeriodIndex):
        return pd.period_range(period.min(), period.max(), freq=period.freq, name="period")
    return pd.Index(pd.unique(period)).sort_values()


def _thinned_ticks(setter: Any, n: int, labels: list[str]) -> None:
    step = max(1, math.ceil(n / _MAX_TICKS))
    positions = list(range(0, n, step))
    setter(positions, [labels[i] for i in positions])


def _period_ticks(ax: Any, labels: list[str]) -> None:
    _thinned_ticks(ax.set_xticks, len(labels), labels)
    if len(labels) > 6:
        ax.tick_params(axis="x", labelrotation=45)
        for text in ax.get_xticklabels():
            text.set_horizontalalignment("right")


def _words(column: str) -> str:
    return {"mrr_lost": "MRR lost", "churned_accounts": "churned accounts"}.get(
        column, column.replace("_", " ").replace("mrr", "MRR")
    )


def _reason_names(table: pd.DataFrame, reasons: pd.Index) -> list[str]:
    """Legend labels of the reasons: their display names when the table has them."""
    names = {}
    if "reason_name" in table.columns:
        shown = pd.DataFrame(
            {"reason": table.index.get_level_values("reason"), "name": table["reason_name"].array}
        ).dropna(subset=["name"])
        names = dict(zip(shown["reason"], shown["name"], strict=True))
    return [str(names.get(r, "(no reason)" if _missing(r) else r)) for r in reasons]


def _category_colors(plt: Any, n: int) -> list[Any]:
    if n <= 10:
        return [f"C{i}" for i in range(n)]
    cmap = plt.get_cmap("tab20")
    return [cmap(i % 20) for i in range(n)]


def _grade_colors(plt: Any, labels: list[str]) -> list[Any]:
    """Grades named after colours (red / yellow / green) get those colours; other labels, in
    the model's order from the lowest grade up, run from red to green."""
    from matplotlib import colors as mcolors

    if all(label.lower() in mcolors.CSS4_COLORS for label in labels):
        return [label.lower() for label in labels]
    if len(labels) == 1:
        return ["C0"]
    cmap = plt.get_cmap("RdYlGn")
    return [cmap(0.1 + 0.8 * i / (len(labels) - 1)) for i in range(len(labels))]


def _bin_edges(bins: Any, scores: np.ndarray) -> np.ndarray:
    lo, hi = float(scores.min()), float(scores.max())
    if np.ndim(bins) == 0:
        count = _frames.whole(bins, "bins")
        if count < 1:
            raise InputError(f"bins: must be at least 1, got {count}")
        return np.histogram_bin_edges(scores, bins=count, range=(min(0.0, lo), max(100.0, hi)))
    try:
        edges = np.asarray(bins, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"bins: must be a count or increasing bin edges, got {bins!r}") from exc
    if edges.ndim != 1 or len(edges) < 2 or not np.isfinite(edges).all():
        raise InputError(f"bins: give at least two finite bin edges, got {bins!r}")
    if not (np.diff(edges) > 0).all():
        raise InputError(f"bins: the edges must be strictly increasing, got {bins!r}")
    outside = int(((scores < edges[0]) | (scores > edges[-1])).sum())
    if outside:
        raise InputError(
            f"bins: the edges {edges[0]:g}..{edges[-1]:g} leave out {outside} score(s) "
            f"(scores run from {lo:g} to {hi:g})"
        )
    return edges


def _named_curves(curves: Any, func: str) -> tuple[list[tuple[str, pd.DataFrame, str]], str | None]:
    """(legend label, Kaplan-Meier table, how an error names it) for each curve given, and the
    legend's title (the segment keys' names)."""
    if isinstance(curves, pd.DataFrame):
        keys = [c for c in curves.columns if c not in _KM_COLUMNS]
        if not keys:
            return [("Kaplan-Meier estimate", curves, "the table")], None
        if len(curves) == 0:
            raise InputError(f"{func}: the table has no rows, nothing to plot")
        out = []
        for key, part in curves.groupby(keys, sort=False, dropna=False):
            label = _label(key) if len(keys) > 1 else str(key[0] if isinstance(key, tuple) else key)
            km = part.drop(columns=keys).reset_index(drop=True)
            km.attrs = dict(curves.attrs)
            out.append((label, km, f"the curve of {label}"))
        return out, ", ".join(map(str, keys))
    if isinstance(curves, (Mapping, pd.Series)):
        items = list(curves.items())
        if not items:
            raise InputError(f"{func}: no curves given, nothing to plot")
        out = []
        for key, km in items:
            what = f"curves[{key!r}]"
            if not isinstance(km, pd.DataFrame):
                raise TypeError(
                    f"{func}: {what} must be a DataFrame from rt.survival.kaplan_meier, got "
                    f"{type(km).__name__}"
                )
            out.append((_label(key), km, what))
        name = curves.index.name if isinstance(curves, pd.Series) else None
        return out, None if name is None else str(name)
    raise TypeError(
        f"{func}: expected a DataFrame from rt.survival.kaplan_meier or retention_curves, or a "
        f"dict or Series of them, got {type(curves).__name__}"
    )


def _ci_level(km: pd.DataFrame) -> float | None:
    alpha = km.attrs.get("alpha")
    return None if alpha is None else round(100.0 * (1.0 - float(alpha)), 6)
