#pragma once
// CSM activity (placeholder).

namespace retain::kpi {}
