#include "common/http/http_message.h"

#include <algorithm>
#include <cctype>

namespace tollstream {

bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void HttpHeaders::Add(std::string name, std::string value) {
  m_fields.emplace_back(std::move(name), std::move(value));
}

void HttpHeaders::Set(const std::string& name, std::string value) {
  std::erase_if(m_fields, [&](const auto& f) { return SameName(f.first, name); });
  m_fields.emplace_back(name, std::move(value));
}

bool HttpHeaders::Has(std::string_view name) const {
  return std::any_of(m_fields.begin(), m_fields.end(),
                     [&](const auto& f) { return SameName(f.first, name); });
}

std::string HttpHeaders::Get(std::string_view name) const {
  for (const auto& [n, v] : m_fields) {
    if (SameName(n, name)) return v;
  }
  return "";
}

std::string HttpRequest::Param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

void HttpResponse::SetContent(std::string content, std::string_view content_type) {
  body = std::move(content);
  provider = nullptr;
  chunked = nullptr;
  headers.Set("Content-Type", std::string(content_type));
}

void HttpResponse::SetContentProvider(size_t size, std::string_view content_type,
                                      ContentProvider p) {
  body.clear();
  provider = std::move(p);
  provider_size = size;
  chunked = nullptr;
  headers.Set("Content-Type", std::string(content_type));
}

void HttpResponse::SetChunkedProvider(std::string_view content_type, ChunkedProvider p) {
  body.clear();
  provider = nullptr;
  chunked = std::move(p);
  headers.Set("Content-Type", std::string(content_type));
}

}  // namespace tollstream
