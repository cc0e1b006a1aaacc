import CaseloadRatings
import Testing

/// Errors in rule files name the line (and column), the key path and the problem.
@Suite struct RuleErrorTests {
    private func failure(_ text: String, _ format: RuleFormat, file: String? = nil) -> RatingRuleError? {
        #expect(throws: RatingRuleError.self) { try RatingRule.parse(text, format: format, file: file) }
    }

    // MARK: unknown keys

    @Test func aMisspelledKeyInYAMLIsNamedAtItsLineAndColumn() throws {
        let text = """
            name: bad
            metrics:
              conversion:
                statistic: conversionToFirstSession
                windowDay: 90
            score: conversion
            """
        let error = try #require(failure(text, .yaml, file: "bad.yaml"))
        #expect(error.code == .unknownKey)
        #expect(error.line == 5)
        #expect(error.column == 5)
        #expect(error.keyPath == "metrics.conversion.windowDay")
        #expect(error.message.contains("unknown key 'windowDay' in metrics.conversion; did you mean 'windowDays'?"))
        #expect(error.description.hasPrefix("bad.yaml:5:5: unknown key 'windowDay'"))
    }

    @Test func aMisspelledKeyInTOMLIsNamedAtItsLineAndColumn() throws {
        let text = """
            name = "bad"
            score = "conversion"

            [metrics.conversion]
            statistic = "conversionToFirstSession"
            windowDay = 90
            """
        let error = try #require(failure(text, .toml))
        #expect(error.code == .unknownKey)
        #expect(error.line == 6)
        #expect(error.column == 1)
        #expect(error.keyPath == "metrics.conversion.windowDay")
    }

    @Test func aMisspelledKeyInATOMLArrayOfTablesIsNamedAtItsLine() throws {
        let text = """
            name = "bad"
            score = "conversion"
            metrics.conversion.statistic = "conversionToFirstSession"

            [[tiers]]
            name = "gold"
            minScore = 1

            [[tiers]]
            name = "rest"
            minscore = 0
            """
        let error = try #require(failure(text, .toml))
        #expect(error.code == .unknownKey)
        #expect(error.line == 11)
        #expect(error.keyPath == "tiers[1].minscore")
        #expect(error.message.contains("did you mean 'minScore'?"))
    }

    @Test func aMisspelledKeyInAnInlineTOMLTableIsNamedAtItsLineAndColumn() throws {
        let text = """
            name = "bad"
            score = "conversion"
            [metrics]
            conversion = { statistic = "conversionToFirstSession", estimatr = "value" }
            """
        let error = try #require(failure(text, .toml))
        #expect(error.code == .unknownKey)
        #expect(error.line == 4)
        #expect(error.column == 56)
    }

    @Test func aMisspelledKeyInJSONIsNamedAtItsLineAndColumn() throws {
        let text = """
            {
              "name": "bad",
              "metrics": {
                "conversion": {"statistic": "conversionToFirstSession",
                               "relativeToPlatfrom": true}
              },
              "score": "conversion"
            }
            """
        let error = try #require(failure(text, .json))
        #expect(error.code == .unknownKey)
        #expect(error.line == 5)
        #expect(error.column == 20)
        #expect(error.message.contains("did you mean 'relativeToPlatform'?"))
    }

    // MARK: bad expressions

    @Test func aBadExpressionInYAMLNamesTheOffendingTokenAndItsColumn() throws {
        let text = """
            name: bad
            metrics:
              conversion:
                statistic: conversionToFirstSession
            score: conversion * (2 + )
            """
        let error = try #require(failure(text, .yaml))
        #expect(error.code == .badExpression)
        #expect(error.line == 5)
        // "score: " is 7 characters; ')' is the 19th character of the expression.
        #expect(error.column == 8 + 19 - 1)
        #expect(error.keyPath == "score")
        #expect(error.message.hasPrefix("score: unexpected ')' (character 19)"))
    }

    @Test func aBadExpressionInTOMLNamesTheOffendingTokenAndItsColumn() throws {
        let text = """
            name = "bad"
            metrics.conversion.statistic = "conversionToFirstSession"
            score = "conversion * (2 + )"
            """
        let error = try #require(failure(text, .toml))
        #expect(error.code == .badExpression)
        #expect(error.line == 3)
        // The string's first character is in column 10, so ')' is in 10 + 18.
        #expect(error.column == 28)
    }

    @Test func aBadExpressionInJSONNamesTheOffendingTokenAndItsColumn() throws {
        let text = """
            {"name": "bad",
             "metrics": {"conversion": {"statistic": "conversionToFirstSession"}},
             "score": "conversion % 2"}
            """
        let error = try #require(failure(text, .json))
        #expect(error.code == .badExpression)
        #expect(error.line == 3)
        // '"score": "' puts the expression at column 12; '%' is its 12th character.
        #expect(error.column == 23)
        #expect(error.message.contains("unexpected character '%' (character 12)"))
    }

    @Test func anExpressionInAYAMLBlockScalarIsPlacedAtItsLine() throws {
        let text = """
            name: bad
            metrics:
              conversion:
                statistic: conversionToFirstSession
            score: >-
              conversion +
            """
        let error = try #require(failure(text, .yaml))
        #expect(error.code == .badExpression)
        #expect(error.line == 5)
        #expect(error.message.contains("unexpected end of the score"))
    }

    @Test func anUnknownFunctionIsNamed() throws {
        let text = "name: bad\nmetrics:\n  a:\n    statistic: returnRate\nscore: log(a)\n"
        let error = try #require(failure(text, .yaml))
        #expect(error.code == .unknownFunction)
        #expect(error.line == 5)
        #expect(error.column == 8)
        #expect(error.message.contains("unknown function 'log'"))
    }

    @Test func anUnknownMetricInTheScoreIsNamedWithASuggestion() throws {
        let text = "name: bad\nmetrics:\n  conversion:\n    statistic: returnRate\nscore: 2 * platform.conversoin\n"
        let error = try #require(failure(text, .yaml))
        #expect(error.code == .unknownMetric)
        #expect(error.line == 5)
        // "2 * platform." is 13 characters: the name starts at the 14th.
        #expect(error.column == 8 + 14 - 1)
        #expect(error.message == "score: unknown metric 'conversoin' (character 14); did you mean 'conversion'? (the rule's metrics: conversion)")
    }

    // MARK: statistics, types, structure

    @Test func anUnknownStatisticIsNamedAtItsValue() throws {
        let text = "name: bad\nmetrics:\n  c:\n    statistic: conversion\nscore: c\n"
        let error = try #require(failure(text, .yaml))
        #expect(error.code == .unknownStatistic)
        #expect(error.line == 4)
        #expect(error.column == 16)
        #expect(error.message.hasPrefix("unknown statistic 'conversion'"))
    }

    @Test func aStringWhereANumberBelongsIsAWrongTypeError() throws {
        let text = """
            name = "bad"
            score = "c"
            [metrics.c]
            statistic = "returnRate"
            windowDays = "90"
            """
        let error = try #require(failure(text, .toml))
        #expect(error.code == .wrongType)
        #expect(error.line == 5)
        #expect(error.message == "metrics.c.windowDays must be a whole number of days (leave it out for all history), found a string")
    }

    @Test func wilsonLowerOnARateThatIsNotAProportionIsRefused() throws {
        let text = "name: bad\nmetrics:\n  s:\n    statistic: sessionsPerClient\n    estimator: wilsonLower\nscore: s\n"
        let error = try #require(failure(text, .yaml))
        #expect(error.code == .invalidValue)
        #expect(error.line == 5)
    }

    @Test func shrunkWithoutAPriorWeightIsAMissingKey() throws {
        let text = "name: bad\nmetrics:\n  s:\n    statistic: sessionsPerClient\n    estimator: shrunk\nscore: s\n"
        let error = try #require(failure(text, .yaml))
        #expect(error.code == .missingKey)
        #expect(error.line == 5)
    }

    @Test func aMissingScoreIsNamed() throws {
        let error = try #require(failure("{\"name\": \"x\", \"metrics\": {\"a\": {\"statistic\": \"returnRate\"}}}", .json))
        #expect(error.code == .missingKey)
        #expect(error.keyPath == "score")
        #expect(error.line == 1)
    }

    @Test func aDuplicateJSONKeyIsNamedAtItsSecondOccurrence() throws {
        let text = "{\"name\": \"x\",\n \"name\": \"y\"}"
        let error = try #require(failure(text, .json))
        #expect(error.code == .duplicateKey)
        #expect(error.line == 2)
        #expect(error.column == 2)
    }

    @Test func aCatchAllTierMustBeTheLast() throws {
        let text = """
            name: bad
            metrics: {a: {statistic: returnRate}}
            score: a
            tiers:
              - name: everyone
              - name: gold
                minScore: 1
            """
        let error = try #require(failure(text, .yaml))
        #expect(error.code == .invalidValue)
        #expect(error.line == 6)
    }

    // MARK: syntax errors of each format

    @Test func aYAMLSyntaxErrorNamesItsLine() throws {
        let error = try #require(failure("name: x\nmetrics:\n  a: [1, 2\nscore: a\n", .yaml))
        #expect(error.code == .syntax)
        #expect(error.line == 4)
    }

    @Test func aTOMLSyntaxErrorNamesItsLine() throws {
        let error = try #require(failure("name = \"x\"\nscore = \n", .toml))
        #expect(error.code == .syntax)
        #expect(error.line == 2)
    }

    @Test func aJSONSyntaxErrorNamesItsLineAndColumn() throws {
        let error = try #require(failure("{\n  \"name\": \"x\",\n  \"score\" \"a\"\n}", .json))
        #expect(error.code == .syntax)
        #expect(error.line == 3)
        #expect(error.column == 11)
    }
}
