//===- JsonLinesDatabase.cpp - the "jsonl" database: one record per line, fsync'ed ---===//
//
// Reading: every line is parsed; a last line that is not complete JSON is a torn write of a
// killed run and is skipped with a warning; anything else that fails is an error naming the
// file and line. Writing: O_APPEND, one write(2) per record, then fsync. The only change ever
// made to existing bytes is dropping a torn last line (truncating the file to the end of the
// last complete record) before the first append, so that the new record starts a clean line.
//
//===----------------------------------------------------------------------===//
#include "autotune/TuningUtil.h"
#include "autotune/database/RecordStore.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace kiln::tune::detail {
namespace {

std::string errnoText() { return std::strerror(errno); }

bool isBlank(const std::string &line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

/// The folder holding `path` ("." for a bare file name).
std::string parentDir(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

/// The lines of `text` with their start offsets; a final segment without '\n' counts too.
std::vector<std::pair<size_t, std::string>> splitLines(const std::string &text) {
  std::vector<std::pair<size_t, std::string>> lines;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    lines.emplace_back(start, text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

class JsonLinesDatabase final : public RecordStore {
public:
  ~JsonLinesDatabase() override { closeFile(); }

  std::vector<std::string> open(const std::string &path) override;
  void append(const TuningRecord &record) override;
  std::string name() const override { return "jsonl"; }

private:
  void closeFile() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }
  void openForAppend();
  void writeAll(const std::string &bytes);

  std::string path_;
  int fd_ = -1;
  long long tornOffset_ = -1; ///< start of a torn last line to drop before appending
  bool needsNewline_ = false; ///< the file ends with a complete record but no '\n'
};

std::vector<std::string> JsonLinesDatabase::open(const std::string &path) {
  closeFile();
  records_.clear();
  path_ = path;
  tornOffset_ = -1;
  needsNewline_ = false;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0)
      throw TuneError(path + ": cannot read the tuning database: " + errnoText());
    return {}; // a new database
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();

  std::vector<std::pair<size_t, std::string>> lines = splitLines(text);
  size_t lastContent = lines.size();
  for (size_t i = 0; i < lines.size(); ++i)
    if (!isBlank(lines[i].second))
      lastContent = i;

  std::vector<std::string> warnings;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string &line = lines[i].second;
    if (isBlank(line))
      continue;
    std::string where = path + ":" + std::to_string(i + 1) + ": ";
    if (i == lastContent && !nlohmann::json::accept(line)) {
      tornOffset_ = static_cast<long long>(lines[i].first);
      warnings.push_back(where + "skipped a torn last line (" + std::to_string(line.size()) +
                         " bytes, not complete JSON: a run was probably killed while writing " +
                         "it); it is dropped at the next append");
      continue;
    }
    try {
      records_.push_back(recordFromJsonLine(line));
    } catch (const TuneError &e) {
      throw TuneError(where + "bad tuning record: " + e.what());
    }
  }
  needsNewline_ = tornOffset_ < 0 && !text.empty() && text.back() != '\n';
  return warnings;
}

void JsonLinesDatabase::openForAppend() {
  if (path_.empty())
    throw TuneError("tuning database: append before open");
  struct stat st;
  bool existed = ::stat(path_.c_str(), &st) == 0;
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw TuneError(path_ + ": cannot open the tuning database for appending: " + errnoText());
  if (!existed) { // make the new directory entry durable too
    int dir = ::open(parentDir(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  }
}

void JsonLinesDatabase::writeAll(const std::string &bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw TuneError(path_ + ": cannot append a tuning record: " + errnoText());
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd_) != 0)
    throw TuneError(path_ + ": cannot flush a tuning record to disk: " + errnoText());
}

void JsonLinesDatabase::append(const TuningRecord &record) {
  std::string line = recordToJsonLine(record) + "\n";
  if (fd_ < 0)
    openForAppend();
  if (tornOffset_ >= 0) {
    if (::ftruncate(fd_, static_cast<off_t>(tornOffset_)) != 0)
      throw TuneError(path_ + ": cannot drop the torn last line: " + errnoText());
    tornOffset_ = -1;
  }
  if (needsNewline_)
    line.insert(line.begin(), '\n');
  writeAll(line);
  needsNewline_ = false;
  records_.push_back(record);
}

} // namespace

std::unique_ptr<TuningDatabase> createJsonLinesDatabase() {
  return std::make_unique<JsonLinesDatabase>();
}

} // namespace kiln::tune::detail
