EXPLAIN SELECT u.id, count(DISTINCT f.id) AS factors, count(DISTINCT e.id) AS keys
FROM okta.users.users u
JOIN okta.users.factors f ON f.userId = u.id AND f.subdomain = 'acme'
LEFT JOIN okta.webauthn_registration.enrollments e ON e.userId = u.id AND e.subdomain = 'acme'
WHERE u.subdomain = 'acme'
GROUP BY u.id
