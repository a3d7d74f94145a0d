// Serves an EventFeed as server-sent events (text/event-stream).
//
// Each event goes out as "id: <seq>", "event: <name>", "data: <json>". A
// reader that reconnects with Last-Event-ID gets only what it missed (and the
// newest state); a newcomer gets the state and the kept events. A comment
// line every 15 s keeps idle connections open through proxies. A stream
// holds one worker thread of the server while it is open, and ends when the
// client goes, the feed closes, or the server stops. At most `max_streams`
// are open at once; more get 503 (so that idle pages cannot take every
// worker of the server).
#pragma once

#include <cstddef>
#include <string>

#include "common/observe/event_feed.h"

namespace tollstream {

class HttpServer;

inline constexpr size_t kMaxEventStreams = 16;

// Adds GET `path`. `feed` outlives the server.
void ServeEvents(HttpServer& server, const std::string& path, EventFeed& feed,
                 size_t max_streams = kMaxEventStreams);

}  // namespace tollstream
