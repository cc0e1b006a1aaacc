// Audit queries: see the audit work.
