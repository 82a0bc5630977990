#include "retain/churn_reasons.hpp"
