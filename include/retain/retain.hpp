#pragma once
// Everything retain offers: include this one header and link retain::retain.

#include "retain/account.hpp"
#include "retain/alerts.hpp"
#include "retain/engagement.hpp"
#include "retain/error.hpp"
#include "retain/health.hpp"
#include "retain/ids.hpp"
#include "retain/kpi.hpp"
#include "retain/logistic.hpp"
#include "retain/model_set.hpp"
#include "retain/rollup.hpp"
#include "retain/segment.hpp"
#include "retain/survival.hpp"
#include "retain/time.hpp"
#include "retain/version.hpp"
