import Foundation
import Testing

/// A small legal history as import lines: two therapists, a converted case,
/// an excluded chat, a refusal with a re-match.
let marketplaceLines: [String] = [
    #"{"type":"TherapistJoined","occurredAt":"2024-03-01T08:00:00Z","actor":"support:s1","data":{"therapistId":"t1"}}"#,
    #"{"type":"TherapistJoined","occurredAt":"2024-03-01T08:00:00Z","actor":"support:s1","data":{"therapistId":"t2"}}"#,
    #"{"type":"InquiryOpened","occurredAt":"2024-03-01T09:00:00Z","actor":"client:k1","data":{"caseId":"c1","clientId":"k1","clientName":"Olena","format":"individual","oneOff":false,"therapistId":"t1"}}"#,
    #"{"type":"TherapistReplied","occurredAt":"2024-03-01T10:00:00Z","actor":"therapist:t1","data":{"caseId":"c1"}}"#,
    #"{"type":"SessionBooked","occurredAt":"2024-03-02T09:00:00Z","actor":"client:k1","data":{"caseId":"c1","price":{"amount":300000,"currency":"UAH"},"scheduledStart":"2024-03-05T10:00:00Z","sessionId":"s1"}}"#,
    #"{"type":"SessionHeld","occurredAt":"2024-03-05T11:00:00Z","actor":"therapist:t1","data":{"caseId":"c1","sessionId":"s1"}}"#,
    #"{"type":"InquiryOpened","occurredAt":"2024-03-06T09:00:00Z","actor":"client:k2","data":{"caseId":"c2","clientId":"k2","format":"individual","oneOff":false,"therapistId":"t1"}}"#,
    #"{"type":"ChatExcluded","occurredAt":"2024-03-07T09:00:00Z","actor":"support:agent-7","data":{"caseId":"c2","reason":"spam"}}"#,
    #"{"type":"RefusalFiled","occurredAt":"2024-03-06T12:00:00Z","actor":"therapist:t1","data":{"caseId":"c1","explanation":"outside my approach","reason":"outsideCompetence"}}"#,
    #"{"type":"RefusalResolved","occurredAt":"2024-03-08T09:00:00Z","actor":"support:agent-7","data":{"caseId":"c1","newCaseId":"c3","newTherapistId":"t2","outcome":"rematched"}}"#,
    #"{"type":"InquiryOpened","occurredAt":"2024-03-08T09:00:00Z","actor":"support:agent-7","data":{"caseId":"c3","clientId":"k1","format":"individual","oneOff":false,"rematchedFrom":"c1","therapistId":"t2"}}"#,
]

@Suite(.serialized) struct MarketplaceCommands {
    /// Statistics saved from a log that has since lost its last events are
    /// rebuilt, and the command says why on standard error.
    @Test func statsSaysWhenItRebuiltFromTheLog() throws {
        let scratch = try Scratch()
        let db = scratch.path("m.sqlite")
        let file = scratch.path("history.jsonl")
        try Data((marketplaceLines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        #expect(try CLI.run(["import", "--db", db, file]).status == 0)
        let first = try CLI.run(["stats", "--db", db])
        #expect(first.status == 0 && !first.stderr.contains("rebuilt"), "\(first.stderr)")
        try execute(db, "DELETE FROM events WHERE position > 9")
        let second = try CLI.run(["stats", "--db", db])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("statistics rebuilt from the log"), "\(second.stderr)")
        #expect(second.stderr.contains("past the log's head 9"), "\(second.stderr)")
    }

    /// A row missing in the middle of the log (a damaged page SQLite could
    /// not tell was wrong, or a row deleted by hand) is not skipped: the
    /// commands that replay the log exit 65 naming the missing position.
    @Test(arguments: [
        ["stats"], ["ratings", "--rules", "fair"], ["replay"], ["compare", "--rules", "fair", "--rules", "platform-standard"],
        ["log"], ["log", "--json"],
    ])
    func aPositionMissingMidLogStopsTheReplayNamingIt(_ command: [String]) throws {
        let scratch = try Scratch()
        let db = scratch.path("m.sqlite")
        let file = scratch.path("history.jsonl")
        try Data((marketplaceLines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        #expect(try CLI.run(["import", "--db", db, file]).status == 0)
        try execute(db, "DELETE FROM events WHERE position IN (5, 6)")
        let result = try CLI.run([command[0], "--db", db] + command.dropFirst())
        #expect(result.status == 65, "\(command): \(result.status) \(result.stdout.prefix(300))\(result.stderr)")
        #expect(
            result.stderr.contains(command[0] == "log" ? "position 5 is missing from the log" : "positions 5…6 are missing from the log"),
            "\(command): \(result.stderr)")
        // `log` streams what it read before the gap (an unclosed JSON array
        // with --json, which no reader takes for a whole answer); the
        // others print nothing.
        if command[0] != "log" { #expect(result.stdout.isEmpty, "\(command): \(result.stdout.prefix(300))") }
    }

    /// Prices in two currencies are never added: statistics refuse the log
    /// (exit 65, a data error), naming the booking that brought the second.
    @Test func statisticsRefuseALogPricedInTwoCurrencies() throws {
        let scratch = try Scratch()
        let db = scratch.path("m.sqlite")
        let file = scratch.path("history.jsonl")
        let euros = #"{"type":"SessionBooked","occurredAt":"2024-03-06T09:00:00Z","actor":"client:k1","data":{"caseId":"c1","price":{"amount":9000,"currency":"EUR"},"scheduledStart":"2024-03-09T10:00:00Z","sessionId":"s2"}}"#
        let lines = Array(marketplaceLines.prefix(6)) + [euros]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let imported = try CLI.run(["import", "--db", db, file])
        #expect(imported.status == 0, "\(imported.stderr)")
        let stats = try CLI.run(["stats", "--db", db])
        #expect(stats.status == 65, "\(stats.stderr)")
        #expect(stats.stderr.contains("position 7"), "\(stats.stderr)")
        #expect(stats.stderr.contains("EUR"), "\(stats.stderr)")
    }

    @Test func importStatsRatingsCompareAuditVerifyAndEraseWorkEndToEnd() throws {
        let scratch = try Scratch()
        let db = scratch.path("m.sqlite")
        let file = scratch.path("history.jsonl")
        try Data((marketplaceLines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))

        let imported = try CLI.run(["import", "--db", db, file, "--json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains(#""appended":11"#))
        #expect(imported.stdout.contains(#""clientNamesStored":1"#))

        // A retried import appends nothing.
        #expect(try CLI.run(["import", "--db", db, file, "--json"]).stdout.contains(#""appended":0,"skipped":11"#))

        let stats = try CLI.run(["stats", "--db", db, "--json", "--as-of", "2024-03-31"])
        #expect(stats.status == 0, "\(stats.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [[String: Any]])
        let t1 = try #require(rows.first { $0["therapistId"] as? String == "t1" })
        #expect(Set(t1.keys) == Set(["therapistId", "profileViews", "inquiries", "excludedInquiries", "countedInquiries",
            "repliedInquiries", "medianFirstResponseSeconds", "firstSessions", "conversionToFirstSession", "refusals",
            "sessionsHeld", "lateCancellations", "earlyCancellations", "noShows", "clientsWithSecondSession", "returnRate",
            "sessionsPerClient", "sessionRevenue", "platformFees", "profileEfficiency"]))
        // t1: 2 inquiries, 1 excluded, 1 counted and converted (then refused): conversion 1.
        #expect(t1["inquiries"] as? Int == 2)
        #expect(t1["excludedInquiries"] as? Int == 1)
        #expect(t1["conversionToFirstSession"] as? Double == 1)
        #expect(t1["refusals"] as? Int == 1)
        #expect(t1["returnRate"] is NSNull, "the refused client is left out of retention: no denominator")
        #expect(t1["medianFirstResponseSeconds"] as? Double == 3600)
        #expect(t1["platformFees"] as? Int == 690_000)

        let csv = try CLI.run(["stats", "--db", db, "--csv"])
        #expect(csv.stdout.hasPrefix("therapistId,profileViews,inquiries,"))

        let ratings = try CLI.run(["ratings", "--db", db, "--rules", "fair", "--json"])
        #expect(ratings.status == 0, "\(ratings.stderr)")
        #expect(ratings.stdout.contains(#""therapistId":"t1""#))
        #expect(ratings.stdout.contains(#""ongoingClients":{"clients":"#), "issue 16: clients in ongoing therapy per therapist")
        let table = try CLI.run(["ratings", "--db", db, "--rules", "platform-standard"])
        #expect(table.stdout.contains("P(basement)"))
        #expect(table.stdout.contains("platform-standard as of 2024-"), "the harm, in words: \(table.stdout)")

        let html = scratch.path("report.html")
        let compare = try CLI.run(["compare", "--db", db, "--rules", "platform-standard", "--rules", "fair", "--html", html])
        #expect(compare.status == 0, "\(compare.stderr)")
        #expect(compare.stdout.contains("Kendall"))
        #expect(compare.stdout.contains("fair as of 2024-"))
        #expect(compare.stdout.contains("has no basement: it tells no client to leave"))
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<svg"))
        #expect(page.contains(#""head":"caseload explain --db "#), "the page's commands name the log")

        // explain lists the clients in ongoing therapy over the window ratings and compare use.
        let window = try CLI.run(["explain", "--db", db, "--therapist", "t1", "--metric", "inquiries", "--ongoing-days", "365", "--json"])
        #expect(window.status == 0, "\(window.stderr)")
        #expect(window.stdout.contains(#""ongoingWithinDays":365"#))
        let noWindow = try CLI.run(["explain", "--db", db, "--therapist", "t1", "--metric", "inquiries", "--ongoing-days", "0"])
        #expect(noWindow.status == 64 && noWindow.stderr.contains("--ongoing-days"), "\(noWindow.stderr)")
        // Past the span of the contract's times, a window was a trap (SIGILL,
        // exit 132) in ratings, compare and explain: now it is refused.
        for command in [["explain", "--therapist", "t1", "--metric", "inquiries"], ["ratings", "--rules", "fair"],
                        ["compare", "--rules", "fair", "--rules", "return-rate"]] {
            for days in ["9223372036854775807", "3652060"] {
                let huge = try CLI.run(command + ["--db", db, "--ongoing-days", days])
                #expect(huge.status == 64 && huge.stderr.contains("--ongoing-days"), "\(command) \(days): \(huge.status) \(huge.stderr)")
            }
        }
        let widest = try CLI.run(["ratings", "--db", db, "--rules", "fair", "--ongoing-days", "3652059", "--draws", "0"])
        #expect(widest.status == 0, "\(widest.stderr)")
        let tooManyDraws = try CLI.run(["ratings", "--db", db, "--rules", "fair", "--draws", "100001"])
        #expect(tooManyDraws.status == 64 && tooManyDraws.stderr.contains("--draws"), "\(tooManyDraws.stderr)")

        let badRule = scratch.path("bad.yaml")
        try Data("name: broken\nmetrics:\n  conversion: {statistic: conversionToFirstSession}\nscore: conversion +\n".utf8).write(to: URL(fileURLWithPath: badRule))
        let refused = try CLI.run(["ratings", "--db", db, "--rules", badRule])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("bad.yaml:4"), "the error names the line: \(refused.stderr)")

        let timeline = try CLI.run(["audit", "case", "--db", db, "c1"])
        #expect(timeline.status == 0, "\(timeline.stderr)")
        #expect(timeline.stdout.contains("client name: Olena"))
        #expect(timeline.stdout.contains("re-matched to case c3"))

        let verify = try CLI.run(["verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("rules hold"))

        let erase = try CLI.run(["erase", "client", "--db", db, "k1", "--actor", "support:agent-7"])
        #expect(erase.status == 0, "\(erase.stderr)")
        #expect(try CLI.run(["audit", "case", "--db", db, "c1"]).stdout.contains("client name: (erased)"))
        #expect(try CLI.run(["verify", "--db", db]).status == 0)
        let after = try CLI.run(["stats", "--db", db, "--json", "--as-of", "2024-03-31"])
        #expect(after.stdout == stats.stdout, "statistics are unchanged by erasure")
    }

    @Test func aBadImportLineIsNamedAndNothingIsStored() throws {
        let scratch = try Scratch()
        let db = scratch.path("m.sqlite")
        let file = scratch.path("bad.jsonl")
        var lines = marketplaceLines
        lines[5] = lines[5].replacingOccurrences(of: #""sessionId":"s1""#, with: #""sessionId":"s9""#)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let result = try CLI.run(["import", "--db", db, file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("line 6"), "\(result.stderr)")
        #expect(result.stderr.contains("s9"))
        #expect(result.stderr.contains("nothing was imported"))
        // The import made the file, and nothing was imported: no file is left.
        #expect(!FileManager.default.fileExists(atPath: db))
        #expect(try CLI.run(["head", "--db", db]).status == 66)
    }

    @Test func aFailedImportIntoAnExistingLogLeavesItAsItWas() throws {
        let scratch = try Scratch()
        let db = scratch.path("m.sqlite")
        let good = scratch.path("good.jsonl")
        let bad = scratch.path("bad.jsonl")
        try Data((marketplaceLines.prefix(2).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: good))
        try Data("{\"type\":\"Nonsense\"}\n".utf8).write(to: URL(fileURLWithPath: bad))
        #expect(try CLI.run(["import", "--db", db, good]).status == 0)
        let failed = try CLI.run(["import", "--db", db, bad])
        #expect(failed.status == 1, "\(failed.stderr)")
        #expect(try CLI.run(["head", "--db", db]).stdout.hasPrefix("position 2"))
    }

    @Test func aDatabaseThatBreaksMidImportExitsAsCorruptNamingTheLine() throws {
        let scratch = try Scratch()
        let db = scratch.path("m.sqlite")
        let first = scratch.path("first.jsonl")
        let rest = scratch.path("rest.jsonl")
        try Data((marketplaceLines.prefix(2).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: first))
        try Data((marketplaceLines.dropFirst(2).joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: rest))
        #expect(try CLI.run(["import", "--db", db, first]).status == 0)
        // therapist-t1's first event (not the head, which opening reads) gets a hash that is not 32 bytes;
        // the next file's first line, t1's InquiryOpened, reads that stream.
        try execute(db, "UPDATE events SET hash = X'00' WHERE position = 1")
        let result = try CLI.run(["import", "--db", db, rest])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("line 1"), "\(result.stderr)")
        #expect(result.stderr.contains("nothing was imported"))
    }
}

@Suite struct CommandOptions {
    @Test func onlyTheCommandsThatAppendOfferDurability() throws {
        for command in [["import"], ["append"], ["erase", "client"], ["generate"]] {
            #expect(try CLI.run(command + ["--help"]).stdout.contains("--durability"), "\(command)")
        }
        for command in [["stats"], ["ratings"], ["compare"], ["explain"], ["replay"], ["log"], ["head"], ["verify"],
                        ["audit", "case"], ["audit", "actor"], ["audit", "exclusions"]] {
            #expect(!(try CLI.run(command + ["--help"]).stdout.contains("--durability")), "\(command)")
        }
    }

    @Test func twoOutputFormatsAtOnceAreAUsageError() throws {
        let result = try CLI.run(["stats", "--db", "unused.sqlite", "--json", "--csv"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--csv"), "\(result.stderr)")
    }
}
