/// How an owner answered a lead (`POST /v1/leads/{id}/responses`).
public enum ResponseChannel: String, Sendable, CaseIterable {
    case call, email, sms, meeting, other
}

extension Validator {
    /// A value of a closed set, required: one 422 says which values it takes.
    public mutating func oneOf<Value: RawRepresentable & CaseIterable>(
        _ raw: String?, _ field: String, as type: Value.Type = Value.self
    ) -> Value? where Value.RawValue == String {
        guard let raw else {
            fail(field, "is required")
            return nil
        }
        guard let value = Value(rawValue: raw) else {
            fail(field, "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return value
    }
}
