import EventStoreSQLite

/// What this build is, for `caseload --version` and bug reports.
public enum CaseloadVersion {
    /// The release this build belongs to: the one place it is written down.
    public static let release = "0.13.0-dev"
    /// The log format this build writes and reads (the SQLite file's `PRAGMA user_version`).
    public static var logFormat: Int64 { SQLiteEventStore.logFormat }
    /// The SQLite library in use, as linked.
    public static var sqlite: String { SQLiteEventStore.sqliteVersion }

    /// The three facts, one a line: the release, the log format, SQLite.
    public static var description: String {
        """
        caseload \(release)
        log format \(logFormat)
        SQLite \(sqlite)
        """
    }
}
