-- An owner's open leads, summed over their load slots and never negative,
-- written once: `OwnerLoad` (the API and the timer engine), the intake's
-- `handoff_routing_state` and bench/soak's drift check all call this. A
-- single-SELECT SQL function is inlined into the query that calls it, so it
-- costs what the expression it replaces cost.
CREATE FUNCTION handoff_open_leads(p_tenant uuid, p_owner uuid) RETURNS bigint
    LANGUAGE sql STABLE
    AS $$ SELECT greatest(coalesce(sum(l.delta), 0), 0)::bigint FROM owner_load l
          WHERE l.tenant_id = p_tenant AND l.owner_id = p_owner $$;
GRANT EXECUTE ON FUNCTION handoff_open_leads(uuid, uuid) TO handoff_app;

CREATE OR REPLACE FUNCTION handoff_routing_state(p_tenant uuid)
    RETURNS TABLE (is_team boolean, id uuid, value bigint)
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM set_config('role', 'handoff_app', true), set_config('app.tenant_id', p_tenant::text, true),
            set_config('app.scope', '', true);
    RETURN QUERY
        SELECT false, o.id, handoff_open_leads(o.tenant_id, o.id)
        FROM owners o WHERE o.tenant_id = p_tenant
        UNION ALL
        SELECT true, r.team_id, r.turns FROM team_rotation r WHERE r.tenant_id = p_tenant;
END
$$;
