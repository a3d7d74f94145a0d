#include "tracker/history.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/base/files.h"

namespace tollstream {
namespace {

constexpr int kFileVersion = 1;

uint64_t Grew(uint64_t now, uint64_t before) {
  return now > before ? now - before : 0;
}

json Points(const std::deque<HistoryPoint>& points, int64_t from,
            const std::optional<HistoryPoint>& last) {
  json out = json::array();
  for (const auto& p : points)
    if (p.start >= from) out.push_back(p.ToJson());
  if (last) out.push_back(last->ToJson());
  return out;
}

bool ReadPoints(const json& list, std::deque<HistoryPoint>& into, size_t most) {
  if (!list.is_array()) return false;
  for (const auto& item : list) {
    auto p = HistoryPoint::FromJson(item);
    if (!p) return false;
    into.push_back(*p);
  }
  while (into.size() > most) into.pop_front();
  return true;
}

}  // namespace

json HistoryPoint::ToJson() const {
  return {{"start", start},
          {"contracts_opened", contracts_opened},
          {"tokens_paid", tokens_paid},
          {"segments", segments},
          {"bytes", bytes},
          {"streams", streams},
          {"viewers", viewers}};
}

std::optional<HistoryPoint> HistoryPoint::FromJson(const json& j) {
  try {
    HistoryPoint p;
    p.start = j.at("start").get<int64_t>();
    p.contracts_opened = j.at("contracts_opened").get<uint64_t>();
    p.tokens_paid = j.at("tokens_paid").get<uint64_t>();
    p.segments = j.at("segments").get<uint64_t>();
    p.bytes = j.at("bytes").get<uint64_t>();
    p.streams = j.at("streams").get<uint64_t>();
    p.viewers = j.at("viewers").get<uint64_t>();
    return p;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void HistoryPoint::Add(const HistoryPoint& other) {
  contracts_opened += other.contracts_opened;
  tokens_paid += other.tokens_paid;
  segments += other.segments;
  bytes += other.bytes;
  streams = std::max(streams, other.streams);
  viewers = std::max(viewers, other.viewers);
}

History::History(int64_t step_seconds, std::string path)
    : m_step(std::max<int64_t>(step_seconds, 1)), m_path(std::move(path)) {}

Status History::Load() {
  if (m_path.empty()) return Status::Ok();
  std::error_code ec;
  if (!std::filesystem::exists(m_path, ec)) return Status::Ok();
  auto text = ReadWholeFile(m_path);
  json file = text ? json::parse(*text, nullptr, false) : json();
  std::deque<HistoryPoint> hour, day;
  std::optional<HistoryPoint> hour_now, step_now;
  auto integer = [&file](const char* name) {
    return file.is_object() && file.contains(name) && file[name].is_number_integer()
               ? file[name].get<int64_t>()
               : int64_t{-1};
  };
  bool ok = integer("version") == kFileVersion && ReadPoints(file["hour"], hour, kHourPoints) &&
            ReadPoints(file["day"], day, kDayPoints);
  if (ok) hour_now = HistoryPoint::FromJson(file["hour_now"]);
  if (ok) step_now = HistoryPoint::FromJson(file["step_now"]);
  std::optional<Totals> totals;  // null: none sampled yet
  bool totals_ok = ok && file.contains("totals");
  if (totals_ok && !file["totals"].is_null()) {
    auto read = Totals::FromJson(file["totals"]);
    totals_ok = read.ok();
    if (totals_ok) totals = *read;
  }
  if (!totals_ok || !hour_now || !step_now)
    return MakeError(ErrorCode::kInternal, m_path + " is not a history");
  if (integer("step") != m_step) {
    return MakeError(ErrorCode::kInvalidField,
                     m_path + " was kept at another step; the history starts anew");
  }
  std::lock_guard lock(m_mutex);
  m_hour = std::move(hour);
  m_day = std::move(day);
  m_hour_now = *hour_now;
  m_step_now = *step_now;
  m_last = totals;
  return Status::Ok();
}

Status History::Save() const {
  if (m_path.empty()) return Status::Ok();
  std::string text;
  {
    std::lock_guard lock(m_mutex);
    json hour = json::array(), day = json::array();
    for (const auto& p : m_hour) hour.push_back(p.ToJson());
    for (const auto& p : m_day) day.push_back(p.ToJson());
    text = json{{"version", kFileVersion},
                {"step", m_step},
                {"hour", std::move(hour)},
                {"day", std::move(day)},
                {"hour_now", m_hour_now.ToJson()},
                {"step_now", m_step_now.ToJson()},
                {"totals", m_last ? m_last->ToJson() : json(nullptr)}}
               .dump();
  }
  std::string temporary = m_path + ".new";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return MakeError(ErrorCode::kUnavailable, temporary + ": " + strerror(errno));
  const char* failed = nullptr;
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) failed = "write";
  if (!failed && ::fsync(fd) != 0) failed = "fsync";
  if (!failed && std::rename(temporary.c_str(), m_path.c_str()) != 0) failed = "rename";
  std::string why = failed ? std::string(failed) + ": " + strerror(errno) : "";
  ::close(fd);
  if (!failed) return Status::Ok();
  ::unlink(temporary.c_str());
  return MakeError(ErrorCode::kUnavailable, "cannot write " + m_path + " (" + why + ")");
}

bool History::Sample(int64_t now, const Totals& totals, uint64_t streams, uint64_t viewers) {
  std::lock_guard lock(m_mutex);
  int64_t step_start = now - now % m_step;
  int64_t hour_start = step_start - step_start % (m_step * 60);
  bool ended = false;
  if (m_step_now.start == 0) {
    m_step_now.start = step_start;
  } else if (step_start > m_step_now.start) {
    EndStep();
    m_step_now = HistoryPoint{step_start};
    ended = true;
  }
  if (m_hour_now.start != hour_start) {
    if (m_hour_now.start != 0 && m_hour_now.start < hour_start) {
      m_day.push_back(m_hour_now);
      if (m_day.size() > kDayPoints) m_day.pop_front();
    }
    if (m_hour_now.start < hour_start) m_hour_now = HistoryPoint{hour_start};
  }
  if (m_last) {
    m_step_now.contracts_opened += Grew(totals.contracts_opened, m_last->contracts_opened);
    m_step_now.tokens_paid += Grew(totals.paid + totals.charged, m_last->paid + m_last->charged);
    m_step_now.segments += Grew(totals.segments, m_last->segments);
    m_step_now.bytes += Grew(totals.bytes, m_last->bytes);
  }
  m_last = totals;
  m_step_now.streams = std::max(m_step_now.streams, streams);
  m_step_now.viewers = std::max(m_step_now.viewers, viewers);
  return ended;
}

void History::EndStep() {
  m_hour.push_back(m_step_now);
  if (m_hour.size() > kHourPoints) m_hour.pop_front();
  m_hour_now.Add(m_step_now);
}

json History::ToJson() const {
  std::lock_guard lock(m_mutex);
  int64_t latest = m_step_now.start;
  std::optional<HistoryPoint> step_now, hour_now;
  if (latest != 0) {
    step_now = m_step_now;
    hour_now = m_hour_now;
    hour_now->Add(m_step_now);
  }
  return {
      {"step", m_step},
      {"hour", Points(m_hour, latest - m_step * static_cast<int64_t>(kHourPoints), step_now)},
      {"day", Points(m_day, latest - m_step * 60 * static_cast<int64_t>(kDayPoints), hour_now)}};
}

}  // namespace tollstream
