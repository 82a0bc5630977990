#pragma once
// The configuration documents (health models, segmentation rules) as nlohmann::json values, for
// C++ code that already holds one: built in code, or read as part of a larger document.
//
// Opt-in: retain/health.hpp and retain/segment.hpp take and give JSON text, so that only the
// files that include this header pay for nlohmann/json.hpp (seconds of compile time each).
//
//   nlohmann::json document = ...;
//   const auto model = retain::health_model_from_json(document);
//   // the same model as HealthModel::from_json(document.dump()), with the same ConfigErrors
//   assert(retain::to_json_document(model) == document);

#include <nlohmann/json.hpp>

#include "retain/health.hpp"
#include "retain/segment.hpp"

namespace retain {

/// Validates a parsed model document, as HealthModel::from_json validates its text; any fault
/// is a ConfigError naming the key's path.
HealthModel health_model_from_json(nlohmann::json document);

/// Validates parsed segmentation rules, as Segmenter::from_json validates its text.
Segmenter segmenter_from_json(nlohmann::json rules);

/// The document as given: health_model_from_json(to_json_document(m)) == m, and its dump() is
/// m.to_json().
nlohmann::json to_json_document(const HealthModel& model);

/// The rules as given: segmenter_from_json(to_json_document(s)) == s.
nlohmann::json to_json_document(const Segmenter& segmenter);

}  // namespace retain
