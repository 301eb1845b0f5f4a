#pragma once
// What an adversarial attack asks for: the method, its target and its budget. Free of LibTorch, so
// that tl-attack reads its flags into it without compiling against tensors.
#include <array>
#include <optional>

namespace tl {

// pgd: targeted, iterative; fgsm: one step, untargeted unless a target is given.
enum class AttackMethod { pgd, fgsm };
inline constexpr std::array kAttackMethods{AttackMethod::pgd, AttackMethod::fgsm};
const char* name_of(AttackMethod method);

struct AttackOptions {
  AttackMethod method = AttackMethod::pgd;
  std::optional<int> target;  // required by pgd
  double epsilon = 8.0;       // L∞ budget in pixel units (0..255)
  double step_size = 2.0;     // pgd: pixel units per step
  int steps = 20;             // pgd
};

}  // namespace tl
