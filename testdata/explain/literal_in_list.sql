EXPLAIN SELECT id, status FROM okta.webauthn_registration.enrollments
WHERE subdomain = 'acme' AND userId IN ('00u1', '00u2', '00u3')
