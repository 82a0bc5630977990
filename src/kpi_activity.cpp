#include "retain/activity.hpp"
