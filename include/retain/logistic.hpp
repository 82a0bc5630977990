#pragma once
// L2-regularised logistic regression for churn models, solved by Newton's method (IRLS) in Eigen.
//
// The objective is scikit-learn's LogisticRegression(C=C, penalty="l2") for two classes:
//
//     minimise  C * sum_i w_i * logloss_i(coef, intercept) + 0.5 * ||coef||^2
//
// with w_i = sample_weight_i * class_weight[y_i]; the intercept is not penalised. With
// `standardize` the fit runs on the columns centred and scaled like scikit-learn's StandardScaler
// (sample-weighted mean and population std, ddof 0; a constant column keeps scale 1), so the
// penalty applies to the coefficients of the standardized features; the result reports them on
// both scales: `coef`/`intercept` for the original features (what predictions use) and
// `coef_standardized`/`intercept_standardized` for the standardized ones (what scikit-learn fitted
// on StandardScaler-transformed data reports, and the scale on which coefficients compare).
//
// Each Newton step builds the gradient and the Hessian X'DX + I/C in one pass over the rows: the
// rows are cut into chunks fixed by the row count (never by the thread count), each chunk
// standardizes its rows block by block into a small column-major buffer and adds the block's
// X'DX with a symmetric rank update, and the chunk partials are summed in chunk order. The data
// are read in place, row-major or column-major as the caller holds them, and results do not
// depend on the number of threads. A step that does not decrease the objective enough (Armijo)
// is halved.

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <iomanip>
#include <limits>
#include <sstream>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "retain/detail/parallel.hpp"
#include "retain/error.hpp"

namespace retain {

/// How to fit a LogisticChurnModel (scikit-learn's names where they exist).
struct LogisticOptions {
    double C = 1.0;            ///< inverse regularisation strength, a positive finite number
    bool standardize = true;   ///< fit on centred and scaled columns (see the header comment)
    /// Weights of class 0 and class 1, multiplying the sample weights (non-negative, finite).
    std::array<double, 2> class_weight{1.0, 1.0};
    /// scikit-learn's class_weight="balanced": class c weighs W / (2 W_c), with W the total
    /// sample weight and W_c that of class c (the row counts when there are no sample weights).
    /// Replaces `class_weight`.
    bool balanced = false;
    int max_iter = 100;  ///< Newton steps at most (>= 1); reaching it clears `converged`
    /// Stop when max |gradient| / (C * sum w) <= tol (the gradient of scikit-learn's scaled
    /// objective) or when a step changes no parameter by more than tol * (1 + max |parameter|).
    double tol = 1e-8;
    int n_threads = 0;  ///< threads for the passes over the rows; 0 = every core
};

/// A fitted logistic regression: coefficients on both scales and how the fit went.
struct LogisticFit {
    Eigen::VectorXd coef;     ///< per feature, for the original (unstandardized) features
    double intercept = 0.0;   ///< for the original features
    Eigen::VectorXd coef_standardized;  ///< per feature, for (x - mean) / scale; = coef without
                                        ///< standardization
    double intercept_standardized = 0.0;
    Eigen::VectorXd mean;   ///< the centring used (0 without standardization)
    Eigen::VectorXd scale;  ///< the scaling used (1 without standardization and for constants)
    std::array<double, 2> class_weight{1.0, 1.0};  ///< the class weights used
    int n_iter = 0;           ///< Newton steps taken
    bool converged = false;   ///< false: stopped at max_iter (or no step could decrease)
    double objective = 0.0;   ///< C * sum w logloss + 0.5 ||coef_standardized||^2 at the end
    double gradient_max = 0.0;  ///< max |gradient| / (C * sum w) at the end
    /// Columns whose value is the same in every row of positive weight. With standardization
    /// their coefficient is exactly 0; without it they act as a second intercept.
    std::vector<std::size_t> constant_columns;
    /// The fitted score separates the classes completely (every row of class 1 scores above
    /// every row of class 0): without the penalty the coefficients would grow without bound;
    /// the regularisation keeps them finite.
    bool separable = false;
};

namespace detail::logistic {

using Vec = Eigen::VectorXd;
using Mat = Eigen::MatrixXd;

/// Rows per block inside a chunk: the block buffer (rows x (d + 1) doubles) stays in cache.
inline std::size_t block_rows(std::size_t d) noexcept {
    return std::clamp<std::size_t>(32768 / (d + 1), 64, 1024);
}

/// The name of column j for messages: the caller's, or "x<j>" like scikit-learn.
inline std::string column_name(const std::vector<std::string>& names, std::size_t j) {
    return j < names.size() ? names[j] : "x" + std::to_string(j);
}

/// A number for a message, as Python prints it: 2, -1, 0.5, 1e-12, NaN, inf.
inline std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    std::ostringstream out;
    out << std::setprecision(12) << v;
    return out.str();
}

/// What one pass over the rows at parameters theta (standardized scale) adds up.
struct Pass {
    double loss = 0.0;  ///< sum w logloss (unscaled by C, unpenalised)
    Vec grad;           ///< sum w (p - y) a_i over the augmented standardized rows a_i
    Mat hess;           ///< sum w p (1 - p) a_i a_i' (lower triangle)
    double min_score_1 = std::numeric_limits<double>::infinity();   ///< over class-1 rows, w > 0
    double max_score_0 = -std::numeric_limits<double>::infinity();  ///< over class-0 rows, w > 0

    void resize(Eigen::Index p) {
        grad = Vec::Zero(p);
        hess = Mat::Zero(p, p);
    }
    void add(const Pass& o) {
        loss += o.loss;
        grad += o.grad;
        hess += o.hess;
        min_score_1 = std::min(min_score_1, o.min_score_1);
        max_score_0 = std::max(max_score_0, o.max_score_0);
    }
};

/// The data of a fit, validated, with the standardization.
template <class Derived>
struct Problem {
    const Eigen::DenseBase<Derived>& x;
    std::span<const double> y;
    std::span<const double> sample_weight;  ///< empty = all 1
    std::array<double, 2> class_weight;
    Vec mean, inv_scale;
    int n_threads;

    double row_weight(std::size_t i) const {
        const double sw = sample_weight.empty() ? 1.0 : sample_weight[i];
        return sw * class_weight[y[i] != 0.0];
    }

    /// Adds rows [begin, end) at theta into `out`, block by block through `buf`.
    void accumulate(std::size_t begin, std::size_t end, const Vec& theta, bool hessian,
                    Mat& buf, Pass& out) const {
        const Eigen::Index d = x.cols();
        const std::size_t step = static_cast<std::size_t>(buf.rows());
        Eigen::ArrayXd z(buf.rows()), w(buf.rows()), yy(buf.rows()), e(buf.rows());
        for (std::size_t b = begin; b < end; b += step) {
            const Eigen::Index m = static_cast<Eigen::Index>(std::min(step, end - b));
            auto a = buf.topRows(m);
            a.leftCols(d) = (x.derived().middleRows(static_cast<Eigen::Index>(b), m).rowwise() -
                             mean.transpose())
                                .array()
                                .rowwise() *
                            inv_scale.transpose().array();
            a.col(d).setOnes();
            auto zm = z.head(m);
            zm.matrix().noalias() = a * theta;
            for (Eigen::Index k = 0; k < m; ++k) {
                const std::size_t i = b + static_cast<std::size_t>(k);
                yy[k] = y[i];
                w[k] = row_weight(i);
                if (w[k] > 0.0) {
                    if (yy[k] != 0.0)
                        out.min_score_1 = std::min(out.min_score_1, zm[k]);
                    else
                        out.max_score_0 = std::max(out.max_score_0, zm[k]);
                }
            }
            auto wm = w.head(m);
            auto ym = yy.head(m);
            auto em = e.head(m);
            em = (-zm.abs()).exp();  // exp(-|z|) in (0, 1]: no overflow on either side
            // log(1 + exp(z)) - y z = max(z, 0) + log(1 + exp(-|z|)) - y z. log(1 + e) rather
            // than log1p(e): vectorised, and off by at most ~1e-16 per row when e is tiny; the
            // loss only decides the step length.
            out.loss += (wm * (zm.max(0.0) + (1.0 + em).log() - ym * zm)).sum();
            // p = 1 / (1 + exp(-z)), computed from exp(-|z|) on both sides of 0
            const Eigen::ArrayXd p = (zm >= 0.0).select(1.0 / (1.0 + em), em / (1.0 + em));
            const Eigen::ArrayXd r = wm * (p - ym);
            out.grad.noalias() += a.transpose() * r.matrix();
            if (hessian) {
                // p (1 - p) = exp(-|z|) / (1 + exp(-|z|))^2, without cancellation
                const Eigen::ArrayXd h = (wm * em).sqrt() / (1.0 + em);
                a.array().colwise() *= h;
                out.hess.selfadjointView<Eigen::Lower>().rankUpdate(a.transpose());
            }
        }
    }

    /// Sums the chunks' passes in chunk order: the same result on any number of threads.
    Pass evaluate(const Vec& theta, bool hessian) const {
        const std::size_t n = static_cast<std::size_t>(x.rows());
        const Eigen::Index p = x.cols() + 1;
        const std::size_t chunk = detail::account_block(n);
        const std::size_t n_chunks = (n + chunk - 1) / chunk;
        std::vector<Pass> parts(n_chunks);
        const Eigen::Index rows = static_cast<Eigen::Index>(block_rows(x.cols()));
        detail::for_each_block(n, chunk, n_threads, [&](std::size_t c, std::size_t begin, std::size_t end) {
            Mat buf(rows, p);
            parts[c].resize(p);
            accumulate(begin, end, theta, hessian, buf, parts[c]);
        });
        Pass total;
        total.resize(p);
        for (const auto& part : parts) total.add(part);
        return total;
    }
};

struct ColumnStats {
    Vec sum, lo, hi;
    double weight = 0.0;
    std::size_t bad_row = std::numeric_limits<std::size_t>::max();
    Eigen::Index bad_col = 0;
};

}  // namespace detail::logistic

/// Fits the model to the rows of `x` (n x d, any Eigen dense expression: a row-major or
/// column-major matrix or Map is read in place) with labels `y` (n values, each 0 or 1) and
/// `sample_weight` (n non-negative finite values, or empty for all 1). `feature_names` (d names,
/// or empty for x0, x1, ...) name the columns in error messages.
///
/// Throws InputError naming the argument, or the column and row: "column 'tenure', row 17: is
/// NaN (features must be finite)", "column 'y', row 3: must be 0 or 1, got 2", "y: has one class
/// only (all 0); a logistic regression needs both", "column 'sample_weight', row 5: must be a
/// finite non-negative weight, got -1", "C: must be a positive finite number, got 0", ...
/// Not converging within max_iter is not an error: `converged` is false.
template <class Derived>
LogisticFit fit_logistic(const Eigen::DenseBase<Derived>& x, std::span<const double> y,
                         std::span<const double> sample_weight, const LogisticOptions& options,
                         const std::vector<std::string>& feature_names = {}) {
    using namespace detail::logistic;
    const std::size_t n = static_cast<std::size_t>(x.rows());
    const Eigen::Index d = x.cols();
    const double C = options.C;
    if (!(std::isfinite(C) && C > 0.0))
        throw InputError::argument("C", "must be a positive finite number, got " + number(C));
    if (options.max_iter < 1)
        throw InputError::argument("max_iter", "must be at least 1, got " +
                                                   std::to_string(options.max_iter));
    if (!(std::isfinite(options.tol) && options.tol >= 0.0))
        throw InputError::argument("tol", "must be a finite number >= 0, got " +
                                              number(options.tol));
    for (int c = 0; c < 2; ++c)
        if (!options.balanced && !(std::isfinite(options.class_weight[c]) &&
                                   options.class_weight[c] >= 0.0))
            throw InputError::argument("class_weight", "the weight of class " + std::to_string(c) +
                                                           " must be finite and >= 0, got " +
                                                           number(options.class_weight[c]));
    if (!feature_names.empty() && feature_names.size() != static_cast<std::size_t>(d))
        throw InputError::argument("feature_names", std::to_string(feature_names.size()) +
                                                        " names for " + std::to_string(d) +
                                                        " columns");
    if (n == 0) throw InputError::argument("X", "has no rows");
    if (y.size() != n)
        throw InputError::argument("y", "has " + std::to_string(y.size()) + " values but X has " +
                                            std::to_string(n) + " rows");
    if (!sample_weight.empty() && sample_weight.size() != n)
        throw InputError::argument("sample_weight", "has " + std::to_string(sample_weight.size()) +
                                                        " values but X has " + std::to_string(n) +
                                                        " rows");

    // Labels and weights, row by row (cheap next to the passes over X).
    std::array<double, 2> class_total{0.0, 0.0};
    std::array<std::size_t, 2> class_rows{0, 0};
    for (std::size_t i = 0; i < n; ++i) {
        if (y[i] != 0.0 && y[i] != 1.0)
            throw InputError::at("y", i, "must be 0 or 1, got " + number(y[i]));
        const double sw = sample_weight.empty() ? 1.0 : sample_weight[i];
        if (!(std::isfinite(sw) && sw >= 0.0))
            throw InputError::at("sample_weight", i,
                                 "must be a finite non-negative weight, got " + number(sw));
        const int c = y[i] != 0.0;
        ++class_rows[c];
        class_total[c] += sw;
    }
    for (int c = 0; c < 2; ++c)
        if (class_rows[c] == 0)
            throw InputError::argument("y", std::string("has one class only (all ") +
                                                (c == 0 ? "1" : "0") +
                                                "); a logistic regression needs both");
    for (int c = 0; c < 2; ++c)
        if (class_total[c] <= 0.0)
            throw InputError::argument("sample_weight", "the rows of class " + std::to_string(c) +
                                                            " have zero total weight");
    const double total_sw = class_total[0] + class_total[1];

    std::array<double, 2> cw = options.class_weight;
    if (options.balanced)
        for (int c = 0; c < 2; ++c) cw[c] = total_sw / (2.0 * class_total[c]);
    for (int c = 0; c < 2; ++c)
        if (cw[c] * class_total[c] <= 0.0)
            throw InputError::argument("class_weight", "class " + std::to_string(c) +
                                                           " has weight 0: only one class is left");
    const double total_w = cw[0] * class_total[0] + cw[1] * class_total[1];

    // Column statistics in chunks combined in order: finiteness, weighted sums, range.
    const std::size_t chunk = detail::account_block(n);
    const std::size_t n_chunks = (n + chunk - 1) / chunk;
    std::vector<ColumnStats> stats(n_chunks);
    auto sw_at = [&](std::size_t i) { return sample_weight.empty() ? 1.0 : sample_weight[i]; };
    detail::for_each_block(n, chunk, options.n_threads, [&](std::size_t c, std::size_t b, std::size_t e) {
        ColumnStats& s = stats[c];
        s.sum = Vec::Zero(d);
        s.lo = Vec::Constant(d, std::numeric_limits<double>::infinity());
        s.hi = Vec::Constant(d, -std::numeric_limits<double>::infinity());
        auto visit = [&](std::size_t i, Eigen::Index j) {
            const double v = x(static_cast<Eigen::Index>(i), j);
            if (!std::isfinite(v)) {
                if (i < s.bad_row || (i == s.bad_row && j < s.bad_col)) {
                    s.bad_row = i;
                    s.bad_col = j;
                }
                return;
            }
            const double sw = sw_at(i);
            s.sum[j] += sw * v;
            if (sw > 0.0) {
                s.lo[j] = std::min(s.lo[j], v);
                s.hi[j] = std::max(s.hi[j], v);
            }
        };
        // In the order the data lie in memory.
        if constexpr (Derived::IsRowMajor) {
            for (std::size_t i = b; i < e; ++i)
                for (Eigen::Index j = 0; j < d; ++j) visit(i, j);
        } else {
            for (Eigen::Index j = 0; j < d; ++j)
                for (std::size_t i = b; i < e; ++i) visit(i, j);
        }
    });
    Vec sum = Vec::Zero(d);
    Vec lo = Vec::Constant(d, std::numeric_limits<double>::infinity());
    Vec hi = Vec::Constant(d, -std::numeric_limits<double>::infinity());
    for (const auto& s : stats) {
        if (s.bad_row != std::numeric_limits<std::size_t>::max()) {
            const double v = x(static_cast<Eigen::Index>(s.bad_row), s.bad_col);
            throw InputError::at(column_name(feature_names, static_cast<std::size_t>(s.bad_col)),
                                 s.bad_row,
                                 "is " + number(v) + " (features must be finite numbers)");
        }
        sum += s.sum;
        lo = lo.cwiseMin(s.lo);
        hi = hi.cwiseMax(s.hi);
    }

    LogisticFit fit;
    fit.class_weight = cw;
    fit.mean = Vec::Zero(d);
    fit.scale = Vec::Ones(d);
    for (Eigen::Index j = 0; j < d; ++j)
        if (lo[j] == hi[j]) fit.constant_columns.push_back(static_cast<std::size_t>(j));
    if (options.standardize && d > 0) {
        fit.mean = sum / total_sw;
        // A constant column is centred on its exact value, so it standardizes to exact zeros.
        for (std::size_t j : fit.constant_columns) fit.mean[static_cast<Eigen::Index>(j)] = lo[j];
        std::vector<Vec> sq(n_chunks);
        detail::for_each_block(n, chunk, options.n_threads,
                       [&](std::size_t c, std::size_t b, std::size_t e) {
                           Vec s = Vec::Zero(d);
                           auto visit = [&](std::size_t i, Eigen::Index j) {
                               const double t =
                                   x(static_cast<Eigen::Index>(i), j) - fit.mean[j];
                               s[j] += sw_at(i) * t * t;
                           };
                           if constexpr (Derived::IsRowMajor) {
                               for (std::size_t i = b; i < e; ++i)
                                   for (Eigen::Index j = 0; j < d; ++j) visit(i, j);
                           } else {
                               for (Eigen::Index j = 0; j < d; ++j)
                                   for (std::size_t i = b; i < e; ++i) visit(i, j);
                           }
                           sq[c] = std::move(s);
                       });
        Vec var = Vec::Zero(d);
        for (const auto& s : sq) var += s;
        var /= total_sw;
        for (Eigen::Index j = 0; j < d; ++j) fit.scale[j] = var[j] > 0.0 ? std::sqrt(var[j]) : 1.0;
        for (std::size_t j : fit.constant_columns) fit.scale[static_cast<Eigen::Index>(j)] = 1.0;
    }

    const Problem<Derived> problem{x, y, sample_weight, cw, fit.mean, fit.scale.cwiseInverse(),
                                   options.n_threads};
    const Eigen::Index p = d + 1;
    const double scale_g = C * total_w;  // gradient of sklearn's objective = ours / (C sum w)

    // Objective, gradient and Hessian of C sum w logloss + 0.5 ||beta||^2 from a pass.
    auto objective = [&](const Pass& s, const Vec& theta) {
        return C * s.loss + 0.5 * theta.head(d).squaredNorm();
    };
    auto gradient = [&](const Pass& s, const Vec& theta) {
        Vec g = C * s.grad;
        g.head(d) += theta.head(d);
        return g;
    };

    // Start from the intercept-only optimum's intercept: the log-odds of the weighted classes.
    Vec theta = Vec::Zero(p);
    theta[d] = std::log(cw[1] * class_total[1] / (cw[0] * class_total[0]));
    Pass pass = problem.evaluate(theta, true);
    double f = objective(pass, theta);
    Vec g = gradient(pass, theta);
    fit.converged = g.cwiseAbs().maxCoeff() / scale_g <= options.tol;

    while (!fit.converged && fit.n_iter < options.max_iter) {
        Mat h = pass.hess.selfadjointView<Eigen::Lower>();
        h *= C;
        h.diagonal().head(d).array() += 1.0;
        // The coefficient block is positive definite (the + 1); only the intercept's curvature
        // can vanish (every row's probability saturated). A tiny ridge then keeps it solvable.
        Eigen::LLT<Mat> llt(h);
        for (double ridge = 1e-10; llt.info() != Eigen::Success && ridge < 1e10; ridge *= 100) {
            Mat hr = h;
            hr.diagonal().array() += ridge * (1.0 + h.diagonal().cwiseAbs().maxCoeff());
            llt.compute(hr);
        }
        const Vec delta = -llt.solve(g);
        const double slope = g.dot(delta);  // < 0 along a descent direction
        double t = 1.0;
        bool accepted = false;
        Pass trial;
        Vec next;
        double f_next = f;
        for (int halving = 0; halving < 50; ++halving, t *= 0.5) {
            next = theta + t * delta;
            trial = problem.evaluate(next, true);
            f_next = objective(trial, next);
            // Armijo, or no change beyond rounding (near the optimum the decrease is below it).
            if (f_next <= f + 1e-4 * t * slope ||
                std::abs(f_next - f) <= 64 * std::numeric_limits<double>::epsilon() * std::abs(f)) {
                accepted = true;
                break;
            }
        }
        if (!accepted) break;  // no step decreases the objective: stop, not converged
        ++fit.n_iter;
        // The full Newton step estimates the distance to the optimum (not the damped one).
        const double change = delta.cwiseAbs().maxCoeff();
        const double size = theta.cwiseAbs().maxCoeff();
        theta = std::move(next);
        pass = std::move(trial);
        f = f_next;
        g = gradient(pass, theta);
        fit.converged = g.cwiseAbs().maxCoeff() / scale_g <= options.tol ||
                        change <= options.tol * (1.0 + size);
    }

    fit.objective = f;
    fit.gradient_max = g.cwiseAbs().maxCoeff() / scale_g;
    fit.separable = pass.min_score_1 > pass.max_score_0;
    fit.coef_standardized = theta.head(d);
    fit.intercept_standardized = theta[d];
    fit.coef = fit.coef_standardized.cwiseQuotient(fit.scale);
    fit.intercept = theta[d] - fit.mean.dot(fit.coef);
    return fit;
}

/// The linear score intercept + x . coef of each row of `x` (the log-odds of class 1). `x` must
/// have the fitted number of columns, all finite (an InputError names the column and row).
template <class Derived>
Eigen::VectorXd logistic_decision(const Eigen::DenseBase<Derived>& x, const LogisticFit& fit,
                                  int n_threads = 0,
                                  const std::vector<std::string>& feature_names = {}) {
    using namespace detail::logistic;
    if (x.cols() != fit.coef.size())
        throw InputError::argument("X", "has " + std::to_string(x.cols()) +
                                            " columns but the model was fitted on " +
                                            std::to_string(fit.coef.size()));
    const std::size_t n = static_cast<std::size_t>(x.rows());
    Eigen::VectorXd z(static_cast<Eigen::Index>(n));
    const std::size_t chunk = detail::account_block(n);
    const std::size_t n_chunks = (n + chunk - 1) / chunk;
    std::vector<std::size_t> bad(n_chunks, std::numeric_limits<std::size_t>::max());
    detail::for_each_block(n, chunk, n_threads, [&](std::size_t c, std::size_t b, std::size_t e) {
        const auto rows = static_cast<Eigen::Index>(e - b);
        auto block = x.derived().middleRows(static_cast<Eigen::Index>(b), rows);
        if (!block.allFinite()) {
            for (std::size_t i = b; i < e && bad[c] == std::numeric_limits<std::size_t>::max(); ++i)
                if (!x.derived().row(static_cast<Eigen::Index>(i)).allFinite()) bad[c] = i;
        }
        z.segment(static_cast<Eigen::Index>(b), rows).noalias() = block * fit.coef;
        z.segment(static_cast<Eigen::Index>(b), rows).array() += fit.intercept;
    });
    for (std::size_t r : bad)
        if (r != std::numeric_limits<std::size_t>::max()) {
            const auto row = x.derived().row(static_cast<Eigen::Index>(r));
            Eigen::Index j = 0;
            while (std::isfinite(row(j))) ++j;
            throw InputError::at(column_name(feature_names, static_cast<std::size_t>(j)), r,
                                 "is " + number(row(j)) + " (features must be finite numbers)");
        }
    return z;
}

/// The probability of class 1, 1 / (1 + exp(-score)), of each row of `x` (see logistic_decision).
template <class Derived>
Eigen::VectorXd logistic_probability(const Eigen::DenseBase<Derived>& x, const LogisticFit& fit,
                                     int n_threads = 0,
                                     const std::vector<std::string>& feature_names = {}) {
    Eigen::VectorXd z = logistic_decision(x, fit, n_threads, feature_names);
    const Eigen::ArrayXd e = (-z.array().abs()).exp();
    z = (z.array() >= 0.0).select(1.0 / (1.0 + e), e / (1.0 + e)).matrix();
    return z;
}

/// A churn model: options, then a fit, then probabilities. The C++ face of
/// retain.LogisticChurnModel.
class LogisticChurnModel {
  public:
    explicit LogisticChurnModel(LogisticOptions options = {}) : options_(options) {}

    /// Fits (see fit_logistic) and keeps the result; returns it.
    template <class Derived>
    const LogisticFit& fit(const Eigen::DenseBase<Derived>& x, std::span<const double> y,
                           std::span<const double> sample_weight = {},
                           const std::vector<std::string>& feature_names = {}) {
        fit_ = fit_logistic(x, y, sample_weight, options_, feature_names);
        fitted_ = true;
        return fit_;
    }

    bool fitted() const noexcept { return fitted_; }
    const LogisticOptions& options() const noexcept { return options_; }
    /// The last fit; an Error before any.
    const LogisticFit& result() const {
        if (!fitted_) throw Error("LogisticChurnModel: not fitted yet; call fit first");
        return fit_;
    }

    template <class Derived>
    Eigen::VectorXd decision_function(const Eigen::DenseBase<Derived>& x) const {
        return logistic_decision(x, result(), options_.n_threads);
    }
    template <class Derived>
    Eigen::VectorXd predict_proba(const Eigen::DenseBase<Derived>& x) const {
        return logistic_probability(x, result(), options_.n_threads);
    }

  private:
    LogisticOptions options_;
    LogisticFit fit_;
    bool fitted_ = false;
};

}  // namespace retain
