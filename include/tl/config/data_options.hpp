#pragma once
// Where the images come from and how they are read: the `data` section of an experiment.
#include <array>
#include <filesystem>
#include <optional>
#include <string>

#include "tl/config/preprocessing_options.hpp"

namespace tl {

// petimages: <root>/PetImages/{Cat,Dog}; oxford_pets: the official Oxford-IIIT Pet layout;
// image_folder: <root>/<class>/<image>; list: root is a list file of path,label[,split] lines
// (tl/data/label_list.hpp); shards: root names tar shards (tl/data/shard_dataset.hpp).
enum class Layout { petimages, oxford_pets, image_folder, list, shards };
inline constexpr std::array kLayouts{Layout::petimages, Layout::oxford_pets, Layout::image_folder, Layout::list,
                                     Layout::shards};
const char* name_of(Layout layout);

// What an oxford_pets sample is labelled with: its breed (37 classes) or its species (cat, dog).
enum class OxfordTarget { breed, species };
inline constexpr std::array kOxfordTargets{OxfordTarget::breed, OxfordTarget::species};
const char* name_of(OxfordTarget target);

// Fold `index` of `of` stratified folds of the images that are not test images serves as the
// validation split, the others train: K runs with index 0..K-1 cross-validate a recipe.
struct ValidationFold {
  int index = 0;
  int of = 5;
};

struct DataConfig {
  Layout layout = Layout::image_folder;
  std::filesystem::path root;
  OxfordTarget target = OxfordTarget::breed;   // oxford_pets only
  double val_fraction = 0.15;                  // carved from the training data (or the official trainval list)
  double test_fraction = 0.15;                 // layouts without an official test split only
  std::optional<ValidationFold> val_fold;      // instead of val_fraction
  std::optional<int> image_size;               // overrides the backbone's input size (square)
  std::optional<Interpolation> interpolation;  // overrides the backbone metadata's resize interpolation
  bool reduced_decode = true;                  // decode large JPEGs at reduced scale (Preprocessing::reduced_decode)
  int batch_size = 0;                          // images per backbone forward pass; 0: backbone_batch_size()
  int workers = 0;                             // decoding threads; 0 = all cores
  int prefetch = 4;                            // decoded batches allowed to wait for the consumer
  // Layout shards: epochs that read images (fine-tuning) go through the shards in a seeded order,
  // each front to back, drawing at random from a buffer of this many images; 0: any image any time.
  int shuffle_buffer = 0;
};

}  // namespace tl
