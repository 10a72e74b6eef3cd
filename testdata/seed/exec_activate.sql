EXEC okta.webauthn_registration.enrollments.activate_preregistration_enrollment 
@subdomain='{{ subdomain }}' --required
@@json=
'{
"credResponses": "{{ credResponses }}",
"fulfillmentProvider": "{{ fulfillmentProvider }}",
"pinResponseJwe": "{{ pinResponseJwe }}",
"serial": "{{ serial }}",
"userId": "{{ userId }}",
"version": "{{ version }}",
"yubicoSigningJwks": "{{ yubicoSigningJwks }}"
}';
