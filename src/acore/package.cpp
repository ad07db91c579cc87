#include "acore/package.hpp"

#include <algorithm>
#include <memory>

#include <zip.h>

#include "codec/binary.hpp"
#include "crypto/hash.hpp"

namespace cx::acore {

namespace {

constexpr uint8_t kPackageFormat = 1;
constexpr std::string_view kMain = "main.lua";
constexpr std::string_view kLuaSuffix = ".lua";
// Lua's own signature for a precompiled chunk ("\x1bLua"): only source is compiled on the node.
constexpr std::string_view kBytecodeSignature = "\x1bLua";

CodeError package_error(std::string file, std::string message) { return CodeError{std::move(file), 0, std::move(message)}; }

std::string kib(size_t bytes) { return std::to_string(bytes / 1024) + " KiB"; }

// What goes into an error message for a name read from the zip: printable ASCII, clipped.
std::string printable(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, kPathBytesMax)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (name.size() > kPathBytesMax) out += "...";
  return out;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) return parts;
    start = slash + 1;
  }
}

// Problems any entry may have, ignored or not: what could escape the package or fool a reader.
std::optional<std::string> entry_path_problem(std::string_view name) {
  if (name.empty()) return "an entry has an empty name";
  if (name.size() > kPathBytesMax) return "the path is longer than " + std::to_string(kPathBytesMax) + " bytes";
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return std::string("the path has a control character");
    if (c == '\\') return std::string("the path has a backslash (zip paths use '/')");
  }
  if (name.front() == '/') return std::string("absolute paths are refused");
  if (name.size() >= 2 && name[1] == ':') return std::string("paths with a drive letter are refused");
  std::string_view body = name;
  if (body.back() == '/') body.remove_suffix(1);  // a directory entry
  const auto parts = split_path(body);
  if (parts.size() > kPathDepthMax + 1) return "the path is deeper than " + std::to_string(kPathDepthMax) + " folders";
  for (auto part : parts) {
    if (part == "..") return std::string("'..' in a path is refused");
    if (part.empty() || part == ".") return std::string("the path has an empty or '.' component");
  }
  return std::nullopt;
}

bool ends_with_lua(std::string_view name) { return name.size() > kLuaSuffix.size() && name.ends_with(kLuaSuffix); }

// Entries that are not part of the package: directories, dot-files, macOS's resource forks, and
// anything that is not a Lua file.
bool is_ignored(std::string_view name) {
  if (name.back() == '/' || name.starts_with("__MACOSX/")) return true;
  for (auto part : split_path(name))
    if (part.starts_with(".")) return true;
  return !ends_with_lua(name);
}

std::optional<std::string> text_problem(std::string_view text) {
  if (text.starts_with(kBytecodeSignature)) return std::string("precompiled Lua chunks are refused; deploy the source");
  return std::nullopt;
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

// An entry's bounds, read from its header before any byte of it is inflated.
std::optional<std::string> entry_header_problem(zip_t* zip, zip_uint64_t index, const zip_stat_t& st) {
  if ((st.valid & ZIP_STAT_SIZE) == 0 || (st.valid & ZIP_STAT_COMP_SIZE) == 0) return std::string("the entry has no size");
  if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
    return std::string("encrypted entries are refused");
  if ((st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE)
    return std::string("the entry is compressed with a method other than store or deflate");
  zip_uint8_t opsys = 0;
  zip_uint32_t attributes = 0;
  if (zip_file_get_external_attributes(zip, index, 0, &opsys, &attributes) == 0 && opsys == ZIP_OPSYS_UNIX) {
    constexpr zip_uint32_t kTypeMask = 0170000, kSymlink = 0120000;
    if (((attributes >> 16) & kTypeMask) == kSymlink) return std::string("symbolic links are refused");
  }
  if (st.size > kFileBytesMax) return "the file is larger than " + kib(kFileBytesMax) + " uncompressed";
  if (st.size > kRatioCheckBytesMin && st.size / kCompressionRatioMax > st.comp_size)
    return "the entry expands more than " + std::to_string(kCompressionRatioMax) + " times (a zip bomb?)";
  return std::nullopt;
}

// Inflates one entry, reading no more than its declared size (libzip checks the CRC at the end).
std::variant<SourceFile, CodeError> read_entry(zip_t* zip, zip_uint64_t index, const std::string& name, size_t size) {
  std::unique_ptr<zip_file_t, ZipFileCloser> file(zip_fopen_index(zip, index, 0));
  if (!file) return package_error(name, "cannot open the entry: " + std::string(zip_strerror(zip)));
  std::string text(size + 1, '\0');
  size_t got = 0;
  while (got < text.size()) {
    const zip_int64_t n = zip_fread(file.get(), text.data() + got, text.size() - got);
    if (n < 0) return package_error(name, "the entry is corrupt: " + std::string(zip_file_strerror(file.get())));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got != size) return package_error(name, "the entry's size does not match its header");
  text.resize(size);
  return SourceFile{name, std::move(text)};
}

// The folder every entry sits in, when main.lua is not at the root: "" if main.lua is at the root,
// "name/" if it is under the zip's single top-level folder, nullopt if there is no usable main.lua.
std::optional<std::string> package_root(const std::vector<std::string>& all_names, const std::vector<SourceFile>& lua) {
  for (const auto& f : lua)
    if (f.path == kMain) return std::string();
  std::optional<std::string> top;
  for (const auto& name : all_names) {
    if (name.starts_with("__MACOSX/")) continue;
    const size_t slash = name.find('/');
    if (slash == std::string::npos) return std::nullopt;  // a file at the root, but not main.lua
    const std::string folder = name.substr(0, slash + 1);
    if (top && *top != folder) return std::nullopt;
    top = folder;
  }
  if (!top) return std::nullopt;
  for (const auto& f : lua)
    if (f.path == *top + std::string(kMain)) return top;
  return std::nullopt;
}

struct ZipEntries {
  std::vector<std::string> names;  // every entry, in zip order
  std::vector<SourceFile> lua;     // the .lua files, with their full names
};

std::variant<ZipEntries, CodeError> read_entries(zip_t* zip) {
  const zip_int64_t count = zip_get_num_entries(zip, 0);
  if (count < 0) return package_error("", "the zip has no readable directory");
  if (static_cast<uint64_t>(count) > kZipEntriesMax)
    return package_error("", "the zip has " + std::to_string(count) + " entries; at most " + std::to_string(kZipEntriesMax));
  ZipEntries out;
  size_t total = 0;
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip, i, ZIP_FL_ENC_RAW, &st) != 0 || !(st.valid & ZIP_STAT_NAME) || st.name == nullptr)
      return package_error("", "entry " + std::to_string(i) + " of the zip cannot be read");
    const std::string name = st.name;
    if (auto p = entry_path_problem(name)) return package_error(printable(name), *p);
    if (auto p = entry_header_problem(zip, i, st)) return package_error(printable(name), *p);
    total += st.size;
    if (total > kPackageBytesMax) return package_error("", "the zip holds more than " + kib(kPackageBytesMax) + " uncompressed");
    out.names.push_back(name);
    if (is_ignored(name)) continue;
    auto file = read_entry(zip, i, name, st.size);
    if (auto* e = std::get_if<CodeError>(&file)) return std::move(*e);
    out.lua.push_back(std::move(std::get<SourceFile>(file)));
  }
  return out;
}

// Strips the root folder, then checks every file's path and text and that the package is whole.
std::variant<Package, CodeError> make_package(ZipEntries entries) {
  auto root = package_root(entries.names, entries.lua);
  if (!root)
    return package_error(std::string(kMain), "the package has no main.lua (put it at the root of the zip, or in the zip's "
                                             "single top-level folder)");
  Package package;
  for (auto& f : entries.lua) {
    if (!f.path.starts_with(*root)) continue;  // only __MACOSX/ entries can be outside the root here
    std::string path = f.path.substr(root->size());
    if (auto p = lua_path_problem(path)) return package_error(f.path, *p);
    if (auto p = text_problem(f.text)) return package_error(path, *p);
    package.files.push_back(SourceFile{std::move(path), std::move(f.text)});
  }
  std::sort(package.files.begin(), package.files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  for (size_t i = 1; i < package.files.size(); ++i)
    if (package.files[i].path == package.files[i - 1].path)
      return package_error(package.files[i].path, "the zip holds this file twice");
  if (package.files.size() > kPackageFilesMax)
    return package_error("", "the package has " + std::to_string(package.files.size()) + " Lua files; at most " +
                                 std::to_string(kPackageFilesMax));
  return package;
}

std::variant<Package, CodeError> decode_zip(BytesView content) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(content.data(), content.size(), 0, &error);
  if (!source) {
    zip_error_fini(&error);
    return package_error("", "the content cannot be read as a zip");
  }
  ZipPtr zip(zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error));
  if (!zip) {
    // libzip refuses a zip that names one path twice before we see its entries.
    std::string why = zip_error_code_zip(&error) == ZIP_ER_EXISTS ? "it holds one path twice" : zip_error_strerror(&error);
    zip_source_free(source);
    zip_error_fini(&error);
    return package_error("", "the content is not a usable zip archive (" + why + ")");
  }
  zip_error_fini(&error);
  auto entries = read_entries(zip.get());
  if (auto* e = std::get_if<CodeError>(&entries)) return std::move(*e);
  return make_package(std::move(std::get<ZipEntries>(entries)));
}

std::variant<Package, CodeError> decode_source(BytesView content) {
  if (content.size() > kFileBytesMax) return package_error(std::string(kMain), "the source is larger than " + kib(kFileBytesMax));
  std::string text(as_string_view(content));
  if (auto p = text_problem(text)) return package_error(std::string(kMain), *p);
  Package package;
  package.files.push_back(SourceFile{std::string(kMain), std::move(text)});
  return package;
}

}  // namespace

std::optional<std::string> lua_path_problem(std::string_view path) {
  if (path.size() > kPathBytesMax) return "the path is longer than " + std::to_string(kPathBytesMax) + " bytes";
  if (!ends_with_lua(path)) return std::string("a package holds only .lua files");
  const auto parts = split_path(path.substr(0, path.size() - kLuaSuffix.size()));
  if (parts.size() > kPathDepthMax + 1) return "the path is deeper than " + std::to_string(kPathDepthMax) + " folders";
  for (auto part : parts) {
    if (part.empty()) return std::string("the path has an empty component");
    for (char c : part) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
      if (!ok) return std::string("file and folder names may use only letters, digits, '_' and '-' (they are Lua module names)");
    }
  }
  return std::nullopt;
}

std::variant<Package, CodeError> decode_content(std::string_view content_type, BytesView content) {
  if (content.size() > kContentBytesMax)
    return package_error("", "the content is " + std::to_string(content.size()) + " bytes; at most " + kib(kContentBytesMax));
  if (content_type == kContentTypeZip) return decode_zip(content);
  if (content_type == kContentTypeLua) return decode_source(content);
  return package_error("", "unknown contentType '" + printable(content_type) + "': use " + std::string(kContentTypeZip) +
                               " (a zip of Lua files) or " + std::string(kContentTypeLua) + " (one source file)");
}

Bytes encode_package(const Package& package) {
  size_t size = 8;
  for (const auto& f : package.files) size += f.path.size() + f.text.size() + 8;
  codec::Writer w(size);
  w.u8(kPackageFormat);
  w.varint(package.files.size());
  for (const auto& f : package.files) {
    w.str(f.path);
    w.str(f.text);
  }
  return w.take();
}

std::optional<Package> decode_package(BytesView encoded) {
  codec::Reader r(encoded);
  if (r.u8() != kPackageFormat) return std::nullopt;
  const uint64_t count = r.count(kPackageFilesMax);
  Package package;
  for (uint64_t i = 0; i < count && !r.failed(); ++i) {
    SourceFile f;
    f.path = r.str(kPathBytesMax);
    f.text = r.str(kFileBytesMax);
    if (!package.files.empty() && package.files.back().path >= f.path) return std::nullopt;
    package.files.push_back(std::move(f));
  }
  if (!r.finish()) return std::nullopt;
  return package;
}

Hash32 package_hash(const Package& package) { return crypto::sha3_256(encode_package(package)); }

}  // namespace cx::acore
