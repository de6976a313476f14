-- Billing counts delivered notifications by the day they were delivered;
-- reports and usage read leads by creation time (leads_by_created serves that).
CREATE INDEX deliveries_delivered ON deliveries (tenant_id, delivered_at) WHERE status = 'delivered';
