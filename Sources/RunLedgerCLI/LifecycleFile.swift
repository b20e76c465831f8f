import Foundation
import RunLedger

/// The JSON form of a lifecycle definition (snake_case keys, as README documents).
struct LifecycleFile: Decodable {
    struct State: Decodable {
        var name: String
        var canonicalType: String
        var terminal: Bool?
        var initial: Bool?
        var description: String?
    }

    struct Transition: Decodable {
        var from: String
        var to: String
        var action: String?
        var description: String?
    }

    struct Outcome: Decodable {
        var name: String
        var canonicalType: String
        var description: String?
    }

    struct Roles: Decodable {
        var skipState: String?
        var skipOutcome: String?
        var lateState: String?
        var crashState: String?
        var retryState: String?
        var blockedState: String?
        var releaseState: String?
        var upstreamFailedState: String?
        var upstreamFailedOutcome: String?
        var timeoutState: String?
        var timeoutOutcome: String?
        var defaultMaxActive: Int?
    }

    var name: String
    var description: String?
    var states: [State]
    var transitions: [Transition]?
    var outcomes: [Outcome]?
    var roles: Roles?

    /// Decodes and converts a file; any problem is a data error naming it.
    static func decode(_ data: Data, from file: String) throws -> Lifecycle {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let parsed: LifecycleFile
        do {
            parsed = try decoder.decode(LifecycleFile.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw CLIError.data("\(file): \(path(context.codingPath + [key])) is missing.")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw CLIError.data("\(file): \(path(context.codingPath)) has the wrong type.")
        } catch {
            throw CLIError.data("\(file) is not valid JSON.")
        }
        func type(_ text: String, _ owner: String) throws -> CanonicalType {
            guard let type = CanonicalType(rawValue: text) else {
                let known = CanonicalType.allCases.map(\.rawValue).joined(separator: ", ")
                throw CLIError.data("\(file): \(owner) has unknown canonical type \(text); known: \(known).")
            }
            return type
        }
        let roles = parsed.roles
        return Lifecycle(
            name: parsed.name, description: parsed.description ?? "",
            states: try parsed.states.map { state in
                Lifecycle.State(
                    name: state.name, canonicalType: try type(state.canonicalType, "state \(state.name)"),
                    isTerminal: state.terminal ?? false, isInitial: state.initial ?? false,
                    description: state.description ?? "")
            },
            transitions: (parsed.transitions ?? []).map {
                Lifecycle.Transition(from: $0.from, to: $0.to, action: $0.action, description: $0.description ?? "")
            },
            outcomes: try (parsed.outcomes ?? []).map { outcome in
                Lifecycle.Outcome(
                    name: outcome.name, canonicalType: try type(outcome.canonicalType, "outcome \(outcome.name)"),
                    description: outcome.description ?? "")
            },
            roles: Lifecycle.Roles(
                skipState: roles?.skipState, skipOutcome: roles?.skipOutcome, lateState: roles?.lateState,
                crashState: roles?.crashState, retryState: roles?.retryState, blockedState: roles?.blockedState,
                releaseState: roles?.releaseState, upstreamFailedState: roles?.upstreamFailedState,
                upstreamFailedOutcome: roles?.upstreamFailedOutcome, timeoutState: roles?.timeoutState,
                timeoutOutcome: roles?.timeoutOutcome, defaultMaxActive: roles?.defaultMaxActive))
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(
            of: ".[", with: "[")
    }
}
