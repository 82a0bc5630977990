#include "retain/calibration.hpp"
