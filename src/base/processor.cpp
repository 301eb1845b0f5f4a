#include "tl/base/processor.hpp"

#include <sys/utsname.h>

#include <set>
#include <sstream>

#include "tl/base/file_bytes.hpp"

namespace tl {
namespace {

// /proc/cpuinfo is a few kB per core; 4 MiB holds hundreds of cores.
constexpr uint64_t kCpuinfoLimit = 4u << 20;

std::string value_of(const std::string& line) {
  const size_t colon = line.find(':');
  if (colon == std::string::npos) return "";
  const size_t start = line.find_first_not_of(" \t", colon + 1);
  return start == std::string::npos ? "" : line.substr(start);
}

}  // namespace

std::string processor_description() {
  std::string model = "unknown";
  std::set<std::string> flags;
  const BoundedRead cpuinfo = read_regular_file("/proc/cpuinfo", kCpuinfoLimit);
  std::istringstream lines(cpuinfo.bytes.value_or(""));
  for (std::string line; std::getline(lines, line);) {
    if (model == "unknown" && line.rfind("model name", 0) == 0) model = value_of(line);
    if (flags.empty() && line.rfind("flags", 0) == 0) {
      std::istringstream words(value_of(line));
      for (std::string word; words >> word;) flags.insert(word);
    }
  }
  utsname machine{};
  std::string description = model + " (" + (::uname(&machine) == 0 ? machine.machine : "unknown");
  std::string extensions;
  for (const char* extension : {"avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "neon", "asimd"}) {
    if (flags.count(extension)) extensions += std::string(extensions.empty() ? "" : " ") + extension;
  }
  return description + (extensions.empty() ? "" : "; " + extensions) + ")";
}

}  // namespace tl
