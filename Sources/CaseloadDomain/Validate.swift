import CaseloadCoding

/// A field value that breaks the contract, before it is given its context
/// (the decoder makes it an ``EventDecodingError``, the rules a ``DomainError``).
struct FieldProblem: Error {
    var field: String
    var reason: String
}

/// The contract's value rules (EventSchemas/README.md, Conventions).
enum Validate {
    static let maxIDLength = 128
    static let explanationLength = 1...2000
    /// A client's name as an inquiry gives it (kept in the vault, never the log).
    static let clientNameLength = 1...200
    /// How many sealed values one erasure may report destroyed.
    static let maximumRecords = 1_000_000_000

    /// Why `id` is not a valid id, or nil: ids are non-empty, at most 128
    /// characters (Unicode scalars, as JSON Schema counts) and free of control
    /// characters (C0, DEL, C1).
    static func idProblem(_ id: String) -> String? {
        let utf8 = id.utf8
        if utf8.isEmpty { return "is empty" }
        if containsControl(id) { return "contains a control character" }
        if utf8.count > maxIDLength, id.unicodeScalars.count > maxIDLength {
            return "is longer than \(maxIDLength) characters"
        }
        return nil
    }

    /// Why `id` is not a valid actor id, or nil: an id (``idProblem(_:)``)
    /// that does not start with ':' and holds no white space (the actor
    /// pattern `^(client|…):[^\s:][^\s]*$` of common.schema.json).
    static func actorIDProblem(_ id: String) -> String? {
        if let problem = idProblem(id) { return problem }
        if id.utf8.first == UInt8(ascii: ":") { return "starts with ':'" }
        // Controls are refused above, so an ASCII id without a space holds no
        // white space: look at the scalars only for a space or non-ASCII.
        if id.utf8.contains(where: { $0 == 0x20 || $0 >= 0x80 }),
            id.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0 == "\u{FEFF}" })
        {
            return "contains white space"
        }
        return nil
    }

    static func containsControl(_ text: String) -> Bool {
        // Native strings are contiguous UTF-8: scan the bytes directly (the
        // UTF8View iterator costs several times more per byte).
        if let found = text.utf8.withContiguousStorageIfAvailable(containsControl) { return found }
        return Array(text.utf8).withUnsafeBufferPointer(containsControl)
    }

    private static func containsControl(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        // Ids are nearly always printable ASCII: test eight bytes at a time for
        // any byte outside 0x20…0x7E (SWAR), and look closer only then.
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        var index = 0
        while index + 8 <= bytes.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            let below20 = (word &- ones &* 0x20) & ~word & highBits
            let above7E = ((word &+ ones &* (127 - 0x7E)) | word) & highBits
            if below20 | above7E != 0 { break }
            index += 8
        }
        var previous: UInt8 = index > 0 ? base[index - 1] : 0
        while index < bytes.count {
            let byte = base[index]
            // C0 and DEL are single bytes; C1 (U+0080–U+009F) is 0xC2 0x80…0x9F.
            if byte < 0x20 || byte == 0x7F || (previous == 0xC2 && byte <= 0x9F && byte >= 0x80) { return true }
            previous = byte
            index += 1
        }
        return false
    }

    /// A personal-data reference: `pd-` and a lowercase UUID.
    static func personalDataRef(_ value: String, _ field: String) throws(FieldProblem) {
        let hex = Set("0123456789abcdef")
        let body = Array(value.dropFirst(3))
        let dashes: Set<Int> = [8, 13, 18, 23]
        let wellFormed = value.hasPrefix("pd-") && body.count == 36
            && body.enumerated().allSatisfy { index, character in
                dashes.contains(index) ? character == "-" : hex.contains(character)
            }
        guard wellFormed else { throw FieldProblem(field: field, reason: "is not a reference of the form pd-<lowercase uuid>") }
    }

    static func id(_ value: String, _ field: String) throws(FieldProblem) {
        if let problem = idProblem(value) { throw FieldProblem(field: field, reason: "\(problem)") }
    }

    static func references(_ values: [String], _ field: String) throws(FieldProblem) {
        for (index, value) in values.enumerated() {
            if let problem = idProblem(value) { throw FieldProblem(field: "\(field)[\(index)]", reason: problem) }
        }
    }

    static func explanation(_ value: String, _ field: String = "explanation") throws(FieldProblem) {
        // Counting scalars walks the string; a UTF-8 length within the bound
        // (or empty) already settles it, and is O(1) for native strings.
        let bytes = value.utf8.count
        if bytes > 0, bytes <= explanationLength.upperBound { return }
        let length = value.unicodeScalars.count
        guard explanationLength.contains(length) else {
            throw FieldProblem(
                field: field,
                reason: length == 0 ? "is empty" : "is \(length) characters long, more than \(explanationLength.upperBound)")
        }
    }

    static func money(_ value: Money, _ field: String) throws(FieldProblem) {
        guard value.amount >= 0 else {
            throw FieldProblem(field: "\(field).amount", reason: "is negative (\(value.amount))")
        }
        guard value.amount <= Money.maximumAmount else {
            throw FieldProblem(
                field: "\(field).amount", reason: "is \(value.amount), more than \(Money.maximumAmount) minor units")
        }
        guard isCurrencyCode(value.currency) else {
            throw FieldProblem(
                field: "\(field).currency", reason: "'\(value.currency)' is not 3 upper-case letters (ISO 4217)")
        }
    }

    /// Three ASCII upper-case letters.
    static func isCurrencyCode(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == 3 else { return false }
        let isUpper = { (byte: UInt8) in byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
        return utf8.withContiguousStorageIfAvailable { $0.allSatisfy(isUpper) } ?? utf8.allSatisfy(isUpper)
    }

    /// A time in the contract's range (years 0001–9999 in UTC): the parser
    /// refuses others, this catches one made in code (a command's time).
    static func time(_ value: Timestamp, _ field: String) throws(FieldProblem) {
        guard value.isValid else {
            throw FieldProblem(field: field, reason: "\(value) is outside \(Timestamp.earliestValid)…\(Timestamp.latestValid)")
        }
    }

    /// A client's name: 1 to 200 characters (Unicode scalars), no control characters.
    static func clientName(_ value: String, _ field: String = "clientName") throws(FieldProblem) {
        let bytes = value.utf8.count
        if bytes == 0 { throw FieldProblem(field: field, reason: "is empty") }
        if bytes > clientNameLength.upperBound {
            // Counting scalars walks the string; a UTF-8 length within the bound settles it.
            let length = value.unicodeScalars.count
            if length > clientNameLength.upperBound {
                throw FieldProblem(field: field, reason: "is \(length) characters long, more than \(clientNameLength.upperBound)")
            }
        }
        if containsControl(value) { throw FieldProblem(field: field, reason: "contains a control character") }
    }

    static func noticeHours(_ value: Int, _ field: String) throws(FieldProblem) {
        guard CancellationPolicy.noticeHoursRange.contains(value) else {
            throw FieldProblem(
                field: field,
                reason: "\(value) is outside \(CancellationPolicy.noticeHoursRange.lowerBound)–\(CancellationPolicy.noticeHoursRange.upperBound) hours")
        }
    }
}
