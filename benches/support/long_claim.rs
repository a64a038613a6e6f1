//! The 200-line claim the benchmarks validate and edit: an a9s PostgreSQL instance with every
//! a9s parameter, and labels and annotations enough to make it long.

/// An a9s PostgreSQL claim of 200 lines: every a9s parameter, and labels and annotations.
pub fn two_hundred_lines(plan: &str) -> String {
    let mut s = String::from(
        "apiVersion: anynines.com/v1\nkind: PostgresqlInstance\nmetadata:\n  name: orders\n  namespace: team-a\n  labels:\n",
    );
    for i in 0..80 {
        s.push_str(&format!(
            "    team.example.com/label-{i:02}: value-{i:02}\n"
        ));
    }
    s.push_str("  annotations:\n");
    for i in 0..80 {
        s.push_str(&format!(
            "    example.com/note-{i:02}: \"a note about the database, number {i}\"\n"
        ));
    }
    s.push_str(&format!(
        "spec:\n  service: a9s-postgresql15\n  plan: {plan}\n  compositionRef:\n    name: a9s-postgresql\n  parameters:\n"
    ));
    for p in [
        "maxConnections: 200",
        "tempFileLimit: 4096",
        "trackIoTiming: \"on\"",
        "archiveTimeout: 700",
        "statementTimeout: 3000",
        "walWriterDelay: 400",
        "maxReplicationSlots: 12",
        "maxWalSenders: 12",
        "synchronousCommit: local",
        "clientMinMessages: LOG",
        "logMinMessages: NOTICE",
        "logMinErrorStatement: WARNING",
        "logStatement: ddl",
        "logErrorVerbosity: VERBOSE",
        "walLevelLogical: true",
        "effectiveCacheSize: 4GB",
        "workMem: 4MB",
        "maintenanceWorkMem: 64MB",
        "idleInTransactionSessionTimeout: 60000",
        "dataChecksums: enabled",
    ] {
        s.push_str(&format!("    {p}\n"));
    }
    s
}
