// complexchain ks: create and read ICON V3 keystores.
#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/random.hpp"
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/rpc_client.hpp"
#include "cli/tx_builder.hpp"
#include "crypto/keystore.hpp"

namespace cx::cli {

namespace json = boost::json;

namespace {

constexpr const char* kKsUsage =
    "usage: complexchain ks <gen|show|inspect> [options]\n"
    "\n"
    "  gen      create a new key and write it as an encrypted keystore\n"
    "  show     print the address a keystore file claims (no password needed)\n"
    "  inspect  decrypt a keystore and print its address and public key\n"
    "\n"
    "Passwords come from --password-file FILE or the CX_PASSWORD environment variable.\n"
    "Run 'complexchain ks <sub> --help' for options.\n";

OptionSpec password_file_option() { return {"password-file", "FILE", "read the keystore password from FILE", ""}; }
OptionSpec password_env_option() {
  return {"password-env", "VAR", "read the password from environment variable VAR", "CX_PASSWORD"};
}

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

// Keystores are secrets even when encrypted (offline guessing): create them 0600 and never
// overwrite an existing file, which could be someone's only copy of a key.
Status write_new_private_file(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::error(path + " exists; refusing to overwrite a keystore");
    return Status::error("cannot create " + path + ": " + std::strerror(errno));
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return Status::error("cannot write " + path + ": " + std::strerror(e));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Status::error("cannot write " + path + ": " + std::strerror(errno));
  return Status::ok();
}

int ks_gen(const Argv& argv) {
  Args args("complexchain ks gen [options]",
            "Generate a new secp256k1 key and write it as a V3 keystore (ICON format). Prints the address.",
            {{"out", "FILE", "keystore file to create (default: ./<address>.json)", ""},
             {"kdf", "NAME", "key derivation: scrypt or pbkdf2", "scrypt"},
             password_file_option(),
             password_env_option(),
             {"json", "", "print {\"address\",\"file\"} as JSON", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (!args.positionals().empty()) return fail("unexpected argument '" + args.positionals().front() + "'");
  crypto::KeystoreOptions options;
  std::string kdf = args.get_or("kdf", "scrypt");
  if (kdf == "scrypt") options.kdf = crypto::Kdf::kScrypt;
  else if (kdf == "pbkdf2") options.kdf = crypto::Kdf::kPbkdf2;
  else return fail("--kdf '" + kdf + "': expected scrypt or pbkdf2");
  std::string error;
  auto password = read_password(args, error);
  if (!password) return fail(error);
  if (password->empty()) return fail("refusing an empty keystore password");

  crypto::PrivateKey key = crypto::generate_private_key(os_random());
  auto address = crypto::Address::of_public_key(*crypto::public_key_of(key)).to_string();
  std::string path = args.get_or("out", "./" + address + ".json");
  std::string text = crypto::keystore_encrypt(key, *password, os_random(), options);
  if (Status s = write_new_private_file(path, text); !s) return fail(s.message());
  if (args.flag("json")) {
    std::printf("%s\n", pretty_json(json::object{{"address", address}, {"file", path}, {"kdf", kdf}}).c_str());
  } else {
    std::printf("address: %s\nkeystore: %s\n", address.c_str(), path.c_str());
  }
  return 0;
}

Result<json::object> read_keystore_json(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return text.status();
  boost::system::error_code ec;
  json::value v = json::parse(*text, ec);
  if (ec || !v.is_object()) return Result<json::object>::error(path + " is not a JSON keystore");
  return v.get_object();
}

int ks_show(const Argv& argv) {
  Args args("complexchain ks show FILE [--json]",
            "Print the address recorded in a keystore. Nothing is decrypted, so this proves nothing about the "
            "key; use 'ks inspect' for that.",
            {{"json", "", "print as JSON", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != 1) return fail("ks show needs exactly one keystore FILE");
  const std::string& path = args.positionals().front();
  auto ks = read_keystore_json(path);
  if (!ks) return fail(ks.message());
  const json::value* addr = ks->if_contains("address");
  if (!addr || !addr->is_string()) return fail(path + " has no \"address\"");
  std::string address(addr->get_string());
  // Some wallets store the address without the hx prefix.
  if (!address.starts_with("hx") && address.size() == 40) address = "hx" + address;
  if (!crypto::Address::parse(address)) return fail(path + ": address '" + address + "' is not an hx address");
  std::string kdf;
  if (const json::value* crypto_v = ks->if_contains("crypto"); crypto_v && crypto_v->is_object())
    if (const json::value* k = crypto_v->get_object().if_contains("kdf"); k && k->is_string()) kdf = k->get_string();
  if (args.flag("json")) {
    std::printf("%s\n", pretty_json(json::object{{"address", address}, {"file", path}, {"kdf", kdf}}).c_str());
  } else {
    std::printf("%s\n", address.c_str());
  }
  return 0;
}

int ks_inspect(const Argv& argv) {
  Args args("complexchain ks inspect FILE [options]",
            "Decrypt a keystore and print its address and public key. The private key is printed only with "
            "--show-private.",
            {password_file_option(),
             password_env_option(),
             {"show-private", "", "also print the private key (hex) — it will be on your screen and in logs", ""},
             {"json", "", "print as JSON", ""}});
  int code = 0;
  if (!args.parse(argv, code)) return code;
  if (args.positionals().size() != 1) return fail("ks inspect needs exactly one keystore FILE");
  const std::string& path = args.positionals().front();
  auto text = read_text_file(path);
  if (!text) return fail(text.message());
  std::string error;
  auto password = read_password(args, error);
  if (!password) return fail(error);
  auto decrypted = crypto::keystore_decrypt(*text, *password);
  if (!decrypted) return fail(path + ": " + decrypted.message());
  std::string address = decrypted->address.to_string();
  std::string public_key = "0x" + crypto::public_key_of(decrypted->key)->hex();
  bool show_private = args.flag("show-private");
  if (args.flag("json")) {
    json::object out{{"address", address}, {"public_key", public_key}, {"file", path}};
    if (show_private) out["private_key"] = decrypted->key.hex();
    std::printf("%s\n", pretty_json(out).c_str());
  } else {
    std::printf("address:     %s\npublic key:  %s\n", address.c_str(), public_key.c_str());
    if (show_private) std::printf("private key: %s\n", decrypted->key.hex().c_str());
  }
  return 0;
}

}  // namespace

int cmd_ks(const Argv& argv) {
  return run_subcommand("ks", kKsUsage, argv, {
      {"gen", ks_gen},
      {"show", ks_show},
      {"inspect", ks_inspect},
  });
}

}  // namespace cx::cli
