#include "retain/model_set.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <utility>

namespace retain {

namespace {

// The index of `name` in `names`, appending it when new.
std::size_t slot(std::vector<std::string>& names, const std::string& name) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it != names.end()) return static_cast<std::size_t>(it - names.begin());
    names.push_back(name);
    return names.size() - 1;
}

}  // namespace

ModelSet::ModelSet(std::vector<std::string> keys, std::vector<HealthModel> models)
    : keys_(std::move(keys)), models_(std::move(models)) {
    if (models_.empty()) throw InputError::argument("models", "needs at least one model");
    if (keys_.size() != models_.size())
        throw InputError::argument("keys", std::to_string(keys_.size()) + " keys for " +
                                               std::to_string(models_.size()) + " models");
    for (std::size_t k = 0; k < keys_.size(); ++k)
        for (std::size_t j = 0; j < k; ++j)
            if (keys_[j] == keys_[k])
                throw InputError::argument("keys", "duplicate key '" + keys_[k] + "'");
    for (const auto& model : models_) {
        auto& groups = group_slot_.emplace_back();
        for (const auto& g : model.groups()) groups.push_back(slot(group_names_, g.name));
        auto& grades = grade_code_.emplace_back();
        for (const auto& g : model.grades())
            grades.push_back(static_cast<std::int32_t>(slot(grade_labels_, g.label)));
    }
}

std::int32_t ModelSet::grade_of(std::size_t model, double score) const {
    if (model >= models_.size()) throw InputError::out_of_range("model", model, models_.size());
    const std::int32_t own = models_[model].grade_of(score);
    return own < 0 ? -1 : grade_code_[model][static_cast<std::size_t>(own)];
}

std::vector<std::string> ModelSet::required_columns() const {
    std::vector<std::string> out;
    for (const auto& model : models_)
        for (const auto& column : model.required_columns()) slot(out, column);
    return out;
}

void ModelSet::throw_first_bad(std::span<const std::int32_t> model_of_row,
                               const std::vector<std::string>& column_names,
                               const std::vector<std::span<const double>>& columns) const {
    // A model reports rows of its own subset; the user needs the row of the whole table.
    for (std::size_t row = 0; row < model_of_row.size(); ++row) {
        const auto& model = models_[static_cast<std::size_t>(model_of_row[row])];
        for (const auto& measure : model.measures()) {
            const auto it = std::find(column_names.begin(), column_names.end(), measure.column);
            if (it == column_names.end()) continue;
            const double x = columns[static_cast<std::size_t>(it - column_names.begin())][row];
            if (std::isinf(x)) throw InputError::at(measure.column, row, detail::infinite_feature);
            if (std::isnan(x) && model.missing() == MissingPolicy::error)
                throw InputError::at(measure.column, row, detail::missing_feature);
        }
    }
}

HealthScores ModelSet::score(std::span<const std::int32_t> model_of_row,
                             const std::vector<std::string>& column_names,
                             const std::vector<std::span<const double>>& columns,
                             Threads n_threads) const {
    const std::size_t n = model_of_row.size();
    // Names index the columns below: a name without a column would read past them.
    if (column_names.size() != columns.size())
        throw InputError("score: " + std::to_string(column_names.size()) + " column names for " +
                         std::to_string(columns.size()) + " columns");
    for (std::size_t c = 0; c < columns.size(); ++c)
        if (columns[c].size() != n)
            throw InputError("column '" + column_names[c] + "' has " +
                             std::to_string(columns[c].size()) + " values for " +
                             std::to_string(n) + " rows");
    // Rows of each model, in row order.
    std::vector<std::vector<std::size_t>> rows(models_.size());
    for (std::size_t row = 0; row < n; ++row) {
        const std::int32_t k = model_of_row[row];
        if (k < 0 || static_cast<std::size_t>(k) >= models_.size())
            throw InputError::argument(
                "model_of_row", "row " + std::to_string(row) + ": code " + std::to_string(k) +
                                    " is not a model (0.." + std::to_string(models_.size() - 1) +
                                    ")");
        rows[static_cast<std::size_t>(k)].push_back(row);
    }
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    HealthScores out;
    out.score.assign(n, nan);
    out.coverage.assign(n, nan);
    out.grade.assign(n, -1);
    out.groups.assign(group_names_.size(), std::vector<double>(n, nan));
    for (std::size_t k = 0; k < models_.size(); ++k) {
        const auto& mine = rows[k];
        if (mine.empty()) continue;
        // The model's own rows, gathered into contiguous columns.
        std::vector<std::string> names;
        std::vector<std::vector<double>> gathered;
        for (const auto& column : models_[k].required_columns()) {
            const auto it = std::find(column_names.begin(), column_names.end(), column);
            if (it == column_names.end()) continue;
            const auto& source = columns[static_cast<std::size_t>(it - column_names.begin())];
            auto& values = gathered.emplace_back(mine.size());
            for (std::size_t i = 0; i < mine.size(); ++i) values[i] = source[mine[i]];
            names.push_back(column);
        }
        const std::vector<std::span<const double>> spans(gathered.begin(), gathered.end());
        HealthScores part;
        try {
            part = models_[k].score(names, spans, n_threads);
        } catch (const InputError&) {
            throw_first_bad(model_of_row, column_names, columns);
            throw;
        }
        for (std::size_t i = 0; i < mine.size(); ++i) {
            const std::size_t row = mine[i];
            out.score[row] = part.score[i];
            out.coverage[row] = part.coverage[i];
            out.grade[row] = grade_of(k, part.score[i]);
            for (std::size_t g = 0; g < part.groups.size(); ++g)
                out.groups[group_slot_[k][g]][row] = part.groups[g][i];
        }
    }
    return out;
}

}  // namespace retain
