#pragma once
// A read-only view of a dense matrix of doubles that someone else owns: how retain's model
// functions take a feature matrix without tying the caller to a matrix library. Strides count
// elements (not bytes) and may be any value, negative included, so a row-major or column-major
// buffer, one column block of a wider matrix, a numpy array of either order or a transposed or
// sliced one maps to a view with no copy. The view must not outlive the data.
//
//     std::vector<double> x = ...;                           // n rows of d features, row by row
//     auto fit = retain::fit_logistic(retain::MatrixView::row_major(x.data(), n, d), y, {}, {});
//     Eigen::MatrixXd m = ...;                               // column-major
//     auto p = model.predict_proba(retain::MatrixView::column_major(m.data(), m.rows(), m.cols()));

#include <cstddef>

#include "retain/error.hpp"

namespace retain {

/// Element (i, j) is data[i * row_stride + j * col_stride].
struct MatrixView {
    const double* data = nullptr;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::ptrdiff_t row_stride = 0;  ///< elements from one row to the next
    std::ptrdiff_t col_stride = 0;  ///< elements from one column to the next

    /// Rows stored one after another, each `leading` >= cols elements apart (default: packed).
    static constexpr MatrixView row_major(const double* data, std::size_t rows, std::size_t cols,
                                          std::size_t leading = 0) noexcept {
        return {data, rows, cols, static_cast<std::ptrdiff_t>(leading ? leading : cols), 1};
    }
    /// Columns stored one after another, each `leading` >= rows elements apart (default: packed),
    /// as in Eigen's default matrices, Fortran and a pandas block.
    static constexpr MatrixView column_major(const double* data, std::size_t rows, std::size_t cols,
                                             std::size_t leading = 0) noexcept {
        return {data, rows, cols, 1, static_cast<std::ptrdiff_t>(leading ? leading : rows)};
    }

    /// Unchecked, for loops that know their bounds; `at` is the checked twin.
    constexpr double operator()(std::size_t i, std::size_t j) const noexcept {
        return data[static_cast<std::ptrdiff_t>(i) * row_stride +
                    static_cast<std::ptrdiff_t>(j) * col_stride];
    }
    /// Element (i, j), or an InputError naming the row or column index that is out of range.
    double at(std::size_t i, std::size_t j) const {
        if (i >= rows) throw InputError::out_of_range("row", i, rows);
        if (j >= cols) throw InputError::out_of_range("column", j, cols);
        return (*this)(i, j);
    }

    /// Rows [begin, begin + count) as a view of the same data (unchecked).
    constexpr MatrixView middle_rows(std::size_t begin, std::size_t count) const noexcept {
        return {data + static_cast<std::ptrdiff_t>(begin) * row_stride, count, cols, row_stride,
                col_stride};
    }
};

}  // namespace retain
