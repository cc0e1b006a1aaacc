// The built-in rules, as the YAML an analyst would write, parsed by the same
// reader as rule files. They live in string literals because a SwiftPM
// resource bundle would need a Package.swift change; `caseload` can print any
// of them to start a rule of one's own.

extension RatingRule {
    /// The built-in rules' names, in the order the README lists them.
    public static let builtinNames: [String] = builtinSources.map(\.name)

    /// The built-in rule called `name`, or nil.
    public static func builtin(named name: String) -> RatingRule? {
        builtinRules[name]
    }

    /// The YAML text of the built-in rule called `name` (to print, or to copy and edit).
    public static func builtinText(named name: String) -> String? {
        builtinSources.first { $0.name == name }?.yaml
    }

    private static let builtinRules: [String: RatingRule] = {
        var rules: [String: RatingRule] = [:]
        for (name, yaml) in builtinSources {
            do {
                rules[name] = try parse(yaml, format: .yaml, file: "builtin:\(name)")
            } catch {
                // A programming error in this file, caught by the built-in rule tests.
                preconditionFailure("built-in rule \(name) does not parse: \(error)")
            }
        }
        return rules
    }()

    private static let builtinSources: [(name: String, yaml: String)] = [
        ("platform-standard", platformStandard),
        ("monetary-conversion", monetaryConversion),
        ("return-rate", returnRate),
        ("fair", fair),
    ]
}

private let platformStandard = """
    name: platform-standard
    description: >-
      The marketplace's own rule as its help centre describes it: chats that
      support excluded, and cases the therapist refused after the first
      session, do not count against the therapist, and every figure is judged
      against the platform average (1 = average). Profile efficiency over 30
      days, conversion to a first session over 90, sessions per client over
      180, weighted equally. The equal weights, the minimum sample (10 counted
      inquiries in 90 days and 100 profile views in 30) and the tiers are
      Caseload's reading: the platform does not publish them. The bottom 10%
      of ranked therapists is the basement.
    source: >-
      Rozmova help centre, "Which pre-session inquiries are removed from a
      specialist's statistics, and which are not" (seeds/001): exclusions and
      refusals do not lower conversion or profile efficiency, and figures are
      taken relative to platform averages. The 30/90/180-day windows are those
      DOMAIN.md and issue 4 report the platform using; the help-centre text
      itself does not give them.
    honourExclusions: true
    honourRefusals: true
    metrics:
      efficiency:
        statistic: profileEfficiency
        windowDays: 30
        relativeToPlatform: true
      conversion:
        statistic: conversionToFirstSession
        windowDays: 90
        relativeToPlatform: true
      retention:
        statistic: sessionsPerClient
        windowDays: 180
        relativeToPlatform: true
    score: (efficiency + conversion + retention) / 3
    minimumSample:
      - metric: conversion   # counted inquiries in the last 90 days
        atLeast: 10
      - metric: efficiency   # profile views in the last 30 days
        atLeast: 100
    tiers:
      - name: top
        topPercent: 10
      - name: above-average
        minScore: 1
      - name: listed
    basement:
      bottomPercent: 10
    """

private let monetaryConversion = """
    name: monetary-conversion
    description: >-
      The rule the seed essay criticises: therapists ranked by the platform's
      fees per charged session under the first-client-fee model (two
      sessions' price for every new client, plus 30% of each session). A new
      client brings the large fee once, so a therapist whose clients come for
      two sessions and leave earns the platform the most per session, and
      long-term therapy the least: the rule rewards churn. At 3,000 a
      session, a two-session client pays the platform 7,800 (3,900 a
      session); a twenty-session client 24,000 (1,200 a session). Excluded
      chats and refused cases count, as the essay's aggregator did not honour
      them. The bottom 10% is the basement, whose therapists such platforms
      delisted. The 90-day window and the minimum of 5 charged sessions are
      Caseload's assumptions: the essay gives neither.
    source: >-
      A therapist's essay on aggregators, published on B17 (seeds/000):
      aggregator "A" ranked therapists by "monetary conversion" under a fee of
      two sessions' price per new client plus 30% of each session; aggregator
      "Z" parted with over a hundred therapists at the bottom (the "basement")
      of its rating and encouraged their clients to leave them.
    honourExclusions: false
    honourRefusals: false
    metrics:
      feesPerSession:
        statistic: platformFeesPerChargedSession
        windowDays: 90
        relativeToPlatform: true
    score: feesPerSession
    minimumSample:
      metric: feesPerSession   # charged sessions in the last 90 days
      atLeast: 5
    basement:
      bottomPercent: 10
    """

private let returnRate = """
    name: return-rate
    description: >-
      Clients with a second session divided by clients with a first, over 180
      days, with refused cases left out (a refusal after the first session is
      a professional decision, not a lost client). Ranked only from 5 such
      clients: below that one client decides the figure. No tiers and no
      basement: a view for analysts, not a rule to delist anyone by.
    source: >-
      Issue 4 (Caseload), from the retention statistics of DOMAIN.md and the
      refusal rules of the Rozmova help centre (seeds/001).
    honourExclusions: true
    honourRefusals: true
    metrics:
      returnRate:
        statistic: returnRate
        windowDays: 180
    score: returnRate
    minimumSample:
      metric: returnRate   # retained clients (converted, not refused) in 180 days
      atLeast: 5
    """

private let fair = """
    name: fair
    description: >-
      Built so that long-term therapy is not punished. Conversion to a first
      session (90 days) is taken at the lower bound of its 95% Wilson
      interval, so a therapist with few inquiries (often one whose practice
      is full of long-term clients) is ordered by what the sample proves
      rather than lifted or sunk by luck. Retention, sessions per client over
      180 days, is shrunk toward the platform's with the weight of 5 clients,
      so a handful of clients cannot swing it. Both are relative to the
      platform (1 = average) and weigh equally, and retention counts up to
      twice the platform's: beyond that it says which kind of therapy a
      therapist practises (long-term work or short courses), not how well.
      Exclusions and refusals are honoured. There is no basement: a lower
      confidence bound is the right tool to order therapists and the wrong one
      to delist them, since a small sample has a low bound without being bad
      (delisting would need the upper bound to be low), and delisting tells
      clients in ongoing therapy to leave, the harm the essay describes. The
      conversion term sits below 1 for small samples by design, so the
      above-average tier asks for a score of 1 all the same.
    source: >-
      Caseload's proposal in answer to the essay on aggregator ratings
      (seeds/000), with the exclusion and refusal rules of the Rozmova help
      centre (seeds/001); the Wilson (1927) score interval; shrinkage toward
      the platform mean as in empirical-Bayes rating.
    honourExclusions: true
    honourRefusals: true
    metrics:
      conversion:
        statistic: conversionToFirstSession
        windowDays: 90
        estimator: wilsonLower
        z: 1.96
        relativeToPlatform: true
      retention:
        statistic: sessionsPerClient
        windowDays: 180
        estimator: shrunk
        priorWeight: 5
        relativeToPlatform: true
    score: (conversion + min(retention, 2)) / 2
    minimumSample:
      metric: conversion   # counted inquiries in the last 90 days
      atLeast: 5
    tiers:
      - name: above-average
        minScore: 1
      - name: listed
    """
