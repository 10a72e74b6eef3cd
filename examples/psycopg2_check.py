"""Query specsql serve with psycopg2 and pandas, as a notebook would.

Run against `specsql serve --demo`: python3 examples/psycopg2_check.py [port]
Exits non-zero if any check fails.
"""
import sys

import pandas as pd
import psycopg2

port = int(sys.argv[1]) if len(sys.argv) > 1 else 5466
conn = psycopg2.connect(host="127.0.0.1", port=port, user="specsql", dbname="specsql")
cur = conn.cursor()

# A bound parameter: psycopg2 quotes it into the statement.
cur.execute("SELECT id, status FROM okta.users.users WHERE subdomain = %s AND id = %s", ("demo", "00uTCzrt0njgq8tVxtzw"))
rows = cur.fetchall()
assert rows == [("00uTCzrt0njgq8tVxtzw", "ACTIVE")], rows
assert [d.name for d in cur.description] == ["id", "status"], cur.description

# A value with a quote and a backslash reaches the statement unchanged.
cur.execute("SELECT %s AS v", ("it's a \\ test",))
assert cur.fetchone() == ("it's a \\ test",)

# Typed columns: counts are integers, objects are JSON.
cur.execute(
    "SELECT count(*) AS n, max(profile) AS p FROM okta.webauthn_registration.enrollments "
    "WHERE subdomain = 'demo' AND userId = %(user)s",
    {"user": "00uZCVxgsmCjPIPh4ZKa"},
)
n, _ = cur.fetchone()
assert isinstance(n, int) and n > 0, n

# Errors are PostgreSQL errors carrying specsql's message.
try:
    cur.execute("SELECT id FROM okta.webauthn_registration.enrollments WHERE subdomain = 'demo'")
    raise AssertionError("a missing parameter must fail")
except psycopg2.Error as e:
    assert "needs userId" in str(e), e
    conn.rollback()

df = pd.read_sql(
    "SELECT status, count(*) AS enrollments FROM okta.webauthn_registration.enrollments "
    "WHERE subdomain = 'demo' AND userId IN (SELECT id FROM okta.users.users WHERE subdomain = 'demo') "
    "GROUP BY status ORDER BY status",
    conn,
)
assert list(df.columns) == ["status", "enrollments"], df.columns
assert df["enrollments"].dtype.kind == "i", df.dtypes
assert df["enrollments"].sum() > 0
print(df.to_string(index=False))
print("psycopg2 and pandas checks passed")
