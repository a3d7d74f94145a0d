// Files built into a program (cmake/EmbedAssets.cmake) and served over HTTP:
// the nodes' web pages and the player library, so that a node needs no
// network and no files beside its binary to show its pages.
#pragma once

#include <span>
#include <string_view>

namespace tollstream {

class HttpServer;

struct WebAsset {
  std::string_view path;  // URL path, e.g. "/" or "/hls.js"
  std::string_view content_type;
  std::string_view bytes;
};

// Adds GET routes for `assets` (which live as long as the program). Every
// answer forbids framing (the pages carry buttons that spend tokens) and
// limits scripts, media and connections to the node itself.
void ServeAssets(HttpServer& server, std::span<const WebAsset> assets);

}  // namespace tollstream
