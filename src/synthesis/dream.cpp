#include "tl/synthesis/dream.hpp"

#include <torch/torch.h>

#include "tl/base/error.hpp"
#include "tl/model/lr_schedule.hpp"
#include "tl/model/optimizer.hpp"

namespace tl {

torch::Tensor total_variation(const torch::Tensor& pixels) {
  using torch::indexing::Slice;
  const auto down =
      pixels.index({Slice(), Slice(), Slice(1), Slice()}) - pixels.index({Slice(), Slice(), Slice(0, -1), Slice()});
  const auto right =
      pixels.index({Slice(), Slice(), Slice(), Slice(1)}) - pixels.index({Slice(), Slice(), Slice(), Slice(0, -1)});
  return down.abs().sum() + right.abs().sum();
}

const char* name_of(DreamOptimizer optimizer) {
  switch (optimizer) {
    case DreamOptimizer::adam: return "adam";
    case DreamOptimizer::sgd: return "sgd";
  }
  return "?";
}

DreamResult dream(PixelClassifier& classifier, const DreamOptions& options, const std::optional<torch::Tensor>& start,
                  const std::function<void(int step, const torch::Tensor& pixels)>& after_step) {
  if (options.steps < 1) throw Error("steps: expected at least 1");
  const torch::Device device = classifier.device();
  torch::Tensor pixels;
  if (start) {
    pixels = start->to(device).clone();
  } else {
    torch::Generator generator = at::detail::createCPUGenerator(options.seed);
    pixels = (0.5 + 0.1 * torch::randn({1, 3, options.height, options.width}, generator)).clamp(0, 1).to(device);
  }
  pixels.set_requires_grad(true);

  std::unique_ptr<torch::optim::Optimizer> optimizer;
  switch (options.optimizer) {
    case DreamOptimizer::adam:
      optimizer = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{pixels},
                                                       torch::optim::AdamOptions(options.lr));
      break;
    case DreamOptimizer::sgd:
      optimizer = std::make_unique<torch::optim::SGD>(std::vector<torch::Tensor>{pixels},
                                                      torch::optim::SGDOptions(options.lr).momentum(0.9));
      break;
  }
  const torch::Tensor target = torch::full({1}, options.target, torch::TensorOptions(torch::kLong).device(device));

  // Cosine decay to zero: with a constant rate, Adam's per-pixel steps keep the L1 total variation
  // oscillating, and late in a long run the image measured falling back to noise.
  ScheduleConfig cosine;
  cosine.kind = ScheduleKind::cosine;
  const LrSchedule schedule(cosine, options.lr, options.steps);

  DreamResult result;
  for (int step = 1; step <= options.steps; ++step) {
    set_learning_rate(*optimizer, schedule.at(step - 1));
    optimizer->zero_grad();
    const torch::Tensor logits = classifier.logits(pixels);
    const torch::Tensor cross_entropy = torch::nn::functional::cross_entropy(logits, target);
    const torch::Tensor variation = total_variation(pixels);
    const torch::Tensor loss = options.ce_weight * cross_entropy + options.tv_weight * variation;
    loss.backward();
    optimizer->step();
    {
      torch::NoGradGuard no_grad;
      pixels.clamp_(0, 1);  // projected: every step's image is a valid one
    }
    if (step % options.log_every == 0 || step == 1 || step == options.steps) {
      result.log.push_back({step, torch::softmax(logits.detach(), 1)[0][options.target].item<double>(),
                            cross_entropy.item<double>(), variation.item<double>(), loss.item<double>()});
    }
    if (after_step) after_step(step, pixels.detach());
  }

  torch::NoGradGuard no_grad;
  result.pixels = quantize_pixels(pixels.detach());
  result.target_probability = torch::softmax(classifier.logits(result.pixels), 1)[0][options.target].item<double>();
  result.total_variation = total_variation(result.pixels).item<double>();
  return result;
}

}  // namespace tl
