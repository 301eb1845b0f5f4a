#pragma once
// Which tl this is, for --version and summary.json: the project version and the git commit the
// binaries were built from ("unknown" outside a git checkout, "-dirty" with uncommitted changes).

namespace tl {

const char* tl_version();
const char* tl_commit();

}  // namespace tl
