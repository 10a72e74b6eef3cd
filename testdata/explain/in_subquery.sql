EXPLAIN SELECT status, count(*) FROM okta.webauthn_registration.enrollments
WHERE subdomain = 'acme'
  AND userId IN (SELECT id FROM okta.users.users WHERE subdomain = 'acme' AND filter = 'status eq "SUSPENDED"')
GROUP BY status
