import CaseloadRatings
import Testing

@Suite struct ScoreExpressionTests {
    /// Evaluates `text` with the given metric values and no platform figures.
    private func value(_ text: String, _ metrics: [String: Double?] = [:], platform: [String: Double] = [:]) throws -> Double? {
        try ScoreExpression.parse(text).evaluate(metric: { metrics[$0] ?? nil }, platform: { platform[$0] })
    }

    @Test func multiplicationBindsTighterThanAddition() throws {
        #expect(try value("1 + 2 * 3") == 7)
        #expect(try value("(1 + 2) * 3") == 9)
        #expect(try value("2 * 3 + 1") == 7)
        #expect(try ScoreExpression.parse("a + b * c")
            == .binary(.add, .metric("a"), .binary(.multiply, .metric("b"), .metric("c"))))
    }

    @Test func subtractionAndDivisionAssociateToTheLeft() throws {
        #expect(try value("10 - 4 - 3") == 3)
        #expect(try value("8 / 4 / 2") == 1)
    }

    @Test func unaryMinusAppliesToWhatFollows() throws {
        #expect(try value("-2 * 3") == -6)
        #expect(try value("-(1 + 2)") == -3)
        #expect(try value("4 - -1") == 5)
        #expect(try value("--2") == 2)
    }

    @Test func theTypographicOperatorsMeanTheSameAsTheASCIIOnes() throws {
        #expect(try value("2 × 3 ÷ 4 − 1") == 0.5)
        #expect(try ScoreExpression.parse("a × b ÷ c − d") == ScoreExpression.parse("a * b / c - d"))
    }

    @Test func minAndMaxTakeAnyNumberOfArguments() throws {
        #expect(try value("min(3, 1, 2)") == 1)
        #expect(try value("max(1, 2 * 3)") == 6)
        #expect(try value("min(7)") == 7)
        #expect(try value("min(a, 2)", ["a": 5]) == 2)
    }

    @Test func metricsAndPlatformFiguresAreLookedUpByName() throws {
        #expect(try value("a / platform.a", ["a": 3], platform: ["a": 4]) == 0.75)
        #expect(try ScoreExpression.parse("a / platform.a").referencedMetrics == ["a"])
        #expect(try ScoreExpression.parse("b + min(a, platform.c)").referencedMetrics == ["b", "a", "c"])
    }

    @Test func anUndefinedMetricMakesTheWholeScoreUndefined() throws {
        let missing: [String: Double?] = ["a": nil, "b": 1]
        #expect(try value("a + 1", missing) == nil)
        #expect(try value("0 * a", missing) == nil)
        #expect(try value("min(a, b)", missing) == nil)
        #expect(try value("max(b, -a)", missing) == nil)
        #expect(try value("b + platform.a", missing) == nil)
        #expect(try value("b + 1", missing) == 2)
    }

    @Test func divisionByZeroIsUndefined() throws {
        #expect(try value("1 / (a - a)", ["a": 2]) == nil)
        #expect(try value("0 / 0") == nil)
        #expect(try value("0 / 5") == 0)
    }

    @Test func theDescriptionParsesBackToTheSameExpression() throws {
        for text in ["a + b * c", "(a + b) * c", "a - (b - c)", "a / (b * c)", "-(a + 1)", "min(a, max(b, 2.5)) / platform.a", "0.5 * a + 0.25"] {
            let expression = try ScoreExpression.parse(text)
            #expect(try ScoreExpression.parse(expression.description) == expression, "\(text) → \(expression.description)")
        }
        #expect(try ScoreExpression.parse("(a + b) * c").description == "(a + b) * c")
        #expect(try ScoreExpression.parse("a - (b - c)").description == "a - (b - c)")
        #expect(try ScoreExpression.parse("((a)) * 2.50").description == "a * 2.5")
    }

    @Test(arguments: [
        ("1 +", "unexpected end of the score, expected a number, a metric, platform.<metric>, min(…), max(…) or '('", 4),
        ("(1", "unexpected end of the score, expected ')' to close the '(' at character 1", 3),
        ("1 2", "unexpected '2' (character 3), expected an operator (+ - * /) or the end of the score", 3),
        ("min()", "min() needs at least one argument (character 4)", 4),
        ("min(1; 2)", "unexpected character ';' (character 6); the score has numbers, metric names, platform.<metric>, + - * / × ÷, parentheses, min and max", 6),
        ("platform + 1", "'platform' must be followed by '.<metric>' (character 1)", 1),
        ("max + 1", "'max' is a function: write max(a, b) (character 1)", 1),
        ("1. + a", "number '1.' needs digits after the point (character 1)", 1),
        ("a * .5", "a number must start with a digit: write 0.5 (character 5)", 5),
        ("", "the score is empty", 1),
    ])
    func aMalformedExpressionNamesTheOffendingToken(text: String, message: String, column: Int) {
        let error = #expect(throws: RatingRuleError.self) { try ScoreExpression.parse(text) }
        #expect(error?.code == .badExpression)
        #expect(error?.message == message)
        #expect(error?.column == column)
    }

    @Test func anUnknownFunctionIsItsOwnError() {
        let error = #expect(throws: RatingRuleError.self) { try ScoreExpression.parse("1 + sqrt(a)") }
        #expect(error?.code == .unknownFunction)
        #expect(error?.message == "unknown function 'sqrt' (character 5); the score has only min(…) and max(…)")
    }

    @Test func namesAreCheckedAgainstTheRulesMetricsWhenGiven() throws {
        #expect(throws: Never.self) { try ScoreExpression.parse("a + platform.b", metricNames: ["a", "b"]) }
        let error = #expect(throws: RatingRuleError.self) { try ScoreExpression.parse("a + platform.c", metricNames: ["a", "b"]) }
        #expect(error?.code == .unknownMetric)
        #expect(error?.column == 14)
    }

    @Test func deepNestingIsRefusedRatherThanOverflowingTheStack() {
        let text = String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500)
        let error = #expect(throws: RatingRuleError.self) { try ScoreExpression.parse(text) }
        #expect(error?.message.hasPrefix("the score is nested too deeply") == true)
    }
}
