public import EventStore
import Foundation
import Prometheus
import Synchronization

/// The service's Prometheus metrics, on a registry of its own (never the
/// process-wide `MetricsSystem`, so that tests can build many servers):
/// requests by route and status, append latency, group-commit sizes, feed
/// subscribers and the statistics' lag behind the log.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let appendLatency: DurationHistogram
    private let commandEvents: ValueHistogram
    private let groupCommits: ValueHistogram
    private let subscribers: Gauge
    private let subscriberCount = Atomic<Int>(0)
    let projectionLag: Gauge
    let head: Gauge

    public init() {
        appendLatency = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "caseload", metricName: "append_duration", unitName: "seconds",
                helpText: "Time from a command's or append's arrival to its durable acknowledgement."),
            labels: [],
            buckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                      .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)])
        commandEvents = registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "caseload", metricName: "append_events", unitName: "count",
                helpText: "Events per acknowledged command or append."),
            labels: [], buckets: [1, 2, 4, 8, 16, 64, 256, 1024])
        groupCommits = registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "caseload", metricName: "group_commit_size", unitName: "appends",
                helpText: "Appends (commands, raw appends) that shared one commit of the store's writer."),
            labels: [], buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096])
        subscribers = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "caseload", metricName: "feed_subscribers", unitName: "count",
                helpText: "Clients reading the live feed now."),
            labels: [])
        projectionLag = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "caseload", metricName: "statistics_lag", unitName: "events",
                helpText: "Positions between the log's head and the statistics' facts in memory, when last scraped."),
            labels: [])
        head = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "caseload", metricName: "log_head", unitName: "position",
                helpText: "The log's last position, when last scraped."),
            labels: [])
    }

    func request(route: String, method: String, status: Int) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "caseload", metricName: "http_requests", unitName: "total",
                helpText: "HTTP requests answered, by route template, method and status."),
            labels: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
    }

    func appended(events: Int, after duration: Duration) {
        appendLatency.record(duration)
        commandEvents.record(Double(events))
    }

    /// The store's writer committed a group (``CaseloadConfiguration/onGroupCommit``).
    public func groupCommitted(_ commit: GroupCommit) { groupCommits.record(Double(commit.appends)) }

    func subscriberJoined() { subscribers.set(Double(subscriberCount.add(1, ordering: .relaxed).newValue)) }
    func subscriberLeft() { subscribers.set(Double(subscriberCount.subtract(1, ordering: .relaxed).newValue)) }

    /// The exposition text.
    func text() -> [UInt8] { registry.emitToBuffer() }
}
