import CaseloadCoding
import Foundation

/// Seeds one ``RandomSource`` per thing that draws (a therapist, a case),
/// so each draws from its own stream and adding profile views, say, leaves
/// every case's draws unchanged.
extension SplitMix64 {
    /// One word from a seed and a path of integers (the kind of thing, its index…).
    static func mix(_ seed: UInt64, _ path: UInt64...) -> UInt64 {
        var mixer = SplitMix64(seed: seed)
        var word = mixer.next()
        for part in path {
            mixer = SplitMix64(seed: word ^ (part &* 0xD1B5_4A32_D192_ED03))
            word = mixer.next()
        }
        return word
    }
}

/// xoshiro256** (Blackman & Vigna 2018), seeded through SplitMix64 as its
/// authors advise: a small, fast generator whose whole output follows from
/// the seed. The generator never uses `SystemRandomNumberGenerator`.
struct RandomSource: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
    }

    /// A generator in a given state (for checking against the reference outputs).
    init(state: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = state
    }

    /// The stream for one drawing thing: `seed` mixed with a path of integers.
    init(seed: UInt64, _ path: UInt64...) {
        var word = seed
        for part in path { word = SplitMix64.mix(word, part) }
        self.init(seed: word)
    }

    mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    // MARK: Draws

    /// Uniform in [0, 1), 53 bits.
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Uniform in `range`.
    mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + unit() * (range.upperBound - range.lowerBound)
    }

    /// Uniform integer in `range`. Lemire's multiply-and-reject, written out
    /// here rather than `Int.random(in:using:)`, whose algorithm the standard
    /// library does not promise to keep: the history must not change with
    /// the toolchain.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        Int(seconds(Int64(range.lowerBound)...Int64(range.upperBound)))
    }

    /// Uniform whole seconds (or any integers) in `range`.
    mutating func seconds(_ range: ClosedRange<Int64>) -> Int64 {
        let span = UInt64(bitPattern: range.upperBound &- range.lowerBound) &+ 1
        if span == 0 { return Int64(bitPattern: next()) }  // the full 64-bit range
        var product = next().multipliedFullWidth(by: span)
        if product.low < span {
            let threshold = (0 &- span) % span
            while product.low < threshold { product = next().multipliedFullWidth(by: span) }
        }
        return range.lowerBound &+ Int64(bitPattern: product.high)
    }

    /// Standard normal (Box–Muller; one of the pair is dropped to keep the
    /// generator's state the only state).
    mutating func normal() -> Double {
        var u = unit()
        while u == 0 { u = unit() }
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * unit())
    }

    /// Lognormal with the given median and shape σ (the median is e^μ).
    mutating func lognormal(median: Double, sigma: Double) -> Double {
        median * exp(sigma * normal())
    }

    /// Exponential with the given mean (waiting times of a Poisson process).
    mutating func exponential(mean: Double) -> Double {
        var u = unit()
        while u == 0 { u = unit() }
        return -log(u) * mean
    }

    /// One of `choices`, with probability proportional to its weight.
    mutating func pick<T>(_ choices: [(T, Double)]) -> T {
        let total = choices.reduce(0) { $0 + $1.1 }
        var x = unit() * total
        for (value, weight) in choices {
            if x < weight { return value }
            x -= weight
        }
        return choices[choices.count - 1].0
    }
}
