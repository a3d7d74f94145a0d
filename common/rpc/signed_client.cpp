#include "common/rpc/signed_client.h"

#include <httplib.h>

#include <chrono>
#include <optional>
#include <thread>

#include "common/base/clock.h"
#include "common/crypto/random.h"
#include "common/http/sized_body.h"
#include "common/wire/signing.h"

namespace tollstream {

struct SignedClient::Transport {
  Transport(const std::string& url, int timeout_ms) : client(url) {
    client.set_tcp_nodelay(true);
    client.set_keep_alive(true);
    auto timeout = std::chrono::milliseconds(timeout_ms);
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
  }

  // One send of `body` to `path`.
  httplib::Result Send(const std::string& path, const std::string& body, bool sized) {
    if (!sized) return client.Post(path, body, "application/json");
    httplib::Request req;
    req.method = "POST";
    req.path = path;
    req.body = body;
    req.set_header("Content-Type", "application/json");
    return SendSized(client, std::move(req));  // a payload comes whole, in one buffer
  }

  httplib::Client client;
};

// An exchange's answer (of any status).
struct SignedClient::Answered {
  httplib::Result result;
};

namespace {

// `url` without the spaces around it and the slashes a user may end it
// with ("http://host:port/").
std::string Trimmed(std::string url) {
  while (!url.empty() && (url.back() == '/' || url.back() == ' ')) url.pop_back();
  size_t first = url.find_first_not_of(' ');
  return first == std::string::npos ? "" : url.substr(first);
}

std::string Joined(const std::vector<std::string>& urls) {
  std::string out;
  for (const auto& url : urls) out += (out.empty() ? "" : ",") + url;
  return out;
}

}  // namespace

std::vector<std::string> SplitUrls(const std::string& urls) {
  std::vector<std::string> out;
  size_t from = 0;
  while (from <= urls.size()) {
    size_t comma = urls.find(',', from);
    if (comma == std::string::npos) comma = urls.size();
    std::string url = Trimmed(urls.substr(from, comma - from));
    if (!url.empty()) out.push_back(std::move(url));
    from = comma + 1;
  }
  if (out.empty()) out.push_back("");  // refused by the first send
  return out;
}

SignedClient::SignedClient(std::string url, KeyPair key, Options options)
    : m_urls(options.several_urls ? SplitUrls(url) : std::vector<std::string>{Trimmed(url)}),
      m_url(Joined(m_urls)),
      m_key(std::move(key)),
      m_options(options) {
  for (const auto& one : m_urls) {
    m_transports.push_back(std::make_unique<Transport>(one, options.timeout_ms));
  }
}

SignedClient::~SignedClient() = default;

Result<SignedClient::Answered> SignedClient::Exchange(std::string_view method,
                                                      const std::string& body, int attempts) {
  std::string path = "/v1/" + std::string(method);
  if (attempts <= 0) attempts = m_options.attempts;
  int delay_ms = m_options.retry_delay_ms;
  std::string last_failure;
  for (int round = 0; round < attempts; ++round) {
    if (round > 0 && delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      delay_ms *= 2;
    }
    // Every URL once, from the one that answered last.
    std::optional<Answered> unavailable;
    for (size_t tried = 0; tried < m_transports.size(); ++tried) {
      auto res = m_transports[m_current]->Send(path, body, m_options.sized_answers);
      if (res && (res->status != 503 || m_transports.size() == 1)) return Answered{std::move(res)};
      if (res) {
        unavailable = Answered{std::move(res)};  // applied nothing: the next may serve it
      } else {
        last_failure = m_urls[m_current] + ": " + httplib::to_string(res.error());
      }
      m_current = (m_current + 1) % m_transports.size();
    }
    if (unavailable) return std::move(*unavailable);
  }
  return MakeError(ErrorCode::kUpstream, "no answer from " + std::string(m_options.peer) + " at " +
                                             m_url + " (" + last_failure + ")");
}

json SignedClient::MakeRequest(std::string_view method, const std::optional<PublicKey>& tracker,
                               json params) const {
  return SignRequest(m_key, method, tracker, std::move(params), UnixNow() + m_clock_offset,
                     RandomHex(kNonceBytes));
}

Result<SignedClient::RawAnswer> SignedClient::Post(std::string_view method, const std::string& body,
                                                   int attempts) {
  auto answered = Exchange(method, body, attempts);
  if (!answered) return answered.error();
  auto& res = answered->result;
  RawAnswer answer{res->status, res->get_header_value("Content-Type"), std::move(res->body), {}};
  if (!m_options.answer_header.empty()) {
    answer.header = res->get_header_value(std::string(m_options.answer_header));
  }
  return answer;
}

Result<Response> SignedClient::Send(std::string_view method, const std::string& body,
                                    const std::optional<PublicKey>& signer,
                                    const std::optional<Hash256>& request) {
  auto answered = Exchange(method, body, 0);
  if (!answered) return answered.error();
  return ParseResponse(answered->result->body, signer, request);
}

Result<Response> SignedClient::Call(std::string_view method,
                                    const std::optional<PublicKey>& tracker, json params,
                                    const std::optional<PublicKey>& signer) {
  json body = MakeRequest(method, tracker, std::move(params));
  Hash256 id = DigestOf(SignedKind::kRequest, body);
  auto response = Send(method, body.dump(), signer, id);
  if (!response) return response.error();
  if (response->error) return *response->error;
  return response;
}

}  // namespace tollstream
