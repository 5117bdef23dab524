"""Where a request comes from: the client IP, trusting forwarding headers only from our proxies."""

import ipaddress

MAX_USER_AGENT = 512


def client_ip(remote_addr: str, forwarded_for: str | None, trusted_proxies) -> str:
    """Walk X-Forwarded-For from the nearest hop: the first untrusted address is the client."""
    address = remote_addr or ""
    if not trusted_proxies or not forwarded_for:
        return address
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    while _trusted(address, trusted_proxies) and hops:
        candidate = hops.pop()
        try:
            ipaddress.ip_address(candidate)
        except ValueError:
            return address
        address = candidate
    return address


def _trusted(address: str, trusted_proxies) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted_proxies)


def user_agent(header: str | None) -> str:
    return (header or "")[:MAX_USER_AGENT]
