#pragma once
// Definitions of the shifted-beta-geometric model of retain/survival.hpp (included from there).

#include <Eigen/Dense>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>

namespace retain::survival {

namespace detail {

inline double log_beta(double a, double b) {
    return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
}

// Log-likelihood of survivor counts n_0 >= n_1 >= ... >= n_T and its gradient and Hessian in
// (alpha, beta): sum_t (n_{t-1} - n_t) log P(T = t) + n_T log S(T), with
// P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta) and S(T) = B(alpha, beta + T) / B(alpha,
// beta).
struct SbgLikelihood {
    double value = 0;
    Eigen::Vector2d gradient = Eigen::Vector2d::Zero();
    Eigen::Matrix2d hessian = Eigen::Matrix2d::Zero();
};

inline SbgLikelihood sbg_likelihood(const std::vector<double>& n, double a, double b) {
    using boost::math::digamma;
    using boost::math::trigamma;
    SbgLikelihood out;
    // Far out (alpha or beta under- or overflowing) the likelihood is taken as -infinity, so the
    // step that got there is halved instead of evaluated.
    const double tiny = 1e-300;
    if (!(a > tiny && b > tiny && a < 1e300 && b < 1e300)) {
        out.value = -std::numeric_limits<double>::infinity();
        return out;
    }
    // d log B(x, y) / dx = psi(x) - psi(x + y), and so on; each term adds c log B(x, y) - c log
    // B(a, b).
    auto add = [&](double c, double x, double y) {
        if (c == 0) return;
        const double pxy = digamma(x + y), txy = trigamma(x + y);
        out.value += c * log_beta(x, y);
        out.gradient(0) += c * (digamma(x) - pxy);
        out.gradient(1) += c * (digamma(y) - pxy);
        out.hessian(0, 0) += c * (trigamma(x) - txy);
        out.hessian(1, 1) += c * (trigamma(y) - txy);
        out.hessian(0, 1) -= c * txy;
    };
    const std::size_t T = n.size() - 1;
    for (std::size_t t = 1; t <= T; ++t)
        add(n[t - 1] - n[t], a + 1, b + static_cast<double>(t) - 1);
    add(n[T], a, b + static_cast<double>(T));
    add(-n[0], a, b);  // every customer's probability is over B(alpha, beta)
    out.hessian(1, 0) = out.hessian(0, 1);
    return out;
}

}  // namespace detail

inline ShiftedBetaGeometric::ShiftedBetaGeometric(double alpha, double beta)
    : alpha_(alpha), beta_(beta) {
    if (!(alpha > 0 && beta > 0) || std::isinf(alpha) || std::isinf(beta))
        throw InputError::argument("alpha, beta", "must both be finite and > 0");
}

inline ShiftedBetaGeometric ShiftedBetaGeometric::fit(std::span<const double> survivors,
                                                      int max_iter, double tol) {
    // One period only fixes alpha / (alpha + beta): two are needed to tell alpha from beta.
    if (survivors.size() < 3)
        throw InputError::argument("survivors",
                                   "needs the cohort size and at least two periods of survivors");
    for (std::size_t t = 0; t < survivors.size(); ++t) {
        const double s = survivors[t];
        std::ostringstream what;
        if (!(s >= 0) || std::isinf(s) || s != std::floor(s))
            what << "must be a whole number of customers >= 0, got " << s;
        else if (t == 0 && s == 0)
            what << "the cohort is empty";
        else if (t > 0 && s > survivors[t - 1])
            what << "survivors cannot increase: " << s << " after " << survivors[t - 1];
        if (!what.str().empty())
            throw InputError::argument("survivors[" + std::to_string(t) + "]", what.str());
    }
    if (survivors.back() == survivors.front())
        throw InputError::argument("survivors",
                                   "nobody churned: alpha and beta are not identified");
    const std::vector<double> n(survivors.begin(), survivors.end());
    // Newton's method on theta = (log alpha, log beta), which keeps both positive, with step
    // halving so the likelihood never falls; a gradient step where the Hessian is not negative.
    Eigen::Vector2d theta(0.0, 0.0);
    auto at = [&](const Eigen::Vector2d& th) {
        return detail::sbg_likelihood(n, std::exp(th(0)), std::exp(th(1)));
    };
    detail::SbgLikelihood cur = at(theta);
    ShiftedBetaGeometric model(1.0, 1.0);
    for (int iter = 0; iter < max_iter; ++iter) {
        const Eigen::Vector2d p = theta.array().exp();
        const Eigen::Vector2d g = cur.gradient.cwiseProduct(p);
        Eigen::Matrix2d h = p.asDiagonal() * cur.hessian * p.asDiagonal();
        h.diagonal() += g;
        Eigen::Vector2d step;
        const Eigen::LLT<Eigen::Matrix2d> negated(-h);
        if (negated.info() == Eigen::Success)
            step = negated.solve(g);
        else
            step = g / std::max(1.0, g.norm());
        // At most a factor e^2 on either parameter per iteration: far from the optimum Newton's
        // quadratic model can point absurdly far.
        step *= std::min(1.0, 2.0 / std::max(step.cwiseAbs().maxCoeff(), 1e-300));
        double scale = 1.0;
        detail::SbgLikelihood next = at(theta + step);
        while (!(next.value >= cur.value) && scale > 1e-10) {
            scale /= 2;
            next = at(theta + scale * step);
        }
        if (!(next.value >= cur.value)) break;
        theta += scale * step;
        model.converged_ = (scale * step).cwiseAbs().maxCoeff() < tol;
        cur = next;
        model.iterations_ = iter + 1;
        if (model.converged_) break;
    }
    model.alpha_ = std::exp(theta(0));
    model.beta_ = std::exp(theta(1));
    model.log_likelihood_ = cur.value;
    return model;
}

inline double ShiftedBetaGeometric::retention(double t) const {
    if (!(t >= 1) || t != std::floor(t))
        throw InputError::argument("t", "must be a whole period >= 1");
    return (beta_ + t - 1) / (alpha_ + beta_ + t - 1);
}

inline double ShiftedBetaGeometric::survival(double t) const {
    if (!(t >= 0) || t != std::floor(t))
        throw InputError::argument("t", "must be a whole period >= 0");
    return std::exp(detail::log_beta(alpha_, beta_ + t) - detail::log_beta(alpha_, beta_));
}

inline double ShiftedBetaGeometric::churn_probability(double t) const {
    if (!(t >= 1) || t != std::floor(t))
        throw InputError::argument("t", "must be a whole period >= 1");
    return std::exp(detail::log_beta(alpha_ + 1, beta_ + t - 1) - detail::log_beta(alpha_, beta_));
}

namespace detail {

// sum over k >= 0 of term_k, term_0 = first, term_k = term_{k-1} r(t0 + k) / (1 + d); the terms
// fall at least geometrically, so the sum stops when they no longer change it.
inline double discounted_sum(double alpha, double beta, double discount_rate, double first,
                             double t0) {
    if (!(discount_rate > 0) || std::isinf(discount_rate))
        throw InputError::argument("discount_rate",
                                   "must be > 0 (undiscounted lifetimes may be infinite)");
    const double q = 1.0 / (1.0 + discount_rate);
    double term = first, total = 0.0;
    for (double t = t0 + 1; term >= 1e-17 * total; t += 1) {
        total += term;
        term *= q * (beta + t - 1) / (alpha + beta + t - 1);
    }
    return total;
}

}  // namespace detail

inline double ShiftedBetaGeometric::discounted_expected_lifetime(double discount_rate) const {
    // S(0) = 1, then S(t) = S(t - 1) r(t).
    return detail::discounted_sum(alpha_, beta_, discount_rate, 1.0, 0.0);
}

inline double ShiftedBetaGeometric::discounted_residual_lifetime(double discount_rate,
                                                                 double renewals) const {
    if (!(renewals >= 0) || std::isinf(renewals) || renewals != std::floor(renewals))
        throw InputError::argument("renewals", "must be a whole number >= 0");
    // The first term is S(n) / S(n - 1) = r(n), n = renewals + 1.
    const double n = renewals + 1;
    return detail::discounted_sum(alpha_, beta_, discount_rate, retention(n), n);
}

inline std::ostream& operator<<(std::ostream& out, const ShiftedBetaGeometric& m) {
    return out << "ShiftedBetaGeometric(alpha=" << m.alpha() << ", beta=" << m.beta() << ")";
}

}  // namespace retain::survival
