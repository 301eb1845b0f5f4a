#pragma once
// A sweep's report: report.html in the sweep directory, self-contained like a run's. The ranked
// variants table (gates met or missed, failures with their reason), a bar chart of the sweep's metric
// per variant, every variant's validation accuracy curve overlaid, and a link to each variant's own
// report.html.
#include <string>
#include <vector>

#include "tl/sweep/sweep.hpp"
#include "tl/sweep/sweep_results.hpp"

namespace tl {

std::string render_sweep_report(const Sweep& sweep, const std::vector<VariantResult>& results);
void write_sweep_report(const Sweep& sweep, const std::vector<VariantResult>& results);

}  // namespace tl
