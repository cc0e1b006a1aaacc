import CaseloadStatistics
import Foundation

extension RatingRule {
    /// Reads a rule from text in `format`; when nil, the format comes from
    /// `file`'s extension, else from the text (``RuleFormat/sniff(_:)``).
    ///
    /// `file` only names the rule in errors. Every error is a
    /// ``RatingRuleError`` naming the line (and column when known) and the problem.
    public static func parse(_ text: String, format: RuleFormat? = nil, file: String? = nil) throws -> RatingRule {
        guard let format = format ?? file.flatMap({ RuleFormat(path: $0) }) ?? RuleFormat.sniff(text) else {
            throw RatingRuleError(
                .unknownFormat,
                "cannot tell whether the rule is JSON, TOML or YAML: name the file .json, .toml or .yaml",
                file: file)
        }
        let root = try RuleDocumentReader.read(text, format: format, file: file)
        var decoder = RuleDecoder(file: file, text: text)
        return try decoder.rule(root)
    }

    /// Reads the rule file at `path` (format by extension, else by content).
    public static func load(path: String) throws -> RatingRule {
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? Int, size > 1 << 20 {
                throw RatingRuleError(.unreadableFile, "'\(path)' is larger than 1 MiB; a rule file is a few lines", file: path)
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as RatingRuleError {
            throw error
        } catch {
            throw RatingRuleError(.unreadableFile, "cannot read '\(path)': \(error.localizedDescription)", file: path)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RatingRuleError(.unreadableFile, "'\(path)' is not UTF-8 text", file: path)
        }
        return try parse(text, file: path)
    }

    /// A built-in rule by name, or else the rule file at that path: what
    /// `--rules NAME|FILE` means. A name with a `/` or a rule-file extension
    /// is always a path.
    public static func resolve(_ nameOrPath: String) throws -> RatingRule {
        let looksLikePath = nameOrPath.contains("/") || RuleFormat(path: nameOrPath) != nil
        if !looksLikePath, let rule = builtin(named: nameOrPath) { return rule }
        if looksLikePath || FileManager.default.fileExists(atPath: nameOrPath) { return try load(path: nameOrPath) }
        var message = "no built-in rule or file named '\(nameOrPath)'"
        if let suggestion = closestName(to: nameOrPath, among: builtinNames) { message += "; did you mean '\(suggestion)'?" }
        message += " (built-in rules: \(builtinNames.joined(separator: ", ")))"
        throw RatingRuleError(.unknownRule, message)
    }
}

/// Statistics a `wilsonLower` metric may use: rates whose numerator counts a
/// subset of their denominator.

/// Turns a `RuleNode` tree into a `RatingRule`, checking every key, type and
/// name, and reporting the first problem in the file's order.
struct RuleDecoder {
    let file: String?
    private let lines: [Substring]

    init(file: String?, text: String) {
        self.file = file
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    static let ruleKeys = [
        "$schema", "name", "description", "source", "honourExclusions", "honourRefusals", "metrics", "score",
        "minimumSample", "tiers", "basement",
    ]
    static let metricKeys = ["statistic", "windowDays", "estimator", "z", "priorWeight", "relativeToPlatform"]
    static let sampleKeys = ["metric", "statistic", "windowDays", "atLeast"]
    static let tierKeys = ["name", "minScore", "topPercent"]
    static let basementKeys = ["bottomPercent", "belowScore"]
    static let estimatorNames = ["value", "wilsonLower", "shrunk"]
    static let reservedNames: Set<String> = ["platform", "min", "max"]

    mutating func rule(_ root: RuleNode) throws -> RatingRule {
        let table = try self.table(root, path: "", keys: Self.ruleKeys)
        let name = try table.string("name", required: true)!
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", options: .regularExpression) != nil else {
            throw table.error(
                .invalidValue, "name '\(name)' must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit",
                at: "name")
        }
        let description = try table.string("description") ?? ""
        let source = try table.string("source") ?? ""
        let honourExclusions = try table.bool("honourExclusions") ?? true
        let honourRefusals = try table.bool("honourRefusals") ?? true

        guard let metricsMember = table.member("metrics") else { throw table.missing("metrics") }
        let metricsTable = try self.table(metricsMember.value, path: "metrics", keys: nil)
        guard !metricsTable.members.isEmpty else {
            throw metricsTable.error(.invalidValue, "metrics is empty: define at least one metric for the score", at: nil)
        }
        var metrics: [RatingMetric] = []
        for member in metricsTable.members {
            metrics.append(try metric(member, in: metricsTable))
        }
        let metricNames = Set(metrics.map(\.name))

        guard let scoreMember = table.member("score") else { throw table.missing("score") }
        let score = try self.score(scoreMember, metricNames: metricNames, in: table)

        var samples: [MinimumSample] = []
        if let sampleMember = table.member("minimumSample") {
            if case .array(let elements) = sampleMember.value.kind {
                for (index, element) in elements.enumerated() {
                    samples.append(try sample(element, path: "minimumSample[\(index)]", metricNames: metricNames))
                }
            } else {
                samples.append(try sample(sampleMember.value, path: "minimumSample", metricNames: metricNames))
            }
        }

        var tiers: [RatingTier] = []
        if let tiersMember = table.member("tiers") {
            guard case .array(let elements) = tiersMember.value.kind else {
                throw table.wrongType("tiers", expected: "a list of tiers, best first", found: tiersMember.value)
            }
            for (index, element) in elements.enumerated() {
                let tier = try self.tier(element, path: "tiers[\(index)]")
                if let previous = tiers.last, previous.condition == .everyone {
                    throw table.error(
                        .invalidValue,
                        "tier '\(previous.name)' has neither minScore nor topPercent, so it takes everyone left: it must be the last tier",
                        at: "tiers", position: element.position)
                }
                if tiers.contains(where: { $0.name == tier.name }) {
                    throw table.error(.invalidValue, "two tiers are named '\(tier.name)'", at: "tiers", position: element.position)
                }
                tiers.append(tier)
            }
        }

        var basement: Basement?
        if let basementMember = table.member("basement"), !basementMember.value.isNull {
            basement = try self.basement(basementMember.value)
        }

        return RatingRule(
            name: name, description: description, source: source, honourExclusions: honourExclusions,
            honourRefusals: honourRefusals, metrics: metrics, score: score, minimumSample: samples, tiers: tiers,
            basement: basement)
    }

    private func metric(_ member: RuleMember, in metricsTable: TableReader) throws -> RatingMetric {
        let name = member.key
        let path = "metrics.\(name)"
        guard name.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
            throw metricsTable.error(
                .invalidValue, "metric name '\(name)' must be letters, digits and '_', not starting with a digit (the score uses it)",
                at: name)
        }
        guard !Self.reservedNames.contains(name) else {
            throw metricsTable.error(.invalidValue, "'\(name)' is a word of the score language; name the metric otherwise", at: name)
        }
        let table = try self.table(member.value, path: path, keys: Self.metricKeys)
        let statistic = try table.statistic(try table.string("statistic", required: true)!, listingAll: true)
        let windowDays = try table.windowDays()
        let estimatorName = try table.string("estimator") ?? "value"
        let estimator: Estimator
        switch estimatorName {
        case "value":
            estimator = .value
        case "wilsonLower":
            guard statistic.isProportion else {
                let proportions = Metric.allCases.filter(\.isProportion).map(\.name).sorted()
                throw table.error(
                    .invalidValue,
                    "estimator wilsonLower needs a proportion (a part of a whole), and '\(statistic)' is not one; use it with \(proportions.joined(separator: ", "))",
                    at: "estimator", valuePosition: true)
            }
            let z = try table.double("z") ?? Estimator.defaultZ
            guard z > 0 else { throw table.error(.invalidValue, "z must be greater than 0, found \(z)", at: "z", valuePosition: true) }
            estimator = .wilsonLower(z: z)
        case "shrunk":
            guard statistic.ratio != nil else {
                throw table.error(
                    .invalidValue, "estimator shrunk needs a rate with a numerator and a denominator, and '\(statistic)' is a count",
                    at: "estimator", valuePosition: true)
            }
            guard let weight = try table.double("priorWeight") else {
                throw table.error(
                    .missingKey, "estimator shrunk needs priorWeight (k in (num + k·platform) ÷ (den + k))", at: "estimator")
            }
            guard weight > 0 else {
                throw table.error(.invalidValue, "priorWeight must be greater than 0, found \(weight)", at: "priorWeight", valuePosition: true)
            }
            estimator = .shrunk(priorWeight: weight)
        default:
            var message = "unknown estimator '\(estimatorName)'"
            if let suggestion = closestName(to: estimatorName, among: Self.estimatorNames) { message += "; did you mean '\(suggestion)'?" }
            message += " (estimators: value, wilsonLower, shrunk)"
            throw table.error(.invalidValue, message, at: "estimator", valuePosition: true)
        }
        if table.member("z") != nil, estimatorName != "wilsonLower" {
            throw table.error(.invalidValue, "z applies only to estimator wilsonLower", at: "z")
        }
        if table.member("priorWeight") != nil, estimatorName != "shrunk" {
            throw table.error(.invalidValue, "priorWeight applies only to estimator shrunk", at: "priorWeight")
        }
        let relative = try table.bool("relativeToPlatform") ?? false
        return RatingMetric(name: name, statistic: statistic, windowDays: windowDays, estimator: estimator, relativeToPlatform: relative)
    }

    private func score(_ member: RuleMember, metricNames: Set<String>, in table: TableReader) throws -> ScoreExpression {
        guard case .string(let text) = member.value.kind else {
            throw table.wrongType("score", expected: "a string (an expression over the metrics)", found: member.value)
        }
        do {
            return try ScoreExpression.parse(text, metricNames: metricNames)
        } catch var error as RatingRuleError {
            error.file = file
            error.keyPath = "score"
            let position = member.value.position ?? member.keyPosition
            error.line = position?.line
            error.column = position?.column
            if let character = error.expressionCharacter, let position,
               let column = column(ofCharacter: character, in: text, writtenAt: position) {
                error.column = column
            }
            error.message = "score: " + error.message
            throw error
        }
    }

    /// The file column of the `character`-th character of a string value, when
    /// the value is written verbatim on one line (quoted or not); nil when it
    /// is not (escapes, a block scalar, a multi-line string).
    private func column(ofCharacter character: Int, in text: String, writtenAt position: SourcePosition) -> Int? {
        guard let column = position.column, position.line >= 1, position.line <= lines.count else { return nil }
        let written = Array(lines[position.line - 1].unicodeScalars)
        var start = column - 1
        guard start >= 0, start < written.count else { return nil }
        if written[start] == "\"" || written[start] == "'" { start += 1 }
        let expected = Array(text.unicodeScalars)
        guard start + expected.count <= written.count, Array(written[start..<(start + expected.count)]) == expected else {
            return nil
        }
        return start + character
    }

    private func sample(_ node: RuleNode, path: String, metricNames: Set<String>) throws -> MinimumSample {
        let table = try self.table(node, path: path, keys: Self.sampleKeys)
        let metric = try table.string("metric")
        let statistic = try table.string("statistic")
        guard let atLeast = try table.double("atLeast") else { throw table.missing("atLeast") }
        guard atLeast >= 0 else {
            throw table.error(.invalidValue, "atLeast must be 0 or more, found \(atLeast)", at: "atLeast", valuePosition: true)
        }
        switch (metric, statistic) {
        case (let metric?, nil):
            guard metricNames.contains(metric) else {
                var message = "unknown metric '\(metric)'"
                if let suggestion = closestName(to: metric, among: metricNames.sorted()) { message += "; did you mean '\(suggestion)'?" }
                message += " (the rule's metrics: \(metricNames.sorted().joined(separator: ", ")))"
                throw table.error(.unknownMetric, message, at: "metric", valuePosition: true)
            }
            if table.member("windowDays") != nil {
                throw table.error(.invalidValue, "windowDays goes with statistic; a metric sample uses the metric's window", at: "windowDays")
            }
            return MinimumSample(.metric(metric), atLeast: atLeast)
        case (nil, let statistic?):
            return MinimumSample(.statistic(try table.statistic(statistic, listingAll: false), windowDays: try table.windowDays()), atLeast: atLeast)
        case (.some, .some):
            throw table.error(.invalidValue, "a minimum sample names either a metric or a statistic, not both", at: "statistic")
        case (nil, nil):
            throw table.error(.missingKey, "a minimum sample needs 'metric' (a rule metric) or 'statistic' (a statistic's value)", at: nil)
        }
    }

    private func tier(_ node: RuleNode, path: String) throws -> RatingTier {
        let table = try self.table(node, path: path, keys: Self.tierKeys)
        let name = try table.string("name", required: true)!
        guard !name.isEmpty else { throw table.error(.invalidValue, "a tier's name must not be empty", at: "name", valuePosition: true) }
        let minScore = try table.double("minScore")
        let topPercent = try table.double("topPercent")
        switch (minScore, topPercent) {
        case (let score?, nil): return RatingTier(name: name, .minScore(score))
        case (nil, let percent?):
            guard percent > 0, percent <= 100 else {
                throw table.error(.invalidValue, "topPercent must be more than 0 and at most 100, found \(percent)", at: "topPercent", valuePosition: true)
            }
            return RatingTier(name: name, .topPercent(percent))
        case (nil, nil): return RatingTier(name: name, .everyone)
        case (.some, .some):
            throw table.error(.invalidValue, "a tier has minScore or topPercent, not both", at: "topPercent")
        }
    }

    private func basement(_ node: RuleNode) throws -> Basement {
        let table = try self.table(node, path: "basement", keys: Self.basementKeys)
        let percent = try table.double("bottomPercent")
        let score = try table.double("belowScore")
        switch (percent, score) {
        case (let percent?, nil):
            guard percent > 0, percent <= 100 else {
                throw table.error(.invalidValue, "bottomPercent must be more than 0 and at most 100, found \(percent)", at: "bottomPercent", valuePosition: true)
            }
            return .bottomPercent(percent)
        case (nil, let score?): return .belowScore(score)
        case (.some, .some): throw table.error(.invalidValue, "basement has bottomPercent or belowScore, not both", at: "belowScore")
        case (nil, nil):
            throw table.error(.missingKey, "basement needs bottomPercent or belowScore (leave basement out for a rule that delists no one)", at: nil)
        }
    }

    /// A table node's reader, after checking that it is a table and (when
    /// `keys` is given) that every key is one of them.
    private func table(_ node: RuleNode, path: String, keys: [String]?) throws -> TableReader {
        let reader = TableReader(members: [], position: node.position, path: path, file: file)
        guard case .table(let members) = node.kind else {
            throw reader.error(
                .wrongType, "\(path.isEmpty ? "the rule" : path) must be a table of keys, found \(node.typeDescription)", at: nil)
        }
        let table = TableReader(members: members, position: node.position, path: path, file: file)
        if let keys {
            for member in members where !keys.contains(member.key) {
                var message = "unknown key '\(member.key)'" + (path.isEmpty ? "" : " in \(path)")
                if let suggestion = closestName(to: member.key, among: keys.filter { $0 != "$schema" }) {
                    message += "; did you mean '\(suggestion)'?"
                }
                message += " (keys: \(keys.filter { $0 != "$schema" }.joined(separator: ", ")))"
                throw table.error(.unknownKey, message, at: member.key)
            }
        }
        return table
    }
}

extension RuleNode {
    var isNull: Bool { if case .null = kind { true } else { false } }
}

/// Typed access to one table of a rule, with errors that point at the key.
struct TableReader {
    let members: [RuleMember]
    let position: SourcePosition?
    let path: String
    let file: String?

    func member(_ key: String) -> RuleMember? { members.first { $0.key == key } }

    private func keyPath(_ key: String?) -> String? {
        guard let key else { return path.isEmpty ? nil : path }
        return path.isEmpty ? key : "\(path).\(key)"
    }

    /// An error at `key` (its key, or with `valuePosition` its value), or at the table itself.
    func error(
        _ code: RatingRuleError.Code, _ message: String, at key: String?, valuePosition: Bool = false,
        position explicit: SourcePosition? = nil
    ) -> RatingRuleError {
        let found = key.flatMap(member)
        let position = explicit ?? (valuePosition ? found?.value.position ?? found?.keyPosition : found?.keyPosition) ?? self.position
        return RatingRuleError(code, message, file: file, line: position?.line, column: position?.column, keyPath: keyPath(key))
    }

    func missing(_ key: String) -> RatingRuleError {
        RatingRuleError(
            .missingKey, "missing key '\(key)'" + (path.isEmpty ? "" : " in \(path)"), file: file, line: position?.line,
            column: position?.column, keyPath: keyPath(key))
    }

    func wrongType(_ key: String, expected: String, found node: RuleNode) -> RatingRuleError {
        let position = node.position ?? member(key)?.keyPosition ?? self.position
        return RatingRuleError(
            .wrongType, "\(keyPath(key)!) must be \(expected), found \(node.typeDescription)", file: file,
            line: position?.line, column: position?.column, keyPath: keyPath(key))
    }

    func string(_ key: String, required: Bool = false) throws -> String? {
        guard let member = member(key) else {
            if required { throw missing(key) }
            return nil
        }
        guard case .string(let value) = member.value.kind else { throw wrongType(key, expected: "a string", found: member.value) }
        return value
    }

    func bool(_ key: String) throws -> Bool? {
        guard let member = member(key) else { return nil }
        guard case .bool(let value) = member.value.kind else { throw wrongType(key, expected: "true or false", found: member.value) }
        return value
    }

    func double(_ key: String) throws -> Double? {
        guard let member = member(key) else { return nil }
        switch member.value.kind {
        case .integer(let value): return Double(value)
        case .number(let value) where value.isFinite: return value
        default: throw wrongType(key, expected: "a finite number", found: member.value)
        }
    }

    /// The statistic `name` names in the table's `statistic` key; an unknown
    /// name is an error at the value's line and column, with the closest
    /// statistic and, with `listingAll`, every one.
    func statistic(_ name: String, listingAll: Bool) throws -> Metric {
        if let metric = Metric(name: name) { return metric }
        let known = TherapistStatistics.metricNames
        var message = "unknown statistic '\(name)'"
        if let suggestion = closestName(to: name, among: known) { message += "; did you mean '\(suggestion)'?" }
        if listingAll { message += " (statistics: \(known.joined(separator: ", ")))" }
        throw error(.unknownStatistic, message, at: "statistic", valuePosition: true)
    }

    /// `windowDays`: a whole number of days, at least 1; absent = all history.
    func windowDays() throws -> Int? {
        guard let member = member("windowDays") else { return nil }
        guard case .integer(let days) = member.value.kind else {
            throw wrongType("windowDays", expected: "a whole number of days (leave it out for all history)", found: member.value)
        }
        guard days >= 1, days <= 36_600 else {
            throw error(.invalidValue, "windowDays must be from 1 to 36600, found \(days)", at: "windowDays", valuePosition: true)
        }
        return days
    }
}
