#include "tl/sweep/sweep_runner.hpp"

#include <chrono>
#include <csignal>
#include <sstream>

#include "tl/base/atomic_file.hpp"
#include "tl/base/error.hpp"
#include "tl/base/file_bytes.hpp"
#include "tl/base/interruption.hpp"
#include "tl/base/subprocess.hpp"
#include "tl/run/run_directory.hpp"

namespace fs = std::filesystem;

namespace tl {
namespace {

// A variant's log is read whole to find why it failed; a longer one (a run that logged for days) is
// not read, and the process's exit says what happened instead.
constexpr uint64_t kMaxVariantLogBytes = 64ULL << 20;

// The line that says why a tl command failed: its last "error" line, else its last line.
std::string failure_reason(const fs::path& log, const ProcessResult& process) {
  std::string reason;
  if (const BoundedRead text = read_regular_file(log, kMaxVariantLogBytes); text.bytes) {
    std::istringstream lines(*text.bytes);
    std::string last_line;
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      last_line = line;
      if (line.find("error") != std::string::npos) reason = line;
    }
    if (reason.empty()) reason = last_line;
  }
  constexpr size_t kLongest = 400;
  if (reason.size() > kLongest) reason = reason.substr(0, kLongest) + "...";
  return reason.empty() ? process.describe() : reason + " (" + process.describe() + ")";
}

bool started_with_same_config(const SweepVariant& variant) {
  const BoundedRead recorded =
      read_regular_file(RunDirectory(variant.experiment.run_directory).config(), kMaxRunRecordBytes);
  return recorded.bytes && nlohmann::json::parse(*recorded.bytes, nullptr, false) == variant.experiment.resolved;
}

bool finished_with_same_config(const SweepVariant& variant, const std::string& split) {
  const RunDirectory run(variant.experiment.run_directory);
  return fs::exists(run.summary()) && fs::exists(run.evaluation(split)) && started_with_same_config(variant);
}

bool holds_earlier_sweep(const Sweep& sweep) {
  if (fs::exists(sweep.directory / "results.json")) return true;
  for (const auto& variant : sweep.variants) {
    if (RunDirectory(variant.experiment.run_directory).holds_run()) return true;
  }
  return false;
}

// Ctrl-C reaches the variant's process too (one process group), SIGTERM is passed on to it: the sweep
// stops rather than recording an interrupted variant as failed and starting the next.
void stop_if_interrupted(const ProcessResult& process, const SweepVariant& variant) {
  const bool stopped_by_signal = process.exit_code == 128 + SIGINT || process.exit_code == 128 + SIGTERM ||
                                 process.signal == SIGINT || process.signal == SIGTERM;
  if (interrupt_requested() || stopped_by_signal) {
    throw Interrupted("sweep interrupted during variant " + variant.name + "; run it again with --resume to finish");
  }
}

VariantResult run_variant(const Sweep& sweep, const SweepVariant& variant, const SweepOptions& options) {
  const fs::path config = sweep.directory / "configs" / (variant.name + ".json");
  const fs::path log = sweep.directory / "logs" / (variant.name + ".log");
  write_file_atomically(config, variant.experiment.resolved.dump(2) + "\n");
  write_file_atomically(log, "", Durability::rename_only);

  VariantResult failed;
  failed.name = variant.name;
  failed.recipe = variant.recipe;
  failed.fold = variant.fold;
  failed.values = variant.values;
  std::vector<std::string> train_arguments{"--config", config.string()};
  const fs::path run = variant.experiment.run_directory;
  if (options.resume && fs::exists(run / "last.pt") && started_with_same_config(variant)) {
    train_arguments = {"--resume", run.string()};  // an interrupted variant continues where it stopped
  } else if (options.overwrite || options.resume) {
    // The sweep owns its variants' run directories: a rerun replaces what an earlier attempt left.
    train_arguments.emplace_back("--overwrite");
  }
  std::vector<std::string> eval_arguments{"--run", variant.experiment.run_directory.string(), "--split", sweep.split};
  if (options.ranks > 1) {
    for (auto* arguments : {&train_arguments, &eval_arguments}) {
      arguments->insert(arguments->end(), {"--nproc", std::to_string(options.ranks)});
    }
  }
  const ProcessResult trained = run_process(options.train_program, train_arguments, log);
  stop_if_interrupted(trained, variant);
  if (!trained.succeeded()) {
    failed.error = failure_reason(log, trained);
    return failed;
  }
  const ProcessResult evaluated = run_process(options.eval_program, eval_arguments, log);
  stop_if_interrupted(evaluated, variant);
  if (!evaluated.succeeded()) {
    failed.error = failure_reason(log, evaluated);
    return failed;
  }
  try {
    return read_variant_result(variant, sweep.split);
  } catch (const Error& error) {
    failed.error = error.what();
    return failed;
  }
}

std::string format_seconds(double seconds) {
  std::ostringstream text;
  text.precision(1);
  text << std::fixed << seconds << " s";
  return text.str();
}

}  // namespace

SweepOutcome run_sweep(const Sweep& sweep, const SweepOptions& options,
                       const std::function<void(const std::string&)>& report) {
  if (!options.resume && !options.overwrite && holds_earlier_sweep(sweep)) {
    throw Error(sweep.directory.string() +
                ": holds an earlier run of this sweep; use --resume to finish it or "
                "--overwrite to start again");
  }
  fs::create_directories(sweep.directory / "configs");
  fs::create_directories(sweep.directory / "logs");
  const auto previous = options.resume ? previous_results(sweep) : std::map<std::string, VariantResult>{};

  SweepOutcome outcome;
  std::vector<VariantResult> finished;  // in sweep order
  const size_t total = sweep.variants.size();
  for (size_t i = 0; i < total; ++i) {
    const SweepVariant& variant = sweep.variants[i];
    const std::string position = "[" + std::to_string(i + 1) + "/" + std::to_string(total) + "] " + variant.name;
    VariantResult result;
    if (options.resume && finished_with_same_config(variant, sweep.split)) {
      result = read_variant_result(variant, sweep.split);
      const auto earlier = previous.find(variant.name);
      if (earlier != previous.end()) result.wall_seconds = earlier->second.wall_seconds;
      ++outcome.resumed_variants;
      report(position + ": finished earlier, skipped");
    } else {
      report(position + ": training and evaluating");
      const auto start = std::chrono::steady_clock::now();
      result = run_variant(sweep, variant, options);
      result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (result.ok) {
        std::ostringstream line;
        line << std::fixed;
        line.precision(4);
        line << position << ": " << sweep.metric << " " << result.metrics.at(sweep.metric) << " ("
             << format_seconds(result.wall_seconds) << ")";
        report(line.str());
      } else {
        report(position + ": failed: " + result.error);
      }
    }
    finished.push_back(std::move(result));
    // The table after every variant, so an interrupted sweep still leaves one; the last is the outcome.
    outcome.results = finished;
    rank_results(outcome.results, sweep.metric);
    outcome.missed_gates = apply_gates(outcome.results, sweep, options.extra_gates);
    write_results(sweep, outcome.results);
  }
  for (const auto& result : outcome.results) outcome.failed_variants += result.ok ? 0 : 1;
  return outcome;
}

}  // namespace tl
