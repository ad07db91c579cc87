// Fuzz target: a deploy's content as a client sends it (data.contentType, data.content). The first
// byte picks the content type (even: application/zip, odd: application/x-lua); the rest is the
// content. Decoding must never crash, hang or allocate beyond the bounds; a refusal says why; an
// accepted package is whole (main.lua, sorted unique usable paths, within every bound), and its
// canonical encoding decodes to the same files and hashes the same.
#include <cstdint>

#include "acore/package.hpp"
#include "base/assert.hpp"

using namespace cx;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view type = (data[0] & 1) ? acore::kContentTypeLua : acore::kContentTypeZip;
  auto r = acore::decode_content(type, BytesView(data + 1, size - 1));
  if (auto* e = std::get_if<acore::CodeError>(&r)) {
    CX_ASSERT(!e->message.empty());
    return 0;
  }
  const auto& p = std::get<acore::Package>(r);
  CX_ASSERT(!p.files.empty() && p.files.size() <= acore::kPackageFilesMax);
  bool has_main = false;
  size_t total = 0;
  for (size_t i = 0; i < p.files.size(); ++i) {
    const auto& f = p.files[i];
    CX_ASSERT(!acore::lua_path_problem(f.path).has_value());
    CX_ASSERT(f.text.size() <= acore::kFileBytesMax);
    CX_ASSERT(i == 0 || p.files[i - 1].path < f.path);
    has_main |= f.path == "main.lua";
    total += f.text.size();
  }
  CX_ASSERT(has_main && total <= acore::kPackageBytesMax);
  const Bytes enc = acore::encode_package(p);
  auto back = acore::decode_package(enc);
  CX_ASSERT(back.has_value() && back->files.size() == p.files.size());
  for (size_t i = 0; i < p.files.size(); ++i)
    CX_ASSERT(back->files[i].path == p.files[i].path && back->files[i].text == p.files[i].text);
  CX_ASSERT(acore::package_hash(*back) == acore::package_hash(p));
  return 0;
}
