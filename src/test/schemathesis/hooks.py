"""Checks the API fuzzing adds to schemathesis' own: a client error is an RFC 9457 problem, never a bare status."""
import schemathesis


@schemathesis.check
def client_errors_are_problems(ctx, response, case):
    """Every 4xx answers application/problem+json with its status in the body."""
    if 400 <= response.status_code < 500:
        content_type = response.headers.get("content-type", [""])[0]
        if not content_type.startswith("application/problem+json"):
            raise AssertionError(f"{response.status_code} answered {content_type or 'no content type'}, not application/problem+json")
        if response.json().get("status") != response.status_code:
            raise AssertionError(f"{response.status_code} answered a problem whose status is {response.json().get('status')}")
