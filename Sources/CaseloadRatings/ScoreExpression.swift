/// A rule's score formula: a small, safe arithmetic language over the rule's
/// metrics.
///
/// ```
/// expression := term (('+' | '-' | '−') term)*
/// term       := unary (('*' | '×' | '/' | '÷') unary)*
/// unary      := ('-' | '−') unary | primary
/// primary    := number | metric | 'platform' '.' metric
///             | ('min' | 'max') '(' expression (',' expression)* ')'
///             | '(' expression ')'
/// number     := [0-9]+ ('.' [0-9]+)?
/// metric     := [A-Za-z_][A-Za-z0-9_]*
/// ```
///
/// `platform.m` is the platform's figure for metric `m`'s statistic over `m`'s
/// window. Evaluation is over `Double?`: an undefined metric makes the whole
/// score undefined (the therapist is listed as unranked, with the reason), and
/// so does a division by zero. There is nothing else: no other functions, no
/// variables, no loops, no access to anything but the metrics.
public indirect enum ScoreExpression: Sendable, Hashable, CustomStringConvertible {
    case number(Double)
    /// The therapist's value of a metric the rule defines.
    case metric(String)
    /// The platform's value of a metric the rule defines (`platform.name`).
    case platform(String)
    case negate(ScoreExpression)
    case binary(ScoreOperator, ScoreExpression, ScoreExpression)
    case call(ScoreFunction, [ScoreExpression])

    /// The functions the language has: only these two.
    public static let functionNames: [String] = ScoreFunction.allCases.map(\.rawValue)

    /// Parses `text`. When `metricNames` is given, every metric named (plain
    /// or after `platform.`) must be one of them.
    ///
    /// Errors are ``RatingRuleError``s with code `badExpression`,
    /// `unknownFunction` or `unknownMetric`, a message that quotes the
    /// offending token, and `column` set to its 1-based character in `text`.
    public static func parse(_ text: String, metricNames: Set<String>? = nil) throws -> ScoreExpression {
        var parser = try ExpressionParser(text: text, metricNames: metricNames)
        return try parser.parseWhole()
    }

    /// The metrics the expression reads (plain ones and `platform.` ones), in order of appearance.
    public var referencedMetrics: [String] {
        var names: [String] = []
        func visit(_ node: ScoreExpression) {
            switch node {
            case .number: break
            case .metric(let name), .platform(let name): if !names.contains(name) { names.append(name) }
            case .negate(let operand): visit(operand)
            case .binary(_, let left, let right): visit(left); visit(right)
            case .call(_, let arguments): arguments.forEach(visit)
            }
        }
        visit(self)
        return names
    }

    /// The value, given the therapist's metrics and the platform's; nil when a
    /// metric it reads is nil, on a division by zero, or when the result is
    /// not a finite number.
    public func evaluate(metric: (String) -> Double?, platform: (String) -> Double?) -> Double? {
        if case .value(let value) = evaluateExplained(metric: metric, platform: platform) { return value }
        return nil
    }

    /// The outcome with, when undefined, the first cause met (left to right).
    func evaluateExplained(metric: (String) -> Double?, platform: (String) -> Double?) -> Evaluation {
        let result: Evaluation
        switch self {
        case .number(let value):
            result = .value(value)
        case .metric(let name):
            result = metric(name).map(Evaluation.value) ?? .undefined(.metric(name))
        case .platform(let name):
            result = platform(name).map(Evaluation.value) ?? .undefined(.platform(name))
        case .negate(let operand):
            result = operand.evaluateExplained(metric: metric, platform: platform).map { -$0 }
        case .binary(let op, let leftNode, let rightNode):
            let left = leftNode.evaluateExplained(metric: metric, platform: platform)
            guard case .value(let l) = left else { return left }
            let right = rightNode.evaluateExplained(metric: metric, platform: platform)
            guard case .value(let r) = right else { return right }
            switch op {
            case .add: result = .value(l + r)
            case .subtract: result = .value(l - r)
            case .multiply: result = .value(l * r)
            case .divide: result = r == 0 ? .undefined(.divisionByZero) : .value(l / r)
            }
        case .call(let function, let arguments):
            var values: [Double] = []
            for argument in arguments {
                let outcome = argument.evaluateExplained(metric: metric, platform: platform)
                guard case .value(let value) = outcome else { return outcome }
                values.append(value)
            }
            switch function {
            case .min: result = .value(values.min()!)  // the parser requires an argument
            case .max: result = .value(values.max()!)
            }
        }
        if case .value(let value) = result, !value.isFinite { return .undefined(.notFinite) }
        return result
    }

    /// The expression as text that parses back to it, with `*` and `/` and
    /// only the parentheses precedence needs.
    public var description: String { render(precedence: 0) }

    private func render(precedence outer: Int) -> String {
        switch self {
        case .number(let value): return Self.format(value)
        case .metric(let name): return name
        case .platform(let name): return "platform.\(name)"
        case .negate(let operand): return "-" + operand.render(precedence: 3)
        case .call(let function, let arguments):
            return function.rawValue + "(" + arguments.map { $0.render(precedence: 0) }.joined(separator: ", ") + ")"
        case .binary(let op, let left, let right):
            let own = op.precedence
            // Left-associative: a right operand of equal precedence needs parentheses.
            let text = left.render(precedence: own) + " \(op.symbol) " + right.render(precedence: own + 1)
            return own < outer ? "(\(text))" : text
        }
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }
}

/// A binary operator of the score language.
public enum ScoreOperator: String, Sendable, Hashable {
    case add, subtract, multiply, divide

    var symbol: String {
        switch self {
        case .add: "+"
        case .subtract: "-"
        case .multiply: "*"
        case .divide: "/"
        }
    }

    var precedence: Int {
        switch self {
        case .add, .subtract: 1
        case .multiply, .divide: 2
        }
    }
}

/// A function of the score language (there are only these).
public enum ScoreFunction: String, Sendable, Hashable, CaseIterable {
    case min, max
}

/// The outcome of evaluating a score: a number, or why there is none.
enum Evaluation: Equatable {
    case value(Double)
    case undefined(UndefinedCause)

    func map(_ transform: (Double) -> Double) -> Evaluation {
        if case .value(let value) = self { return .value(transform(value)) }
        return self
    }
}

/// Why a score has no value.
enum UndefinedCause: Equatable {
    case metric(String)
    case platform(String)
    case divisionByZero
    case notFinite
}

// MARK: - Tokenizer

struct ExpressionToken: Equatable {
    enum Kind: Equatable {
        case number(Double)
        case identifier(String)
        case plus, minus, times, divide, openParen, closeParen, comma, dot
        case end
    }
    var kind: Kind
    /// 0-based offset (Unicode scalars) in the expression.
    var offset: Int
    /// The text as written, for messages.
    var text: String
}

/// Splits an expression into tokens; a character outside the language is an error.
func tokenizeExpression(_ text: String) throws -> [ExpressionToken] {
    let scalars = Array(text.unicodeScalars)
    guard scalars.count <= 10_000 else {
        throw expressionError(.badExpression, "the score is longer than 10000 characters", at: 0)
    }
    var tokens: [ExpressionToken] = []
    var index = 0
    func isDigit(_ s: Unicode.Scalar) -> Bool { ("0"..."9").contains(s) }
    func isIdentifierStart(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) || s == "_" }
    while index < scalars.count {
        let scalar = scalars[index]
        let start = index
        func single(_ kind: ExpressionToken.Kind) {
            tokens.append(ExpressionToken(kind: kind, offset: start, text: String(Character(scalar))))
            index += 1
        }
        switch scalar {
        case " ", "\t", "\n", "\r":
            index += 1
        case "+": single(.plus)
        case "-", "\u{2212}": single(.minus)
        case "*", "\u{00D7}": single(.times)
        case "/", "\u{00F7}": single(.divide)
        case "(": single(.openParen)
        case ")": single(.closeParen)
        case ",": single(.comma)
        case ".":
            if index + 1 < scalars.count, isDigit(scalars[index + 1]) {
                throw expressionError(.badExpression, "a number must start with a digit: write 0.\(scalars[index + 1]) (character \(start + 1))", at: start)
            }
            single(.dot)
        case _ where isDigit(scalar):
            while index < scalars.count, isDigit(scalars[index]) { index += 1 }
            if index < scalars.count, scalars[index] == "." {
                index += 1
                guard index < scalars.count, isDigit(scalars[index]) else {
                    let written = String(String.UnicodeScalarView(scalars[start..<index]))
                    throw expressionError(.badExpression, "number '\(written)' needs digits after the point (character \(start + 1))", at: start)
                }
                while index < scalars.count, isDigit(scalars[index]) { index += 1 }
            }
            let written = String(String.UnicodeScalarView(scalars[start..<index]))
            tokens.append(ExpressionToken(kind: .number(Double(written)!), offset: start, text: written))
        case _ where isIdentifierStart(scalar):
            while index < scalars.count, isIdentifierStart(scalars[index]) || isDigit(scalars[index]) { index += 1 }
            let written = String(String.UnicodeScalarView(scalars[start..<index]))
            tokens.append(ExpressionToken(kind: .identifier(written), offset: start, text: written))
        default:
            throw expressionError(
                .badExpression,
                "unexpected character '\(scalar.escaped(asASCII: false))' (character \(start + 1)); the score has numbers, metric names, platform.<metric>, + - * / × ÷, parentheses, min and max",
                at: start)
        }
    }
    tokens.append(ExpressionToken(kind: .end, offset: scalars.count, text: ""))
    return tokens
}

private func expressionError(_ code: RatingRuleError.Code, _ message: String, at offset: Int) -> RatingRuleError {
    var error = RatingRuleError(code, message, column: offset + 1)
    error.expressionCharacter = offset + 1
    return error
}

// MARK: - Parser

/// Recursive descent over the tokens, one function per grammar rule.
struct ExpressionParser {
    private let tokens: [ExpressionToken]
    private let metricNames: Set<String>?
    private var position = 0
    private var depth = 0
    private static let maximumDepth = 100

    init(text: String, metricNames: Set<String>?) throws {
        tokens = try tokenizeExpression(text)
        self.metricNames = metricNames
    }

    private var current: ExpressionToken { tokens[position] }

    private mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    mutating func parseWhole() throws -> ScoreExpression {
        if current.kind == .end {
            throw expressionError(.badExpression, "the score is empty", at: 0)
        }
        let expression = try parseSum()
        if current.kind != .end {
            throw unexpected(current, expected: "an operator (+ - * /) or the end of the score")
        }
        return expression
    }

    private mutating func parseSum() throws -> ScoreExpression {
        var left = try parseProduct()
        while true {
            let op: ScoreOperator
            switch current.kind {
            case .plus: op = .add
            case .minus: op = .subtract
            default: return left
            }
            advance()
            left = .binary(op, left, try parseProduct())
        }
    }

    private mutating func parseProduct() throws -> ScoreExpression {
        var left = try parseUnary()
        while true {
            let op: ScoreOperator
            switch current.kind {
            case .times: op = .multiply
            case .divide: op = .divide
            default: return left
            }
            advance()
            left = .binary(op, left, try parseUnary())
        }
    }

    private mutating func parseUnary() throws -> ScoreExpression {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            throw expressionError(.badExpression, "the score is nested too deeply (more than \(Self.maximumDepth) levels)", at: current.offset)
        }
        if current.kind == .minus {
            advance()
            return .negate(try parseUnary())
        }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws -> ScoreExpression {
        let token = current
        switch token.kind {
        case .number(let value):
            advance()
            return .number(value)
        case .openParen:
            advance()
            let inner = try parseSum()
            guard current.kind == .closeParen else {
                throw unexpected(current, expected: "')' to close the '(' at character \(token.offset + 1)")
            }
            advance()
            return inner
        case .identifier(let name):
            advance()
            if current.kind == .openParen {
                guard let function = ScoreFunction(rawValue: name) else {
                    throw expressionError(
                        .unknownFunction,
                        "unknown function '\(name)' (character \(token.offset + 1)); the score has only min(…) and max(…)",
                        at: token.offset)
                }
                return try parseCall(function, openedAt: current)
            }
            if ScoreFunction(rawValue: name) != nil {
                throw expressionError(.badExpression, "'\(name)' is a function: write \(name)(a, b) (character \(token.offset + 1))", at: token.offset)
            }
            if name == "platform" {
                guard current.kind == .dot else {
                    throw expressionError(.badExpression, "'platform' must be followed by '.<metric>' (character \(token.offset + 1))", at: token.offset)
                }
                advance()
                guard case .identifier(let metric) = current.kind else {
                    throw unexpected(current, expected: "a metric name after 'platform.'")
                }
                try checkMetric(metric, at: current)
                advance()
                return .platform(metric)
            }
            try checkMetric(name, at: token)
            return .metric(name)
        default:
            throw unexpected(token, expected: "a number, a metric, platform.<metric>, min(…), max(…) or '('")
        }
    }

    private mutating func parseCall(_ function: ScoreFunction, openedAt open: ExpressionToken) throws -> ScoreExpression {
        advance()  // '('
        if current.kind == .closeParen {
            throw expressionError(.badExpression, "\(function.rawValue)() needs at least one argument (character \(open.offset + 1))", at: open.offset)
        }
        var arguments = [try parseSum()]
        while current.kind == .comma {
            advance()
            arguments.append(try parseSum())
        }
        guard current.kind == .closeParen else {
            throw unexpected(current, expected: "',' or ')' to close \(function.rawValue)( at character \(open.offset + 1)")
        }
        advance()
        return .call(function, arguments)
    }

    private func checkMetric(_ name: String, at token: ExpressionToken) throws {
        guard let metricNames, !metricNames.contains(name) else { return }
        let known = metricNames.sorted()
        var message = "unknown metric '\(name)' (character \(token.offset + 1))"
        if let suggestion = closestName(to: name, among: known) { message += "; did you mean '\(suggestion)'?" }
        message += known.isEmpty ? " (the rule defines no metrics)" : " (the rule's metrics: \(known.joined(separator: ", ")))"
        throw expressionError(.unknownMetric, message, at: token.offset)
    }

    private func unexpected(_ token: ExpressionToken, expected: String) -> RatingRuleError {
        if token.kind == .end {
            return expressionError(.badExpression, "unexpected end of the score, expected \(expected)", at: token.offset)
        }
        return expressionError(.badExpression, "unexpected '\(token.text)' (character \(token.offset + 1)), expected \(expected)", at: token.offset)
    }
}

/// The known name nearest to `name` by edit distance, if it is near enough to
/// be a typo (at most a third of the name's length, at least 1).
func closestName(to name: String, among known: [String]) -> String? {
    let limit = max(1, name.count / 3)
    var best: (name: String, distance: Int)?
    for candidate in known {
        let distance = editDistance(name.lowercased(), candidate.lowercased())
        if distance <= limit, distance < (best?.distance ?? .max) { best = (candidate, distance) }
    }
    return best?.name
}

/// Edit distance over characters, counting a swap of two neighbours as one
/// edit (optimal string alignment): typos are mostly that.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var beforePrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var row = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        row[0] = i
        for j in 1...b.count {
            row[j] = Swift.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                row[j] = Swift.min(row[j], beforePrevious[j - 2] + 1)
            }
        }
        (beforePrevious, previous, row) = (previous, row, beforePrevious)
    }
    return previous[b.count]
}
