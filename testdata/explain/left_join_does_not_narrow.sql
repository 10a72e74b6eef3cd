-- h may be missing for a user (LEFT JOIN), so it cannot narrow whose
-- enrollments are read: every user's are.
EXPLAIN SELECT u.id, h.status, e.id
FROM okta.users.users u
LEFT JOIN hr.employees.employees h ON h.email = u.profile->>'$.email' AND h.status = 'terminated'
JOIN okta.webauthn_registration.enrollments e ON e.userId = u.id AND e.subdomain = 'acme'
WHERE u.subdomain = 'acme'
