#include "tl/base/csv_cell.hpp"

#include <cstdlib>

namespace tl {
namespace {

bool is_number(const std::string& cell) {
  char* end = nullptr;
  std::strtod(cell.c_str(), &end);
  return !cell.empty() && end == cell.c_str() + cell.size();
}

}  // namespace

std::string csv_cell(const std::string& cell) {
  const bool formula = !cell.empty() && std::string("=+-@\t\r").find(cell[0]) != std::string::npos && !is_number(cell);
  std::string text = formula ? "'" + cell : cell;
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace tl
