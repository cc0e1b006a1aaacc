public import CaseloadCoding
public import EventStore

// The JSON every front end prints or serves for the application's own
// results (the layers below write theirs: events, statistics, ratings,
// audits), so that `caseload … --json` and the HTTP service agree byte for byte.

extension LogHead {
    /// `{"position": …, "hash": "…", "recordedAt": "…" | null}`
    public func writeJSON(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("position"); writer.int(position)
        writer.key("hash"); writer.string(hash.hex)
        writer.key("recordedAt"); writer.optionalString(recordedAt?.iso8601)
        writer.endObject()
    }
}

extension LogVerification {
    /// `{"holds", "eventsChecked", "firstBadPosition", "headHash", "rulesChecked", "problems": [{position, stream, kind, message}]}`
    public func writeJSON(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("holds"); writer.bool(problems.isEmpty)
        writer.key("eventsChecked"); writer.int(chain.eventsChecked)
        writer.key("firstBadPosition"); if let bad = chain.firstBadPosition { writer.int(bad) } else { writer.null() }
        writer.key("headHash"); writer.string(chain.headHash.hex)
        writer.key("rulesChecked"); writer.bool(rulesChecked)
        writer.key("problems"); writer.beginArray()
        for problem in problems {
            writer.beginObject()
            writer.key("position"); writer.int(problem.position)
            writer.key("stream"); writer.string(problem.stream)
            writer.key("kind"); writer.string(problem.kind.rawValue)
            writer.key("message"); writer.string(problem.message)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }
}

extension AppendResult.Outcome {
    /// `appended`, or `alreadyAppended` for a retry of events already recorded.
    public var name: String { self == .appended ? "appended" : "alreadyAppended" }
}

extension AppendAcknowledgement {
    /// `{"line": …, "outcome": "appended" | "alreadyAppended", "positions": […]}`
    public func writeJSON(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("line"); writer.int(line)
        writer.key("outcome"); writer.string(outcome.name)
        writer.key("positions"); writer.beginArray()
        for position in positions { writer.int(position) }
        writer.endArray()
        writer.endObject()
    }
}

extension ClientErasure {
    /// `{"clientId", "records", "position", "alreadyErased", "compacted"}`, and
    /// while compaction is pending `compactionPending` (why) and, when given,
    /// `finishWith` (the command that finishes it).
    public func writeJSON(into writer: inout JSONWriter, finishWith: String? = nil) {
        writer.beginObject()
        writer.key("clientId"); writer.string(clientId)
        writer.key("records"); writer.int(records)
        writer.key("position"); writer.int(position)
        writer.key("alreadyErased"); writer.bool(alreadyErased)
        writer.key("compacted"); writer.bool(!compactionPending)
        if case .pending(let reason) = compaction {
            writer.key("compactionPending"); writer.string(reason)
            if let finishWith { writer.key("finishWith"); writer.string(finishWith) }
        }
        writer.endObject()
    }
}

extension LogCopy {
    /// `{"source", "target", "copiedUpTo", "targetHeadBefore", "eventsCopied", "batches",
    /// "vaultRecordsCopied", "subjectsErased", "projectionsCopied": […], "chainHolds",
    /// "eventsChecked", "firstBadPosition", "headHash", "seconds", "eventSeconds", "eventsPerSecond"}`
    public func writeJSON(into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("source"); writer.string(source)
        writer.key("target"); writer.string(target)
        writer.key("copiedUpTo"); writer.int(copiedUpTo)
        writer.key("targetHeadBefore"); writer.int(targetHeadBefore)
        writer.key("eventsCopied"); writer.int(eventsCopied)
        writer.key("batches"); writer.int(batches)
        writer.key("vaultRecordsCopied"); writer.int(vaultRecordsCopied)
        writer.key("subjectsErased"); writer.int(subjectsErased)
        writer.key("projectionsCopied"); writer.beginArray()
        for name in projectionsCopied { writer.string(name) }
        writer.endArray()
        writer.key("chainHolds"); writer.bool(verification.holds)
        writer.key("eventsChecked"); writer.int(verification.eventsChecked)
        writer.key("firstBadPosition"); if let bad = verification.firstBadPosition { writer.int(bad) } else { writer.null() }
        writer.key("headHash"); writer.string(verification.headHash.hex)
        writer.key("seconds"); writer.double(seconds)
        writer.key("eventSeconds"); writer.double(eventSeconds)
        writer.key("eventsPerSecond"); writer.double(eventsPerSecond)
        writer.endObject()
    }
}
