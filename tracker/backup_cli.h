// `tracker backup` and `tracker restore` (tracker/backup.h): their help and
// their work. Each returns the process exit status.
#pragma once

namespace tollstream {

extern const char* const kBackupHelp;
extern const char* const kRestoreHelp;

int BackupCommand(int argc, char** argv);
int RestoreCommand(int argc, char** argv);

}  // namespace tollstream
