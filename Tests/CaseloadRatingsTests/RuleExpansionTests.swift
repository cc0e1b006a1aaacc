import CaseloadRatings
import Foundation
import Testing

/// Issue 15, defect 7: what a rule file may expand to is bounded, and a YAML
/// "billion laughs" is refused before anything is expanded, naming the line.
@Suite struct RuleExpansion {
    /// `levels` levels of nine aliases each: 9^levels values once expanded.
    static func laughs(levels: Int) -> String {
        var text = "name: lol\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...levels {
            let previous = "*l\(level - 1)"
            text += "l\(level): &l\(level) [\(Array(repeating: previous, count: 9).joined(separator: ", "))]\n"
        }
        return text + "score: conversion\n"
    }

    private func refusal(_ text: String) throws -> RatingRuleError {
        let error = #expect(throws: RatingRuleError.self) { try RatingRule.parse(text, format: .yaml, file: "lol.yaml") }
        return try #require(error)
    }

    @Test(arguments: [8, 10, 30])
    func aBillionLaughsIsRefusedAtOnceNamingTheFirstAnchor(_ levels: Int) throws {
        let start = ContinuousClock.now
        let error = try refusal(Self.laughs(levels: levels))
        #expect(ContinuousClock.now - start < .seconds(2))
        #expect(error.code == .invalidValue)
        #expect(error.line == 2)
        #expect(error.column == 5)
        #expect(error.message.contains("anchors (&name) and aliases (*name) are not supported"))
        #expect(error.description.hasPrefix("lol.yaml:2:5: "))
    }

    @Test(arguments: [
        ("an alias in a block sequence", "name: a\nlist:\n  - x\n  - *x\n", 4, 5),
        ("an alias as a value", "name: a\nscore: *s\n", 2, 8),
        ("an alias as a complex key", "name: a\n? *k\n: v\n", 2, 3),
        ("an alias in a flow mapping", "name: a\nm: {a: 1, b: *x}\n", 2, 14),
        ("an alias after a quoted key", "name: a\n\"k\": *x\n", 2, 6),
        ("an anchor after a tag", "name: a\nk: !!str &x v\n", 2, 10),
    ])
    func anAliasOrAnchorAnywhereANodeStartsIsRefused(_ what: String, _ text: String, _ line: Int, _ column: Int) throws {
        let error = try refusal(text)
        #expect(error.code == .invalidValue, "\(what)")
        #expect(error.line == line, "\(what)")
        #expect(error.column == column, "\(what)")
    }

    @Test func flowCollectionsNestedDeeperThan64AreRefusedBeforeComposing() throws {
        let text = "name: deep\nscore: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n"
        let error = try refusal(text)
        #expect(error.line == 2)
        #expect(error.message.contains("nest more than 64"))
    }

    @Test func starsAndAmpersandsInTextAreNotReferences() throws {
        let base = try #require(RatingRule.builtinText(named: "platform-standard"))
        var text = "# a comment with *stars* & an &ampersand\n" + base
        text = text.replacingOccurrences(of: "score: (efficiency + conversion + retention) / 3", with: "score: efficiency * 1 + conversion * 1 + retention * 0 & 1")
        // A score with `&` is a bad expression, not an anchor: the scan let it through.
        let error = #expect(throws: RatingRuleError.self) { try RatingRule.parse(text, format: .yaml) }
        #expect(error?.code == .badExpression)

        let valid = "# *not* &an anchor\n" + base
            .replacingOccurrences(of: "score: (efficiency + conversion + retention) / 3", with: "score: efficiency * 1 + conversion * 1 + retention * 1  # * & *\n")
            .replacingOccurrences(of: "description: >-\n", with: "description: >-\n  *quoted* & plain\n  * a line that starts with a star\n")
        #expect(try RatingRule.parse(valid, format: .yaml).name == "platform-standard")
        let quoted = base.replacingOccurrences(
            of: "name: platform-standard", with: "name: platform-standard\nsource2: 'it''s *x* & &y'\nsource3: \"*z \\\" &w\"")
        let quotedError = #expect(throws: RatingRuleError.self) { try RatingRule.parse(quoted, format: .yaml) }
        #expect(quotedError?.code == .unknownKey, "the quoted stars pass the scan; the unknown key is what stops it")
        #expect(quotedError?.line == 2)
    }

    /// A minimal rule whose description is a plain scalar over several lines.
    static func continued(_ lines: [String], prefix: String = "") -> String {
        """
        name: continued
        \(prefix)description: ranks by return rate
        \(lines.map { "  " + $0 }.joined(separator: "\n"))
        metrics:
          returnRate:
            statistic: returnRate
            windowDays: 180
        score: returnRate
        minimumSample:
          metric: returnRate
          atLeast: 5

        """
    }

    @Test func aStarOrAmpersandOpeningAContinuationLineIsText() throws {
        let rule = try RatingRule.parse(Self.continued(["& more, *weighted*", "*and* &c"]), format: .yaml)
        #expect(rule.description == "ranks by return rate & more, *weighted* *and* &c")
    }

    /// In `- key: value` the mapping begins at `key`'s column: a line
    /// indented to it is the mapping's next key, not a continuation, so an
    /// alias there is refused.
    @Test func anAliasKeyIndentedToAMappingInASequenceIsRefused() throws {
        let text = "name: a\nlist:\n  - key: value\n    ? *k\n    : v\n"
        let error = try refusal(text)
        #expect(error.line == 4)
        #expect(error.column == 7)
    }

    @Test func aCommentEndsAPlainScalar() throws {
        let text = "name: a\nk: value # note\n  *x\n"
        let error = try refusal(text)
        #expect(error.line == 3)
    }

    @Test func windowsLineBreaksCountAsOne() throws {
        let text = "name: a\r\ndescription: |\r\n  text\r\n\r\n  more\r\nk: *x\r\n"
        let error = try refusal(text)
        #expect(error.line == 6)
        #expect(error.column == 4)
    }

    /// libyaml also breaks lines at NEL, LS and PS, and a node may follow a
    /// document marker on its line: references there are refused too.
    @Test(arguments: [
        ("name: a\u{85}k: *x\n", 2, 4),
        ("name: a\u{2028}k: &x [1]\n", 2, 4),
        ("--- {&a [x, x]: 1, &b [*a, *a]: 2}\n", 1, 6),
        ("name: \"a\\\nb\"\nk: *x\n", 3, 4),
        ("name: a\n\u{FEFF}{&a x: 1}\n", 2, 3),  // libyaml skips a byte-order mark where a line starts
    ])
    func referencesAfterUnusualBreaksOrADocumentMarkerAreRefused(_ text: String, _ line: Int, _ column: Int) throws {
        let error = try refusal(text)
        #expect(error.line == line)
        #expect(error.column == column)
    }

    @Test func everyBuiltInRulePassesTheScan() {
        for name in RatingRule.builtinNames {
            #expect(RatingRule.builtin(named: name) != nil, "\(name)")
        }
    }

    @Test(arguments: [RuleFormat.json, .toml, .yaml])
    func aRuleTextOverOneMebibyteIsRefusedInEveryFormat(_ format: RuleFormat) {
        let text = "# " + String(repeating: "x", count: 1 << 20) + "\n"
        let error = #expect(throws: RatingRuleError.self) { try RatingRule.parse(text, format: format) }
        #expect(error?.message.contains("more than 1048576") == true)
    }
}
