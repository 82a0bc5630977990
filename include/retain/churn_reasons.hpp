#pragma once
// Churn by reason (placeholder).

namespace retain::kpi {}
