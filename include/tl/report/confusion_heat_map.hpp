#pragma once
// The confusion matrix as an SVG heat map: rows are true classes, columns predicted ones. Each cell
// is coloured by its share of its row (the row-normalised view, so a small class's mistakes show as
// clearly as a large one's) and shows its count; its tooltip gives both. Column labels are rotated,
// and cells shrink down to a size that keeps 37 classes (Oxford-IIIT Pet) readable.
#include <string>
#include <vector>

namespace tl {

// <rect class="cell" data-true=i data-predicted=j data-count=n> per cell, classes² in all.
std::string render_confusion_heat_map(const std::vector<std::string>& class_names,
                                      const std::vector<std::vector<int>>& confusion);

}  // namespace tl
