import HandoffCore

/// Why a lead write was refused.
public enum LeadWriteError: Error, Sendable, Equatable {
    case invalid([FieldError])
    case conflict(String)
}
