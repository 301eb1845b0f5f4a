// Benchmark (not a test): listing tar shards, tl's own header walk (tl/data/tar_reader.hpp: reads
// each 512-byte header and seeks past the data) against libarchive's (archive_read_next_header,
// then archive_read_data_skip), on the same files, the same members found. Why tl has its own:
// the shards layout needs each member's data offset to read it later with one seek, which
// libarchive's streaming reader does not give; this measures what the walk itself costs either way.
// Prints JSON: the fastest of --repeats walks over all shards, per reader, and their ratio.
//
// usage: tl-bench-tar-listing SHARD... [--repeats 5]
#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <archive.h>
#include <archive_entry.h>
#include <nlohmann/json.hpp>

#include "tl/base/processor.hpp"
#include "tl/data/tar_reader.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Listed {
  std::vector<std::pair<std::string, uint64_t>> members;  // name and size, in archive order
};

Listed with_tl(const std::string& shard) {
  Listed listed;
  for (const tl::TarMember& member : tl::list_tar_members(std::filesystem::path(shard)).members) {
    listed.members.emplace_back(member.name, member.size);
  }
  return listed;
}

Listed with_libarchive(const std::string& shard) {
  Listed listed;
  archive* reader = archive_read_new();
  archive_read_support_format_tar(reader);
  if (archive_read_open_filename(reader, shard.c_str(), 1 << 16) != ARCHIVE_OK) {
    throw std::runtime_error(shard + ": " + archive_error_string(reader));
  }
  archive_entry* entry = nullptr;
  while (archive_read_next_header(reader, &entry) == ARCHIVE_OK) {
    if (archive_entry_filetype(entry) != AE_IFDIR) {
      listed.members.emplace_back(archive_entry_pathname(entry), static_cast<uint64_t>(archive_entry_size(entry)));
    }
    archive_read_data_skip(reader);
  }
  archive_read_free(reader);
  return listed;
}

// The fastest of `repeats` walks over every shard, and what the last walk found.
double fastest_seconds(const std::vector<std::string>& shards, int repeats, Listed (*list)(const std::string&),
                       std::vector<Listed>& found) {
  double best = 1e300;
  for (int repeat = 0; repeat < repeats; ++repeat) {
    found.clear();
    const auto start = Clock::now();
    for (const auto& shard : shards) found.push_back(list(shard));
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Lists tar shards with tl's header walk and with libarchive; prints JSON.");
  std::vector<std::string> shards;
  int repeats = 5;
  app.add_option("shards", shards, "tar files")->required()->check(CLI::ExistingFile);
  app.add_option("--repeats", repeats, "walks over all shards per reader; the fastest counts")
      ->check(CLI::Range(1, 100));
  CLI11_PARSE(app, argc, argv);
  std::vector<Listed> by_tl, by_libarchive;
  const double tl_seconds = fastest_seconds(shards, repeats, with_tl, by_tl);
  const double libarchive_seconds = fastest_seconds(shards, repeats, with_libarchive, by_libarchive);
  size_t members = 0;
  for (size_t i = 0; i < shards.size(); ++i) {
    if (by_tl[i].members != by_libarchive[i].members) {
      std::cerr << shards[i] << ": the two readers list different members\n";
      return 1;
    }
    members += by_tl[i].members.size();
  }
  const nlohmann::json result = {{"processor", tl::processor_description()},
                                 {"libarchive", archive_version_details()},
                                 {"shards", shards.size()},
                                 {"members", members},
                                 {"tl_seconds", tl_seconds},
                                 {"libarchive_seconds", libarchive_seconds},
                                 {"libarchive_over_tl", libarchive_seconds / tl_seconds}};
  std::cout << result.dump(2) << "\n";
  return 0;
}
