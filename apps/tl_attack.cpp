// tl-attack: an adversarial example: a photo changed by at most epsilon per pixel so that the
// network sees the target class (targeted PGD), or stops seeing its own (FGSM).
#include <cstdio>

#include <CLI/CLI.hpp>

#include "app_main.hpp"
#include "classifier_source.hpp"
#include "tl/base/logging.hpp"
#include "tl/features/cpu_runtime.hpp"
#include "tl/features/library_error.hpp"
#include "tl/features/runtime_versions.hpp"
#include "tl/synthesis/attack_request.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Adversarial example: change a photo by at most epsilon per pixel until the network sees the target\n"
      "class (pgd), or stops seeing its own (fgsm). Writes the adversarial PNG, the photo as the network saw it,\n"
      "the magnified change and a JSON with both top-5s, the target probability and the size of the change."};
  tl::app::show_defaults_in_help(app);
  tl::AttackRequest request;
  tl::AttackOptions& options = request.options;
  int threads = 0;
  tl::app::Verbosity verbosity;
  tl::app::add_classifier_options(app, request.classifier);
  tl::app::add_classifier_options(app, request.transfer, "transfer-", " (a second network: does the attack transfer?)");
  app.add_option("image", request.image, "the photo to attack")->required()->check(CLI::ExistingFile);
  app.add_option("-t,--target", request.target, "class to reach: name (or alias) or number; pgd needs one");
  tl::app::add_enum_option(app, "--method", options.method, "pgd (targeted, iterative) or fgsm (one step)",
                           tl::kAttackMethods);
  app.add_option("--epsilon", options.epsilon, "largest change per pixel, in pixel units (0-255)")
      ->check(CLI::Range(0.5, 255.0));
  app.add_option("--step-size", options.step_size, "pgd: change per step, in pixel units")->check(CLI::PositiveNumber);
  app.add_option("--steps", options.steps, "pgd: steps")->check(CLI::PositiveNumber);
  app.add_option("-o,--out", request.out, "adversarial PNG to write")->required()->check(tl::app::kFileNameNotStdout);
  app.add_option("--perturbation", request.perturbation, "magnified change PNG (default <out stem>_perturbation.png)");
  app.add_option("--json", request.report, "report to write (default <out stem>.json)");
  tl::app::add_device_option(app, request.device);
  tl::app::add_threads_option(app, threads);
  tl::app::add_verbosity_flags(app, verbosity);
  tl::app::add_version_flag(app, "tl-attack", tl::runtime_versions);
  if (const auto exit_code = tl::app::parse_command_line(app, argc, argv)) return *exit_code;
  if (!request.classifier.given()) {
    std::fprintf(stderr, "tl-attack: give --run DIR or --model FILE\n");
    return tl::app::kExitUsage;
  }
  if (options.method == tl::AttackMethod::pgd && !request.target) {
    std::fprintf(stderr, "tl-attack: --method pgd needs --target\n");
    return tl::app::kExitUsage;
  }

  return tl::app::guarded("tl-attack", tl::describe_library_error, [&] {
    tl::configure_logging(verbosity.level());
    tl::configure_cpu_runtime(threads);
    const tl::AttackOutcome outcome = tl::attack_to_files(request);
    std::printf("%s: %s %.4f -> %s %.4f (L-inf %.0f, L2 %.1f pixel units)%s\n", outcome.adversarial.c_str(),
                outcome.source_class.c_str(), outcome.source_probability, outcome.result_class.c_str(),
                outcome.result_probability, outcome.linf, outcome.l2, outcome.success ? "" : "  (not reached)");
    return 0;
  });
}
