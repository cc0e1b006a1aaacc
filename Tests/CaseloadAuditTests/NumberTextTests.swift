@testable import CaseloadAudit
import Testing

/// Explain writes any figure, however far past a real one, without trapping.
@Suite struct NumbersForPeople {
    @Test(arguments: [
        (1.5, "1.5000"), (-0.25, "-0.2500"), (1e15 + 0.5, "1000000000000000.5"),
        (Double(Int64.max), "9.223372036854776e+18"), (.infinity, "inf"), (-.infinity, "-inf"),
    ])
    func aFigureIsWrittenWithFourDecimalsOrAsSwiftWritesIt(_ value: Double, _ text: String) {
        #expect(String.fixed4(value) == text)
    }

    @Test func aWholeFigurePast10To15IsWrittenNotTrapped() {
        #expect(AuditText.number(9.5e18) == "9.5e+18")
        #expect(AuditText.number(.nan) == "nan")
    }
}
