#include <sqlite3.h>

/// Turns off SQLite's memory statistics before the library initializes.
/// With them on (the default), every allocation SQLite makes takes a global
/// mutex; the store never reads the statistics. `sqlite3_config` is variadic,
/// which Swift cannot call, hence this shim. Returns SQLITE_MISUSE, harmlessly,
/// once the library is already initialized.
static inline int caseload_sqlite3_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
