#include "common.hpp"

namespace retain::python {

void register_book_kpi(py::module_& root) { (void)root; }

}  // namespace retain::python
