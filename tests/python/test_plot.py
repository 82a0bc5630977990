"""rt.plot (issue 11, "Plots"): what each plot draws, read back from the matplotlib artists and
compared with numbers worked out by hand below (bar heights and bottoms, line data, heatmap
cells, step curves), plus legends, labels, titles and the bad inputs.

Headless (Agg); every test's figures are closed by the autouse fixture.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import retain as rt  # noqa: E402
import retain.plot as rplot  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def P(text: str, freq: str = "M") -> pd.Period:
    return pd.Period(text, freq=freq)


def bars(ax, label):
    """Heights, bottoms and x centres of the bar container labelled ``label``."""
    (container,) = [c for c in ax.containers if c.get_label() == label]
    heights = np.array([p.get_height() for p in container.patches])
    bottoms = np.array([p.get_y() for p in container.patches])
    centres = np.array([p.get_x() + p.get_width() / 2 for p in container.patches])
    return heights, bottoms, centres


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def tick_texts(labels):
    return [t.get_text() for t in labels]


# ----------------------------------------------------------------------------- import


def test_importing_retain_does_not_import_matplotlib():
    code = (
        "import sys, retain, retain.plot\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib')\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# ----------------------------------------------------------------------------- the hand data
#
# MRR     plan    Jan   Feb   Mar   Apr
#   a1    basic   100   150   150   -
#   a2    pro     200   120   -     50
#   a3    basic   -     80    80    80
#
# Movements:  Jan: new 300 (a1, a2).  Feb: new 80 (a3), expansion 50 (a1), contraction 80 (a2).
#             Mar: churned 120 (a2).  Apr: churned 150 (a1), reactivation 50 (a2).
# Ending MRR: 300, 350, 230, 130.   For plan "pro" (a2 alone): new 200 in Jan, contraction 80 in
# Feb, churned 120 in Mar, reactivation 50 in Apr; ending 200, 120, 0, 50.

MRR = pd.DataFrame({
    "account_id": ["a1", "a1", "a1", "a2", "a2", "a2", "a3", "a3", "a3"],
    "period": ["2024-01", "2024-02", "2024-03", "2024-01", "2024-02", "2024-04",
               "2024-02", "2024-03", "2024-04"],
    "mrr": [100.0, 150, 150, 200, 120, 50, 80, 80, 80],
})
MONTHS = ["2024-01", "2024-02", "2024-03", "2024-04"]
HAND = {
    "new": [300, 80, 0, 0],
    "expansion": [0, 50, 0, 0],
    "reactivation": [0, 0, 0, 50],
    "contraction": [0, 80, 0, 0],
    "churned": [0, 0, 120, 150],
    "ending_mrr": [300, 350, 230, 130],
}
PRO = {
    "new": [200, 0, 0, 0],
    "expansion": [0, 0, 0, 0],
    "reactivation": [0, 0, 0, 50],
    "contraction": [0, 80, 0, 0],
    "churned": [0, 0, 120, 0],
    "ending_mrr": [200, 120, 0, 50],
}


def book() -> rt.Book:
    accounts = pd.DataFrame({
        "account_id": ["a1", "a2", "a3"],
        "signed_at": ["2024-01-02", "2024-01-03", "2024-02-01"],
        "plan": ["basic", "pro", "basic"],
    })
    return rt.Book(accounts, mrr=MRR)


# ----------------------------------------------------------------------------- mrr_bridge


def check_bridge(ax, want):
    x = np.arange(len(want["new"]))
    new, new_bottom, centres = bars(ax, "new")
    expansion, expansion_bottom, _ = bars(ax, "expansion")
    reactivation, reactivation_bottom, _ = bars(ax, "reactivation")
    contraction, contraction_bottom, _ = bars(ax, "contraction")
    churned, churned_bottom, _ = bars(ax, "churned")
    np.testing.assert_allclose(centres, x)
    # Gains stack upwards from 0 ...
    np.testing.assert_allclose(new, want["new"])
    np.testing.assert_allclose(new_bottom, 0)
    np.testing.assert_allclose(expansion, want["expansion"])
    np.testing.assert_allclose(expansion_bottom, want["new"])
    np.testing.assert_allclose(reactivation, want["reactivation"])
    np.testing.assert_allclose(reactivation_bottom, np.add(want["new"], want["expansion"]))
    # ... losses downwards.
    np.testing.assert_allclose(contraction, np.negative(want["contraction"]))
    np.testing.assert_allclose(contraction_bottom, 0)
    np.testing.assert_allclose(churned, np.negative(want["churned"]))
    np.testing.assert_allclose(churned_bottom, np.negative(want["contraction"]))
    assert churned.sum() == -sum(want["churned"])
    assert len(ax.patches) == 5 * len(x)
    (line,) = ax.right_ax.get_lines()
    np.testing.assert_allclose(line.get_xdata(), x)
    np.testing.assert_allclose(line.get_ydata(), want["ending_mrr"])


def test_mrr_bridge_of_a_dataframe_by_hand():
    mv = rt.kpi.mrr_movements(MRR)
    ax = rplot.mrr_bridge(mv)
    check_bridge(ax, HAND)
    assert tick_texts(ax.get_xticklabels()) == MONTHS
    assert legend_texts(ax) == [
        "new", "expansion", "reactivation", "contraction", "churned", "ending MRR",
    ]
    assert ax.get_title() == "MRR bridge"
    assert ax.get_xlabel() == "period"
    assert ax.get_ylabel() == "MRR movement"
    assert ax.right_ax.get_ylabel() == "ending MRR"


def test_mrr_bridge_of_a_book_group_by_hand():
    mv = rt.kpi.mrr_movements(book(), by="plan")
    ax = rplot.mrr_bridge(mv, group="pro")
    check_bridge(ax, PRO)
    assert tick_texts(ax.get_xticklabels()) == MONTHS
    assert ax.get_title() == "MRR bridge (plan=pro)"
    # The whole Book draws the same bridge as its DataFrame.
    check_bridge(rplot.mrr_bridge(rt.kpi.mrr_movements(book())), HAND)


def test_mrr_bridge_draws_on_the_given_axes_and_renders():
    fig, given = plt.subplots()
    ax = rplot.mrr_bridge(rt.kpi.mrr_movements(MRR), ax=given)
    assert ax is given
    fig.canvas.draw()  # renders without a warning (warnings are errors here)


def test_mrr_bridge_with_datetime_and_integer_periods():
    dated = MRR.assign(period=pd.to_datetime(MRR["period"]))
    ax = rplot.mrr_bridge(rt.kpi.mrr_movements(dated))
    assert tick_texts(ax.get_xticklabels()) == MONTHS
    numbered = MRR.assign(period=MRR["period"].map({m: i for i, m in enumerate(MONTHS)}))
    ax = rplot.mrr_bridge(rt.kpi.mrr_movements(numbered))
    assert tick_texts(ax.get_xticklabels()) == ["0", "1", "2", "3"]
    check_bridge(ax, HAND)


def test_mrr_bridge_groups_need_group():
    mv = rt.kpi.mrr_movements(book(), by="plan")
    with pytest.raises(rt.InputError, match=r"group=.*'basic', 'pro'"):
        rplot.mrr_bridge(mv)
    with pytest.raises(rt.InputError, match=r"group: 'enterprise' is not one of"):
        rplot.mrr_bridge(mv, group="enterprise")
    with pytest.raises(rt.InputError, match=r"group: the table has no groups"):
        rplot.mrr_bridge(rt.kpi.mrr_movements(MRR), group="pro")
    with pytest.raises(rt.InputError, match=r"group: give one value per grouping level"):
        rplot.mrr_bridge(mv, group=("pro", "x"))


def test_mrr_bridge_bad_inputs():
    mv = rt.kpi.mrr_movements(MRR)
    with pytest.raises(rt.ColumnError, match=r"no column 'churned'.*rt\.kpi\.mrr_movements"):
        rplot.mrr_bridge(mv.drop(columns="churned"))
    with pytest.raises(rt.InputError, match="nothing to plot"):
        rplot.mrr_bridge(mv.iloc[:0])
    broken = mv.copy()
    broken.iloc[2, broken.columns.get_loc("new")] = np.nan
    with pytest.raises(rt.InputError, match=r"column 'new', row 2 \(2024-03\)"):
        rplot.mrr_bridge(broken)
    with pytest.raises(TypeError, match="mrr_movements"):
        rplot.mrr_bridge(mv["new"])


# ----------------------------------------------------------------------------- cohorts
#
# Cohort 2024-01 (a1, a2): paying at ages 0..3: both, both, a1, a2 -> 1, 1, 0.5, 0.5.
# Cohort 2024-02 (a3): 1, 1, 1, then beyond the data (NaN).

COHORTS = np.array([[1.0, 1.0, 0.5, 0.5], [1.0, 1.0, 1.0, np.nan]])


def test_cohorts_heatmap_by_hand():
    table = rt.kpi.cohort_retention(MRR)
    np.testing.assert_allclose(table.to_numpy(), COHORTS)  # the input is what we think it is
    ax = rplot.cohorts(table)
    (image,) = ax.images
    cells = image.get_array()
    assert isinstance(cells, np.ma.MaskedArray)
    np.testing.assert_array_equal(cells.mask, np.isnan(COHORTS))
    np.testing.assert_allclose(cells.filled(np.nan), COHORTS)
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["100%"] * 5 + ["50%"] * 2  # the 7 cells that are not NaN
    assert tick_texts(ax.get_yticklabels()) == ["2024-01", "2024-02"]
    assert tick_texts(ax.get_xticklabels()) == ["0", "1", "2", "3"]
    assert ax.get_xlabel() == "age"
    assert ax.get_ylabel() == "cohort"
    assert ax.get_title() == "Cohort retention"
    colorbar = image.colorbar
    assert colorbar is not None
    assert colorbar.ax.get_ylabel() == "retention"
    assert image.norm.vmin == 0.0 and image.norm.vmax == 1.0
    ax.figure.canvas.draw()


def test_cohorts_format_and_annotation_switch():
    table = rt.kpi.cohort_retention(MRR)
    ax = rplot.cohorts(table, fmt=".1f")
    assert sorted({t.get_text() for t in ax.texts}) == ["0.5", "1.0"]
    assert len(rplot.cohorts(table, annotate=False).texts) == 0
    big = pd.DataFrame(np.full((30, 30), 0.25))
    ax = rplot.cohorts(big)
    assert len(ax.texts) == 0  # too many cells to print
    np.testing.assert_allclose(ax.images[0].get_array(), 0.25)


def test_cohorts_revenue_above_one_widens_the_scale():
    table = pd.DataFrame([[1.0, 1.5], [1.0, np.nan]],
                         index=pd.PeriodIndex(["2024-01", "2024-02"], freq="M", name="cohort"))
    ax = rplot.cohorts(table)
    assert ax.images[0].norm.vmax == 1.5


def test_cohorts_of_a_book_group():
    table = rt.kpi.cohort_retention(book(), by="plan")
    with pytest.raises(rt.InputError, match="group="):
        rplot.cohorts(table)
    ax = rplot.cohorts(table, group="pro")
    # a2 alone: paying at ages 0, 1, not 2, 3.
    np.testing.assert_allclose(ax.images[0].get_array().filled(np.nan), [[1, 1, 0, 1]])
    assert ax.get_title() == "Cohort retention (plan=pro)"


def test_cohorts_bad_inputs():
    table = rt.kpi.cohort_retention(MRR)
    with pytest.raises(rt.InputError, match="nothing to plot"):
        rplot.cohorts(table.iloc[:0])
    with pytest.raises(rt.InputError, match="every cell of the table is NaN"):
        rplot.cohorts(table * np.nan)
    with pytest.raises(rt.InputError, match="fmt:"):
        rplot.cohorts(table, fmt="%d")
    with pytest.raises(rt.InputError, match="age column 1"):
        rplot.cohorts(table.astype({1: str}))


# ----------------------------------------------------------------------------- survival
#
# Durations 1, 2, 2+, 3, 5+ (+: censored): S = 1 at 0, 4/5 at 1, 4/5 * 3/4 = 0.6 at 2,
# 0.6 * 1/2 = 0.3 at 3 and 5.


def km_by_hand():
    km = rt.survival.kaplan_meier([1, 2, 2, 3, 5], [1, 1, 0, 1, 0])
    np.testing.assert_allclose(km["time"], [0, 1, 2, 3, 5])
    np.testing.assert_allclose(km["survival"], [1, 0.8, 0.6, 0.3, 0.3])
    return km


def test_survival_one_curve_by_hand():
    km = km_by_hand()
    ax = rplot.survival(km)
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_xdata(), [0, 1, 2, 3, 5])
    np.testing.assert_allclose(line.get_ydata(), [1, 0.8, 0.6, 0.3, 0.3])
    assert line.get_drawstyle() == "steps-post"
    (band,) = ax.collections
    y = np.concatenate([p.vertices[:, 1] for p in band.get_paths()])
    assert y.min() == pytest.approx(km["ci_lower"].min())
    assert y.max() == pytest.approx(km["ci_upper"].max())
    assert matplotlib.colors.same_color(band.get_facecolor()[0][:3], line.get_color())
    assert legend_texts(ax) == ["Kaplan-Meier estimate"]
    assert ax.get_title() == "Survival (Kaplan-Meier), shaded: 95% interval"
    assert ax.get_xlabel() == "time"
    assert ax.get_ylabel() == "share still customers"
    ax.figure.canvas.draw()


def test_survival_without_interval_needs_no_interval_columns():
    km = km_by_hand()[["time", "survival"]]
    ax = rplot.survival(km, ci=False)
    assert len(ax.collections) == 0
    assert ax.get_title() == "Survival (Kaplan-Meier)"
    with pytest.raises(rt.ColumnError, match=r"no column 'ci_lower'.*kaplan_meier.*ci=False"):
        rplot.survival(km)


def test_survival_dict_series_and_retention_curves():
    # Plan a: 1, 2+, 3 -> S 2/3 at 1, 2/3 at 2, 0 at 3.  Plan b: 2, 4+ -> S 1/2 at 2 and 4.
    frame = pd.DataFrame({
        "plan": ["a", "a", "a", "b", "b"],
        "duration": [1, 2, 3, 2, 4],
        "observed": [1, 0, 1, 1, 0],
    })
    want = {
        "a": ([0, 1, 2, 3], [1, 2 / 3, 2 / 3, 0]),
        "b": ([0, 2, 4], [1, 0.5, 0.5]),
    }
    stacked = rt.survival.retention_curves(frame, "plan")
    curves = {
        plan: rt.survival.kaplan_meier(part["duration"], part["observed"])
        for plan, part in frame.groupby("plan")
    }
    series = pd.Series(curves).rename_axis("plan")
    for given in (stacked, curves, series):
        ax = rplot.survival(given)
        lines = ax.get_lines()
        assert len(lines) == 2
        for line, (x, y) in zip(lines, want.values(), strict=True):
            np.testing.assert_allclose(line.get_xdata(), x)
            np.testing.assert_allclose(line.get_ydata(), y)
        assert legend_texts(ax) == ["a", "b"]
        assert len(ax.collections) == 2
        title = ax.get_legend().get_title().get_text()
        assert title == ("" if given is curves else "plan")


def test_survival_bad_inputs():
    km = km_by_hand()
    with pytest.raises(rt.ColumnError, match=r"no column 'survival'.*rt\.survival\.kaplan_meier"):
        rplot.survival(km.drop(columns="survival"))
    with pytest.raises(rt.InputError, match="no rows, nothing to plot"):
        rplot.survival(km.iloc[:0])
    with pytest.raises(rt.InputError, match="nothing to plot"):
        rplot.survival({})
    with pytest.raises(rt.InputError, match=r"curves\['x'\], row 2: times must be strictly"):
        rplot.survival({"x": km.iloc[[0, 2, 1]]})
    with pytest.raises(rt.InputError, match=r"'survival', row 1: 1.5 is not a survival"):
        rplot.survival(km.assign(survival=[1, 1.5, 0.6, 0.3, 0.3]))
    with pytest.raises(TypeError, match=r"curves\['x'\] must be a DataFrame"):
        rplot.survival({"x": [1, 2]})
    with pytest.raises(rt.InputError, match="ci: must be True or False"):
        rplot.survival(km, ci="yes")


# ----------------------------------------------------------------------------- churn_reasons
#
# MRR lost      Jan   Feb   Mar        churned accounts   Jan   Feb   Mar
#   price       200   -     300          price             2     -     3
#   product      50   -     -            product           1     -     -
#   support      -    -      80          support           -     -     1
# February has no churn (no rows) and is a bar of 0. Totals: price 500, support 80, product 50.


def reasons_table(names: bool = True, outer: str | None = None) -> pd.DataFrame:
    rows = [
        (P("2024-01"), "price", 2, 200.0),
        (P("2024-01"), "product", 1, 50.0),
        (P("2024-03"), "price", 3, 300.0),
        (P("2024-03"), "support", 1, 80.0),
    ]
    period, reason, accounts, lost = (list(c) for c in zip(*rows, strict=True))
    table = pd.DataFrame(
        {
            "churned_accounts": np.array(accounts, dtype=np.int64),
            "mrr_lost": lost,
            "share_of_churned_mrr": [0.8, 0.2, 300 / 380, 80 / 380],
            "voluntary_accounts": np.array(accounts, dtype=np.int64),
            "involuntary_accounts": np.zeros(4, np.int64),
            "unknown_kind_accounts": np.zeros(4, np.int64),
            "voluntary_mrr": lost,
            "involuntary_mrr": np.zeros(4),
            "unknown_kind_mrr": np.zeros(4),
        },
        index=pd.MultiIndex.from_arrays(
            [pd.PeriodIndex(period), reason], names=["period", "reason"]
        ),
    )
    if names:
        table["reason_name"] = table.index.get_level_values("reason").map(
            {"price": "Too expensive", "product": "Missing features", "support": "Poor support"}
        )
    if outer is not None:
        table = pd.concat({"smb": table, "ent": table.iloc[:1] * 1}, names=[outer])
    return table


def test_churn_reasons_by_hand():
    ax = rplot.churn_reasons(reasons_table())
    # Largest total at the bottom: price, support, product.
    assert [c.get_label() for c in ax.containers] == [
        "Too expensive", "Poor support", "Missing features",
    ]
    price, price_bottom, centres = bars(ax, "Too expensive")
    support, support_bottom, _ = bars(ax, "Poor support")
    product, product_bottom, _ = bars(ax, "Missing features")
    np.testing.assert_allclose(centres, [0, 1, 2])
    np.testing.assert_allclose(price, [200, 0, 300])
    np.testing.assert_allclose(price_bottom, 0)
    np.testing.assert_allclose(support, [0, 0, 80])
    np.testing.assert_allclose(support_bottom, [200, 0, 300])
    np.testing.assert_allclose(product, [50, 0, 0])
    np.testing.assert_allclose(product_bottom, [200, 0, 380])
    assert sum(p.get_height() for p in ax.patches) == 630.0
    assert tick_texts(ax.get_xticklabels()) == ["2024-01", "2024-02", "2024-03"]
    assert legend_texts(ax) == ["Too expensive", "Poor support", "Missing features"]
    assert ax.get_legend().get_title().get_text() == "reason"
    assert ax.get_ylabel() == "MRR lost"
    assert ax.get_xlabel() == "period"
    assert ax.get_title() == "Churn by reason"
    ax.figure.canvas.draw()


def test_churn_reasons_accounts_codes_and_quarters():
    ax = rplot.churn_reasons(reasons_table(names=False), value="churned_accounts")
    assert legend_texts(ax) == ["price", "product", "support"]  # totals 5, 1, 1: stable order
    np.testing.assert_allclose(bars(ax, "price")[0], [2, 0, 3])
    np.testing.assert_allclose(bars(ax, "product")[0], [1, 0, 0])
    np.testing.assert_allclose(bars(ax, "support")[0], [0, 0, 1])
    assert ax.get_ylabel() == "churned accounts"
    quarterly = reasons_table(names=False)
    quarterly.index = pd.MultiIndex.from_arrays(
        [pd.PeriodIndex([P("2024Q1", "Q")] * 2 + [P("2024Q3", "Q")] * 2),
         quarterly.index.get_level_values("reason")],
        names=["period", "reason"],
    )
    ax = rplot.churn_reasons(quarterly)
    assert tick_texts(ax.get_xticklabels()) == ["2024Q1", "2024Q2", "2024Q3"]
    np.testing.assert_allclose(bars(ax, "price")[0], [200, 0, 300])


def test_churn_reasons_groups():
    table = reasons_table(outer="segment")
    with pytest.raises(rt.InputError, match=r"groups by \['segment'\].*group="):
        rplot.churn_reasons(table)
    ax = rplot.churn_reasons(table, group="ent")
    assert legend_texts(ax) == ["Too expensive"]
    np.testing.assert_allclose(bars(ax, "Too expensive")[0], [200])
    assert ax.get_title() == "Churn by reason (segment=ent)"
    np.testing.assert_allclose(
        bars(rplot.churn_reasons(table, group="smb"), "Too expensive")[0], [200, 0, 300]
    )


def test_churn_reasons_bad_inputs():
    table = reasons_table()
    with pytest.raises(rt.ColumnError, match=r"no column 'mrr_lost'.*rt\.kpi\.churn_reasons"):
        rplot.churn_reasons(table.drop(columns="mrr_lost"))
    with pytest.raises(rt.ColumnError, match=r"no index level 'reason'"):
        rplot.churn_reasons(table.droplevel("reason"))
    with pytest.raises(rt.InputError, match=r"value: 'mrr' is not a column"):
        rplot.churn_reasons(table, value="mrr")
    with pytest.raises(rt.InputError, match=r"value: column 'reason_name' holds"):
        rplot.churn_reasons(table, value="reason_name")
    with pytest.raises(rt.InputError, match="nothing to plot"):
        rplot.churn_reasons(table.iloc[:0])
    with pytest.raises(rt.InputError, match=r"row 1 .*is negative"):
        rplot.churn_reasons(table.assign(mrr_lost=[200.0, -50, 300, 80]))
    with pytest.raises(rt.InputError, match=r"column 'mrr_lost', row 3 .*not a finite"):
        rplot.churn_reasons(table.assign(mrr_lost=[200.0, 50, 300, np.nan]))
    with pytest.raises(rt.InputError, match="appears twice"):
        rplot.churn_reasons(pd.concat([table, table.iloc[:1]]))


# ----------------------------------------------------------------------------- health
#
# Scores 5, 15, 35 (red, < 40), 45, 55, 65 (yellow, < 70), 85, 95, 99 (green), one NaN.
# Ten bins of 10 on 0-100: red in bins 0, 1, 3; yellow 4, 5, 6; green 8, 9, 9.

SCORES = [5.0, 15, 35, 45, 55, 65, 85, 95, 99, np.nan]
COUNTS = {
    "red": [1, 1, 0, 1, 0, 0, 0, 0, 0, 0],
    "yellow": [0, 0, 0, 0, 1, 1, 1, 0, 0, 0],
    "green": [0, 0, 0, 0, 0, 0, 0, 0, 1, 2],
}


def scored_by_a_model() -> pd.DataFrame:
    model = rt.HealthModel.from_dict({
        "version": 1,
        "name": "logins",
        "groups": [{"name": "usage", "weight": 1}],
        "measures": [
            {"name": "logins", "group": "usage",
             "transform": {"kind": "linear", "lo": 0, "hi": 100}},
        ],
        "missing": "reweight",
        "grades": [
            {"min": 0, "label": "red"},
            {"min": 40, "label": "yellow"},
            {"min": 70, "label": "green"},
        ],
    })
    scored = model.score(pd.DataFrame({"logins": SCORES}))
    np.testing.assert_allclose(scored["score"], SCORES)  # linear 0-100: the score is the value
    return scored


def test_health_distribution_by_grade_by_hand():
    ax = rplot.health_distribution(scored_by_a_model(), bins=10)
    assert legend_texts(ax) == ["red (3)", "yellow (3)", "green (3)"]
    bottom = np.zeros(10)
    for grade, label in zip(COUNTS, legend_texts(ax), strict=True):
        heights, bottoms, _ = bars(ax, label)
        np.testing.assert_allclose(heights, COUNTS[grade])
        np.testing.assert_allclose(bottoms, bottom)
        bottom += COUNTS[grade]
    lefts = [p.get_x() for p in ax.containers[0].patches]
    np.testing.assert_allclose(lefts, np.arange(0, 100, 10))
    assert sum(p.get_height() for p in ax.patches) == 9
    assert ax.get_title() == "Health scores (9 accounts; 1 without a score left out)"
    assert ax.get_xlabel() == "health score"
    assert ax.get_ylabel() == "accounts"
    assert ax.get_legend().get_title().get_text() == "grade"
    ax.figure.canvas.draw()


def test_health_distribution_plain_and_edges():
    scores = pd.DataFrame({"score": SCORES[:-1]})  # no grade column: one histogram
    ax = rplot.health_distribution(scores, bins=[0, 50, 100])
    assert ax.get_legend() is None
    heights = [p.get_height() for p in ax.patches]
    assert heights == [4, 5]  # 5, 15, 35, 45 | 55, ..., 99
    assert ax.get_title() == "Health scores (9 accounts)"
    ax = rplot.health_distribution(scored_by_a_model(), bins=5, by=None)
    # 5, 15 | 35 | 45, 55 | 65 | 85, 95, 99
    assert [p.get_height() for p in ax.patches] == [2, 1, 2, 1, 3]


def test_health_distribution_by_another_column():
    scored = scored_by_a_model().assign(segment=["smb", "ent"] * 4 + ["smb", None])
    ax = rplot.health_distribution(scored, bins=2, by="segment")
    # ent: 15, 45, 65, 95 -> 2 | 2; smb: 5, 35, 55, 85, 99 -> 2 | 3 (the NaN score left out).
    assert legend_texts(ax) == ["ent (4)", "smb (5)"]
    np.testing.assert_allclose(bars(ax, "ent (4)")[0], [2, 2])
    np.testing.assert_allclose(bars(ax, "smb (5)")[0], [2, 3])


def test_health_distribution_bad_inputs():
    scored = scored_by_a_model()
    with pytest.raises(rt.ColumnError, match=r"no column 'score'.*HealthModel\.score"):
        rplot.health_distribution(scored.drop(columns="score"))
    with pytest.raises(rt.InputError, match="every score is NaN, nothing to plot"):
        rplot.health_distribution(scored.assign(score=np.nan))
    with pytest.raises(rt.InputError, match="no rows, nothing to plot"):
        rplot.health_distribution(scored.iloc[:0])
    with pytest.raises(rt.InputError, match="by: 'tier' is not a column"):
        rplot.health_distribution(scored, by="tier")
    with pytest.raises(rt.InputError, match="bins: must be at least 1"):
        rplot.health_distribution(scored, bins=0)
    with pytest.raises(rt.InputError, match="bins: must be a whole number"):
        rplot.health_distribution(scored, bins=2.5)
    with pytest.raises(rt.InputError, match=r"leave out 2 score"):
        rplot.health_distribution(scored, bins=[0, 50, 90])
    with pytest.raises(rt.InputError, match="strictly increasing"):
        rplot.health_distribution(scored, bins=[0, 50, 50, 100])
    with pytest.raises(rt.InputError, match=r"column 'score', row 0: the score is infinite"):
        rplot.health_distribution(scored.assign(score=[np.inf, *SCORES[1:]]))
