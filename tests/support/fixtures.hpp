#pragma once
// Test inputs: tiny TorchScript backbones and special image files (made once per build by
// reference/make_backbones.py and reference/make_special_images.py), and small class-per-folder image
// trees built on the fly whose classes differ in colour, so a head can learn them in a few epochs.
#include <filesystem>
#include <string>
#include <vector>

namespace tl::testing {

// Folder holding tiny.pt, flat.pt, three_d.pt, pair.pt, not_torchscript.pt and their .json files.
const std::filesystem::path& tiny_backbones();
// Folder holding the images of every pixel format and the broken files make_special_images.py writes.
const std::filesystem::path& special_images();

// Writes <root>/<class>/<i>.jpg for each class; returns the files written.
std::vector<std::filesystem::path> make_image_folder(const std::filesystem::path& root,
                                                     const std::vector<std::string>& classes, int per_class,
                                                     int size = 48);

// Runs a command line, returning its exit code. stdout goes to `output` (if given) and stderr to
// `errors`, or to `output` too when `errors` is not given.
int run_command(const std::string& command, const std::filesystem::path& output = {},
                const std::filesystem::path& errors = {});

// A command running in the background (sh -c) in a process group of its own, for tests that
// interrupt or kill it; signals go to the whole group, as from a terminal.
class BackgroundCommand {
 public:
  BackgroundCommand(const std::string& command, const std::filesystem::path& log);
  // Owns the process (the destructor kills and reaps it), so it is neither copied nor moved.
  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;
  ~BackgroundCommand();
  void send(int signal_number) const;
  bool running();
  // Waits for it to end: its exit code, or 128 + the signal that ended it.
  int wait();

 private:
  int exit_code(int status);

  int pid_ = -1;
  bool finished_ = false;
  int result_ = -1;
};

}  // namespace tl::testing
