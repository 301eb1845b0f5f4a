#include "tl/synthesis/adversarial_attack.hpp"

#include <cmath>

#include <torch/torch.h>

#include "tl/base/error.hpp"

namespace tl {
namespace {

// Gradient of the cross-entropy toward `label` with respect to the pixels.
torch::Tensor loss_gradient(PixelClassifier& classifier, const torch::Tensor& pixels, int64_t label) {
  torch::Tensor input = pixels.detach().clone().set_requires_grad(true);
  const torch::Tensor target = torch::full({1}, label, torch::TensorOptions(torch::kLong).device(pixels.device()));
  const torch::Tensor loss = torch::nn::functional::cross_entropy(classifier.logits(input), target);
  return torch::autograd::grad({loss}, {input})[0];
}

// Targeted projected gradient descent: signed steps down the target's loss, kept within epsilon.
torch::Tensor pgd(PixelClassifier& classifier, const torch::Tensor& source, const AttackOptions& options,
                  double epsilon) {
  if (!options.target) throw Error("pgd is a targeted attack: give a target class");
  if (options.steps < 1 || !(options.step_size > 0)) throw Error("pgd: steps and step size must be positive");
  torch::Tensor adversarial = source.clone();
  for (int step = 0; step < options.steps; ++step) {
    const torch::Tensor gradient = loss_gradient(classifier, adversarial, *options.target);
    torch::NoGradGuard no_grad;
    adversarial = adversarial - (options.step_size / 255.0) * gradient.sign();
    adversarial = torch::min(torch::max(adversarial, source - epsilon), source + epsilon).clamp(0, 1);
  }
  return adversarial;
}

// One signed step of size epsilon.
torch::Tensor fgsm(PixelClassifier& classifier, const torch::Tensor& source, const AttackOptions& options,
                   double epsilon) {
  torch::Tensor logits;
  {
    torch::NoGradGuard no_grad;
    logits = classifier.logits(source);
  }
  const int64_t label = options.target ? *options.target : logits.argmax(1).item<int64_t>();
  const torch::Tensor gradient = loss_gradient(classifier, source, label);
  torch::NoGradGuard no_grad;
  // Toward the target (down its loss), or away from the photo's own class (up its loss).
  const double direction = options.target ? -1.0 : 1.0;
  return (source + direction * epsilon * gradient.sign()).clamp(0, 1);
}

}  // namespace

const char* name_of(AttackMethod method) {
  switch (method) {
    case AttackMethod::pgd: return "pgd";
    case AttackMethod::fgsm: return "fgsm";
  }
  return "?";
}

AttackResult attack(PixelClassifier& classifier, const torch::Tensor& source, const AttackOptions& options) {
  if (!(options.epsilon > 0 && options.epsilon <= 255)) throw Error("epsilon: expected pixel units in (0, 255]");
  const double epsilon = options.epsilon / 255.0;
  torch::Tensor adversarial;
  switch (options.method) {
    case AttackMethod::pgd: adversarial = pgd(classifier, source, options, epsilon); break;
    case AttackMethod::fgsm: adversarial = fgsm(classifier, source, options, epsilon); break;
  }

  // Saved as 8 bits: round, then project in whole pixel units so rounding never leaves the budget.
  torch::NoGradGuard no_grad;
  const double budget = std::floor(options.epsilon + 1e-9);
  const torch::Tensor source_levels = (source * 255).round();
  const torch::Tensor levels =
      torch::min(torch::max((adversarial * 255).round(), source_levels - budget), source_levels + budget).clamp(0, 255);
  const torch::Tensor change = levels - source_levels;
  AttackResult result;
  result.adversarial = levels / 255;
  result.linf = change.abs().max().item<double>();
  result.l2 = change.pow(2).sum().sqrt().item<double>();
  return result;
}

torch::Tensor perturbation_image(const torch::Tensor& source, const torch::Tensor& adversarial, double epsilon) {
  return (0.5 + (adversarial - source) * (255.0 / (2 * epsilon))).clamp(0, 1);
}

}  // namespace tl
