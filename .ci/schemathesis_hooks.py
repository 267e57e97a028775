"""Schemathesis hooks for .ci/schemathesis.

Some values must be fresh for each new request, and schemathesis draws its values at random and
repeats them across cases, so in every case meant to be valid they are made fresh before the call
(schemathesis' own advice for unique fields). Negative cases are left as they are: they expect a
refusal, which a repeated value also gives.

- `Idempotency-Key`: the same key with another request is refused (422), as the header's contract
  says; a fresh key replaces it.
- Create Instance's `subdomain`: a subdomain in use is refused (422, as documented); a counter is
  appended, which keeps a valid label valid.
"""

import itertools
import uuid

import schemathesis

_fresh = itertools.count(1)


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            headers[name] = uuid.uuid4().hex
    body = case.body
    if case.method.upper() == "POST" and case.path == "/v1/instances" and isinstance(body, dict):
        subdomain = body.get("subdomain")
        if isinstance(subdomain, str) and subdomain.strip():
            body["subdomain"] = f"{subdomain[:50]}x{next(_fresh):x}"
