import CaseloadDomain

/// The short explanations people write in requests and decisions. Never chat
/// contents: the platform does not see them (DOMAIN.md, "Privacy").
enum Texts {
    static func exclusionRequest(_ reason: ExclusionReason) -> String {
        switch reason {
        case .spam: "Advertising message unrelated to therapy; screenshots attached."
        case .platformTest: "Looks like a test account checking how the chat works."
        case .randomCharacters: "The message is random characters; no reply to my question."
        case .certificateRequest: "Asked only for a certificate I cannot issue."
        case .abusiveMessages: "Aggressive and insulting messages; I stopped answering."
        case .dangerousProposal: "Proposal that is dangerous and outside any therapy."
        case .accidentalContact: "The client says they wrote to me by accident."
        case .duplicateChat: "Second chat opened by the partner of an existing couple client."
        }
    }

    static let denials = [
        "The screenshots show a request for therapy; the chat stays in statistics.",
        "Not enough evidence that the chat was not about therapy.",
        "The client answered support and confirmed a genuine request.",
    ]

    static let revocations = [
        "The client came back with a genuine request; the chat counts again.",
        "On review the evidence did not show a chat outside therapy.",
    ]

    static func refusal(_ reason: RefusalReason) -> String {
        switch reason {
        case .outsideCompetence: "The request needs a method I do not practise."
        case .needsOtherSpecialist: "The client needs psychiatric co-care first."
        case .boundaryViolation: "The client repeatedly crossed professional boundaries."
        case .personalTrigger: "The topic is a strong personal trigger for me."
        case .ethicalIncompatibility: "A conflict of values I cannot work with."
        case .other: "Organisational reasons: my schedule cannot fit the client."
        }
    }

    static let antifraudRules = ["offPlatformPayment", "contactDetailsShared", "bookingPatternAnomaly"]
    static let spamRules = ["spamPattern", "testAccount"]

    static let disputes = [
        "All sessions are booked and paid on the platform; the client rescheduled.",
        "The client shared contacts unasked; I declined to move off the platform.",
    ]
    static let clearances = [
        "No sign of off-platform payment; flag cleared.",
        "The therapist's evidence explains the booking gap.",
    ]
    static let confirmations = [
        "The client confirmed paying the therapist directly.",
        "Anti-fraud check confirmed; the chat was not a genuine request.",
    ]
}
