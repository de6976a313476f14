import HandoffCore

/// How each kind of configuration sits in its table: the JSON a row reads as,
/// the columns an update writes, and what may still refer to a row. Every
/// piece of SQL here is a constant; values are always bound ($1 tenant, $2 id).
struct ConfigTable: Sendable {
    var kind: ConfigKind
    /// An expression over the row `r` giving the record's JSON.
    var json: String
    /// Columns a PATCH may change (never tenant_id, id, created_at or counters).
    var updatable: [String]
    /// Rows of one text column, each naming something that refers to $2.
    var referrers: String?

    var table: String { kind.table }

    static func of(_ kind: ConfigKind) -> ConfigTable {
        switch kind {
        case .owner:
            ConfigTable(
                kind: kind, json: "\(plain) || jsonb_build_object('open_leads', \(OwnerLoad.openLeads(of: "r")))",
                updatable: ["name", "email", "slack_user_id", "phone", "timezone", "territories", "active",
                            "max_open_leads", "away_until", "calendar_id", "updated_at"],
                referrers: """
                    SELECT 'team ' || t.name FROM team_members m JOIN teams t ON t.tenant_id = m.tenant_id AND t.id = m.team_id
                        WHERE m.tenant_id = $1 AND m.owner_id = $2
                    UNION ALL SELECT 'funnel ' || name FROM funnels WHERE tenant_id = $1 AND fallback_owner_id = $2
                    UNION ALL SELECT 'routing rule ' || name FROM routing_rules WHERE tenant_id = $1 AND (assign->>'owner_id')::uuid = $2
                    UNION ALL SELECT 'SLA policy ' || name FROM sla_policies WHERE tenant_id = $1
                        AND EXISTS (SELECT FROM jsonb_array_elements(escalations) e WHERE (e->>'owner_id')::uuid = $2)
                    UNION ALL SELECT count(*) || ' lead(s)' FROM leads WHERE tenant_id = $1 AND owner_id = $2 HAVING count(*) > 0
                    UNION ALL SELECT count(*) || ' recorded response(s)' FROM lead_responses WHERE tenant_id = $1 AND owner_id = $2 HAVING count(*) > 0
                    """
            )
        case .team:
            ConfigTable(
                kind: kind,
                json: """
                    to_jsonb(r) - 'tenant_id' || jsonb_build_object(
                        'member_ids', coalesce((SELECT jsonb_agg(m.owner_id ORDER BY m.position) FROM team_members m
                                                WHERE m.tenant_id = r.tenant_id AND m.team_id = r.id), '[]'),
                        'weights', coalesce((SELECT jsonb_object_agg(m.owner_id, m.weight) FROM team_members m
                                             WHERE m.tenant_id = r.tenant_id AND m.team_id = r.id AND m.weight <> 1), '{}'))
                    """,
                updatable: ["name", "updated_at"],
                referrers: """
                    SELECT 'routing rule ' || name FROM routing_rules WHERE tenant_id = $1 AND (assign->>'team_id')::uuid = $2
                    UNION ALL SELECT 'SLA policy ' || name FROM sla_policies WHERE tenant_id = $1
                        AND EXISTS (SELECT FROM jsonb_array_elements(escalations) e WHERE (e->>'team_id')::uuid = $2)
                    """
            )
        case .calendar:
            ConfigTable(
                kind: kind, json: plain,
                updatable: ["name", "timezone", "hours", "holidays", "updated_at"],
                referrers: """
                    SELECT 'owner ' || name FROM owners WHERE tenant_id = $1 AND calendar_id = $2
                    UNION ALL SELECT 'SLA policy ' || name FROM sla_policies WHERE tenant_id = $1 AND calendar_id = $2
                    """
            )
        case .slaPolicy:
            ConfigTable(
                kind: kind, json: plain,
                updatable: ["name", "target_seconds", "calendar_id", "warn_before_seconds", "escalations", "restart_on_reassign", "updated_at"],
                referrers: """
                    SELECT 'funnel ' || name FROM funnels WHERE tenant_id = $1 AND sla_policy_id = $2
                    UNION ALL SELECT 'routing rule ' || name FROM routing_rules WHERE tenant_id = $1 AND sla_policy_id = $2
                    UNION ALL SELECT count(*) || ' lead(s)' FROM leads WHERE tenant_id = $1 AND sla_policy_id = $2 HAVING count(*) > 0
                    """
            )
        case .funnel:
            ConfigTable(
                kind: kind, json: plain,
                updatable: ["name", "qualify_min_score", "sla_policy_id", "fallback_owner_id", "active", "updated_at"],
                referrers: """
                    SELECT 'routing rule ' || name FROM routing_rules WHERE tenant_id = $1 AND funnel_id = $2
                    UNION ALL SELECT count(*) || ' lead(s)' FROM leads WHERE tenant_id = $1 AND funnel_id = $2 HAVING count(*) > 0
                    """
            )
        case .routingRule:
            ConfigTable(
                kind: kind, json: plain,
                updatable: ["name", "funnel_id", "position", "conditions", "assign", "sla_policy_id", "updated_at"],
                referrers: nil
            )
        case .channel:
            // The secret a rotation replaced stays out of the record: only
            // the dispatcher's claim reads it (DeliveryStore), to sign with.
            ConfigTable(
                kind: kind, json: "\(plain) - 'previous_secret' - 'previous_secret_expires_at'",
                updatable: ["name", "config", "secret", "events", "active", "updated_at"],
                referrers: """
                    SELECT count(*) || ' deliveries' FROM deliveries WHERE tenant_id = $1 AND channel_id = $2 HAVING count(*) > 0
                    """
            )
        }
    }

    private static let plain = "to_jsonb(r) - 'tenant_id'"
}
