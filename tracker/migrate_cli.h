// `tracker migrate` (tracker/pg/pg_migrate.h): its help and its work.
// Returns the process exit status.
#pragma once

namespace tollstream {

extern const char* const kMigrateHelp;

int MigrateCommand(int argc, char** argv);

}  // namespace tollstream
