#pragma once
// Health models shipped with retain.
//
// default_model() is a starting point for a team without a model of its own, the same document
// as Python's rt.models.default() (one file, python/retain/default_model.json, is compiled into
// both). It reads the standard features of a Book's snapshots: usage 0.40 (active days and
// events in the last 30 days, the trend against the 30 days before, days since the last event),
// satisfaction 0.25 (latest NPS and CSAT answers), support 0.10 (open tickets), onboarding 0.10
// (milestones reached, 4 for full marks) and relationship 0.15 (tenure up to a year, days since
// the last CSM touch). Its weights are judgement, not fitted to any data: backtest it on your
// history, then fit its weights or edit the document.
//
//   const auto model = retain::models::default_model();
//   const auto scores = model.score(names, columns);  // snapshot columns, see snapshot.hpp

#include <string_view>

#include <retain/health.hpp>

namespace retain::models {

/// The default model's JSON document, as shipped.
std::string_view default_model_json() noexcept;

/// The default health model (HealthModel::from_json of default_model_json()).
HealthModel default_model();

}  // namespace retain::models
