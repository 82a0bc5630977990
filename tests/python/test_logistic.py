"""rt.LogisticChurnModel against scikit-learn's LogisticRegression, and its estimator protocol."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import retain as rt

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402


def churn_data(n: int = 2000, d: int = 5, seed: int = 0, positives: float = 0.15):
    """Features of very different scales and offsets (like ARR, seats, logins, tenure) and a label
    drawn from a logistic model, so the optimum is interior."""
    rng = np.random.default_rng(seed)
    scales = np.array([1e4, 3.0, 50.0, 0.2, 700.0, 1.0, 9.0, 0.05])[:d]
    offsets = np.array([5e4, 10.0, 200.0, 0.5, 1e3, -3.0, 0.0, 1.0])[:d]
    z = rng.normal(size=(n, d))
    X = z * scales + offsets
    beta = np.linspace(-1.0, 1.2, d)
    logit = np.log(positives / (1 - positives)) + z @ beta * 0.8
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    w = rng.uniform(0.2, 3.0, n)
    return X, y, w


def sklearn_standardized(X, y, w, C, class_weight=None):
    """scikit-learn fitted on StandardScaler-transformed data (weighted like ours), and the
    scaler."""
    scaler = StandardScaler().fit(X, sample_weight=w)
    lr = LogisticRegression(C=C, tol=1e-10, max_iter=10000, class_weight=class_weight)
    lr.fit(scaler.transform(X), y, sample_weight=w)
    return lr, scaler


def assert_close_coefficients(ours, theirs, rtol=1e-5):
    ours, theirs = np.ravel(ours), np.ravel(theirs)
    scale = np.maximum(np.abs(theirs), 1e-3 * np.abs(theirs).max())
    assert np.max(np.abs(ours - theirs) / scale) < rtol, (ours, theirs)


@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("class_weight", [None, "balanced", {0: 1.0, 1: 4.0}, {1: 0.5}])
def test_equals_sklearn_on_standardized_data(C, class_weight):
    X, y, w = churn_data(seed=int(C * 100) % 7)
    m = rt.LogisticChurnModel(C=C, class_weight=class_weight).fit(X, y, sample_weight=w)
    lr, scaler = sklearn_standardized(X, y, w, C, class_weight)
    assert m.converged_
    assert_close_coefficients(m.coef_standardized_, lr.coef_)
    assert_close_coefficients(m.intercept_standardized_, lr.intercept_)
    np.testing.assert_allclose(m.mean_, scaler.mean_, rtol=1e-12)
    np.testing.assert_allclose(m.scale_, scaler.scale_, rtol=1e-12)
    # On the original features: coef_ = coef_standardized_ / scale_, and the same scores.
    np.testing.assert_allclose(m.coef_, lr.coef_ / scaler.scale_, rtol=1e-5)
    np.testing.assert_allclose(
        m.predict_proba(X), lr.predict_proba(scaler.transform(X)), rtol=1e-6, atol=1e-9
    )
    np.testing.assert_allclose(
        m.decision_function(X), X @ m.coef_[0] + m.intercept_[0], rtol=1e-12, atol=1e-9
    )


def test_without_standardization_equals_sklearn_on_raw_data():
    X, y, w = churn_data(d=3)
    X = (X - X.mean(axis=0)) / X.std(axis=0) * [1.0, 2.0, 0.5]  # sklearn's lbfgs needs tame scales
    m = rt.LogisticChurnModel(C=0.3, standardize=False).fit(X, y, sample_weight=w)
    lr = LogisticRegression(C=0.3, tol=1e-10, max_iter=10000).fit(X, y, sample_weight=w)
    assert_close_coefficients(m.coef_, lr.coef_)
    assert_close_coefficients(m.intercept_, lr.intercept_)
    np.testing.assert_array_equal(m.coef_, m.coef_standardized_)
    np.testing.assert_array_equal(m.mean_, 0.0)
    np.testing.assert_array_equal(m.scale_, 1.0)


def test_balanced_class_weight_is_sklearns():
    X, y, w = churn_data()
    m = rt.LogisticChurnModel(class_weight="balanced").fit(X, y, sample_weight=w)
    expected = sklearn.utils.class_weight.compute_class_weight(
        "balanced", classes=np.array([0, 1]), y=y, sample_weight=w
    )
    assert m.class_weight_ == pytest.approx({0: expected[0], 1: expected[1]}, rel=1e-12)
    unweighted = rt.LogisticChurnModel(class_weight="balanced").fit(X, y)
    n1 = y.sum()
    assert unweighted.class_weight_[1] == pytest.approx(len(y) / (2 * n1), rel=1e-14)


def test_attributes_shapes_and_predictions():
    X, y, _ = churn_data(d=4)
    frame = pd.DataFrame(X, columns=["arr", "seats", "logins", "nps"])
    m = rt.LogisticChurnModel().fit(frame, pd.Series(y == 1))
    assert m.coef_.shape == (1, 4) and m.intercept_.shape == (1,)
    np.testing.assert_array_equal(m.classes_, [0, 1])
    assert m.n_features_in_ == 4
    assert list(m.feature_names_in_) == ["arr", "seats", "logins", "nps"]
    assert m.n_iter_.shape == (1,) and 1 <= m.n_iter_[0] < 20
    p = m.predict_proba(frame)
    assert p.shape == (len(y), 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(m.predict(frame), (p[:, 1] > 0.5).astype(int))
    np.testing.assert_allclose(np.exp(m.predict_log_proba(frame)), p, rtol=1e-12)
    # Columns are matched by name: reordered frames score the same; arrays too.
    np.testing.assert_array_equal(m.predict_proba(frame[frame.columns[::-1]]), p)
    np.testing.assert_allclose(m.predict_proba(X), p, rtol=1e-14)
    with pytest.raises(rt.ColumnError, match="no column 'nps'"):
        m.predict(frame.drop(columns="nps"))
    # score() is accuracy: that of scikit-learn's fit of the same model (C=1 on standardized
    # features), counted by scikit-learn.
    lr, scaler = sklearn_standardized(X, y, np.ones(len(y)), 1.0)
    expected = sklearn.metrics.accuracy_score(y, lr.predict(scaler.transform(X)))
    assert m.score(frame, y) == pytest.approx(expected, abs=1e-15)
    # The fit does not depend on memory layout (a C-ordered copy) or on threads.
    c_ordered = np.ascontiguousarray(frame.to_numpy())
    one = rt.LogisticChurnModel(n_threads=1).fit(c_ordered, y)
    two = rt.LogisticChurnModel(n_threads=2).fit(c_ordered, y)
    np.testing.assert_array_equal(one.coef_, two.coef_)
    np.testing.assert_array_equal(one.coef_, m.coef_)
    # Pickles as its parameters and arrays.
    again = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(again.predict_proba(frame), p)


def test_tiny_case_by_hand():
    # Two mirrored rows: intercept 0, coef solves beta = 2 / (1 + exp(beta)) (zero gradient).
    with pytest.warns(rt.RetainWarning, match="perfectly separable"):
        m = rt.LogisticChurnModel(standardize=False).fit([[-1.0], [1.0]], [0, 1])
    beta = m.coef_[0, 0]
    assert beta == pytest.approx(0.6748316143423994, rel=1e-12)
    assert beta == pytest.approx(2 / (1 + np.exp(beta)), rel=1e-12)
    assert abs(m.intercept_[0]) < 1e-12
    assert m.separable_


def test_constant_column_warns_and_gets_coefficient_zero():
    X, y, _ = churn_data(d=3)
    X[:, 1] = 0.1
    with pytest.warns(rt.RetainWarning, match=r"constant feature\(s\) 'x1'.*coefficient is 0"):
        m = rt.LogisticChurnModel().fit(X, y)
    assert m.coef_[0, 1] == 0.0
    assert m.constant_features_ == ["x1"]
    assert np.isfinite(m.coef_).all() and m.converged_
    frame = pd.DataFrame(X, columns=["a", "flat", "c"])
    with pytest.warns(rt.RetainWarning, match="'flat'.*second intercept"):
        rt.LogisticChurnModel(standardize=False).fit(frame, y)


def test_separable_data_warns_and_stays_finite():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(500, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    for C in [1.0, 1e6]:
        with pytest.warns(rt.RetainWarning, match="perfectly separable"):
            m = rt.LogisticChurnModel(C=C).fit(X, y)
        assert np.isfinite(m.coef_).all() and m.separable_
        score = m.decision_function(X)
        assert score[y == 1].min() > score[y == 0].max()  # the ranking separates the classes


def test_max_iter_reached_is_a_convergence_warning():
    X, y, _ = churn_data()
    with pytest.warns(rt.ConvergenceWarning, match="stopped after 1 Newton steps"):
        m = rt.LogisticChurnModel(max_iter=1, tol=1e-15).fit(X, y)
    assert not m.converged_ and m.n_iter_[0] == 1
    assert issubclass(rt.ConvergenceWarning, UserWarning)


def test_errors_name_the_column_row_or_argument():
    X, y, w = churn_data(n=50, d=2)
    frame = pd.DataFrame(X.copy(), columns=["arr", "seats"])
    frame.loc[7, "seats"] = np.nan
    m = rt.LogisticChurnModel()
    with pytest.raises(rt.InputError, match=r"column 'seats', row 7: is NaN"):
        m.fit(frame, y)
    bad = X.copy()
    bad[3, 0] = np.inf
    with pytest.raises(rt.InputError, match=r"column 'x0', row 3: is inf"):
        m.fit(bad, y)
    with pytest.raises(rt.InputError, match=r"Only binary classification is supported: 'y' has 3"):
        m.fit(X, np.where(np.arange(50) == 2, 2, y))
    with pytest.raises(rt.InputError, match=r"Unknown label type: continuous \(column 'y', row 5"):
        m.fit(X, np.where(np.arange(50) == 5, 0.5, y))
    with pytest.raises(rt.InputError, match=r"column 'churned', row 6: missing label"):
        m.fit(X, pd.Series(np.where(np.arange(50) == 6, np.nan, y), name="churned"))
    with pytest.raises(rt.InputError, match="requires y to be passed"):
        m.fit(X, None)
    with pytest.raises(rt.InputError, match=r"X: found 0 feature\(s\) \(shape=\(50, 0\)\)"):
        m.fit(X[:, :0], y)
    with pytest.raises(rt.InputError, match=r"y: has one class only \(all 0\)"):
        m.fit(X, np.zeros(50))
    with pytest.raises(rt.InputError, match=r"column 'sample_weight', row 4: .*got -1"):
        m.fit(X, y, sample_weight=np.where(np.arange(50) == 4, -1.0, w))
    with pytest.raises(rt.InputError, match="y: has 49 values but X has 50 rows"):
        m.fit(X, y[:-1])
    with pytest.raises(rt.InputError, match="C: must be a positive finite number, got -1"):
        rt.LogisticChurnModel(C=-1).fit(X, y)
    with pytest.raises(
        rt.InputError, match=r"class_weight: unknown class 2 \(the classes are \[0, 1\]"
    ):
        rt.LogisticChurnModel(class_weight={2: 1.0}).fit(X, y)
    with pytest.raises(rt.InputError, match="class_weight: must be None, 'balanced' or a dict"):
        rt.LogisticChurnModel(class_weight="auto").fit(X, y)
    with pytest.raises(rt.InputError, match="column 'plan' must be numeric"):
        m.fit(frame.assign(plan="pro"), y)
    with pytest.raises(rt.NotFittedError):
        rt.LogisticChurnModel().predict(X)
    assert issubclass(rt.NotFittedError, ValueError)
    assert issubclass(rt.NotFittedError, AttributeError)
    fitted = rt.LogisticChurnModel().fit(X, y)
    with pytest.raises(
        rt.InputError, match="X has 3 features, but LogisticChurnModel is expecting 2"
    ):
        fitted.predict(np.ones((2, 3)))


def test_params_repr_and_clone():
    m = rt.LogisticChurnModel(C=0.5, class_weight="balanced")
    assert repr(m) == "LogisticChurnModel(C=0.5, class_weight='balanced')"
    assert repr(rt.LogisticChurnModel()) == "LogisticChurnModel()"
    assert m.get_params() == {
        "C": 0.5,
        "class_weight": "balanced",
        "max_iter": 100,
        "n_threads": None,
        "standardize": True,
        "tol": 1e-8,
    }
    assert m.set_params(C=2.0) is m and m.C == 2.0
    with pytest.raises(ValueError, match="Invalid parameter 'alpha'"):
        m.set_params(alpha=1.0)
    X, y, _ = churn_data(n=300, d=3)
    m.fit(X, y)
    copy = clone(m)
    assert copy.get_params() == m.get_params() and not hasattr(copy, "coef_")
    assert sklearn.base.is_classifier(m)


def test_pipeline_cross_val_score_and_grid_search():
    X, y, w = churn_data(n=1500, d=4)
    pipe = make_pipeline(StandardScaler(), rt.LogisticChurnModel(standardize=False, C=0.5))
    pipe.fit(X, y, logisticchurnmodel__sample_weight=w)
    lr, scaler = sklearn_standardized(X, y, np.ones_like(w), 0.5)  # the scaler saw no weights
    lr.fit(scaler.transform(X), y, sample_weight=w)
    assert_close_coefficients(pipe[-1].coef_, lr.coef_)

    ours = cross_val_score(rt.LogisticChurnModel(C=0.5), X, y, cv=5, scoring="roc_auc")
    theirs = cross_val_score(
        make_pipeline(StandardScaler(), LogisticRegression(C=0.5, tol=1e-10)),
        X,
        y,
        cv=5,
        scoring="roc_auc",
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert len(cross_val_score(rt.LogisticChurnModel(), X, y, cv=3)) == 3  # accuracy by score()

    grid = GridSearchCV(rt.LogisticChurnModel(), {"C": [0.001, 0.1, 10.0]}, cv=3, scoring="roc_auc")
    grid.fit(X, y)
    # The same search with scikit-learn's own model on the same folds (StratifiedKFold(3), no
    # shuffle, for both): the same cross-validated AUC of every C, so the same best C.
    sk_grid = GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression(tol=1e-10, max_iter=10_000)),
        {"logisticregression__C": [0.001, 0.1, 10.0]},
        cv=3,
        scoring="roc_auc",
    ).fit(X, y)
    for key in ("mean_test_score", *(f"split{k}_test_score" for k in range(3))):
        np.testing.assert_allclose(grid.cv_results_[key], sk_grid.cv_results_[key], rtol=1e-6)
    # The best two differ by far more than that tolerance: the best C is decided, not a tie.
    best, second = np.sort(sk_grid.cv_results_["mean_test_score"])[::-1][:2]
    assert best - second > 1e-4
    assert grid.best_params_["C"] == sk_grid.best_params_["logisticregression__C"]
    assert isinstance(grid.best_estimator_, rt.LogisticChurnModel)
    np.testing.assert_allclose(
        grid.predict_proba(X), sk_grid.predict_proba(X), rtol=1e-6, atol=1e-9
    )


def test_import_does_not_import_sklearn():
    import subprocess
    import sys

    code = "import sys, retain; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_any_two_labels_as_scikit_learn_reads_them():
    # The oracle: scikit-learn's LogisticRegression on the same text labels; classes_ sorted, the
    # second one the positive class of predict_proba[:, 1] and of the coefficients.
    X, y, w = churn_data(n=400, d=3)
    text = np.where(y == 1, "stay", "churn")  # deliberately "churn" < "stay"
    ours = rt.LogisticChurnModel(class_weight={"churn": 2.0}).fit(X, text, sample_weight=w)
    theirs = make_pipeline(
        StandardScaler(), LogisticRegression(C=1.0, class_weight={"churn": 2.0}, tol=1e-10)
    ).fit(X, text, standardscaler__sample_weight=w, logisticregression__sample_weight=w)
    assert ours.classes_.tolist() == theirs.classes_.tolist() == ["churn", "stay"]
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-6)
    assert (ours.predict(X) == theirs.predict(X)).all()
    assert ours.class_weight_ == {"churn": 2.0, "stay": 1.0}
    assert ours.score(X, text) == pytest.approx(theirs.score(X, text))
    # Booleans keep their type; 1/2 labels are two classes, 2 the positive one.
    flags = rt.LogisticChurnModel().fit(X, y.astype(bool))
    assert flags.classes_.dtype == bool and flags.predict(X).dtype == bool
    twos = rt.LogisticChurnModel().fit(X, y + 1)
    np.testing.assert_allclose(
        twos.decision_function(X), rt.LogisticChurnModel().fit(X, y).decision_function(X)
    )
    with pytest.raises(
        rt.InputError, match="X has 2 features, but LogisticChurnModel is expecting 3"
    ):
        twos.predict(X[:, :2])


def test_unfitted_is_scikit_learns_not_fitted_error_too():
    from sklearn.exceptions import NotFittedError

    m = rt.LogisticChurnModel()
    for method in (m.predict, m.predict_proba, m.decision_function):
        with pytest.raises(NotFittedError):
            method(np.zeros((2, 1)))
        with pytest.raises(rt.NotFittedError, match="not fitted yet"):
            method(np.zeros((2, 1)))
    # The other estimator with a fit, the same way.
    sbg = rt.survival.ShiftedBetaGeometric()
    for call in (lambda: sbg.survival(3), lambda: sbg.discounted_expected_lifetime(0.1)):
        with pytest.raises(NotFittedError, match="ShiftedBetaGeometric: not fitted yet"):
            call()
        with pytest.raises(rt.NotFittedError):
            call()


with warnings.catch_warnings():
    # retain does not import scikit-learn, so it cannot inherit its BaseEstimator: said once here.
    warnings.filterwarnings("ignore", "Estimator LogisticChurnModel does not inherit", UserWarning)
    _SKLEARN_CHECKS = parametrize_with_checks([rt.LogisticChurnModel()])


@pytest.mark.filterwarnings("ignore::retain.RetainWarning")  # separable toy data, constant columns
@_SKLEARN_CHECKS
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
