#include "support/fixtures.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include "support/shared_data.hpp"
#include "support/temp_directory.hpp"

namespace tl::testing {

const std::filesystem::path& tiny_backbones() {
  static const std::filesystem::path directory = TL_TINY_BACKBONES_DIR;
  return directory;
}

const std::filesystem::path& special_images() {
  static const std::filesystem::path directory = TL_SPECIAL_IMAGES_DIR;
  return directory;
}

std::vector<std::filesystem::path> make_image_folder(const std::filesystem::path& root,
                                                     const std::vector<std::string>& classes, int per_class, int size) {
  std::vector<std::filesystem::path> files;
  std::mt19937 generator(7);
  for (size_t c = 0; c < classes.size(); ++c) {
    std::filesystem::create_directories(root / classes[c]);
    for (int i = 0; i < per_class; ++i) {
      // Class c has a dominant hue; noise and a random shape keep images distinct.
      const double hue = 180.0 * static_cast<double>(c) / classes.size();
      cv::Mat hsv(size, size, CV_8UC3, cv::Scalar(hue, 200, 60 + generator() % 150));
      cv::Mat image;
      cv::cvtColor(hsv, image, cv::COLOR_HSV2BGR);
      cv::Mat noise(size, size, CV_8UC3);
      cv::randu(noise, 0, 40);
      image += noise;
      cv::circle(image, {static_cast<int>(generator() % size), static_cast<int>(generator() % size)},
                 3 + static_cast<int>(generator() % (size / 4)), cv::Scalar(generator() % 256, generator() % 256, 0),
                 cv::FILLED);
      const auto file = root / classes[c] / (std::to_string(i) + ".jpg");
      cv::imwrite(file.string(), image);
      files.push_back(file);
    }
  }
  return files;
}

int run_command(const std::string& command, const std::filesystem::path& output, const std::filesystem::path& errors) {
  std::string full = command;
  if (!output.empty()) full += " > " + output.string();
  if (!errors.empty()) {
    full += " 2> " + errors.string();
  } else if (!output.empty()) {
    full += " 2>&1";
  }
  const int status = std::system(full.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

BackgroundCommand::BackgroundCommand(const std::string& command, const std::filesystem::path& log) {
  // exec replaces the shell, so signals reach the program itself.
  const std::string full = "exec " + command + " > " + log.string() + " 2>&1";
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);  // a group of its own, like a terminal's foreground job
    execl("/bin/sh", "sh", "-c", full.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid_, pid_);  // here too, so that a kill right after the fork finds the group
}

BackgroundCommand::~BackgroundCommand() {
  if (!finished_ && pid_ > 0) {
    kill(-pid_, SIGKILL);
    wait();
  }
}

void BackgroundCommand::send(int signal_number) const {
  // To the whole group, as a terminal does: the command and any process it started.
  setpgid(pid_, pid_);  // in case the child has not run setpgid yet
  kill(-pid_, signal_number);
}

int BackgroundCommand::exit_code(int status) {
  finished_ = true;
  if (WIFSIGNALED(status)) return result_ = 128 + WTERMSIG(status);
  return result_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool BackgroundCommand::running() {
  if (finished_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) exit_code(status);
  return !finished_;
}

int BackgroundCommand::wait() {
  if (finished_) return result_;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  return exit_code(status);
}

}  // namespace tl::testing
