#include "common.hpp"

namespace retain::python {

void register_calibration(py::module_& root) { (void)root; }

}  // namespace retain::python
