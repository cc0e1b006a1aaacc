import CaseloadCoding
import CaseloadDomain
import CaseloadStatistics
import Testing

/// Views folded in batches (the replay's fast path) give exactly the facts
/// of folding each view as an event, and the saved state in pieces is the
/// saved state whole.
@Suite struct ProfileViewBatches {
    /// Views of short ids, of ids longer than 16 bytes, of ids that differ
    /// only in their length (a zero byte), interleaved, in log order.
    func views() -> [(therapistId: String, at: Timestamp)] {
        let ids = ["t1", "t2", "t10", "a-therapist-with-a-long-id", "a-therapist-with-a-long-id-2", "t1\u{0}", "t\u{0}1"]
        var generator = SplitMix64(seed: 7)
        return (0..<5_000).map { index in
            let id = ids[Int(generator.next() % UInt64(ids.count))]
            // Not in time order: a log someone imported may not be.
            let seconds = 1_704_067_200 + Int64(index) * 60 - Int64(generator.next() % 3_600)
            return (id, Timestamp(secondsSinceEpoch: seconds))
        }
    }

    @Test func batchesFoldLikeOneViewAtATime() throws {
        let views = views()
        var oneByOne = MarketplaceFacts()
        for (offset, view) in views.enumerated() {
            try oneByOne.apply(.profileViewed(ProfileViewed(therapistId: view.therapistId)), occurredAt: view.at, position: Int64(offset + 1))
        }
        // Batches of uneven sizes, as chunks of a log are.
        var batched = MarketplaceFacts()
        var start = 0
        for size in [1, 999, 0, 2_500, 1_500] {
            var batch = ProfileViewBatch()
            for offset in start..<start + size {
                batch.add(therapistId: views[offset].therapistId, occurredAt: views[offset].at, position: Int64(offset + 1))
            }
            batch.finish()
            #expect(batch.count == size)
            batched.apply(views: batch)
            start += size
        }
        #expect(start == views.count)
        #expect(batched == oneByOne)
        #expect(batched.checkpoint == Int64(views.count))
        #expect(batched.latestOccurredAt == oneByOne.latestOccurredAt)
        #expect(batched.views == oneByOne.views)
        #expect(batched.views.count == 7)
    }

    @Test func aStateInPiecesIsTheStateWhole() throws {
        var facts = MarketplaceFacts()
        for (offset, view) in views().enumerated() {
            try facts.apply(.profileViewed(ProfileViewed(therapistId: view.therapistId)), occurredAt: view.at, position: Int64(offset + 1))
        }
        let prefix: [UInt8] = [1, 2, 3]
        let whole = FactsCodec.encode(facts, after: prefix)
        #expect(Array(whole.prefix(3)) == prefix)
        #expect(Array(whole.dropFirst(3)) == FactsCodec.encode(facts))
        var joined: [UInt8] = []
        var pieces = 0
        FactsCodec.encode(facts, after: prefix, pieceSize: 256) { piece in
            joined.append(contentsOf: piece)
            pieces += 1
        }
        #expect(joined == whole)
        #expect(pieces > 1)
        #expect(FactsCodec.encodedSize(facts, after: prefix) == whole.count)
    }
}
