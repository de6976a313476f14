import HandoffCore

/// SQL fragments shared by the lead queries, so a lead reads the same everywhere.
enum LeadSQL {
    /// The lead `l` as the API's JSON (PRODUCT.md's lead shape); an erased
    /// lead's tombstone also carries `erased_at`.
    static let json = """
        (jsonb_build_object(
            'id', l.id, 'funnel_id', l.funnel_id, 'external_id', l.external_id, 'email', l.email,
            'name', l.name, 'phone', l.phone, 'score', l.score, 'answers', l.answers,
            'attributes', l.attributes, 'status', l.status, 'owner_id', l.owner_id, 'created_at', l.created_at,
            'sla', jsonb_build_object(
                'policy_id', l.sla_policy_id, 'state', l.sla_state, 'started_at', l.sla_started_at,
                'due_at', l.sla_due_at, 'warned_at', l.sla_warned_at, 'breached_at', l.sla_breached_at,
                'responded_at', l.sla_responded_at, 'response_seconds', l.sla_response_seconds))
         || CASE WHEN l.erased_at IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('erased_at', l.erased_at) END)
        """

    /// The due_at of `l` as `LeadSortKey.dueAt`: microseconds since the Unix
    /// epoch, exact (extract returns numeric), NULL without one. A cursor
    /// binds it back as `timestamptz 'epoch' + n * interval '1 microsecond'`,
    /// the same instant.
    static let dueAtMicroseconds = "(extract(epoch FROM l.sla_due_at) * 1000000)::bigint"

    /// Which leads of `l` a run reads, and in which order; each matches an
    /// index after `tenant_id` (`leads_pkey`, the filters' `(…, id)` indexes,
    /// and for the board `leads_running_by_due`). Plain columns only: under
    /// Row Level Security, a condition on an expression such as coalesce()
    /// is not leakproof, so it would be checked row by row instead of
    /// bounding the index scan.
    static func range(of run: LeadRun) -> (condition: String, orderBy: String) {
        switch run {
        case .newestFirst: ("true", "l.id DESC")
        case .dated: ("l.sla_due_at IS NOT NULL", "l.sla_due_at, l.id")
        case .undated: ("l.sla_due_at IS NULL", "l.id")
        }
    }
}
