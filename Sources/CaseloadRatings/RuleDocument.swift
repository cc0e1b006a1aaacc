import CaseloadCoding
import TOMLKit
import Yams

/// The text format of a rule file.
public enum RuleFormat: String, Sendable, Hashable, CaseIterable {
    case json, toml, yaml

    /// The format an extension names (`json`, `toml`, `yaml`, `yml`; any case), if any.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "json": self = .json
        case "toml": self = .toml
        case "yaml", "yml": self = .yaml
        default: return nil
        }
    }

    /// The format of a path by its extension, if it has a known one.
    public init?(path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        self.init(pathExtension: String(name[name.index(after: dot)...]))
    }

    /// Guesses the format from the text's first significant line: `{` is
    /// JSON; `[table]` or `key = value` is TOML; `---` or `key:` is YAML.
    /// Nil when the line looks like none of them.
    public static func sniff(_ text: String) -> RuleFormat? {
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            var line = Substring(rawLine)
            if line.first == "\u{FEFF}" { line = line.dropFirst() }
            line = line.drop { $0 == " " || $0 == "\t" }
            guard let first = line.first, first != "#" else { continue }
            if first == "{" { return .json }
            if first == "[" { return line.hasPrefix("[[") || line.contains("]") && !line.contains(",") ? .toml : .yaml }
            if line.hasPrefix("---") || line.hasPrefix("- ") { return .yaml }
            // The first of '=' and ':' outside quotes decides `key = value` against `key: value`.
            var quote: Character?
            for character in line {
                if let open = quote {
                    if character == open { quote = nil }
                    continue
                }
                switch character {
                case "\"", "'": quote = character
                case "=": return .toml
                case ":": return .yaml
                default: continue
                }
            }
            return nil
        }
        return nil
    }
}

/// A 1-based line and (when known) column, in Unicode scalars.
struct SourcePosition: Hashable, Sendable {
    var line: Int
    var column: Int?
}

/// A rule file's content, format-neutral, with the position of every key and
/// value so that errors can name the line.
struct RuleNode {
    enum Kind {
        case string(String)
        case integer(Int)
        case number(Double)
        case bool(Bool)
        case null
        case array([RuleNode])
        case table([RuleMember])
        /// A value the rule format never uses (a TOML date, a YAML binary), described.
        case unsupported(String)
    }

    var kind: Kind
    var position: SourcePosition?

    /// "a string", "an integer", ... for messages.
    var typeDescription: String {
        switch kind {
        case .string: "a string"
        case .integer: "an integer"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .array: "a list"
        case .table: "a table"
        case .unsupported(let what): what
        }
    }
}

struct RuleMember {
    var key: String
    var keyPosition: SourcePosition?
    var value: RuleNode
}

/// Reads rule text of each format into a `RuleNode` tree.
///
/// What a rule may expand to is bounded in every format: the text is at most
/// ``maximumBytes``; JSON and TOML have no references, so their trees are no
/// larger than the text (and JSON nests at most 64 deep); YAML's anchors and
/// aliases, which let a few lines stand for billions of values ("billion
/// laughs"), are refused by a scan of the text *before* Yams composes it,
/// flow collections nest at most ``maximumYAMLFlowDepth`` deep, and the tree
/// holds at most ``maximumNodes`` values.
enum RuleDocumentReader {
    /// The largest rule text read: a rule is a few dozen lines.
    static let maximumBytes = 1 << 20
    /// The most values (tables, arrays, scalars) a rule's tree may hold.
    static let maximumNodes = 100_000
    /// The deepest YAML flow collection (`[[[…]]]`) read; Yams composes recursively.
    static let maximumYAMLFlowDepth = 64

    static func read(_ text: String, format: RuleFormat, file: String?) throws -> RuleNode {
        guard text.utf8.count <= maximumBytes else {
            throw RatingRuleError(
                .unreadableFile, "the rule is \(text.utf8.count) bytes, more than \(maximumBytes) (1 MiB); a rule is a few lines",
                file: file)
        }
        let root: RuleNode
        switch format {
        case .json: root = try readJSON(text, file: file)
        case .yaml: root = try readYAML(text, file: file)
        case .toml: root = try readTOML(text, file: file)
        }
        guard case .table = root.kind else {
            throw RatingRuleError(
                .wrongType, "a rule must be a table (an object) of keys, found \(root.typeDescription)",
                file: file, line: root.position?.line, column: root.position?.column)
        }
        return root
    }

    // MARK: JSON

    static func readJSON(_ text: String, file: String?) throws -> RuleNode {
        let bytes = Array(text.utf8)
        let lines = ByteLines(bytes)
        do {
            return try JSONScanner.withScanner(bytes) { scanner in
                let node = try jsonValue(&scanner, bytes: bytes, lines: lines, file: file, depth: 0)
                try scanner.finish()
                return node
            }
        } catch let error as JSONError {
            let position = lines.position(ofByte: error.offset)
            throw RatingRuleError(
                .syntax, "not valid JSON: \(error.message)", file: file, line: position.line, column: position.column,
                underlying: error)
        }
    }

    private static func jsonValue(
        _ scanner: inout JSONScanner, bytes: [UInt8], lines: ByteLines, file: String?, depth: Int
    ) throws -> RuleNode {
        let kind = try scanner.peekKind()
        let position = lines.position(ofByte: scanner.offset)
        guard depth < 64 else { throw scanner.invalid("nesting too deep") }
        switch kind {
        case .object:
            var container = try scanner.beginObject()
            var members: [RuleMember] = []
            while true {
                let before = scanner.offset
                guard let key = try scanner.nextKey(&container) else { break }
                let keyPosition = lines.position(ofByte: keyStart(in: bytes, after: before))
                if members.contains(where: { $0.key == key }) {
                    throw RatingRuleError(
                        .duplicateKey, "duplicate key '\(key)'", file: file, line: keyPosition.line, column: keyPosition.column)
                }
                let value = try jsonValue(&scanner, bytes: bytes, lines: lines, file: file, depth: depth + 1)
                members.append(RuleMember(key: key, keyPosition: keyPosition, value: value))
            }
            return RuleNode(kind: .table(members), position: position)
        case .array:
            var container = try scanner.beginArray()
            var elements: [RuleNode] = []
            while try scanner.nextElement(&container) {
                elements.append(try jsonValue(&scanner, bytes: bytes, lines: lines, file: file, depth: depth + 1))
            }
            return RuleNode(kind: .array(elements), position: position)
        case .string:
            return RuleNode(kind: .string(try scanner.readString()), position: position)
        case .number:
            let text = String(decoding: try scanner.captureValue(), as: UTF8.self)
            if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let integer = Int(text) {
                return RuleNode(kind: .integer(integer), position: position)
            }
            return RuleNode(kind: .number(Double(text) ?? .nan), position: position)
        case .bool:
            return RuleNode(kind: .bool(try scanner.readBool()), position: position)
        case .null:
            _ = try scanner.readNull()
            return RuleNode(kind: .null, position: position)
        }
    }

    /// The offset of a key's opening quote, given the offset before the
    /// whitespace and comma that precede it.
    private static func keyStart(in bytes: [UInt8], after offset: Int) -> Int {
        var index = offset
        func skipSpace() {
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
        }
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: ",") { index += 1 }
        skipSpace()
        return index
    }

    // MARK: YAML

    static func readYAML(_ text: String, file: String?) throws -> RuleNode {
        if let found = YAMLReferenceScan.scan(text, maximumFlowDepth: maximumYAMLFlowDepth) {
            let message = switch found.kind {
            case .anchor:
                "YAML anchors (&name) and aliases (*name) are not supported in rule files: write the value out"
            case .alias:
                "YAML aliases (*name) are not supported in rule files: write the value out"
            case .tooDeep:
                "YAML flow collections nest more than \(maximumYAMLFlowDepth) deep here; a rule nests a few levels"
            }
            throw RatingRuleError(.invalidValue, message, file: file, line: found.line, column: found.column)
        }
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw yamlSyntaxError(error, file: file)
        }
        guard let composed else {
            throw RatingRuleError(.syntax, "the file holds no YAML document (it is empty)", file: file)
        }
        var budget = maximumNodes
        return try yamlNode(composed, file: file, budget: &budget)
    }

    private static func yamlSyntaxError(_ error: YamlError, file: String?) -> RatingRuleError {
        func context(_ context: YamlError.Context?) -> String {
            guard let context else { return "" }
            return " (\(context.text) at line \(context.mark.line))"
        }
        switch error {
        case .scanner(let ctx, let problem, let mark, _), .parser(let ctx, let problem, let mark, _),
             .composer(let ctx, let problem, let mark, _):
            return RatingRuleError(
                .syntax, "not valid YAML: \(problem)\(context(ctx))", file: file, line: mark.line, column: mark.column,
                underlying: error)
        case .duplicatedKeysInMapping(let duplicates, let ctx):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return RatingRuleError(
                .duplicateKey, "duplicate key \(keys) in the mapping that starts here", file: file,
                line: ctx.mark.line, column: ctx.mark.column, underlying: error)
        default:
            return RatingRuleError(.syntax, "not valid YAML: \(error)", file: file, underlying: error)
        }
    }

    private static func yamlNode(_ node: Node, file: String?, budget: inout Int) throws -> RuleNode {
        let position = node.mark.map { SourcePosition(line: $0.line, column: $0.column) }
        // The scan refuses aliases, so the tree is no larger than the text;
        // this bounds it whatever reached here.
        budget -= 1
        guard budget >= 0 else {
            throw RatingRuleError(
                .invalidValue, "the rule holds more than \(maximumNodes) values; a rule holds a few dozen", file: file,
                line: position?.line, column: position?.column)
        }
        switch node {
        case .scalar(let scalar):
            let kind: RuleNode.Kind
            switch node.tag.rawValue {
            case Tag.Name.str.rawValue: kind = .string(scalar.string)
            case Tag.Name.int.rawValue: kind = node.int.map(RuleNode.Kind.integer) ?? node.float.map(RuleNode.Kind.number) ?? .string(scalar.string)
            case Tag.Name.float.rawValue: kind = node.float.map(RuleNode.Kind.number) ?? .string(scalar.string)
            case Tag.Name.bool.rawValue: kind = node.bool.map(RuleNode.Kind.bool) ?? .string(scalar.string)
            case Tag.Name.null.rawValue: kind = .null
            default: kind = .unsupported("a YAML value tagged \(node.tag.rawValue)")
            }
            return RuleNode(kind: kind, position: position)
        case .mapping(let mapping):
            var members: [RuleMember] = []
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw RatingRuleError(
                        .wrongType, "a key must be plain text, not a list or a table", file: file,
                        line: key.mark?.line, column: key.mark?.column)
                }
                let keyPosition = key.mark.map { SourcePosition(line: $0.line, column: $0.column) }
                members.append(RuleMember(
                    key: keyScalar.string, keyPosition: keyPosition, value: try yamlNode(value, file: file, budget: &budget)))
            }
            return RuleNode(kind: .table(members), position: position)
        case .sequence(let sequence):
            var elements: [RuleNode] = []
            for element in sequence { elements.append(try yamlNode(element, file: file, budget: &budget)) }
            return RuleNode(kind: .array(elements), position: position)
        case .alias:
            throw RatingRuleError(
                .invalidValue, "YAML aliases (*name) are not supported in rule files: write the value out", file: file,
                line: position?.line, column: position?.column)
        }
    }

    // MARK: TOML

    static func readTOML(_ text: String, file: String?) throws -> RuleNode {
        // toml++ asserts (aborting the process in a debug build) on some raw
        // control characters, e.g. `[\u{0C}]`; TOML allows none of them
        // anywhere (only tab, LF and CRLF), so none reaches it.
        if let found = forbiddenTOMLControl(text) {
            let hex = String(found.byte, radix: 16, uppercase: true)
            throw RatingRuleError(
                .syntax,
                "not valid TOML: the control character U+\(String(repeating: "0", count: 4 - hex.count) + hex) is not allowed (only tab and line ends are; write others escaped, inside a string)",
                file: file, line: found.line, column: found.column)
        }
        // toml++ also asserts when a table header's first key character is
        // neither a bare-key character nor a quote (`[ф]`, `[€]`, `[` at the
        // end of a line): refuse those headers first.
        if let found = unreadableTOMLHeader(text) {
            throw RatingRuleError(
                .syntax,
                "not valid TOML: a table header's key starts with '\(found.character)'; a bare key is A–Z, a–z, 0–9, '_' and '-', anything else is quoted (\"…\")",
                file: file, line: found.line, column: found.column)
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw RatingRuleError(
                .syntax, "not valid TOML: \(error.description)", file: file, line: error.source.begin.line,
                column: error.source.begin.column)
        }
        // TOMLKit keeps no source positions: find them in the text.
        let positions = TOMLLocator.locate(text)
        return tomlNode(table, path: [], positions: positions, inherited: SourcePosition(line: 1, column: 1))
    }

    /// The first raw control character TOML does not allow (any but tab, LF,
    /// and CR before LF), with its line and column (in characters), or nil.
    static func forbiddenTOMLControl(_ text: String) -> (byte: UInt8, line: Int, column: Int)? {
        let bytes = Array(text.utf8)
        var line = 1
        var column = 0
        for (index, byte) in bytes.enumerated() {
            // Continuation bytes of a multi-byte character add no column.
            if byte & 0xC0 != 0x80 { column += 1 }
            switch byte {
            case 0x0A:
                line += 1
                column = 0
            case 0x09:
                continue
            case 0x0D where index + 1 < bytes.count && bytes[index + 1] == 0x0A:
                continue
            case 0x00..<0x20, 0x7F:
                return (byte, line, column)
            default:
                continue
            }
        }
        return nil
    }

    /// The first table header (`[…]` or `[[…]]` starting a line outside any
    /// string or array) whose key starts with something other than an ASCII
    /// bare-key character, a quote or `]`, with its position; nil if none.
    static func unreadableTOMLHeader(_ text: String) -> (character: String, line: Int, column: Int)? {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        var line = 1
        var lineStart = 0
        var arrayDepth = 0
        var atLineStart = true
        func at(_ offset: Int) -> Unicode.Scalar? { index + offset < scalars.count ? scalars[index + offset] : nil }
        func newline() {
            line += 1
            lineStart = index + 1
            atLineStart = true
        }
        /// Skips a string opened by `quote` at `index`, multi-line when tripled.
        func skipString(_ quote: Unicode.Scalar) {
            let tripled = at(1) == quote && at(2) == quote
            index += tripled ? 3 : 1
            while index < scalars.count {
                let scalar = scalars[index]
                if quote == "\"" && scalar == "\\" {
                    if at(1) == "\n" { index += 1; newline() }
                    index += 2
                    continue
                }
                if scalar == quote && (!tripled || (at(1) == quote && at(2) == quote)) {
                    index += tripled ? 3 : 1
                    // A closing """ may be followed by up to two more quotes of the content.
                    while tripled, index < scalars.count, scalars[index] == quote { index += 1 }
                    return
                }
                if scalar == "\n" {
                    if !tripled { return }  // an unclosed one-line string: toml++ reports it
                    newline()
                }
                index += 1
            }
        }
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case " ", "\t", "\r":
                index += 1
                continue
            case "\n":
                newline()
                index += 1
                continue
            case "#":
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
                continue
            case "\"", "'":
                atLineStart = false
                skipString(scalar)
                continue
            case "[" where atLineStart && arrayDepth == 0:
                var key = index + 1
                if key < scalars.count, scalars[key] == "[" { key += 1 }
                while key < scalars.count, scalars[key] == " " || scalars[key] == "\t" { key += 1 }
                let first = key < scalars.count ? scalars[key] : "\n"
                let readable = first.isASCII && (first.properties.isAlphabetic || ("0"..."9").contains(first)
                    || "_-\"']".unicodeScalars.contains(first))
                guard readable else {
                    let shown = first == "\n" ? "the end of the line" : String(first)
                    return (shown, line, key - lineStart + 1)
                }
                // The rest of a header line holds no array or multi-line string.
                while index < scalars.count, scalars[index] != "\n" {
                    if scalars[index] == "\"" || scalars[index] == "'" { skipString(scalars[index]) } else { index += 1 }
                }
                continue
            case "[":
                arrayDepth += 1
            case "]":
                arrayDepth = max(0, arrayDepth - 1)
            default:
                break
            }
            atLineStart = false
            index += 1
        }
        return nil
    }

    private static func tomlNode(
        _ value: any TOMLValueConvertible, path: [TOMLPathComponent], positions: [[TOMLPathComponent]: TOMLLocator.Located],
        inherited: SourcePosition
    ) -> RuleNode {
        let position = positions[path]?.value ?? inherited
        switch value.type {
        case .table:
            guard let table = value.table else { return RuleNode(kind: .unsupported("a TOML table"), position: position) }
            var members: [RuleMember] = []
            for (key, child) in table {
                let childPath = path + [.key(key)]
                let keyPosition = positions[childPath]?.key ?? position
                members.append(RuleMember(
                    key: key, keyPosition: keyPosition,
                    value: tomlNode(child, path: childPath, positions: positions, inherited: keyPosition)))
            }
            // toml++ orders keys by name; errors are more useful in the file's order.
            members.sort { ($0.keyPosition?.line ?? 0, $0.keyPosition?.column ?? 0, $0.key) < ($1.keyPosition?.line ?? 0, $1.keyPosition?.column ?? 0, $1.key) }
            return RuleNode(kind: .table(members), position: position)
        case .array:
            guard let array = value.array else { return RuleNode(kind: .unsupported("a TOML array"), position: position) }
            let elements = array.enumerated().map { index, element in
                tomlNode(element, path: path + [.index(index)], positions: positions, inherited: position)
            }
            return RuleNode(kind: .array(elements), position: position)
        case .string:
            return RuleNode(kind: .string(value.string ?? ""), position: position)
        case .int:
            return RuleNode(kind: value.int.map(RuleNode.Kind.integer) ?? .unsupported("an integer out of range"), position: position)
        case .double:
            return RuleNode(kind: .number(value.double ?? .nan), position: position)
        case .bool:
            return RuleNode(kind: .bool(value.bool ?? false), position: position)
        case .date, .time, .dateTime:
            return RuleNode(kind: .unsupported("a date or time"), position: position)
        }
    }
}

/// Finds, without composing the YAML, the first anchor (`&name`) or alias
/// (`*name`), or a flow collection nested too deep: what must be refused
/// before Yams expands it. A light lexer: it knows comments, quoted scalars,
/// block scalars (`|`, `>`), flow collections and where a node may start
/// (line start, after `- `, `? `, `: `, `[`, `{`, `,`, a tag); an `&` or `*`
/// elsewhere is text (`score: a * b`). When unsure it errs towards refusing.
struct YAMLReferenceScan {
    enum Kind { case anchor, alias, tooDeep }

    struct Found {
        var kind: Kind
        var line: Int
        var column: Int
    }

    static func scan(_ text: String, maximumFlowDepth: Int) -> Found? {
        let bytes = Array(text.utf8)
        var index = 0
        var line = 1
        var lineStart = 0
        var flowDepth = 0
        var nodeStart = true
        // Inside a block scalar: lines indented deeper than this are its text.
        var blockScalarParentIndent: Int?
        // A plain scalar still open at the end of a line (block context): the
        // column where that line's first node began, after any `- ` or `? `
        // (`key` in `- key: value`). Lines indented deeper continue it
        // (`description: ranks by conversion` / `  & retention`), so a `*` or
        // `&` at their start is text. YAML continues a plain scalar on lines
        // deeper than its collection's indentation, which is never deeper
        // than that column: a line taken for a continuation here is one there.
        var openPlainIndent: Int?
        var lineContentColumn: Int?

        func found(_ kind: Kind) -> Found {
            var column = 1
            for offset in lineStart..<index where bytes[offset] & 0xC0 != 0x80 { column += 1 }
            return Found(kind: kind, line: line, column: column)
        }
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        /// The length of the line break at `at`, or 0: LF, CR, CRLF, and the
        /// breaks libyaml also knows, NEL (U+0085), LS and PS (U+2028, U+2029).
        func breakLength(_ at: Int) -> Int {
            guard at < bytes.count else { return 0 }
            switch bytes[at] {
            case 0x0A: return 1
            case 0x0D: return at + 1 < bytes.count && bytes[at + 1] == 0x0A ? 2 : 1
            case 0xC2: return at + 1 < bytes.count && bytes[at + 1] == 0x85 ? 2 : 0
            case 0xE2:
                return at + 2 < bytes.count && bytes[at + 1] == 0x80 && (bytes[at + 2] == 0xA8 || bytes[at + 2] == 0xA9) ? 3 : 0
            default: return 0
            }
        }
        func isBreak(_ at: Int) -> Bool { breakLength(at) > 0 }
        func followedBySpace(_ at: Int) -> Bool { at + 1 >= bytes.count || isBlank(bytes[at + 1]) || isBreak(at + 1) }
        func newLine() {
            line += 1
            lineStart = index
        }
        func skipToEndOfLine() {
            while index < bytes.count, !isBreak(index) { index += 1 }
        }
        /// Past the line break at `index`, onto the next line.
        func consumeBreak() {
            guard index < bytes.count else { return }
            index += max(1, breakLength(index))
            newLine()
        }

        while index < bytes.count {
            // At a line's start (block context): its indentation, and whether
            // it belongs to a block scalar.
            if index == lineStart, flowDepth == 0 {
                var indent = 0
                while index + indent < bytes.count, bytes[index + indent] == 0x20 { indent += 1 }
                let rest = index + indent
                let blankLine = rest >= bytes.count || isBreak(rest)
                if let parent = blockScalarParentIndent {
                    if blankLine || indent > parent {
                        index = rest
                        skipToEndOfLine()
                        consumeBreak()
                        continue
                    }
                    blockScalarParentIndent = nil
                }
                index = rest
                if blankLine {
                    consumeBreak()
                    continue
                }
                lineContentColumn = nil
                if let open = openPlainIndent, indent > open {
                    nodeStart = false  // the open plain scalar goes on
                } else {
                    openPlainIndent = nil
                    nodeStart = true
                }
            }
            let byte = bytes[index]
            if isBreak(index) {
                consumeBreak()
                continue
            }
            if isBlank(byte) {
                index += 1
                continue
            }
            if byte == 0xEF, index + 2 < bytes.count, bytes[index + 1] == 0xBB, bytes[index + 2] == 0xBF {
                index += 3  // a byte-order mark: libyaml skips it where a line starts
                continue
            }
            if byte == UInt8(ascii: "#"), index == lineStart || isBlank(bytes[index - 1]) || nodeStart {
                openPlainIndent = nil  // a comment ends a plain scalar
                skipToEndOfLine()
                continue
            }
            let closesFlow = (byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")) && flowDepth > 0
            if nodeStart, index == lineStart, index + 3 <= bytes.count,
                bytes[index] == bytes[index + 1], bytes[index + 1] == bytes[index + 2],
                bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "."), followedBySpace(index + 2)
            {
                // `---` or `...` (a document's start or end): a node may follow on the line.
                index += 3
                continue
            }
            if nodeStart {
                let indicator = byte == UInt8(ascii: "-") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: ":")
                if indicator, followedBySpace(index) {
                    // `- `, `? `, `: `: a node still follows.
                    index += 1
                    continue
                }
                if closesFlow {
                    flowDepth -= 1
                    index += 1
                    nodeStart = false
                    continue
                }
                if lineContentColumn == nil { lineContentColumn = index - lineStart }
                switch byte {
                case UInt8(ascii: "&"): return found(.anchor)
                case UInt8(ascii: "*"): return found(.alias)
                case UInt8(ascii: "!"):
                    // A tag: a node still follows it.
                    while index < bytes.count, !isBlank(bytes[index]), !isBreak(index) { index += 1 }
                    continue
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    flowDepth += 1
                    if flowDepth > maximumFlowDepth { return found(.tooDeep) }
                    index += 1
                    continue
                case UInt8(ascii: "'"), UInt8(ascii: "\""):
                    // A quoted scalar, perhaps over several lines.
                    let quote = byte
                    index += 1
                    while index < bytes.count {
                        let inner = bytes[index]
                        if inner == UInt8(ascii: "\\"), quote == UInt8(ascii: "\""), index + 1 < bytes.count {
                            index += 1
                            if isBreak(index) { consumeBreak() } else { index += 1 }
                            continue
                        }
                        if inner == quote {
                            if quote == UInt8(ascii: "'"), index + 1 < bytes.count, bytes[index + 1] == quote {
                                index += 2
                                continue
                            }
                            index += 1
                            break
                        }
                        if isBreak(index) {
                            consumeBreak()
                        } else {
                            index += 1
                        }
                    }
                    nodeStart = false
                    continue
                case UInt8(ascii: "|") where flowDepth == 0, UInt8(ascii: ">") where flowDepth == 0:
                    // A block scalar: the lines indented deeper than the column of
                    // this line's first node are text (as for a plain scalar's
                    // continuation; in `? k: |` the mapping is at `k`'s column).
                    blockScalarParentIndent = lineContentColumn ?? 0
                    skipToEndOfLine()
                    continue
                default:
                    nodeStart = false  // a plain scalar begins
                    if flowDepth == 0 { openPlainIndent = lineContentColumn }
                    index += 1
                    continue
                }
            }
            // Inside a scalar or after one: what makes the next node start.
            if byte == UInt8(ascii: ":") {
                // `: ` (or, in a flow collection, `:` before an indicator: `{"a":*b}` too).
                if followedBySpace(index) || flowDepth > 0 {
                    nodeStart = true
                    openPlainIndent = nil  // the scalar was a key
                }
            } else if flowDepth > 0 {
                if byte == UInt8(ascii: ",") {
                    nodeStart = true
                } else if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                    flowDepth += 1
                    if flowDepth > maximumFlowDepth { return found(.tooDeep) }
                    nodeStart = true
                } else if closesFlow {
                    flowDepth -= 1
                }
            }
            index += 1
        }
        return nil
    }
}

/// Line starts of a UTF-8 text, to turn byte offsets into lines and columns.
struct ByteLines {
    private let bytes: [UInt8]
    private var starts: [Int] = [0]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        for (index, byte) in bytes.enumerated() where byte == 0x0A { starts.append(index + 1) }
    }

    func position(ofByte offset: Int) -> SourcePosition {
        let offset = min(max(offset, 0), bytes.count)
        // The last line start at or before the offset.
        var low = 0, high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        // Columns count Unicode scalars: every byte that does not continue a sequence.
        var column = 1
        for index in starts[low]..<offset where bytes[index] & 0xC0 != 0x80 { column += 1 }
        return SourcePosition(line: low + 1, column: column)
    }
}
