import CaseloadCoding

/// Statistics as JSON, CSV or a table for people.
public enum StatisticsReport {
    /// A JSON array of objects with `therapistId` and exactly the published
    /// statistics (``Metric/published``); counts and money are whole
    /// numbers, rates and the median are numbers or `null` (a rate with a
    /// zero denominator, a median of nothing).
    public static func json(_ rows: [TherapistStatistics]) -> String {
        var writer = JSONWriter(capacity: 512 * max(1, rows.count))
        writer.beginArray()
        for row in rows {
            writer.beginObject()
            writer.key("therapistId")
            writer.string(row.therapistId)
            for metric in Metric.published {
                writer.key(metric.name)
                if let tally = metric.tally {
                    writer.int(row[tally])
                } else {
                    writer.optionalDouble(row.value(metric))
                }
            }
            writer.endObject()
        }
        writer.endArray()
        return writer.text
    }

    /// CSV with a header row; empty cells for null rates.
    public static func csv(_ rows: [TherapistStatistics]) -> String {
        var lines = [(["therapistId"] + Metric.published.map(\.name)).joined(separator: ",")]
        for row in rows {
            var cells = [csvEscape(row.therapistId)]
            for metric in Metric.published {
                cells.append(row.value(metric).map { format($0) } ?? "")
            }
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csvEscape(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// A table for people: the main figures, rates beside the platform's.
    public static func table(_ rows: [TherapistStatistics], platform: TherapistStatistics?) -> String {
        func pct(_ value: Double?) -> String { value.map { String(format1: $0 * 100) + "%" } ?? "–" }
        func num(_ value: Double?) -> String { value.map { String(format1: $0) } ?? "–" }
        func relative(_ value: Double?, _ base: Double?) -> String {
            guard let value, let base, base > 0 else { return "" }
            return " (×" + String(format2: value / base) + ")"
        }
        let header = ["therapist", "views", "inquiries", "excluded", "counted", "1st sessions", "conversion",
                      "refusals", "held", "late", "no-shows", "return rate", "sessions/client", "revenue", "fees"]
        var table: [[String]] = [header]
        for row in rows + (platform.map { [$0] } ?? []) {
            table.append([
                row.therapistId, String(row.profileViews), String(row.inquiries), String(row.excludedInquiries),
                String(row.countedInquiries), String(row.firstSessions),
                pct(row.conversionToFirstSession) + relative(row.conversionToFirstSession, platform?.conversionToFirstSession),
                String(row.refusals), String(row.sessionsHeld), String(row.lateCancellations), String(row.noShows),
                pct(row.returnRate) + relative(row.returnRate, platform?.returnRate),
                num(row.sessionsPerClient) + relative(row.sessionsPerClient, platform?.sessionsPerClient),
                money(row.sessionRevenue), money(row.platformFees),
            ])
        }
        return render(table, rightAligned: Set(1..<header.count))
    }

    /// Minor units as major units with two decimals.
    public static func money(_ minor: Int64) -> String {
        let sign = minor < 0 ? "-" : ""
        let value = minor.magnitude
        let cents = value % 100
        return "\(sign)\(value / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// Columns padded to their widest cell.
    public static func render(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        guard let first = rows.first else { return "" }
        var widths = Array(repeating: 0, count: first.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            row.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return rightAligned.contains(index) ? pad + cell : cell + pad
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

extension String {
    init(format1 value: Double) { self = Self.fixed(value, 1) }
    init(format2 value: Double) { self = Self.fixed(value, 2) }

    /// `value` with `digits` decimals, without Foundation's `String(format:)`.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "–" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        // The scaled value must fit an Int64: past 10^18 write it as Swift does (never reached by real figures).
        guard abs(value) * scale < 1e18 else { return value.description }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale)
        let fraction = Int64(scaled) - whole * Int64(scale)
        var fractionText = String(fraction)
        while fractionText.count < digits { fractionText = "0" + fractionText }
        return (value < 0 && scaled != 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + fractionText : "")
    }
}
