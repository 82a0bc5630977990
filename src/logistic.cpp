// The logistic fit and its predictions (retain/logistic.hpp): Newton's method in Eigen, reading
// the caller's matrix in place through a MatrixView.
//
// The kernels are templates on how the rows are read: contiguous rows or contiguous columns
// (the layouts of numpy, Eigen and most C++ code) go through Eigen maps, so the block copies and
// products vectorise; any other strides (a slice with a step, a negative or zero stride) are read
// element by element. The fit only ever reads single elements or standardizes them one at a
// time, (x - mean) * (1 / scale), so every layout gives the same fit to the last bit; only the
// prediction's dot products may round differently between layouts (their sums run in another
// order).

#include "retain/logistic.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <utility>

#include "retain/detail/parallel.hpp"

namespace retain {
namespace {

using Vec = Eigen::VectorXd;
using Mat = Eigen::MatrixXd;
using Eigen::Index;
using RowMajorMap =
    Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0,
               Eigen::OuterStride<>>;
using ColMajorMap = Eigen::Map<const Mat, 0, Eigen::OuterStride<>>;
constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

/// A matrix whose rows, or whose columns, are contiguous (any leading dimension): Eigen reads it.
template <class Map>
struct Dense {
    Map x;
    static constexpr bool row_order = Map::IsRowMajor;  ///< which loop order follows memory

    double operator()(std::size_t i, std::size_t j) const {
        return x(static_cast<Index>(i), static_cast<Index>(j));
    }
    /// dst = (rows [b, b + m) - mean) * inv_scale, column by column.
    template <class Dst>
    void standardize(std::size_t b, Index m, const Vec& mean, const Vec& inv_scale,
                     Dst&& dst) const {
        dst = (x.middleRows(static_cast<Index>(b), m).rowwise() - mean.transpose())
                  .array()
                  .rowwise() *
              inv_scale.transpose().array();
    }
    bool all_finite(std::size_t b, std::size_t e) const {
        return x.middleRows(static_cast<Index>(b), static_cast<Index>(e - b)).allFinite();
    }
    template <class Dst>
    void product(std::size_t b, std::size_t e, const Vec& coef, Dst&& dst) const {
        dst.noalias() = x.middleRows(static_cast<Index>(b), static_cast<Index>(e - b)) * coef;
    }
};

/// Any other strides, element by element.
struct Strided {
    MatrixView x;
    bool row_order;  ///< the columns are closer together in memory than the rows

    double operator()(std::size_t i, std::size_t j) const { return x(i, j); }
    template <class Dst>
    void standardize(std::size_t b, Index m, const Vec& mean, const Vec& inv_scale,
                     Dst&& dst) const {
        const Index d = static_cast<Index>(x.cols);
        const std::ptrdiff_t rs = x.row_stride, cs = x.col_stride;
        const double* first = x.data + static_cast<std::ptrdiff_t>(b) * rs;
        // Column by column, as the buffer lies (and as Eigen does it): the block's rows stay in
        // cache across the columns whatever the strides, and the writes are sequential.
        for (Index j = 0; j < d; ++j) {
            const double* p = first + j * cs;
            for (Index k = 0; k < m; ++k, p += rs) dst(k, j) = (*p - mean[j]) * inv_scale[j];
        }
    }
    bool all_finite(std::size_t b, std::size_t e) const {
        for (std::size_t i = b; i < e; ++i)
            for (std::size_t j = 0; j < x.cols; ++j)
                if (!std::isfinite(x(i, j))) return false;
        return true;
    }
    template <class Dst>
    void product(std::size_t b, std::size_t e, const Vec& coef, Dst&& dst) const {
        const std::ptrdiff_t rs = x.row_stride, cs = x.col_stride;
        for (std::size_t i = b; i < e; ++i) {
            const double* p = x.data + static_cast<std::ptrdiff_t>(i) * rs;
            double s = 0.0;
            for (Index j = 0; j < coef.size(); ++j, p += cs) s += *p * coef[j];
            dst[static_cast<Index>(i - b)] = s;
        }
    }
};

/// Calls fn with the reader for the layout of `v`. A stride is irrelevant along a dimension of
/// size <= 1, so a single row or column takes a fast path whatever its other stride says.
template <class Fn>
decltype(auto) with_layout(const MatrixView& v, Fn&& fn) {
    const auto rows = static_cast<Index>(v.rows), cols = static_cast<Index>(v.cols);
    const bool unit_col = v.cols <= 1 || v.col_stride == 1;
    const bool unit_row = v.rows <= 1 || v.row_stride == 1;
    if (unit_col && (v.rows <= 1 || v.row_stride >= std::max<std::ptrdiff_t>(cols, 1)))
        return fn(Dense<RowMajorMap>{RowMajorMap(
            v.data, rows, cols,
            Eigen::OuterStride<>(v.rows <= 1 ? std::max<Index>(cols, 1) : v.row_stride))});
    if (unit_row && (v.cols <= 1 || v.col_stride >= std::max<std::ptrdiff_t>(rows, 1)))
        return fn(Dense<ColMajorMap>{ColMajorMap(
            v.data, rows, cols,
            Eigen::OuterStride<>(v.cols <= 1 ? std::max<Index>(rows, 1) : v.col_stride))});
    const auto magnitude = [](std::ptrdiff_t s) { return s < 0 ? -s : s; };
    return fn(Strided{v, magnitude(v.col_stride) < magnitude(v.row_stride)});
}

/// Rows per block inside a chunk: the block buffer (rows x (d + 1) doubles) stays in cache.
std::size_t block_rows(std::size_t d) noexcept {
    return std::clamp<std::size_t>(32768 / (d + 1), 64, 1024);
}

/// The name of column j for messages: the caller's, or "x<j>" like scikit-learn.
std::string column_name(const std::vector<std::string>& names, std::size_t j) {
    return j < names.size() ? names[j] : "x" + std::to_string(j);
}

// Larger features would overflow the sums of squares: a column would silently standardize to
// zeros.
constexpr double max_feature = logistic_max_feature;

/// A number for a message, as Python prints it: 2, -1, 0.5, 1e-12, NaN, inf.
std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    std::ostringstream out;
    out << std::setprecision(12) << v;
    return out.str();
}

std::vector<double> to_vector(const Vec& v) {
    return {v.data(), v.data() + v.size()};
}

/// What one pass over the rows at parameters theta (standardized scale) adds up.
struct Pass {
    double loss = 0.0;  ///< sum w logloss (unscaled by C, unpenalised)
    Vec grad;           ///< sum w (p - y) a_i over the augmented standardized rows a_i
    Mat hess;           ///< sum w p (1 - p) a_i a_i' (lower triangle)
    double min_score_1 = std::numeric_limits<double>::infinity();   ///< over class-1 rows, w > 0
    double max_score_0 = -std::numeric_limits<double>::infinity();  ///< over class-0 rows, w > 0

    void resize(Index p) {
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
template <class X>
struct Problem {
    const X& x;
    std::size_t n;
    Index d;
    std::span<const double> y;
    std::span<const double> sample_weight;  ///< empty = all 1
    std::array<double, 2> class_weight;
    Vec mean, inv_scale;
    Threads n_threads;

    double row_weight(std::size_t i) const {
        const double sw = sample_weight.empty() ? 1.0 : sample_weight[i];
        return sw * class_weight[y[i] != 0.0];
    }

    /// Adds rows [begin, end) at theta into `out`, block by block through `buf`.
    void accumulate(std::size_t begin, std::size_t end, const Vec& theta, bool hessian, Mat& buf,
                    Pass& out) const {
        const std::size_t step = static_cast<std::size_t>(buf.rows());
        Eigen::ArrayXd z(buf.rows()), w(buf.rows()), yy(buf.rows()), e(buf.rows());
        for (std::size_t b = begin; b < end; b += step) {
            const Index m = static_cast<Index>(std::min(step, end - b));
            auto a = buf.topRows(m);
            x.standardize(b, m, mean, inv_scale, a.leftCols(d));
            a.col(d).setOnes();
            auto zm = z.head(m);
            zm.matrix().noalias() = a * theta;
            for (Index k = 0; k < m; ++k) {
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
        const Index p = d + 1;
        const std::size_t chunk = detail::account_block(n);
        const std::size_t n_chunks = (n + chunk - 1) / chunk;
        std::vector<Pass> parts(n_chunks);
        const Index rows = static_cast<Index>(block_rows(static_cast<std::size_t>(d)));
        detail::for_each_block(n, chunk, n_threads,
                               [&](std::size_t c, std::size_t begin, std::size_t end) {
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
    std::size_t bad_row = none;
    Index bad_col = 0;
};

/// Calls visit(i, j) over rows [b, e) and every column, in the order the data lie in memory.
template <class X, class Visit>
void in_memory_order(const X& x, std::size_t b, std::size_t e, Index d, Visit&& visit) {
    if (x.row_order) {
        for (std::size_t i = b; i < e; ++i)
            for (Index j = 0; j < d; ++j) visit(i, j);
    } else {
        for (Index j = 0; j < d; ++j)
            for (std::size_t i = b; i < e; ++i) visit(i, j);
    }
}

/// The labels and weights, checked; what the standardization and the start need of them.
struct Classes {
    std::array<double, 2> total{0.0, 0.0};   ///< sample weight per class
    std::array<double, 2> weight{1.0, 1.0};  ///< the class weights to use
};

Classes check_inputs(std::size_t n, std::size_t d, std::span<const double> y,
                     std::span<const double> sample_weight, const LogisticOptions& options,
                     const std::vector<std::string>& feature_names) {
    const double C = options.C;
    if (!(std::isfinite(C) && C > 0.0))
        throw InputError::argument("C", "must be a positive finite number, got " + number(C));
    if (options.max_iter < 1)
        throw InputError::argument("max_iter",
                                   "must be at least 1, got " + std::to_string(options.max_iter));
    if (!(std::isfinite(options.tol) && options.tol >= 0.0))
        throw InputError::argument("tol",
                                   "must be a finite number >= 0, got " + number(options.tol));
    for (int c = 0; c < 2; ++c)
        if (!options.balanced &&
            !(std::isfinite(options.class_weight[c]) && options.class_weight[c] >= 0.0))
            throw InputError::argument("class_weight", "the weight of class " + std::to_string(c) +
                                                           " must be finite and >= 0, got " +
                                                           number(options.class_weight[c]));
    if (!feature_names.empty() && feature_names.size() != d)
        throw InputError::argument(
            "feature_names",
            std::to_string(feature_names.size()) + " names for " + std::to_string(d) + " columns");
    if (n == 0) throw InputError::argument("X", "has no rows");
    if (y.size() != n)
        throw InputError::argument("y", "has " + std::to_string(y.size()) + " values but X has " +
                                            std::to_string(n) + " rows");
    if (!sample_weight.empty() && sample_weight.size() != n)
        throw InputError::argument("sample_weight", "has " + std::to_string(sample_weight.size()) +
                                                        " values but X has " + std::to_string(n) +
                                                        " rows");

    // Labels and weights, row by row (cheap next to the passes over X).
    Classes out;
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
        out.total[c] += sw;
    }
    for (int c = 0; c < 2; ++c)
        if (class_rows[c] == 0)
            throw InputError::argument("y", std::string("has one class only (all ") +
                                                (c == 0 ? "1" : "0") +
                                                "); a logistic regression needs both");
    for (int c = 0; c < 2; ++c)
        if (out.total[c] <= 0.0)
            throw InputError::argument("sample_weight", "the rows of class " + std::to_string(c) +
                                                            " have zero total weight");
    const double total_sw = out.total[0] + out.total[1];
    out.weight = options.class_weight;
    if (options.balanced)
        for (int c = 0; c < 2; ++c) out.weight[c] = total_sw / (2.0 * out.total[c]);
    for (int c = 0; c < 2; ++c)
        if (out.weight[c] * out.total[c] <= 0.0)
            throw InputError::argument("class_weight", "class " + std::to_string(c) +
                                                           " has weight 0: only one class is left");
    return out;
}

template <class X>
LogisticFit solve(const X& x, std::size_t n, Index d, std::span<const double> y,
                  std::span<const double> sample_weight, const Classes& classes,
                  const LogisticOptions& options, const std::vector<std::string>& feature_names) {
    const double C = options.C;
    const std::array<double, 2>& cw = classes.weight;
    const std::array<double, 2>& class_total = classes.total;
    const double total_sw = class_total[0] + class_total[1];
    const double total_w = cw[0] * class_total[0] + cw[1] * class_total[1];

    // Column statistics in chunks combined in order: finiteness, weighted sums, range.
    const std::size_t chunk = detail::account_block(n);
    const std::size_t n_chunks = (n + chunk - 1) / chunk;
    std::vector<ColumnStats> stats(n_chunks);
    auto sw_at = [&](std::size_t i) { return sample_weight.empty() ? 1.0 : sample_weight[i]; };
    detail::for_each_block(n, chunk, options.n_threads,
                           [&](std::size_t c, std::size_t b, std::size_t e) {
                               ColumnStats& s = stats[c];
                               s.sum = Vec::Zero(d);
                               s.lo = Vec::Constant(d, std::numeric_limits<double>::infinity());
                               s.hi = Vec::Constant(d, -std::numeric_limits<double>::infinity());
                               in_memory_order(x, b, e, d, [&](std::size_t i, Index j) {
                                   const double v = x(i, static_cast<std::size_t>(j));
                                   if (!(std::abs(v) <= max_feature)) {
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
                               });
                           });
    Vec sum = Vec::Zero(d);
    Vec lo = Vec::Constant(d, std::numeric_limits<double>::infinity());
    Vec hi = Vec::Constant(d, -std::numeric_limits<double>::infinity());
    for (const auto& s : stats) {
        if (s.bad_row != none) {
            const double v = x(s.bad_row, static_cast<std::size_t>(s.bad_col));
            throw InputError::at(
                column_name(feature_names, static_cast<std::size_t>(s.bad_col)), s.bad_row,
                "is " + number(v) +
                    (std::isfinite(v) ? " (a fit takes features of magnitude at most 1e100: "
                                        "their squares must add up without overflow; "
                                        "rescale the column)"
                                      : " (features must be finite numbers)"));
        }
        sum += s.sum;
        lo = lo.cwiseMin(s.lo);
        hi = hi.cwiseMax(s.hi);
    }

    LogisticFit fit;
    fit.class_weight = cw;
    Vec mean = Vec::Zero(d);
    Vec scale = Vec::Ones(d);
    for (Index j = 0; j < d; ++j)
        if (lo[j] == hi[j]) fit.constant_columns.push_back(static_cast<std::size_t>(j));
    if (options.standardize && d > 0) {
        mean = sum / total_sw;
        // A constant column is centred on its exact value, so it standardizes to exact zeros.
        for (std::size_t j : fit.constant_columns) {
            const auto k = static_cast<Index>(j);
            mean[k] = lo[k];
        }
        std::vector<Vec> sq(n_chunks);
        detail::for_each_block(n, chunk, options.n_threads,
                               [&](std::size_t c, std::size_t b, std::size_t e) {
                                   Vec s = Vec::Zero(d);
                                   in_memory_order(x, b, e, d, [&](std::size_t i, Index j) {
                                       const double t = x(i, static_cast<std::size_t>(j)) - mean[j];
                                       s[j] += sw_at(i) * t * t;
                                   });
                                   sq[c] = std::move(s);
                               });
        Vec var = Vec::Zero(d);
        for (const auto& s : sq) var += s;
        var /= total_sw;
        for (Index j = 0; j < d; ++j) scale[j] = var[j] > 0.0 ? std::sqrt(var[j]) : 1.0;
        for (std::size_t j : fit.constant_columns) scale[static_cast<Index>(j)] = 1.0;
    }

    const Problem<X> problem{
        x, n, d, y, sample_weight, cw, mean, scale.cwiseInverse(), options.n_threads};
    const Index p = d + 1;
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
    const Vec coef_standardized = theta.head(d);
    const Vec coef = coef_standardized.cwiseQuotient(scale);
    fit.intercept_standardized = theta[d];
    fit.intercept = theta[d] - mean.dot(coef);
    fit.coef = to_vector(coef);
    fit.coef_standardized = to_vector(coef_standardized);
    fit.mean = to_vector(mean);
    fit.scale = to_vector(scale);
    return fit;
}

}  // namespace

LogisticFit fit_logistic(MatrixView x, std::span<const double> y,
                         std::span<const double> sample_weight, const LogisticOptions& options,
                         const std::vector<std::string>& feature_names) {
    const Classes classes = check_inputs(x.rows, x.cols, y, sample_weight, options, feature_names);
    return with_layout(x, [&](const auto& reader) {
        return solve(reader, x.rows, static_cast<Index>(x.cols), y, sample_weight, classes, options,
                     feature_names);
    });
}

LogisticFit fit_logistic(MatrixView x, std::span<const std::int8_t> y,
                         std::span<const double> sample_weight, const LogisticOptions& options,
                         const std::vector<std::string>& feature_names) {
    // A byte per row into eight: small next to the n x d features the fit reads several times.
    const std::vector<double> labels(y.begin(), y.end());
    return fit_logistic(x, labels, sample_weight, options, feature_names);
}

std::vector<double> logistic_decision(MatrixView x, const LogisticFit& fit, Threads n_threads,
                                      const std::vector<std::string>& feature_names) {
    if (x.cols != fit.coef.size())
        throw InputError::argument("X", "has " + std::to_string(x.cols) +
                                            " columns but the model was fitted on " +
                                            std::to_string(fit.coef.size()));
    const std::size_t n = x.rows;
    std::vector<double> z(n);
    // An aligned copy of the coefficients, as the fit held them: Eigen's products then run the
    // same kernels (and round the same) as when the fit returned Eigen vectors.
    const Vec coef = Eigen::Map<const Vec>(fit.coef.data(), static_cast<Index>(fit.coef.size()));
    const std::size_t chunk = detail::account_block(n);
    const std::size_t n_chunks = (n + chunk - 1) / chunk;
    std::vector<std::size_t> bad(n_chunks, none);
    with_layout(x, [&](const auto& reader) {
        detail::for_each_block(n, chunk, n_threads,
                               [&](std::size_t c, std::size_t b, std::size_t e) {
                                   if (!reader.all_finite(b, e)) {
                                       for (std::size_t i = b; i < e && bad[c] == none; ++i)
                                           for (std::size_t j = 0; j < x.cols; ++j)
                                               if (!std::isfinite(reader(i, j))) {
                                                   bad[c] = i;
                                                   break;
                                               }
                                   }
                                   Eigen::Map<Vec> out(z.data() + b, static_cast<Index>(e - b));
                                   reader.product(b, e, coef, out);
                                   out.array() += fit.intercept;
                               });
        return 0;
    });
    for (std::size_t r : bad)
        if (r != none) {
            std::size_t j = 0;
            while (std::isfinite(x(r, j))) ++j;
            throw InputError::at(column_name(feature_names, j), r,
                                 "is " + number(x(r, j)) + " (features must be finite numbers)");
        }
    return z;
}

std::vector<double> logistic_probability(MatrixView x, const LogisticFit& fit, Threads n_threads,
                                         const std::vector<std::string>& feature_names) {
    std::vector<double> z = logistic_decision(x, fit, n_threads, feature_names);
    Eigen::Map<Vec> v(z.data(), static_cast<Index>(z.size()));
    const Eigen::ArrayXd e = (-v.array().abs()).exp();
    v = (v.array() >= 0.0).select(1.0 / (1.0 + e), e / (1.0 + e)).matrix();
    return z;
}

}  // namespace retain
