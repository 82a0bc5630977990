#pragma once
// A health model per segment or lifecycle stage (onboarding accounts are judged on setup,
// adopted ones on usage), scored in one call.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "retain/health.hpp"
#include "retain/threads.hpp"

namespace retain {

class ModelSet {
  public:
    /// models[k] scores the rows whose model code is k; keys[k] names it in messages. At least
    /// one model; keys unique.
    ModelSet(std::vector<std::string> keys, std::vector<HealthModel> models);

    const std::vector<std::string>& keys() const noexcept { return keys_; }
    const std::vector<HealthModel>& models() const noexcept { return models_; }
    /// Every model's groups, each once, in order of first appearance: the group columns of
    /// score(), NaN where a row's model lacks the group.
    const std::vector<std::string>& group_names() const noexcept { return group_names_; }
    /// Every model's grade labels, each once, in order of first appearance: grade codes of
    /// score() index this list.
    const std::vector<std::string>& grade_labels() const noexcept { return grade_labels_; }
    /// The grade code (into grade_labels(), -1 for none) of `score` under models[model]; a
    /// model past models() is an InputError naming it.
    std::int32_t grade_of(std::size_t model, double score) const;
    /// The columns any model reads, each once.
    std::vector<std::string> required_columns() const;

    /// Scores each row with models[model_of_row[row]], over the columnar table as
    /// HealthModel::score reads it (a percentile measure without a reference ranks against the
    /// rows of its own model). A code outside [0, models) is an InputError naming the row.
    HealthScores score(std::span<const std::int32_t> model_of_row,
                       const std::vector<std::string>& column_names,
                       const std::vector<std::span<const double>>& columns,
                       Threads n_threads = {}) const;

  private:
    // Throws the first bad feature value in row order of the whole table, if there is one.
    void throw_first_bad(std::span<const std::int32_t> model_of_row,
                         const std::vector<std::string>& column_names,
                         const std::vector<std::span<const double>>& columns) const;

    std::vector<std::string> keys_;
    std::vector<HealthModel> models_;
    std::vector<std::string> group_names_, grade_labels_;
    std::vector<std::vector<std::size_t>> group_slot_;   // [model][group] -> group_names_ index
    std::vector<std::vector<std::int32_t>> grade_code_;  // [model][grade] -> grade_labels_ index
};

}  // namespace retain
