#include <doctest/doctest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <limits>
#include <retain/logistic.hpp>
#include <retain/matrix.hpp>
#include <string>
#include <vector>

#include "random.hpp"

using namespace retain;
using doctest::Approx;

namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// An Eigen matrix as retain takes it: a view of its storage, no copy.
MatrixView view(const Eigen::MatrixXd& x) {
    return MatrixView::column_major(x.data(), static_cast<std::size_t>(x.rows()),
                                    static_cast<std::size_t>(x.cols()));
}
MatrixView view(const RowMatrix& x) {
    return MatrixView::row_major(x.data(), static_cast<std::size_t>(x.rows()),
                                 static_cast<std::size_t>(x.cols()));
}

Eigen::Map<const Eigen::VectorXd> as_eigen(const std::vector<double>& v) {
    return {v.data(), static_cast<Eigen::Index>(v.size())};
}

std::string fit_error(const Eigen::MatrixXd& x, const std::vector<double>& y,
                      const std::vector<double>& w = {}, LogisticOptions options = {},
                      const std::vector<std::string>& names = {}) {
    try {
        fit_logistic(view(x), y, w, options, names);
    } catch (const InputError& e) {
        return e.what();
    }
    return "no error";
}

double sigmoid(double z) {
    return 1.0 / (1.0 + std::exp(-z));
}

// Random churn-like rows: n x d features of different scales and a label drawn from a logistic
// model, so the fit has an interior optimum.
struct Data {
    Eigen::MatrixXd x;
    std::vector<double> y, w;
};

Data churn_rows(Eigen::Index n, Eigen::Index d, std::uint64_t seed) {
    test::Lcg rng{seed};
    auto uniform = [&] { return static_cast<double>(rng.next()) / 2147483648.0; };  // [0, 1)
    Data out{Eigen::MatrixXd(n, d), std::vector<double>(static_cast<std::size_t>(n)),
             std::vector<double>(static_cast<std::size_t>(n))};
    for (Eigen::Index i = 0; i < n; ++i) {
        double z = -1.0;
        for (Eigen::Index j = 0; j < d; ++j) {
            const double v = (uniform() - 0.5) * static_cast<double>(j + 1) * 10.0 + 3.0 * j;
            out.x(i, j) = v;
            z += (j % 2 ? 0.3 : -0.2) * v / static_cast<double>(j + 1);
        }
        const auto k = static_cast<std::size_t>(i);
        out.y[k] = uniform() < sigmoid(z) ? 1.0 : 0.0;
        out.w[k] = 0.5 + uniform();
    }
    return out;
}

}  // namespace

TEST_CASE("two mirrored rows by hand: intercept 0, coef solves beta = 2 / (1 + exp(beta))") {
    // x = -1 (class 0) and x = 1 (class 1), C = 1, no standardization. By symmetry the intercept
    // is 0; the coefficient's gradient -2 (1 - sigmoid(beta)) + beta = 0 gives beta = 2
    // sigmoid(-b).
    const Eigen::MatrixXd x{{-1.0}, {1.0}};
    const std::vector<double> y{0, 1};
    LogisticOptions o;
    o.standardize = false;
    const auto fit = fit_logistic(view(x), y, {}, o);
    CHECK(fit.converged);
    CHECK(fit.intercept == Approx(0.0).epsilon(1e-12));
    CHECK(std::abs(fit.intercept) < 1e-12);
    const double beta = fit.coef[0];
    CHECK(beta == Approx(2.0 / (1.0 + std::exp(beta))).epsilon(1e-12));
    CHECK(beta == Approx(0.6748316143423994).epsilon(1e-12));  // the root, by bisection
    CHECK(fit.separable);  // the classes are separated, the penalty keeps beta finite
    // Objective: 2 log(1 + exp(-beta)) + beta^2 / 2.
    CHECK(fit.objective == Approx(2 * std::log1p(std::exp(-beta)) + beta * beta / 2));
}

TEST_CASE("intercept only: the log-odds of the weighted classes") {
    const Eigen::MatrixXd x(5, 0);
    const std::vector<double> y{1, 0, 0, 1, 0};
    const std::vector<double> w{1, 1, 2, 1, 1};  // class 1 weighs 2, class 0 weighs 4
    const auto fit = fit_logistic(view(x), y, w, LogisticOptions{});
    CHECK(fit.intercept == Approx(std::log(2.0 / 4.0)).epsilon(1e-14));
    CHECK(fit.n_iter == 0);  // the starting point is the optimum
    CHECK(fit.converged);
}

TEST_CASE("the optimum: the gradient of C sum w logloss + |coef|^2 / 2 vanishes") {
    const auto data = churn_rows(3000, 4, 11);
    LogisticOptions o;
    o.C = 0.05;
    o.class_weight = {1.0, 3.0};
    const auto fit = fit_logistic(view(data.x), data.y, data.w, o);
    CHECK(fit.converged);
    CHECK(fit.n_iter < 15);
    // Gradient on the standardized scale, recomputed here row by row.
    const auto coef = as_eigen(fit.coef), mean_ = as_eigen(fit.mean), scale = as_eigen(fit.scale);
    Eigen::VectorXd g = as_eigen(fit.coef_standardized);
    double g0 = 0.0;
    for (Eigen::Index i = 0; i < data.x.rows(); ++i) {
        const auto k = static_cast<std::size_t>(i);
        const double z = fit.intercept + data.x.row(i).dot(coef);
        const double r =
            o.C * data.w[k] * o.class_weight[data.y[k] != 0] * (sigmoid(z) - data.y[k]);
        g += r * ((data.x.row(i).transpose() - mean_).cwiseQuotient(scale));
        g0 += r;
    }
    CHECK(g.cwiseAbs().maxCoeff() < 1e-7);
    CHECK(std::abs(g0) < 1e-7);
    // The two scales describe the same scores.
    const double z_std =
        fit.intercept_standardized + ((data.x.row(7).transpose() - mean_).cwiseQuotient(scale))
                                         .dot(as_eigen(fit.coef_standardized));
    CHECK(data.x.row(7).dot(coef) + fit.intercept == Approx(z_std).epsilon(1e-12));
    // Population (ddof 0) std with the sample weights.
    const double wsum = Eigen::Map<const Eigen::VectorXd>(data.w.data(), 3000).sum();
    double mean = 0, var = 0;
    for (Eigen::Index i = 0; i < 3000; ++i)
        mean += data.w[static_cast<std::size_t>(i)] * data.x(i, 2);
    mean /= wsum;
    for (Eigen::Index i = 0; i < 3000; ++i)
        var += data.w[static_cast<std::size_t>(i)] * (data.x(i, 2) - mean) * (data.x(i, 2) - mean);
    CHECK(fit.mean[2] == Approx(mean).epsilon(1e-12));
    CHECK(fit.scale[2] == Approx(std::sqrt(var / wsum)).epsilon(1e-12));
}

TEST_CASE("balanced class weights: W / (2 W_c)") {
    const auto data = churn_rows(500, 2, 5);
    LogisticOptions o;
    o.balanced = true;
    const auto fit = fit_logistic(view(data.x), data.y, data.w, o);
    double w1 = 0, w0 = 0;
    for (std::size_t i = 0; i < data.y.size(); ++i) (data.y[i] != 0 ? w1 : w0) += data.w[i];
    CHECK(fit.class_weight[0] == Approx((w0 + w1) / (2 * w0)));
    CHECK(fit.class_weight[1] == Approx((w0 + w1) / (2 * w1)));
}

TEST_CASE("results do not depend on the thread count or the memory layout") {
    const auto data = churn_rows(50000, 6, 3);  // several row chunks
    LogisticOptions one, two;
    one.n_threads = 1;
    two.n_threads = 2;
    const auto a = fit_logistic(view(data.x), data.y, data.w, one);
    const auto b = fit_logistic(view(data.x), data.y, data.w, two);
    const RowMatrix rows = data.x;
    const auto c = fit_logistic(view(rows), data.y, data.w, two);
    CHECK(a.coef == b.coef);  // bit for bit
    CHECK(a.intercept == b.intercept);
    CHECK(a.coef == c.coef);
    CHECK(a.intercept == c.intercept);
    CHECK(a.n_iter == c.n_iter);
    const std::vector<double> pa = logistic_probability(view(data.x), a, 1);
    const std::vector<double> pb = logistic_probability(view(data.x), a, 2);
    const std::vector<double> pc = logistic_probability(view(rows), a, 2);
    CHECK(pa == pb);
    // The dot products of a row-major block sum in another order: equal to rounding.
    CHECK((as_eigen(pa) - as_eigen(pc)).cwiseAbs().maxCoeff() < 1e-15);
    CHECK(pa[10] ==
          Approx(sigmoid(a.intercept + data.x.row(10).dot(as_eigen(a.coef)))).epsilon(1e-14));
}

TEST_CASE("MatrixView: element strides, a checked twin, row ranges") {
    const std::vector<double> data{1, 2, 3, 4, 5, 6};  // 2 x 3 row by row, or 3 x 2 by column
    const auto rows = MatrixView::row_major(data.data(), 2, 3);
    const auto cols = MatrixView::column_major(data.data(), 3, 2);
    CHECK(rows(1, 0) == 4);
    CHECK(cols(1, 0) == 2);
    CHECK(cols(0, 1) == 4);
    // A 2 x 2 block of the 2 x 3 rows: a leading dimension larger than the width.
    const auto block = MatrixView::row_major(data.data() + 1, 2, 2, 3);
    CHECK(block(1, 1) == 6);
    CHECK(rows.middle_rows(1, 1)(0, 2) == 6);
    // Negative strides read backwards: rows in reverse order.
    const MatrixView reversed{data.data() + 3, 2, 3, -3, 1};
    CHECK(reversed(0, 0) == 4);
    CHECK(reversed(1, 2) == 3);
    CHECK(rows.at(1, 2) == 6);
    CHECK_THROWS_WITH_AS(rows.at(2, 0), "row 2 out of range: there are 2 rows", InputError);
    CHECK_THROWS_WITH_AS(rows.at(0, 3), "column 3 out of range: there are 3 columns", InputError);
}

TEST_CASE("any strides: the same fit to the last bit, predictions equal to rounding") {
    const auto data = churn_rows(20000, 5, 21);
    const std::size_t n = 20000, d = 5;
    const auto packed = fit_logistic(view(data.x), data.y, data.w, LogisticOptions{});
    // Every other row of a matrix twice as long, columns n apart: neither layout is contiguous.
    std::vector<double> spread(2 * n * d, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < d; ++j)
            spread[2 * i + 2 * n * j] =
                data.x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
    const MatrixView strided{spread.data(), n, d, 2, static_cast<std::ptrdiff_t>(2 * n)};
    const auto a = fit_logistic(strided, data.y, data.w, LogisticOptions{});
    CHECK(a.coef == packed.coef);
    CHECK(a.intercept == packed.intercept);
    CHECK(a.n_iter == packed.n_iter);
    // Columns read last to first (a negative stride) fit like a packed copy in that order.
    const Eigen::MatrixXd flipped = data.x.rowwise().reverse();
    const MatrixView backwards{data.x.data() + (d - 1) * n, n, d, 1,
                               -static_cast<std::ptrdiff_t>(n)};
    const auto b = fit_logistic(backwards, data.y, data.w, LogisticOptions{});
    const auto c = fit_logistic(view(flipped), data.y, data.w, LogisticOptions{});
    CHECK(b.coef == c.coef);
    CHECK(b.intercept == c.intercept);
    const std::vector<double> p_strided = logistic_probability(strided, packed, 2);
    const std::vector<double> p_packed = logistic_probability(view(data.x), packed, 2);
    CHECK((as_eigen(p_strided) - as_eigen(p_packed)).cwiseAbs().maxCoeff() < 1e-15);
    // A bad value is found, and named, through any strides.
    spread[2 * 7 + 2 * n * 3] = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH_AS(logistic_decision(strided, packed),
                         "column 'x3', row 7: is inf (features must be finite numbers)",
                         InputError);
    CHECK_THROWS_WITH_AS(fit_logistic(strided, data.y, data.w, LogisticOptions{}),
                         "column 'x3', row 7: is inf (features must be finite numbers)",
                         InputError);
}

TEST_CASE("integer labels fit as their double values") {
    const auto data = churn_rows(2000, 3, 4);
    const std::vector<std::int8_t> codes(data.y.begin(), data.y.end());
    const auto a = fit_logistic(view(data.x), data.y, data.w, LogisticOptions{});
    const auto b = fit_logistic(view(data.x), codes, data.w, LogisticOptions{});
    CHECK(a.coef == b.coef);
    CHECK(a.intercept == b.intercept);
    std::vector<std::int8_t> bad = codes;
    bad[5] = -1;  // label_churn's code for an inactive row, not dropped
    CHECK_THROWS_WITH_AS(fit_logistic(view(data.x), bad, data.w, LogisticOptions{}),
                         "column 'y', row 5: must be 0 or 1, got -1", InputError);
}

TEST_CASE("a constant column: coefficient exactly 0, reported") {
    auto data = churn_rows(400, 3, 8);
    data.x.col(1).setConstant(0.1);
    const auto fit = fit_logistic(view(data.x), data.y, data.w, LogisticOptions{});
    CHECK(fit.constant_columns == std::vector<std::size_t>{1});
    CHECK(fit.coef[1] == 0.0);
    CHECK(fit.scale[1] == 1.0);
    CHECK(fit.mean[1] == 0.1);
    CHECK(fit.converged);
}

TEST_CASE("separable data: finite coefficients, flagged") {
    Eigen::MatrixXd x(200, 2);
    std::vector<double> y(200);
    for (Eigen::Index i = 0; i < 200; ++i) {
        x(i, 0) = static_cast<double>(i);
        x(i, 1) = static_cast<double>((i * 37) % 11);
        y[static_cast<std::size_t>(i)] = i >= 120 ? 1.0 : 0.0;
    }
    LogisticOptions o;
    o.C = 1e4;
    const auto fit = fit_logistic(view(x), y, {}, o);
    CHECK(fit.separable);
    CHECK(fit.converged);
    CHECK(std::isfinite(fit.coef[0]));
    CHECK(fit.coef[0] > 0.0);
}

TEST_CASE("not converged within max_iter is a flag, not an error") {
    const auto data = churn_rows(1000, 3, 2);
    LogisticOptions o;
    o.max_iter = 1;
    o.tol = 1e-14;
    const auto fit = fit_logistic(view(data.x), data.y, data.w, o);
    CHECK_FALSE(fit.converged);
    CHECK(fit.n_iter == 1);
}

TEST_CASE("bad input: errors name the column and row, or the argument") {
    const Eigen::MatrixXd x{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}};
    const std::vector<double> y{0, 1, 0};
    Eigen::MatrixXd bad = x;
    bad(2, 1) = std::numeric_limits<double>::quiet_NaN();
    CHECK(fit_error(bad, y) == "column 'x1', row 2: is NaN (features must be finite numbers)");
    bad(1, 1) = -std::numeric_limits<double>::infinity();
    CHECK(fit_error(bad, y, {}, {}, {"tenure", "arr"}) ==
          "column 'arr', row 1: is -inf (features must be finite numbers)");
    CHECK(fit_error(x, {0, 2, 1}) == "column 'y', row 1: must be 0 or 1, got 2");
    CHECK(fit_error(x, {0, 0.5, 1}) == "column 'y', row 1: must be 0 or 1, got 0.5");
    CHECK(fit_error(x, {0, 0, 0}) ==
          "y: has one class only (all 0); a logistic regression needs both");
    CHECK(fit_error(x, {1, 1, 1}) ==
          "y: has one class only (all 1); a logistic regression needs both");
    CHECK(fit_error(x, {0, 1}) == "y: has 2 values but X has 3 rows");
    CHECK(fit_error(x, y, {1, -1, 1}) ==
          "column 'sample_weight', row 1: must be a finite non-negative weight, got -1");
    CHECK(fit_error(x, y, {1, 0, 1}) ==
          "sample_weight: the rows of class 1 have zero total weight");
    CHECK(fit_error(x, y, {1, 1}) == "sample_weight: has 2 values but X has 3 rows");
    LogisticOptions o;
    o.C = 0;
    CHECK(fit_error(x, y, {}, o) == "C: must be a positive finite number, got 0");
    o = {};
    o.max_iter = 0;
    CHECK(fit_error(x, y, {}, o) == "max_iter: must be at least 1, got 0");
    o = {};
    o.class_weight = {1.0, -2.0};
    CHECK(fit_error(x, y, {}, o) ==
          "class_weight: the weight of class 1 must be finite and >= 0, got -2");
    o.class_weight = {0.0, 1.0};
    CHECK(fit_error(x, y, {}, o) == "class_weight: class 0 has weight 0: only one class is left");
    CHECK(fit_error(Eigen::MatrixXd(0, 2), {}) == "X: has no rows");

    const auto fit = fit_logistic(view(x), y, {}, LogisticOptions{});
    CHECK_THROWS_WITH_AS(logistic_decision(view(Eigen::MatrixXd(2, 3)), fit),
                         "X: has 3 columns but the model was fitted on 2", InputError);
    CHECK_THROWS_WITH_AS(logistic_decision(view(bad), fit, 0, {"tenure", "arr"}),
                         "column 'arr', row 1: is -inf (features must be finite numbers)",
                         InputError);
    LogisticChurnModel model;
    CHECK_THROWS_AS(model.predict_proba(view(x)), Error);
    model.fit(view(x), y);
    CHECK(model.predict_proba(view(x)).size() == 3);
}
