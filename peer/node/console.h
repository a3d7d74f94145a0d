// What a node tells its operator on standard output: one line at a time,
// each written whole even when several threads speak at once.
#pragma once

#include <functional>
#include <string>

#include "common/base/error.h"
#include "common/observe/event_feed.h"

namespace tollstream {

void Say(const std::string& line);

// A command that cannot go on: "peer: <message>" on stderr
// (CommandFailed, common/cli/command_table.h); returns the exit status for
// wrong use or a refusal, 2.
int Fail(const std::string& message);
int Fail(const Error& e);

// A node's progress lines: said on stdout and published to its page's
// `feed` as "log" events, each after `prefix`. `feed` outlives the result.
std::function<void(const std::string&)> SayAndShow(EventFeed& feed, std::string prefix = "");

}  // namespace tollstream
