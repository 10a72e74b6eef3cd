EXPLAIN SELECT id, status FROM okta.users.users WHERE subdomain = 'acme' AND id IN ('00ub0oNGTSWTBKOLGLNR', 'alice@example.com')
