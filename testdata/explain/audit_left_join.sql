-- Every active user's WebAuthn enrollments, users without any included.
EXPLAIN SELECT u.profile->>'$.login' AS login, e.status, e.profile->>'$.authenticatorName' AS model
FROM okta.users.users u
LEFT JOIN okta.webauthn_registration.enrollments e ON e.userId = u.id AND e.subdomain = u.subdomain
WHERE u.subdomain = 'acme' AND u.status = 'ACTIVE'
