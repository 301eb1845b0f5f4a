#pragma once
// One cell of a CSV file tl writes (a sweep's results, an evaluation's predictions), as RFC 4180
// quotes it and as a spreadsheet can open it safely.
#include <string>

namespace tl {

// Quotes the cell when it holds a comma, a quote or a line break. A spreadsheet runs a cell that
// starts with = + - @ (or a tab or carriage return) as a formula: such a cell that is not a number
// (a file name, a varied value, an error message) gets a leading apostrophe, which shows it as text.
std::string csv_cell(const std::string& cell);

}  // namespace tl
