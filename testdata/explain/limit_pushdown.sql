EXPLAIN SELECT id, profile->>'$.login' FROM okta.users.users WHERE subdomain = 'acme' LIMIT 20;
EXPLAIN SELECT id FROM okta.users.users WHERE subdomain = 'acme' AND status = 'ACTIVE' LIMIT 20
