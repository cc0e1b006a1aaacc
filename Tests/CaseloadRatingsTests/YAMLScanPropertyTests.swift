import CaseloadCoding
@testable import CaseloadRatings
// Yams is CaseloadRatings' dependency; the test asks it directly what
// libyaml makes of a text (Package.swift, not this worktree's to edit, does
// not name it for the test target).
import Yams
import Testing

/// The scan that refuses YAML anchors and aliases before Yams composes a
/// rule must find every one libyaml finds: for texts pieced together from
/// YAML's indicators, whenever Yams composes a document holding an anchor or
/// an alias, the scan has reported one (issue 15, defect 7). The reverse may
/// fail (the scan errs towards refusing), and does for a few odd texts.
@Suite struct YAMLScanAgreesWithLibyaml {
    static let fragments = [
        "&a ", "*a", "&b ", "*b", "- ", "? ", ": ", ":", "[", "]", "{", "}", ", ", ",", "\"q *a\"", "'s &a'", " # c *a\n",
        "|\n", ">-\n", "\n", "\n  ", "\n    ", "\n- ", "key", "w", " ", "---", "--- ", "\t", "\u{85}", "\u{2028}", "!!str ",
        "!t ", "*", "&", "\"", "'", "\\", "...", "\r\n", "-", "?", "x: ", "  y: ", "k", "1", "- k: ", "  - ", "|2\n",
        "  ? ", "#", " #", "&a[", "*a]", "{&a x: 1}", "\u{FEFF}", "\r",
    ]

    /// Whether the composed tree holds an anchor (an alias resolves to an anchored node).
    func holdsAnchor(_ node: Node) -> Bool {
        switch node {
        case .scalar(let scalar): scalar.anchor != nil
        case .mapping(let mapping): mapping.anchor != nil || mapping.contains { holdsAnchor($0.key) || holdsAnchor($0.value) }
        case .sequence(let sequence): sequence.anchor != nil || sequence.contains { holdsAnchor($0) }
        case .alias: true
        }
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func everyAnchorLibyamlFindsTheScanFindsFirst(_ seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var withAnchors = 0
        for _ in 0..<10_000 {
            var text = "a: b\n"
            for _ in 0..<Int.random(in: 1...14, using: &random) { text += Self.fragments.randomElement(using: &random)! }
            let scan = YAMLReferenceScan.scan(text, maximumFlowDepth: 64)
            // The parser holds the anchors (nodes refer to them weakly): keep it while looking.
            let parser = try? Parser(yaml: text)
            guard let parser, let node = try? parser.singleRoot(), holdsAnchor(node) else { continue }
            withAnchors += 1
            #expect(scan != nil, "the scan missed a reference libyaml reads in \(text.debugDescription)")
        }
        #expect(withAnchors > 20, "the texts exercise anchors (some 35 in 10,000)")
    }
}
