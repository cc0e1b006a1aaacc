/// One step of a path into a TOML document: a key or an array index.
enum TOMLPathComponent: Hashable {
    case key(String)
    case index(Int)
}

/// Finds where each key and value of a TOML document is written.
///
/// TOMLKit (toml++ underneath) parses and validates the document but keeps no
/// source positions, so this walks the text once more, following only its
/// structure — table headers (`[a.b]`, `[[a]]`), dotted keys, inline tables
/// and arrays, strings of the four kinds, comments — and records the line and
/// column of every key path. It never throws and always terminates: the text
/// has already been validated, and a path it cannot place just falls back to
/// its parent's position.
struct TOMLLocator {
    struct Located: Equatable {
        var key: SourcePosition
        var value: SourcePosition
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1
    private var located: [[TOMLPathComponent]: Located] = [:]
    /// For each array of tables (`[[path]]`), the index of its last element.
    private var arrayTables: [[TOMLPathComponent]: Int] = [:]

    static func locate(_ text: String) -> [[TOMLPathComponent]: Located] {
        var locator = TOMLLocator(scalars: Array(text.unicodeScalars))
        locator.run()
        return locator.located
    }

    private init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

    private var here: SourcePosition { SourcePosition(line: line, column: column) }
    private var atEnd: Bool { index >= scalars.count }
    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() {
        guard index < scalars.count else { return }
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private mutating func skipSpaces() {
        while let s = peek(), s == " " || s == "\t" { advance() }
    }

    private mutating func skipComment() {
        if peek() == "#" { while let s = peek(), s != "\n" { advance() } }
    }

    /// Spaces, newlines and comments (between statements, inside arrays).
    private mutating func skipBlank() {
        while let s = peek() {
            if s == " " || s == "\t" || s == "\n" || s == "\r" {
                advance()
            } else if s == "#" {
                skipComment()
            } else {
                return
            }
        }
    }

    private mutating func skipToLineEnd() {
        while let s = peek(), s != "\n" { advance() }
    }

    private mutating func run() {
        var table: [TOMLPathComponent] = []
        while true {
            skipBlank()
            guard let first = peek() else { return }
            let start = index
            if first == "[" {
                let headerPosition = here
                let isArrayTable = peek(1) == "["
                advance()
                if isArrayTable { advance() }
                let keys = readKeyPath()
                if let (last, lastPosition) = keys.last {
                    let parent = resolve(keys.dropLast().map(\.0))
                    let path = parent + [.key(last)]
                    if isArrayTable {
                        let element = (arrayTables[path] ?? -1) + 1
                        arrayTables[path] = element
                        table = path + [.index(element)]
                        if located[path] == nil { located[path] = Located(key: lastPosition, value: headerPosition) }
                        located[table] = Located(key: headerPosition, value: headerPosition)
                    } else {
                        table = path
                        located[path] = Located(key: lastPosition, value: headerPosition)
                    }
                }
                skipToLineEnd()
            } else {
                readKeyValue(in: table)
                skipSpaces()
                skipComment()
            }
            if index == start { advance() }  // never stall on text this walker does not understand
        }
    }

    /// A header's path with the last element of every array of tables on the way.
    private func resolve(_ keys: [String]) -> [TOMLPathComponent] {
        var path: [TOMLPathComponent] = []
        for key in keys {
            path.append(.key(key))
            if let last = arrayTables[path] { path.append(.index(last)) }
        }
        return path
    }

    /// `key.path = value`, recording every dotted prefix and the value.
    private mutating func readKeyValue(in table: [TOMLPathComponent]) {
        let keys = readKeyPath()
        guard !keys.isEmpty else { return }
        skipSpaces()
        guard peek() == "=" else { return }
        advance()
        skipSpaces()
        var path = table
        for (key, position) in keys {
            path.append(.key(key))
            if located[path] == nil { located[path] = Located(key: position, value: here) }
        }
        located[path]?.key = keys.last!.1
        readValue(at: path)
    }

    private mutating func readKeyPath() -> [(String, SourcePosition)] {
        var keys: [(String, SourcePosition)] = []
        while true {
            skipSpaces()
            let position = here
            guard let first = peek() else { return keys }
            var key = ""
            if first == "\"" || first == "'" {
                key = readQuoted(first)
            } else {
                while let s = peek(), isBareKeyScalar(s) {
                    key.unicodeScalars.append(s)
                    advance()
                }
                if key.isEmpty { return keys }
            }
            keys.append((key, position))
            skipSpaces()
            guard peek() == "." else { return keys }
            advance()
        }
    }

    private func isBareKeyScalar(_ s: Unicode.Scalar) -> Bool {
        ("A"..."Z").contains(s) || ("a"..."z").contains(s) || ("0"..."9").contains(s) || s == "_" || s == "-"
    }

    /// A single-line quoted string or key (basic strings unescape `\"`, `\\`, `\n`, `\t`).
    private mutating func readQuoted(_ quote: Unicode.Scalar) -> String {
        var text = ""
        advance()
        while let s = peek(), s != "\n" {
            if s == quote {
                advance()
                return text
            }
            if quote == "\"", s == "\\", let next = peek(1) {
                advance()
                advance()
                switch next {
                case "n": text.unicodeScalars.append("\n")
                case "t": text.unicodeScalars.append("\t")
                default: text.unicodeScalars.append(next)
                }
                continue
            }
            text.unicodeScalars.append(s)
            advance()
        }
        return text
    }

    private mutating func readValue(at path: [TOMLPathComponent]) {
        guard let first = peek() else { return }
        switch first {
        case "\"", "'":
            if peek(1) == first, peek(2) == first {
                skipMultilineString(first)
            } else {
                _ = readQuoted(first)
            }
        case "[":
            advance()
            var element = 0
            while true {
                skipBlank()
                guard let s = peek() else { return }
                if s == "]" {
                    advance()
                    return
                }
                if s == "," {
                    advance()
                    continue
                }
                let elementPath = path + [.index(element)]
                located[elementPath] = Located(key: here, value: here)
                let before = index
                readValue(at: elementPath)
                if index == before { advance() }
                element += 1
            }
        case "{":
            advance()
            while true {
                skipBlank()
                guard let s = peek() else { return }
                if s == "}" {
                    advance()
                    return
                }
                if s == "," {
                    advance()
                    continue
                }
                let before = index
                readKeyValue(in: path)
                if index == before { advance() }
            }
        default:
            // A number, boolean or date: up to a delimiter.
            while let s = peek(), !(s == "," || s == "]" || s == "}" || s == "#" || s == "\n" || s == "\r") { advance() }
        }
    }

    private mutating func skipMultilineString(_ quote: Unicode.Scalar) {
        advance()
        advance()
        advance()
        while let s = peek() {
            if quote == "\"", s == "\\" {
                advance()
                advance()
                continue
            }
            if s == quote, peek(1) == quote, peek(2) == quote {
                // Up to two more quotes may belong to the content (`""""` ends with one quote inside).
                while peek(3) == quote { advance() }
                advance()
                advance()
                advance()
                return
            }
            advance()
        }
    }
}
