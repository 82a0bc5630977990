#pragma once
// Metrics that judge a churn model: how well a risk ranks the accounts that churned above those
// that stayed (ROC AUC, PR AUC, KS, lift, precision and recall in the top fraction), and how
// honest a probability is (Brier score, log loss, calibration table).
//
// Every function takes
//   y              the outcome of each row, 0 (stayed) or 1 (churned), as doubles, floats, bools
//                  or integers of any width (see Labels); anything else, NaN included, is an
//                  InputError naming column 'y' and the row;
//   risk (or p)    one score per row, higher = more likely to churn: finite (risk) or a
//                  probability in [0, 1] (p); anything else is an InputError naming the row;
//   sample_weight  one finite weight >= 0 per row, or empty for weight 1 everywhere. A row of
//                  weight 0 counts nowhere (as in scikit-learn: it adds no point to a curve).
// Rows are 0-based positions. Inputs of different lengths are an InputError naming both.
// Results never depend on row order: ties in risk are grouped, never broken by position.
//
// A metric undefined on the data raises an InputError saying why, e.g.
//   "roc_auc: y has one class only (all 0); ROC AUC needs both".
// The ranking metrics need both classes with positive weight; lift and recall_at need churners;
// precision_at, brier, log_loss and calibration need some weight.
//
// Agreement with scikit-learn (checked by the Python tests to 1e-12): roc_auc = roc_auc_score,
// pr_auc = average_precision_score, roc_curve and pr_curve = roc_curve and
// precision_recall_curve (same points, same order), brier = brier_score_loss, log_loss =
// log_loss (for labels 0/1), calibration's observed and mean_predicted = calibration_curve's
// (strategy "uniform") on the non-empty bins.
//
// Speed: rows are split by class and each class sorted by risk with a radix sort (linear
// time), then one pass over the distinct risks in decreasing order accumulates the weight of
// each class; unweighted counts are summed as integers (exact), weights with compensated sums.

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "retain/error.hpp"

namespace retain::metrics {

/// A type a label can have: any arithmetic type but the character types ('1' is 49, not 1).
template <class T>
concept LabelElement =
    std::is_arithmetic_v<T> && !std::is_same_v<T, char> && !std::is_same_v<T, wchar_t> &&
    !std::is_same_v<T, char8_t> && !std::is_same_v<T, char16_t> && !std::is_same_v<T, char32_t>;

/// The element type of a container or view R.
template <class R>
using data_element_t =
    std::remove_cv_t<std::remove_pointer_t<decltype(std::data(std::declval<R&>()))>>;

/// What Labels views: whatever a std::span<const T> views (a std::span, std::vector, std::array
/// or built-in array) for a LabelElement T.
template <class R>
concept LabelRange = LabelElement<data_element_t<R>> &&
    std::is_constructible_v<std::span<const data_element_t<R>>, R&>;

/// The labels y of a metric, viewed as they are: a non-owning view, like std::span, of doubles,
/// floats, bools or integers of any width, so that label_churn's int8 codes, an int64 column or
/// a uint8 mask go in without a copy by the caller. It converts implicitly from any LabelRange,
/// whose elements must outlive it. Each label is read as a double, so the checks and the
/// messages are the same whatever the type (an int 2 is "must be 0 or 1, got 2").
/// std::vector<bool> is bit-packed, not a range of bools: use std::vector<std::uint8_t>.
class Labels {
  public:
    /// No labels.
    Labels() noexcept = default;

    template <LabelRange R>
    Labels(R&& values) noexcept  // NOLINT(google-explicit-constructor): implicit on purpose
        : data_(std::data(values)),
          size_(std::size(values)),
          doubles_(std::is_same_v<data_element_t<R>, double>),
          read_(&read<data_element_t<R>>) {}

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }

    /// Label i as a double; unchecked (i < size()), see at().
    double operator[](std::size_t i) const noexcept {
        double x;
        read_(data_, i, 1, &x);
        return x;
    }
    /// Label i as a double; i >= size() is an InputError naming i and the size.
    double at(std::size_t i) const {
        if (i >= size_) throw InputError::out_of_range("label", i, size_);
        return (*this)[i];
    }

    /// The labels as doubles: the caller's own elements when they are doubles, otherwise a
    /// converted copy in `scratch` (resized to size()).
    std::span<const double> as_doubles(std::vector<double>& scratch) const;

  private:
    using Reader = void (*)(const void* data, std::size_t begin, std::size_t count, double* out);

    template <class T>
    static void read(const void* data, std::size_t begin, std::size_t count, double* out) {
        const T* values = static_cast<const T*>(data) + begin;
        for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<double>(values[i]);
    }

    const void* data_ = nullptr;
    std::size_t size_ = 0;
    bool doubles_ = true;
    Reader read_ = &read<double>;
};

/// Area under the ROC curve: the probability that a random churner has a higher risk than a
/// random non-churner, ties counting 1/2 (weights: each pair weighs w_churner * w_stayer):
///   AUC = sum over pairs (i churned, j stayed) of w_i w_j ([r_i > r_j] + [r_i == r_j] / 2)
///         / (P N),   P, N = total weight of churners, of non-churners.
/// This is the trapezoidal area under the curve of roc_curve, scikit-learn's roc_auc_score.
double roc_auc(Labels y, std::span<const double> risk, std::span<const double> sample_weight = {});

/// Average precision (scikit-learn's average_precision_score): with the distinct risks
/// t_1 > t_2 > ... and TP_k, FP_k the weight of churners and non-churners with risk >= t_k,
///   AP = sum_k (R_k - R_{k-1}) P_k,   R_k = TP_k / P (recall),  P_k = TP_k / (TP_k + FP_k),
/// rows tied at t_k entering together. A step function, not the trapezoid (which is optimistic).
double pr_auc(Labels y, std::span<const double> risk, std::span<const double> sample_weight = {});

/// Points of the ROC curve, one per distinct risk t (flagging the rows with risk >= t), in
/// decreasing t, after a first point (0, 0) at threshold +inf (nobody flagged).
struct RocCurve {
    std::vector<double> fpr;        ///< FP(t) / N
    std::vector<double> tpr;        ///< TP(t) / P
    std::vector<double> threshold;  ///< t; +inf first
};

/// The ROC curve as scikit-learn's roc_curve gives it. With `drop_intermediate` a point that
/// lies on the straight line between its neighbours (the same step in FP and TP on both sides,
/// e.g. the middle of a vertical run) is left out; the area is unchanged.
RocCurve roc_curve(Labels y, std::span<const double> risk,
                   std::span<const double> sample_weight = {}, bool drop_intermediate = true);

/// Points of the precision-recall curve in scikit-learn's order: increasing threshold t (one
/// point per distinct risk, flagging the rows with risk >= t), then a last point with
/// precision 1, recall 0 at threshold +inf (nobody flagged).
struct PrCurve {
    std::vector<double> precision;  ///< TP(t) / (TP(t) + FP(t))
    std::vector<double> recall;     ///< TP(t) / P
    std::vector<double> threshold;  ///< t; +inf last
};

/// The precision-recall curve as scikit-learn's precision_recall_curve gives it. With
/// `drop_intermediate` a point whose recall equals both neighbours' is left out (as there).
PrCurve pr_curve(Labels y, std::span<const double> risk, std::span<const double> sample_weight = {},
                 bool drop_intermediate = false);

/// The churners' weight captured by the top fraction `top` (in (0, 1]) of the total weight W,
/// by risk. Rows are taken in decreasing risk until their weight reaches top * W. The group of
/// rows tied at the cut (weight G, churners' weight C_G) is taken fractionally: if the rows
/// above it weigh A, each tied row counts with the share s = (top * W - A) / G of its weight,
///   captured = (churners' weight above the cut) + s * C_G.
/// This is the expected value over a random order of the tied rows (with weights as frequencies:
/// a row of weight k is k tied unit rows), so it never depends on row order. A row straddling
/// the cut counts fractionally even without ties (top * W need not be a whole number of rows).
///   precision_at = captured / (top * W)
///   recall_at    = captured / P
///   lift         = precision_at / (P / W) = recall_at / top
double lift(Labels y, std::span<const double> risk, double top = 0.1,
            std::span<const double> sample_weight = {});
/// See lift: the churn rate among the top fraction `top` by risk.
double precision_at(Labels y, std::span<const double> risk, double top = 0.1,
                    std::span<const double> sample_weight = {});
/// See lift: the share of all churners' weight in the top fraction `top` by risk.
double recall_at(Labels y, std::span<const double> risk, double top = 0.1,
                 std::span<const double> sample_weight = {});

/// Brier score: sum w (p - y)^2 / sum w. p must be a probability in [0, 1].
double brier(Labels y, std::span<const double> p, std::span<const double> sample_weight = {});

/// Log loss (cross-entropy): -sum w (y log p + (1 - y) log(1 - p)) / sum w, in nats.
/// p must be in [0, 1]: anything else is an error, never clipped into range. As scikit-learn
/// does (its `eps` argument is gone since 1.5, the clipping is not), the probability given to
/// the outcome, p or 1 - p, is clipped to [eps, 1 - eps] with eps = 2^-52 (machine epsilon), so
/// a churner given p = 0 costs -log(2^-52) = 36.04, not infinity. Defined with one class only
/// (scikit-learn then asks for `labels`; here the labels are always 0 and 1).
double log_loss(Labels y, std::span<const double> p, std::span<const double> sample_weight = {});

/// A reliability table: p cut into `bins` equal bins of [0, 1]. Bin k is
/// (k / bins, (k + 1) / bins], except that bin 0 also holds p = 0 (scikit-learn's
/// calibration_curve, strategy "uniform"). Every bin is reported, empty ones too.
struct Calibration {
    std::vector<double> mean_predicted;  ///< sum w p / sum w in the bin; NaN if its weight is 0
    std::vector<double> observed;        ///< sum w y / sum w in the bin; NaN if its weight is 0
    std::vector<std::int64_t> count;     ///< rows in the bin (weight-0 rows included)
    std::vector<double> weight;          ///< their total weight
};
Calibration calibration(Labels y, std::span<const double> p, int bins = 10,
                        std::span<const double> sample_weight = {});

/// Kolmogorov-Smirnov statistic of risk between the classes: the largest gap between the
/// (weighted) distribution functions of the churners' and the non-churners' risks,
///   KS = max over thresholds t of |TPR(t) - FPR(t)|   (the distinct risks of roc_curve),
/// scipy's ks_2samp statistic when unweighted. In [0, 1]; 1 when a threshold separates them.
double ks_statistic(Labels y, std::span<const double> risk,
                    std::span<const double> sample_weight = {});

}  // namespace retain::metrics
