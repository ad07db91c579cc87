#include "acore/acore.hpp"

namespace cx::acore {

std::string CodeError::to_string() const {
  if (file.empty()) return message;
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ": " + message;
}

}  // namespace cx::acore
