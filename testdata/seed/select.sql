SELECT
id,
_links,
created,
factorType,
lastUpdated,
profile,
provider,
status,
vendorName
FROM okta.webauthn_registration.enrollments
WHERE subdomain = '{{ subdomain }}' -- required;
