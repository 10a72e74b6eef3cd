DELETE FROM okta.webauthn_registration.enrollments
WHERE subdomain = '{{ subdomain }}' --required;
