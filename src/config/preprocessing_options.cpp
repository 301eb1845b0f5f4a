#include "tl/config/preprocessing_options.hpp"

#include <algorithm>
#include <sstream>

#include "tl/base/error.hpp"

namespace tl {

Interpolation parse_interpolation(const std::string& name) {
  if (name == "linear") return Interpolation::linear;
  if (name == "area") return Interpolation::area;
  if (name == "cubic") return Interpolation::cubic;
  if (name == "antialias") return Interpolation::antialias;
  throw Error("interpolation: expected one of linear|area|cubic|antialias, got \"" + name + "\"");
}

std::string interpolation_name(Interpolation interpolation) {
  switch (interpolation) {
    case Interpolation::linear: return "linear";
    case Interpolation::area: return "area";
    case Interpolation::cubic: return "cubic";
    case Interpolation::antialias: return "antialias";
  }
  return "linear";
}

std::string Preprocessing::describe() const {
  std::ostringstream text;
  text.precision(9);
  text << "size=" << height << "x" << width << " shorter=" << resize_shorter
       << " interpolation=" << interpolation_name(interpolation) << " mean=" << mean[0] << "," << mean[1] << ","
       << mean[2] << " std=" << std[0] << "," << std[1] << "," << std[2]
       << " order=" << (channel_order == ChannelOrder::rgb ? "rgb" : "bgr")
       << " reduced_decode=" << (reduced_decode ? "on" : "off");
  if (mirrored) text << " mirrored";
  return text.str();
}

int Preprocessing::decode_shorter_side() const {
  return reduced_decode ? std::max({resize_shorter, height, width}) : 0;
}

}  // namespace tl
