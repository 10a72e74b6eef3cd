-- Former employees who still hold an active WebAuthn enrollment.
EXPLAIN SELECT h.email, h.terminationDate, e.id, e.profile->>'$.authenticatorName' AS model
FROM hr.employees.employees h
JOIN okta.users.users u ON u.profile->>'$.email' = h.email
JOIN okta.webauthn_registration.enrollments e ON e.userId = u.id AND e.subdomain = u.subdomain
WHERE h.status = 'terminated' AND u.subdomain = 'acme' AND e.status = 'ACTIVE'
