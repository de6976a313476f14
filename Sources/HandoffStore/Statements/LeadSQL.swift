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
}
