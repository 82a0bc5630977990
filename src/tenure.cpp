#include "retain/tenure.hpp"
