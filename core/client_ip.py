"""The address a request came from, for rate limits and login throttling.

Behind a reverse proxy every request arrives from the proxy's address, so limits keyed on
REMOTE_ADDR would throttle a whole county office at once. With TRUSTED_PROXY_COUNT = N the client is
the address the outermost of those N proxies saw: the N-th entry from the right of
X-Forwarded-For (each proxy appends the address it received from, so entries a client forged stay
on the left). With 0, the default, X-Forwarded-For is ignored: nobody can forge it.
"""

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:  # not through all the proxies: take what we can trust
        return remote
    return forwarded[-count]
