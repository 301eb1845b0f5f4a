#include "tl/data/heat_map_overlay.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace tl {
namespace {

std::string drawable(const std::string& text) {
  std::string ascii = text;
  for (char& c : ascii) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  }
  return ascii;
}

}  // namespace

cv::Mat overlay_heat_map(const cv::Mat& rgb, const cv::Mat& map, double opacity) {
  cv::Mat resized;
  cv::resize(map, resized, rgb.size(), 0, 0, cv::INTER_LINEAR);
  cv::Mat levels;
  resized.convertTo(levels, CV_8U, 255.0);  // saturates outside [0, 1]
  cv::Mat coloured;
  cv::applyColorMap(levels, coloured, cv::COLORMAP_JET);  // BGR
  cv::cvtColor(coloured, coloured, cv::COLOR_BGR2RGB);
  cv::Mat blended;
  cv::addWeighted(rgb, 1.0 - opacity, coloured, opacity, 0.0, blended);
  return blended;
}

cv::Mat with_caption(const cv::Mat& rgb, const std::string& caption) {
  constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
  constexpr int kMargin = 4;
  const double scale = std::clamp(rgb.cols / 640.0, 0.35, 0.6);
  const auto width_of = [&](const std::string& text) {
    int baseline = 0;
    return cv::getTextSize(text, kFont, scale, 1, &baseline).width;
  };
  // Words wrapped to the image's width; a word wider than it stands on a line of its own.
  std::vector<std::string> lines{""};
  std::istringstream words(drawable(caption));
  for (std::string word; words >> word;) {
    const std::string longer = lines.back().empty() ? word : lines.back() + " " + word;
    if (lines.back().empty() || width_of(longer) <= rgb.cols - 2 * kMargin) {
      lines.back() = longer;
    } else {
      lines.push_back(word);
    }
  }
  int baseline = 0;
  const int line_height = cv::getTextSize("Ag", kFont, scale, 1, &baseline).height + baseline + 4;
  const int strip = static_cast<int>(lines.size()) * line_height + kMargin;
  cv::Mat figure(rgb.rows + strip, rgb.cols, CV_8UC3, cv::Scalar(255, 255, 255));
  rgb.copyTo(figure(cv::Rect(0, 0, rgb.cols, rgb.rows)));
  for (size_t i = 0; i < lines.size(); ++i) {
    const int bottom = rgb.rows + kMargin + static_cast<int>(i + 1) * line_height - baseline - 4;
    cv::putText(figure, lines[i], cv::Point(kMargin, bottom), kFont, scale, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  }
  return figure;
}

cv::Mat heat_map_figure(const cv::Mat& rgb, const cv::Mat& map, const std::string& caption) {
  constexpr int kGap = 4;
  cv::Mat pair(rgb.rows, rgb.cols * 2 + kGap, CV_8UC3, cv::Scalar(255, 255, 255));
  rgb.copyTo(pair(cv::Rect(0, 0, rgb.cols, rgb.rows)));
  overlay_heat_map(rgb, map).copyTo(pair(cv::Rect(rgb.cols + kGap, 0, rgb.cols, rgb.rows)));
  return with_caption(pair, caption);
}

}  // namespace tl
