#pragma once
// Tenure from a Book (placeholder).

namespace retain::survival {}
