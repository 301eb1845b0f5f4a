#include "tl/run/recorded_fields.hpp"

#include "tl/base/error.hpp"

namespace tl {

RecordedFields::RecordedFields(const nlohmann::json& object, std::string file)
    : RecordedFields(object, std::move(file), "") {}

RecordedFields::RecordedFields(const nlohmann::json& object, std::string file, std::string path)
    : object_(object), file_(std::move(file)), path_(std::move(path)) {
  if (!object_.is_object()) {
    const std::string here = path_.empty() ? file_ : file_ + ": " + path_.substr(0, path_.size() - 1);
    throw Error(here + ": expected an object, found " + object_.type_name());
  }
}

int RecordedFields::format(int newest) const {
  if (!has("format")) return 1;
  const int recorded = integer("format");
  if (recorded < 1) throw Error(where("format") + ": expected a positive integer, found " + std::to_string(recorded));
  if (recorded > newest) {
    throw Error(where("format") + ": " + std::to_string(recorded) + " is newer than this tl reads (up to " +
                std::to_string(newest) + "): it was written by a newer tl");
  }
  return recorded;
}

bool RecordedFields::has(const char* name) const {
  const auto found = object_.find(name);
  return found != object_.end() && !found->is_null();
}

const nlohmann::json& RecordedFields::required(const char* name, bool (nlohmann::json::*is_type)() const noexcept,
                                               const char* expected) const {
  const auto found = object_.find(name);
  if (found == object_.end() || !((*found).*is_type)()) throw Error(where(name) + ": missing, or not " + expected);
  return *found;
}

int RecordedFields::integer(const char* name) const {
  return required(name, &nlohmann::json::is_number_integer, "an integer").get<int>();
}

long long RecordedFields::large_integer(const char* name) const {
  return required(name, &nlohmann::json::is_number_integer, "an integer").get<long long>();
}

double RecordedFields::number(const char* name) const {
  return required(name, &nlohmann::json::is_number, "a number").get<double>();
}

std::optional<double> RecordedFields::number_or_null(const char* name) const {
  if (!has(name)) return std::nullopt;
  return number(name);
}

bool RecordedFields::boolean(const char* name) const {
  return required(name, &nlohmann::json::is_boolean, "true or false").get<bool>();
}

std::string RecordedFields::text(const char* name) const {
  return required(name, &nlohmann::json::is_string, "a string").get<std::string>();
}

std::vector<std::string> RecordedFields::texts(const char* name) const {
  std::vector<std::string> values;
  for (const auto& value : array(name)) {
    if (!value.is_string()) throw Error(where(name) + ": expected a list of strings");
    values.push_back(value.get<std::string>());
  }
  return values;
}

std::vector<int> RecordedFields::integers(const char* name) const {
  std::vector<int> values;
  for (const auto& value : array(name)) {
    if (!value.is_number_integer()) throw Error(where(name) + ": expected a list of integers");
    values.push_back(value.get<int>());
  }
  return values;
}

RecordedFields RecordedFields::object(const char* name) const {
  return {required(name, &nlohmann::json::is_object, "an object"), file_, path_ + name + "."};
}

const nlohmann::json& RecordedFields::array(const char* name) const {
  return required(name, &nlohmann::json::is_array, "a list");
}

const nlohmann::json& RecordedFields::any(const char* name) const {
  const auto found = object_.find(name);
  if (found == object_.end()) throw Error(where(name) + ": missing");
  return *found;
}

RecordedFields RecordedFields::element(const char* name, size_t index) const {
  return {array(name).at(index), file_, path_ + name + "[" + std::to_string(index) + "]."};
}

}  // namespace tl
