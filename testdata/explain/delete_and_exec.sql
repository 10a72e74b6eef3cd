EXPLAIN DELETE FROM okta.webauthn_registration.enrollments
WHERE subdomain = 'acme' AND userId = '00u1' AND authenticatorEnrollmentId IN ('fwf1', 'fwf2');
EXPLAIN EXEC okta.webauthn_registration.enrollments.send_pin @subdomain='acme'
@@json='{"authenticatorEnrollmentId": "fwf1", "fulfillmentProvider": "yubico", "userId": "00u1"}'
