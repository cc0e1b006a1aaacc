import CaseloadRatings
import Testing

/// What `Scripts/fuzz rule` found, kept as tests (issue 15, "every finding
/// becomes a regression test").
@Suite struct RuleFuzzFindings {
    /// Every raw control character TOML forbids (all but tab, LF and CRLF).
    static let forbidden: [UInt8] = Array(0x00...0x08) + [0x0B, 0x0C] + Array(0x0E...0x1F) + [0x7F]

    /// Found by the fuzzer: `[\u{0C}]` made toml++ fail an assertion
    /// (`parse_key`), which aborted `caseload ratings` (exit 134). The class:
    /// a raw control character where toml++ expects a key. Each is refused,
    /// with its position, before toml++ sees the text.
    @Test(arguments: forbidden)
    func aTOMLRuleWithARawControlCharacterIsRefusedWithItsPosition(byte: UInt8) throws {
        let control = String(UnicodeScalar(byte))
        for (text, line, column) in [
            ("[\(control)]\n", 1, 2),
            ("[[\(control)]]\n", 1, 3),
            ("name = \"x\"\n[metrics.\(control)a]\n", 2, 10),
            ("name = \"é\(control)\"\n", 1, 10),
            ("# a comment \(control)\n", 1, 13),
        ] {
            let error = #expect(throws: RatingRuleError.self, "\(Array(text.utf8))") {
                try RatingRule.parse(text, format: .toml)
            }
            #expect(error?.code == .syntax, "\(Array(text.utf8))")
            #expect(error?.line == line && error?.column == column, "\(Array(text.utf8)): \(String(describing: error))")
            let hex = String(byte, radix: 16, uppercase: true)
            #expect(error?.message.contains("U+" + String(repeating: "0", count: 4 - hex.count) + hex) == true)
        }
    }

    /// A lone carriage return is not a TOML line end either.
    @Test func aLoneCarriageReturnIsRefused() {
        let error = #expect(throws: RatingRuleError.self) { try RatingRule.parse("[\r]\n", format: .toml) }
        #expect(error?.line == 1 && error?.column == 2)
    }

    /// What TOML allows still reads: tabs, CRLF line ends, a control character escaped in a string.
    @Test func tabsCRLFAndEscapedControlsStillRead() throws {
        let text = "name = \"x\\u000C\"\r\ndescription\t= \"d\"\r\nscore = \"a\"\r\n[metrics.a]\r\nstatistic = \"returnRate\"\r\n"
        let rule = try RatingRule.parse(text, format: .toml)
        #expect(rule.name == "x\u{0C}")
    }

    /// Found by the fuzzer next: toml++ fails the same assertion when a table
    /// header's key starts with anything but an ASCII bare-key character or
    /// a quote (`[ф]` — a Cyrillic key, as an analyst might type it — `[€]`,
    /// `[` at the end of a line). Each is refused with its position.
    @Test(arguments: [
        ("[ф]\n", 1, 2, "ф"), ("[ ф]\n", 1, 3, "ф"), ("[\tф]\n", 1, 3, "ф"), ("  [ф]\n", 1, 4, "ф"),
        ("[[ ф]]\n", 1, 4, "ф"), ("[€]\n", 1, 2, "€"), ("[\u{FFFD}]\n", 1, 2, "\u{FFFD}"), ("[😀]\n", 1, 2, "😀"),
        ("name = \"x\"\n\n[\n", 3, 2, "the end of the line"), ("[metrics.a]\nstatistic = \"returnRate\"\n[·]\n", 3, 2, "·"),
    ])
    func aTableHeaderWhoseKeyStartsWithAnUnquotedCharacterIsRefused(text: String, line: Int, column: Int, shown: String) {
        let error = #expect(throws: RatingRuleError.self, "\(text)") { try RatingRule.parse(text, format: .toml) }
        #expect(error?.code == .syntax, "\(text)")
        #expect(error?.line == line && error?.column == column, "\(text): \(String(describing: error))")
        #expect(error?.message.contains("starts with '\(shown)'") == true, "\(String(describing: error))")
    }

    /// A `[` that starts a line but opens no table header is not judged as one.
    @Test func bracketsInStringsArraysAndCommentsAreNotHeaders() throws {
        let text = #"""
            name = "x"
            description = """
            [Черновик] a draft, with "quotes" and \" escapes
            [€ and more]"""
            source = '''
            [ф]'''
            score = "a"  # [ф] in a comment
            # [ф]
            [metrics.a]
            statistic = "returnRate"
            """#
        let rule = try RatingRule.parse(text, format: .toml)
        #expect(rule.description.hasPrefix("[Черновик]"))
        #expect(rule.source == "[ф]")
        // A quoted key reaches the rule's decoder, which names it.
        let error = #expect(throws: RatingRuleError.self) { try RatingRule.parse("[\"ф\"]\n", format: .toml) }
        #expect(error?.code == .unknownKey)
        // Arrays whose lines start with '[' are values, not headers.
        let nested = #expect(throws: RatingRuleError.self) {
            try RatingRule.parse("a = [\n  [ \"ф\" ],\n  [\n  1]\n]\n", format: .toml)
        }
        #expect(nested?.code == .unknownKey)
    }
}
