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
      of ranked therapists is the basement. Unranked means listed without a
      rank (too little evidence to judge), never delisted. The minimum
      sample counts new inquiries and views, not the clients retention rests
      on, so a therapist whose practice is full of long-term clients (few or
      no new inquiries) is left unranked, and with no inquiry at all has no
      conversion: the platform's own figure, kept as it is (see fair).
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
      Caseload's assumptions: the essay gives neither. The minimum counts the
      evidence the score divides by (charged sessions), so a full long-term
      practice is ranked, and ranked low. Unranked means listed without a
      rank, never delisted.
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
      clients: below that one client decides the figure. The minimum counts
      the clients the figure divides by, not new inquiries, so a full
      long-term practice is ranked. Unranked means listed without a rank,
      never delisted. No tiers and no basement: a view for analysts, not a
      rule to delist anyone by.
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
      Built so that long-term therapy is not punished. Its minimum sample
      counts the evidence its score rests on: 3 clients seen in the last 180
      days (converted, not refused). New inquiries are not asked for: a
      therapist whose practice is full of long-term clients has few or none,
      yet plenty of evidence about retention. Both figures are shrunk toward
      the platform's, so small samples are ordered by what they prove
      without a hard cut: conversion to a first session (90 days) as if every
      therapist had 10 more inquiries converting at the platform's rate (with
      no inquiry at all it is the platform's, neither reward nor penalty),
      and sessions per client (180 days) as if they had 5 more
      platform-average clients. A lower confidence bound is not used for
      conversion: it has no value without inquiries and sinks a few of them,
      which is exactly the full practice. Both are relative to the platform
      (1 = average) and weigh equally; retention counts up to twice the
      platform's: beyond that it says which kind of therapy a therapist
      practises, not how well. Exclusions and refusals are honoured.
      Unranked means listed without a rank (too little evidence to judge),
      never delisted. There is no basement: delisting tells clients in
      ongoing therapy to leave, the harm the essay describes, and no score
      built on a few dozen cases is sure enough for that.
    source: >-
      Caseload's proposal in answer to the essay on aggregator ratings
      (seeds/000), with the exclusion and refusal rules of the Rozmova help
      centre (seeds/001); shrinkage toward the platform mean as in
      empirical-Bayes rating. Issue 16 redesigned it: its earlier minimum of
      5 new inquiries in 90 days left full long-term practices unranked.
    honourExclusions: true
    honourRefusals: true
    metrics:
      conversion:
        statistic: conversionToFirstSession
        windowDays: 90
        estimator: shrunk
        priorWeight: 10
        relativeToPlatform: true
      retention:
        statistic: sessionsPerClient
        windowDays: 180
        estimator: shrunk
        priorWeight: 5
        relativeToPlatform: true
    score: (conversion + min(retention, 2)) / 2
    minimumSample:
      metric: retention   # clients seen in the last 180 days
      atLeast: 3
    tiers:
      - name: above-average
        minScore: 1
      - name: listed
    """
