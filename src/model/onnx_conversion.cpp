#include "tl/model/onnx_conversion.hpp"

#include <fstream>
#include <sstream>

#include "tl/base/atomic_file.hpp"
#include "tl/base/error.hpp"
#include "tl/base/subprocess.hpp"

namespace fs = std::filesystem;

namespace tl {

extern const char* const kOnnxExportScript;

namespace {

std::string text_of(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The script's verdict: its last line of JSON on success; its "export_onnx.py: ..." line, else the
// end of what it printed (a Python traceback), on failure.
std::string failure_of(const std::string& log) {
  const std::string marker = "export_onnx.py: ";
  const size_t reason = log.rfind(marker);
  if (reason != std::string::npos) {
    std::string line = log.substr(reason + marker.size());
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
    return line;
  }
  constexpr size_t kTail = 1500;
  return log.size() > kTail ? "..." + log.substr(log.size() - kTail) : log;
}

nlohmann::json verdict_of(const std::string& log) {
  std::istringstream lines(log);
  nlohmann::json verdict;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line.front() != '{') continue;
    try {
      verdict = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {  // a line of something else that starts with a brace
    }
  }
  return verdict;
}

}  // namespace

std::string default_python() {
  const fs::path debian = "/usr/bin/python3";
  return fs::exists(debian) ? debian.string() : "python3";
}

nlohmann::json convert_to_onnx(const OnnxConversion& conversion, const fs::path& out) {
  nlohmann::json verdict;
  replace_file_atomically(out, [&](const fs::path& temporary) {
    const fs::path log = fs::path(temporary).concat(".log");
    const std::vector<std::string> arguments{"-c",
                                             kOnnxExportScript,
                                             conversion.torchscript.string(),
                                             temporary.string(),
                                             "--height",
                                             std::to_string(conversion.height),
                                             "--width",
                                             std::to_string(conversion.width),
                                             "--output-name",
                                             conversion.output_name};
    ProcessResult result;
    try {
      result = run_process(conversion.python, arguments, log);
    } catch (const Error& error) {
      throw Error(out.string() + ": the ONNX conversion runs Python with python3-torch, python3-onnx and " +
                  "python3-opencv (scripts/setup.sh installs them): " + error.what());
    }
    const std::string printed = text_of(log);
    fs::remove(log);
    if (!result.succeeded()) {
      throw Error(out.string() + ": ONNX conversion failed (" + result.describe() + "): " + failure_of(printed) +
                  "; nothing written");
    }
    verdict = verdict_of(printed);
    if (!verdict.is_object())
      throw Error(out.string() + ": the ONNX conversion said nothing of its checks; nothing written");
  });
  return verdict;
}

}  // namespace tl
