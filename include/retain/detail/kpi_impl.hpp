#pragma once
// Definitions of the functions declared in retain/kpi.hpp, one file per part of the domain.

#include "retain/detail/kpi_revenue_impl.hpp"
#include "retain/detail/kpi_surveys_impl.hpp"
#include "retain/detail/kpi_rates_impl.hpp"
#include "retain/detail/kpi_onboarding_impl.hpp"
