#include "common.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "retain/segment.hpp"

namespace retain::python {

void register_segment(py::module_& root) {
    py::module_ m = root.def_submodule("segment", "Segmentation into tiers (see retain.segment).");

    py::class_<Segmenter>(m, "Segmenter")
        .def_static("from_json", &Segmenter::from_json, py::arg("text"),
                    "Parse and validate a rules document; a ConfigError names the key at fault.")
        .def("to_json", &Segmenter::to_json, "The document as given, as compact JSON.")
        .def_property_readonly("tier_names", &Segmenter::tier_names)
        .def_property_readonly("required_columns", &Segmenter::required_columns)
        .def(
            "assign",
            [](const Segmenter& s, const std::vector<std::string>& names,
               const std::vector<array_in<double>>& arrays) {
                std::vector<std::span<const double>> columns;
                columns.reserve(arrays.size());
                for (std::size_t c = 0; c < arrays.size(); ++c)
                    columns.push_back(as_span(arrays[c], names.at(c).c_str()));
                std::vector<std::int32_t> codes;
                {
                    py::gil_scoped_release release;  // reads only the caller's buffers
                    codes = s.assign(names, columns);
                }
                return to_numpy(std::move(codes));
            },
            py::arg("names"), py::arg("columns"),
            "Tier codes (int32, -1 for none) of the rows of columns named `names`.")
        .def("__eq__", [](const Segmenter& a, const Segmenter& b) { return a == b; });
}

}  // namespace retain::python
