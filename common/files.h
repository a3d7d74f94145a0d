// Whole-file reads into a sized string (one read, no stream copies).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace tollstream {

// nullopt when the file cannot be opened or read.
std::optional<std::string> ReadWholeFile(const std::filesystem::path& path);

}  // namespace tollstream
