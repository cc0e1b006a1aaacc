/// What happens next, for everything that has a next thing: a binary
/// min-heap of (time, kind, key) that merges the per-therapist and per-case
/// timelines into one log in business-time order.
///
/// Ties are broken by kind (therapist streams first, so a policy change is in
/// force for a cancellation at the same second; profile views last) and then
/// by a stable key (therapist index or case number), never by insertion
/// order: turning profile views on or off does not reorder anything else.
struct Agenda {
    enum Kind: UInt8 {
        case therapistStream = 0
        case inquiries = 1
        case caseStep = 2
        case profileViews = 3
    }

    struct Entry {
        var time: Seconds
        var kind: Kind
        var key: UInt64
        /// The therapist index, or the case's slot.
        var slot: Int32

        @inline(__always)
        static func precedes(_ a: Entry, _ b: Entry) -> Bool {
            if a.time != b.time { return a.time < b.time }
            if a.kind != b.kind { return a.kind.rawValue < b.kind.rawValue }
            return a.key < b.key
        }
    }

    private var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    mutating func reserve(_ capacity: Int) { entries.reserveCapacity(capacity) }

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Entry.precedes(entries[child], entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let last = entries.popLast() else { return nil }
        guard !entries.isEmpty else { return last }
        let top = entries[0]
        entries[0] = last
        var parent = 0
        let count = entries.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            let right = left + 1
            var best = left
            if right < count, Entry.precedes(entries[right], entries[left]) { best = right }
            guard Entry.precedes(entries[best], entries[parent]) else { break }
            entries.swapAt(best, parent)
            parent = best
        }
        return top
    }
}
