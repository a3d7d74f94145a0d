// The file environment of the key-value store's LevelDB (kv_store.cpp): table
// files read with pread(2) instead of memory maps, and write-ahead logs
// written into zeros laid down ahead of them (see file_env.cpp).
#pragma once

namespace leveldb {
class Env;
}  // namespace leveldb

namespace tollstream {

// The environment, one for the whole process (it lives as long as the
// process, like leveldb::Env::Default()).
leveldb::Env* FileEnv();

}  // namespace tollstream
