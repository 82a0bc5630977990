#pragma once
// Churn probability from a score (placeholder until the calibration work lands).

namespace retain::calibration {}
